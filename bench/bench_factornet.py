"""Targets of the FactorNet issue (CPU here; on a GPU when one is present).

* CPU inference with the default sizes: >= 1,000 windows/s;
* training throughput (windows/s);
* peak memory in training and inference: <= 8 GB whatever the genome size (the genome
  is memory-mapped; DNase is read per window or per chunk).

Usage: python bench/bench_factornet.py [RELEASE]   (default: bench/out/bench_release,
simulated with the `bench` preset when missing). Trains CTCF on HepG2 for 2 epochs and
predicts chr21 (real length) of liver.
"""

import sys
from pathlib import Path

from _util import OUT, run_steps

STEP = r"""
import json, sys, time
import numpy as np
from dreamtf import factornet as fn, release as rl
from dreamtf.io.fasta import GenomeCodes, write_genome_codes
from dreamtf.io.windowtable import read_regions
R, out, step = sys.argv[1], sys.argv[2], sys.argv[3]
info = {}
t = time.perf_counter()
if step == "genome":
    write_genome_codes(rl.fasta_path(R, "hg19.genome.fa.gz"), out + "/g.u8", out + "/g.json")
elif step == "train":
    g = GenomeCodes(out + "/g.u8", out + "/g.json")
    p = {"epochs": 2, "bound_per_epoch": 6000, "patience": 5}
    model, meta = fn.train(g, {"HepG2": rl.dnase_bigwig_path(R, "HepG2")}, rl.labels_path(R, "CTCF"),
                           train_chroms=["chr2", "chr22", "chrX"], valid_chroms=["chr11"], size=200, threads=2,
                           params=p)
    fn.save(model, out + "/CTCF.keras", meta, out + "/CTCF.json")
    info["windows_trained"] = 2 * 6000 * 3  # epochs x bound x (1 + negatives_per_bound)
    info["windows_per_s_incl_setup"] = info["windows_trained"] / (time.perf_counter() - t)
    info["device"] = meta["device"]
elif step == "predict":
    g = GenomeCodes(out + "/g.u8", out + "/g.json")
    model, meta = fn.load(out + "/CTCF.keras", out + "/CTCF.json")
    reg = read_regions(rl.regions_path(R, "test"), chroms=["chr21"])
    n = sum(len(s) for _, _, s in fn.predict_regions(model, meta, g, rl.dnase_bigwig_path(R, "liver"), reg,
                                                      cell="liver"))
    info["windows"] = n
    info["windows_per_s"] = n / (time.perf_counter() - t)
info["wall_s"] = time.perf_counter() - t
print(json.dumps(info))
"""


def main(release: Path) -> None:
    run_steps(STEP, release, OUT / "factornet", ["genome", "train", "predict"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT / "bench_release")
