"""A new cell predicted genome-wide by Catchitt's trained models, on the `bench` preset.

Target: <= 10 min and <= 4 GB peak RSS on 2 cores for everything a new cell costs with
both demo feature sets (dnase, dnase_motif): its DNase features (dnase, dnase_peaks),
its expression features, and the prediction of every window of the grid (the union of
the release's region files, 20.6 M windows over 1.03 Gb) with each set's models.

Set up once and not timed, kept under bench/out/predict_genome and reused by later runs:
the caches that belong to the genome, not to a cell, and so are shared by every cell
(the TF's motif scan and the sequence features); and the trained models (one per
training cell and feature set, as the workflow trains them), with the training cells'
features while a model is still missing (they may be deleted afterwards: 4 GB a cell).

Each step runs in its own process (peak RSS its own); steps run one after the other,
each with 2 threads where it has threads, so the total is what 2 cores take at most (a
workflow overlaps the single-threaded feature steps).

Usage: python bench/bench_predict_genome.py [RELEASE] [--cell liver] [--train-cells A549,HepG2,K562]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from _util import OUT, dreamtf, timed

TF, TEST, VALID = "CTCF", ("chr1", "chr8", "chr21"), ("chr11",)
SETS = {"dnase": ["dnase", "dnase_peaks"], "dnase_motif": ["dnase", "dnase_peaks", "motif", "sequence", "expression"]}

STEP = r"""
import json, sys, time
from pathlib import Path
import numpy as np
from dreamtf import catchitt, featurestore as fs, release as rl
from dreamtf.io.chroms import chrom_sort_key, read_chrom_sizes
from dreamtf.io.windowtable import write_predictions
R, W, step, arg = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
SETS, TF, TEST, VALID = json.loads(sys.argv[5]), sys.argv[6], sys.argv[7].split(","), sys.argv[8].split(",")
regs = [rl.regions_path(R, "train"), rl.regions_path(R, "test")]
rna = lambda cell: [rl.rnaseq_path(R, cell, k) for k in (1, 2)]
feat = lambda group, key: W / "features" / group / f"{key}.npz"
paths = lambda groups, cell: [feat(g, fs.group_key(g, TF, cell)) for g in groups]
info = {}
if step == "motif":
    fs.build_motif(TF, rl.fasta_path(R, "hg19.genome.fa.gz"), regs, feat("motif", TF), size=200)
elif step == "sequence":
    fs.build_sequence(rl.fasta_path(R, "hg19.genome.fa.gz"), regs, feat("sequence", "genome"), size=200)
elif step == "dnase":
    fs.build_dnase(rl.dnase_bigwig_path(R, arg), regs, feat("dnase", arg), size=200)
elif step == "dnase_peaks":
    fs.build_dnase_peaks(rl.dnase_peaks_path(R, arg, "conservative"), rl.dnase_peaks_path(R, arg, "relaxed"), regs,
                         feat("dnase_peaks", arg), size=200, chrom_sizes=read_chrom_sizes(rl.chrom_sizes_path(R)))
elif step == "expression":
    fs.build_expression(rl.gtf_path(R), rna(arg), regs, feat("expression", arg), size=200)
elif step == "train":
    name, cell = arg.split(":")
    with fs.open_feature_set(paths(SETS[name], cell), SETS[name], TF, rl.gtf_path(R), rna(cell)) as f:
        chroms = [c for c in f.chroms if c not in TEST + VALID]
        m = catchitt.train(f, rl.labels_path(R, TF), cell, train_chroms=chroms, valid_chroms=VALID, size=200, threads=2)
    catchitt.save_model(W / "models" / name / f"{TF}.{cell}.zip", m)
elif step == "predict":
    name, cell, train_cells = arg.split(":")
    models = [catchitt.load_model(W / "models" / name / f"{TF}.{c}.zip") for c in train_cells.split(",")]
    out = W / "predictions" / name / f"F.{TF}.{cell}.tab.gz"
    with fs.open_feature_set(paths(SETS[name], cell), SETS[name], TF, rl.gtf_path(R), rna(cell)) as f:
        def per_chrom():
            for chrom in sorted(f.chroms, key=chrom_sort_key):
                starts, x = f.load(chrom)
                scores = catchitt.predict(models, x, f.columns, threads=2)
                del x  # else this chromosome's features stay alive while the next one's load
                yield chrom, starts, scores
        info["windows"] = write_predictions(out, per_chrom(), size=200)
    info["models"] = len(models)
print(json.dumps(info))
"""


def _run(release: Path, work: Path, step: str, arg: str) -> tuple[float, float, float, dict]:
    cmd = [sys.executable, "-c", STEP, str(release), str(work), step, arg, json.dumps(SETS), TF]
    wall, rss, r = timed(cmd + [",".join(TEST), ",".join(VALID)])
    return wall, rss, r.cpu_seconds, json.loads(r.stdout.strip().splitlines()[-1])


def setup(release: Path, work: Path, train_cells: list[str]) -> None:
    """The genome's caches, the training cells' features and the models, each made once."""
    todo = [("motif", TF), ("sequence", "genome")]
    untrained = [(n, c) for n in SETS for c in train_cells if not (work / "models" / n / f"{TF}.{c}.zip").exists()]
    for cell in sorted({c for _, c in untrained}):  # a training cell's features serve its training only
        todo += [(g, cell) for g in ("dnase", "dnase_peaks", "expression")]
    for group, key in todo:
        if not (work / "features" / group / f"{key}.npz").exists():
            wall, rss, _, _ = _run(release, work, group, key)
            print(f"set-up {group} {key}: {wall:.0f} s, {rss:.2f} GB", flush=True)
    for name, cell in untrained:
        wall, rss, _, _ = _run(release, work, "train", f"{name}:{cell}")
        print(f"set-up train {name} {cell}: {wall:.0f} s, {rss:.2f} GB", flush=True)


def main(release: Path, cell: str, train_cells: list[str]) -> None:
    if not release.is_dir():
        print(f"writing the bench release to {release} ...", flush=True)
        subprocess.run([dreamtf(), "simulate", "--preset", "bench", "--out", str(release)], check=True)
    work = OUT / "predict_genome"
    setup(release, work, train_cells)
    steps = [("dnase", cell), ("dnase_peaks", cell), ("expression", cell)]
    steps += [("predict", f"{name}:{cell}:{','.join(train_cells)}") for name in SETS]
    total = cpu = peak = 0.0
    for step, arg in steps:
        wall, rss, sec, info = _run(release, work, step, arg)
        total, cpu, peak = total + wall, cpu + sec, max(peak, rss)
        print(f"{step:12s} {arg:40s} {wall:6.1f} s  {sec:6.1f} CPU s  peak RSS {rss:.2f} GB  {info}", flush=True)
    print(f"{'new cell, both feature sets':53s} {total:6.1f} s  {cpu:6.1f} CPU s  peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("release", nargs="?", type=Path, default=OUT / "bench_release")
    ap.add_argument("--cell", default="liver", help="the new cell (its DNase, peaks and RNA-seq from the release)")
    ap.add_argument("--train-cells", default="A549,HepG2,K562", help="cells with a trained model per feature set")
    args = ap.parse_args()
    main(args.release, args.cell, args.train_cells.split(","))
