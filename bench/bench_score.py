"""Target: `dreamtf score` on 10 M windows in <= 30 s.

Writes a 10 M-window label TSV and submission (realistic class balance: 1 % B, 1 % A)
under bench/out, then times the CLI with and without the 10-fold bootstrap.

Usage: python bench/bench_score.py [N_WINDOWS]
"""

import json
import sys

import numpy as np
from _util import OUT, dreamtf, timed

from dreamtf.io.windowtable import write_labels, write_predictions


def main(n: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    chroms = {"chr1": int(n * 0.5), "chr8": int(n * 0.35)}
    chroms["chr21"] = n - sum(chroms.values())
    lab, pred = OUT / f"score{n}.labels.tsv.gz", OUT / f"F.score{n}.liver.tab.gz"
    items, preds = [], []
    for c, k in chroms.items():
        starts = np.arange(600, 600 + 50 * k, 50, dtype=np.int64)
        codes = rng.choice(np.array([0, 1, 2], dtype=np.uint8), k, p=[0.98, 0.01, 0.01])
        items.append((c, starts, codes))
        preds.append((c, starts, np.round(rng.random(k) * (1 + 2 * (codes == 2)), 4)))
    write_labels(lab, ["liver"], iter(items), size=200)
    write_predictions(pred, iter(preds), size=200)
    for boot in (0, 10):
        cmd = [
            dreamtf(),
            "score",
            "--labels",
            str(lab),
            "--cell",
            "liver",
            "--predictions",
            str(pred),
            "--bootstrap",
            str(boot),
            "--json",
        ]
        wall, rss, r = timed(cmd)
        res = json.loads(r.stdout) if boot == 0 else {}
        print(f"windows={n} bootstrap={boot} wall_s={wall:.1f} peak_rss_GB={rss:.2f} {res}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
