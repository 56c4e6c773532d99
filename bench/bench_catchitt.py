"""Catchitt's speed and memory targets, on the `bench` preset (real hg19 chromosome lengths).

* DNase features for one cell: >= 200,000 windows/s;
* motif scan of one matrix over both strands: >= 10 Mbp/s;
* training one catchitt model on a real-size training set: minutes; prediction >= 1 M windows/s;
* peak memory of any step on chr1 (249 Mb): <= 6 GB.

Each step runs in its own process so that its peak memory is measured alone.
Usage: python bench/bench_catchitt.py [RELEASE]   (default: bench/out/bench_release,
written by `dreamtf simulate --preset bench --out bench/out/bench_release` when missing)
"""

import sys
from pathlib import Path

from _util import OUT, run_steps

STEP = r"""
import json, sys, time
import numpy as np
from dreamtf import featurestore as fs, release as rl, catchitt
from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.featurefile import FeatureFile
R, out, step = sys.argv[1], sys.argv[2], sys.argv[3]
regs = [rl.regions_path(R, "train"), rl.regions_path(R, "test")]
n_windows = sum(len(s) for _, s, _ in fs.region_windows(regs, 200))
t = time.perf_counter()
info = {}
if step == "dnase":
    fs.build_dnase(rl.dnase_bigwig_path(R, "HepG2"), regs, out + "/dnase/HepG2.npz", size=200)
    info["windows_per_s"] = n_windows / (time.perf_counter() - t)
elif step == "dnase_peaks":
    fs.build_dnase_peaks(rl.dnase_peaks_path(R, "HepG2", "conservative"), rl.dnase_peaks_path(R, "HepG2", "relaxed"),
                         regs, out + "/dnase_peaks/HepG2.npz", size=200,
                         chrom_sizes=read_chrom_sizes(rl.chrom_sizes_path(R)))
elif step == "motif":
    fs.build_motif("CTCF", rl.fasta_path(R, "hg19.genome.fa.gz"), regs, out + "/motif/CTCF.npz", size=200)
    sizes = FeatureFile(out + "/motif/CTCF.npz").chroms
    info["genome_bp"] = sum(int(l.split()[1]) for l in open(rl.chrom_sizes_path(R)))
    info["mbp_per_s_incl_fasta_read"] = info["genome_bp"] / 1e6 / (time.perf_counter() - t)
elif step == "train":
    with fs.FeatureSet([out + "/dnase/HepG2.npz", out + "/dnase_peaks/HepG2.npz", out + "/motif/CTCF.npz"]) as f:
        chroms = [c for c in f.chroms if c not in ("chr1", "chr8", "chr21", "chr11")]
        m = catchitt.train(f, rl.labels_path(R, "CTCF"), "HepG2", train_chroms=chroms, valid_chroms=["chr11"],
                           size=200, threads=2)
    catchitt.save_model(out + "/model.zip", m)
    info["history"] = m["meta"]["history"]
elif step == "predict":
    m = catchitt.load_model(out + "/model.zip")
    with fs.FeatureSet([out + "/dnase/HepG2.npz", out + "/dnase_peaks/HepG2.npz", out + "/motif/CTCF.npz"]) as f:
        s, x = f.load("chr1")
        t = time.perf_counter()
        p = catchitt.predict([m], x, f.columns, threads=2)
        info["windows"] = len(x)
        info["windows_per_s"] = len(x) / (time.perf_counter() - t)
info["wall_s"] = time.perf_counter() - t
print(json.dumps(info))
"""


def main(release: Path) -> None:
    run_steps(STEP, release, OUT / "catchitt", ["dnase", "dnase_peaks", "motif", "train", "predict"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT / "bench_release")
