"""Target: `make demo` with the baseline in <= 2 minutes after set-up.

Times a from-scratch run of the default workflow (simulation included) in a
temporary folder, then prints each rule's time from Snakemake's benchmark files.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from _util import ROOT, timed


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dreamtf-demo-"))
    try:
        shutil.copy(ROOT / "config.yaml", work)
        snakemake = str(Path(sys.executable).with_name("snakemake"))
        wall, rss, _ = timed([snakemake, "-s", str(ROOT / "Snakefile"), "-d", str(work), "--cores", "all"])
        print(f"demo workflow from scratch: {wall:.1f} s wall, peak job RSS {rss:.2f} GB")
        for tsv in sorted((work / "benchmarks").rglob("*.tsv")):
            s = tsv.read_text().splitlines()[1].split("\t")[0]
            print(f"  {tsv.relative_to(work / 'benchmarks')}: {float(s):.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
