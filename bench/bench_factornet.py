"""FactorNet on the CPU at real chromosome lengths (the GPU counterpart: bench/gpu_factornet.py).

Targets: input assembly >= 100,000 windows/s of 1,000 bp inputs on 2 cores; CPU
inference (the stretch path) >= 10,000 windows/s on 2 cores, so that a genome-wide cell
(60 M windows) takes under two hours; peak memory <= 8 GB whatever the genome size
(genome and DNase are memory-mapped). Steps: decode the genome and two cells' DNase once
(bp/s), gather inputs for random and consecutive windows (windows/s), train CTCF on
HepG2 for 2 epochs (windows/s), predict liver's chr21 with 2 threads (windows/s, and
windows per 2 CPU-seconds, the rate on 2 cores of its own when the machine is shared;
`predict_jax` the same on JAX), and `profile`: where the stretch path's time goes per
1,024 windows (the trunk, the pooling, the head; both strands); `predict_heads`: the
same rate on 100,000 windows for cheaper heads (`lstm_units: 16`, `pool_width: 26`) and
for the demo's shorter input (`input_length: 400`).

Usage: python bench/bench_factornet.py [RELEASE] [--steps predict,...]   (default:
bench/out/bench_release, simulated with the `bench` preset when missing; a later step
reuses what the steps before it wrote under bench/out/factornet).
"""

from pathlib import Path

from _util import OUT, run_steps

STEP = r"""
import json, sys, time
import numpy as np
from dreamtf import config, factornet as fn, factornet_predict as fp, factornet_train as ft, release as rl
from dreamtf.factornet_inputs import chrom_inputs, write_dnase_cache
from dreamtf.io.fasta import GenomeCodes, write_genome_codes
from dreamtf.io.memmap import ChromArrays
from dreamtf.io.windowtable import WindowTable, read_regions
R, out, step = sys.argv[1], sys.argv[2], sys.argv[3]
info = {}
t = time.perf_counter()
train_chroms, cells = ["chr2", "chr22", "chrX"], ["HepG2", "liver"]
if step == "genome":
    write_genome_codes(rl.fasta_path(R, "hg19.genome.fa.gz"), out + "/g.u8", out + "/g.json")
elif step == "dnase":
    for c in cells:
        idx = write_dnase_cache(rl.dnase_bigwig_path(R, c), f"{out}/{c}.f16", f"{out}/{c}.json",
                                train_chroms + ["chr11", "chr21"], norm=config.defaults("factornet", "dnase_norm"))
    info["bp_per_s"] = len(cells) * sum(n for _, n in idx.values()) / (time.perf_counter() - t)
elif step == "inputs":
    g, d = GenomeCodes(out + "/g.u8", out + "/g.json"), ChromArrays(out + "/liver.f16", out + "/liver.json")
    reg = read_regions(rl.regions_path(R, "test"), chroms=["chr21"])
    rng = np.random.default_rng(0)
    random_starts = rng.choice(reg.start, 200_000) - 400
    t = time.perf_counter()
    for i in range(0, len(random_starts), 1000):
        chrom_inputs(g, d, "chr21", random_starts[i : i + 1000], 1000)
    info["random_windows_per_s"] = len(random_starts) / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(0, len(reg.start), 1024):
        chrom_inputs(g, d, "chr21", reg.start[i : i + 1024] - 400, 1000)
    info["consecutive_windows_per_s"] = len(reg.start) / (time.perf_counter() - t)
elif step == "train":
    g = GenomeCodes(out + "/g.u8", out + "/g.json")
    p = {**config.defaults("factornet"), "epochs": 2, "bound_per_epoch": 6000, "patience": 5}
    model, meta = ft.train(g, {"HepG2": ChromArrays(out + "/HepG2.f16", out + "/HepG2.json")},
                           rl.labels_path(R, "CTCF"), train_chroms=train_chroms, valid_chroms=["chr11"], size=200,
                           threads=2, params=p)
    fn.save(model, out + "/CTCF.keras", meta, out + "/CTCF.json")
    info["windows_trained"] = int(2 * 6000 * (1 + p["negatives_per_bound"]))  # epochs x bound x (1 + negatives)
    info["windows_per_s_incl_setup"] = info["windows_trained"] / (time.perf_counter() - t)
    info["device"] = meta["device"]
elif step in ("predict", "predict_jax", "profile"):
    import resource
    from dreamtf import backends
    info["backend"] = backends.setup("jax" if step == "predict_jax" else "tensorflow", gpu=False, threads=2)
    g, d = GenomeCodes(out + "/g.u8", out + "/g.json"), ChromArrays(out + "/liver.f16", out + "/liver.json")
    model, meta = fn.load(out + "/CTCF.keras", out + "/CTCF.json")
    reg = read_regions(rl.regions_path(R, "test"), chroms=["chr21"])
    cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    if step == "profile":
        sys.path.insert(0, "bench")
        from factornet_profile import profile_stretch
        info.update(profile_stretch(model, meta, g, d, reg, batch=1024))
    else:
        warm = WindowTable(reg.path, reg.chroms, reg.chrom[:3000], reg.start[:3000], reg.size)
        list(fp.predict_regions(model, meta, g, d, warm, cell="liver", batch=1024))  # builds the functions
        t, c = time.perf_counter(), cpu()
        n = sum(len(s) for _, _, s in fp.predict_regions(model, meta, g, d, reg, cell="liver", batch=1024))
        info["windows"] = n
        info["windows_per_s"] = round(n / (time.perf_counter() - t))
        info["windows_per_2_cpu_s"] = round(2 * n / (cpu() - c))
        info["genome_wide_h_at_that_rate"] = round(60e6 / info["windows_per_s"] / 3600, 1)
elif step == "predict_heads":
    # cheaper heads' speed on 100,000 windows; untrained weights, as speed does not depend on them
    from dreamtf import backends
    backends.setup("tensorflow", gpu=False, threads=2)
    g, d = GenomeCodes(out + "/g.u8", out + "/g.json"), ChromArrays(out + "/liver.f16", out + "/liver.json")
    reg = read_regions(rl.regions_path(R, "test"), chroms=["chr21"])
    sub = WindowTable(reg.path, reg.chroms, reg.chrom[200000:300000], reg.start[200000:300000], reg.size)
    warm = WindowTable(reg.path, reg.chroms, reg.chrom[:3000], reg.start[:3000], reg.size)
    heads = {
        "default": {},
        "lstm_units_16": {"lstm_units": 16},
        "pool_width_26": {"pool_width": 26},
        # the demo's model (config.yaml): 400 bp of input, so 28 pooled steps where 1,000 bp give 75
        "input_length_400": {"input_length": 400},
    }
    for name, over in heads.items():
        model = fn.build_model(1, **over)
        meta = {"params": {**config.defaults("factornet"), **over}, "window_size": 200}
        list(fp.predict_regions(model, meta, g, d, warm, cell="liver", batch=1024))
        t1, c = time.perf_counter(), time.process_time()
        n = sum(len(s) for _, _, s in fp.predict_regions(model, meta, g, d, sub, cell="liver", batch=1024))
        w = time.perf_counter() - t1
        info[name] = {"windows_per_s": round(n / w), "windows_per_2_cpu_s": round(2 * n / (time.process_time() - c))}
info["wall_s"] = time.perf_counter() - t
print(json.dumps(info))
"""


STEPS = ["genome", "dnase", "inputs", "train", "predict", "predict_jax", "profile", "predict_heads"]


def main(release: Path, steps: list[str]) -> None:
    run_steps(STEP, release, OUT / "factornet", steps)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("release", nargs="?", type=Path, default=OUT / "bench_release")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    args = ap.parse_args()
    unknown = set(args.steps.split(",")) - set(STEPS)
    if unknown:
        ap.error(f"unknown step(s) {', '.join(sorted(unknown))}; the steps are {', '.join(STEPS)}")
    main(args.release, args.steps.split(","))
