"""Models trained on one build, predicting on another: a finished run's bundle predicts a cell of
its release on a shifted build (every chromosome longer by a stretch at its start) with
`dreamtf predict`, and each model's genome-wide scores are compared with the same cell's on
the original build, at the shifted windows, away from the chromosome ends.

    python bench/bench_cross_build.py RUN_DIR CELL [--tf CTCF] [--shift 5000] [--out DIR]

RUN_DIR is a finished training run (its release under resources/release, its config.yaml);
CELL one of its cells. The original build's genome-wide scores come from a `dreamtf predict`
on the original genome, so both sides go through the same command. Prints per model the
Spearman correlation, the share of windows with equal scores, and each run's wall time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf.io.chroms import read_chrom_sizes  # noqa: E402
from dreamtf.io.windowtable import read_predictions  # noqa: E402
from dreamtf.simshift import write_shifted_build  # noqa: E402

EDGE = 5_000  # bp kept from each chromosome end: there the stretch gives features a flank the other build lacks


def predict(bundle: Path, release: Path, cell: str, tf: str, out: Path) -> float:
    dnase = release / "DNASE"
    cmd = [
        str(Path(sys.executable).with_name("dreamtf")),
        "predict",
        "--models",
        str(bundle),
        "--genome",
        str(release / "annotations/hg19.genome.fa.gz"),
        "--blacklist",
        str(release / "annotations/blacklist.bed.gz"),
        "--gtf",
        str(release / "annotations/gencode.v19.annotation.gtf.gz"),
        "--tf",
        tf,
        "--cell",
        f"{cell}={dnase}/fold_coverage_wiggles/DNASE.{cell}.fc.signal.bigwig",
        "--peaks",
        f"{cell}={dnase}/peaks/conservative/DNASE.{cell}.conservative.narrowPeak.gz,"
        f"{dnase}/peaks/relaxed/DNASE.{cell}.relaxed.narrowPeak.gz",
        "--rnaseq",
        f"{cell}=" + ",".join(str(p) for p in sorted((release / "RNAseq").glob(f"gene_expression.{cell}.biorep*.tsv"))),
        "--out",
        str(out),
        "--cores",
        "2",
    ]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"dreamtf predict failed in {out}:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t0


def compare(first: Path, second: Path, sizes: dict[str, int], shift: int) -> tuple[float, float, int]:
    a, b = read_predictions(first), read_predictions(second)
    xa, xb = [], []
    for chrom, length in sizes.items():
        rows, there = a.chrom_rows(chrom), b.chrom_rows(chrom)
        at = {int(x): k for k, x in zip(there, b.start[there])}
        inner = rows[(a.start[rows] >= EDGE) & (a.start[rows] <= length - EDGE)]
        xa.append(a.score[inner])
        xb.append(b.score[[at[int(x) + shift] for x in a.start[inner]]])
    xa, xb = np.concatenate(xa), np.concatenate(xb)
    return float(spearmanr(xa, xb).statistic), float(np.mean(xa == xb)), len(xa)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("cell")
    ap.add_argument("--tf", default="CTCF")
    ap.add_argument("--shift", type=int, default=5_000)
    ap.add_argument("--out", type=Path, default=Path("bench_cross_build"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    bundle = args.out / "models.zip"
    if not bundle.is_file():
        dreamtf = str(Path(sys.executable).with_name("dreamtf"))
        r = subprocess.run([dreamtf, "export", str(args.run_dir), str(bundle)], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(r.stderr.strip())
    release = args.run_dir / "resources/release"
    shifted = args.out / "shifted"
    if not shifted.is_dir():
        write_shifted_build(release, shifted, args.shift)
    t_first = predict(bundle, release, args.cell, args.tf, args.out / "first")
    t_second = predict(bundle, shifted, args.cell, args.tf, args.out / "second")
    print(
        f"dreamtf predict, {args.cell} genome-wide: {t_first:.0f} s on the first build, {t_second:.0f} s on the second"
    )
    sizes = read_chrom_sizes(args.out / "first/results/release/chrom.sizes")
    print("| model:feature set | Spearman | windows with equal scores | windows compared |\n|---|---|---|---|")
    for path in sorted((args.out / "first/results/predictions").glob(f"*/*/F.{args.tf}.{args.cell}.tab.gz")):
        run = path.relative_to(args.out / "first/results/predictions").parent
        rho, same, n = compare(path, args.out / "second/results/predictions" / run / path.name, sizes, args.shift)
        print(f"| {run.as_posix().replace('/', ':')} | {rho:.5f} | {same:.4f} | {n:,} |")


if __name__ == "__main__":
    main()
