"""What a cell given as reads scores: the tests' tiny run, trained on the release's tracks
(`accessibility: files`) and on tracks made from the release's reads (`accessibility: reads`),
each predicting the held-out cell (liver) three ways, scored on its labels:

- liver: the release's own layout (its files, or its BAM through the pipeline);
- liver_bam: a BAM drawn again from liver's track (another sample of the same cell, same depth);
- sc_liver: the liver cluster of a fragments file (its fragments give as many cut sites).

    python bench/bench_reads.py [--out DIR]

Prints auPRC per model and way, and the wall time of each reads step (from the runs' logs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from dreamtf.scoring import score_files  # noqa: E402
from dreamtf.simreads import READS_PER_MB, write_simulated_bam, write_simulated_fragments  # noqa: E402

TRACK = "resources/release/DNASE/fold_coverage_wiggles/DNASE.{}.fc.signal.bigwig"
CELLS = """
tfs:
  CTCF:
    train_cells: [HepG2, K562]
    test_cells: [liver]
    predict_cells: [liver_bam, sc]
cells:
  liver_bam: {bam: reads/liver.bam, assay: DNase-seq}
  sc: {fragments: reads/fragments.tsv.gz, clusters: reads/clusters.tsv}
predict:
  held_out: genome
"""


def snakemake(work: Path, *configs: str) -> float:
    cmd = [str(Path(sys.executable).with_name("snakemake")), "-s", str(ROOT / "Snakefile"), "-d", str(work)]
    t = time.perf_counter()
    files = [str(work / c) for c in configs]
    r = subprocess.run([*cmd, "--cores", "2", "--configfile", *files], capture_output=True, text=True)
    if r.returncode:
        sys.exit(r.stderr[-3000:])
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("bench_reads"))
    args = ap.parse_args()
    rows = []
    for how in ("files", "reads"):
        work = (args.out / how).resolve()
        work.mkdir(parents=True, exist_ok=True)
        (work / "tiny.yaml").write_text((ROOT / "tests/config.yaml").read_text() + f"accessibility: {how}\n")
        first = snakemake(work, "tiny.yaml")
        rng = np.random.default_rng(11)
        track = str(work / TRACK.format("liver"))
        write_simulated_bam(track, work / "reads/liver.bam", reads_per_mb=READS_PER_MB, assay="DNase-seq", rng=rng)
        # half as many fragments as the BAM's reads: each gives two cut sites
        n = int(sum(v for v in _sizes(track).values()) / 1e6 * READS_PER_MB / 2)
        write_simulated_fragments(
            {"liver": track, "PC-3": str(work / TRACK.format("PC-3"))},
            work / "reads/fragments.tsv.gz",
            work / "reads/clusters.tsv",
            fragments={"liver": n, "PC-3": n},
            barcodes=200,
            rng=rng,
        )
        (work / "cells.yaml").write_text(CELLS)
        second = snakemake(work, "tiny.yaml", "cells.yaml")
        print(f"accessibility {how}: training run {first:.0f} s, adding the reads cells {second:.0f} s")
        for model in ("baseline/dnase_max", "catchitt/dnase"):
            for way, cell, folder in (("release layout", "liver", "genome_wide"), ("BAM", "liver_bam", "predictions"),
                                      ("fragments", "sc_liver", "predictions")):  # fmt: skip
                got = score_files(
                    work / "results/labels/CTCF.test.labels.tsv.gz"
                    if (work / "results/labels/CTCF.test.labels.tsv.gz").exists()
                    else work / "resources/release/ChIPseq/labels/CTCF.test.labels.tsv.gz",
                    "liver",
                    work / f"results/{folder}/{model}/F.CTCF.{cell}.tab.gz",
                    chroms=["chr1", "chr8", "chr21"],
                    bootstrap=0,
                )
                rows.append((how, model, way, got["auprc"]))
        for rec in sorted((work / "results/reads").glob("*/reads.json")):
            r = json.loads(rec.read_text())
            print(f"  {r['cell']}: {r['cuts']:,} cut sites, {r['conservative_peaks']:,} peaks, FRiP {r['frip']:.3f}")
    print("\naccessibility  model                way             auPRC")
    for how, model, way, auprc in rows:
        print(f"{how:13}  {model:19}  {way:14}  {auprc:.3f}")


def _sizes(bigwig: str) -> dict[str, int]:
    import pyBigWig

    bw = pyBigWig.open(bigwig)
    try:
        return dict(bw.chroms())
    finally:
        bw.close()


if __name__ == "__main__":
    main()
