"""FactorNet throughput on whatever device Keras finds: the real input pipeline plus the model.

Runs as it is on a GPU machine without network or TensorFlow (Python with numpy, scipy,
pyarrow, pyyaml, jsonschema, JAX and/or PyTorch, plus keras, namex and optree). It simulates two chromosomes
at their hg19 lengths (the `bench` preset's chr21 and chr22, one cell: sequence and
DNase fold change), stores them the way the workflow does (memory-mapped base codes and
log1p DNase), then, for each backend asked for, in a fresh process:

- input assembly alone: windows/s gathered from the memory maps (prediction order);
- inference: every window of chr21 through `factornet.predict_regions` (input assembly
  on a second thread included), windows/s, and the time that rate gives one cell over
  the whole hg19 genome (60 M windows);
- training: `fit_epochs` (the workflow's loop) on freshly sampled windows (bound ones jittered), windows/s,
  at batch 100 (FactorNet's) and 1,000.

Usage: python bench/gpu_factornet.py [--backends jax,torch] [--batch 8192] [--out DIR] [--length-scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

GENOME_WINDOWS = 60_000_000  # one cell's windows over the whole hg19 genome, about
CHROMS = ("chr21", "chr22")


def prepare(out: Path, scale: float) -> dict:
    """Simulate chr21 and chr22 and write the memory maps; returns their sizes."""
    import numpy as np

    from dreamtf import simulate as sim
    from dreamtf.factornet_inputs import dnase_transform
    from dreamtf.io.memmap import write_chrom_arrays
    from dreamtf.simrelease import DNASE_RES, dnase_track

    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    seqs, tracks = [], []
    for chrom in CHROMS:
        length = int(sim.PRESETS["bench"][chrom] * scale)
        rng = sim.rng_for(1, "chrom", chrom)
        cs = sim.simulate_chrom(chrom, length, ["liver"], [], {}, rng, sim.END_N["bench"])
        sig, _, _ = dnase_track(cs, length, 0, [], sim.rng_for(1, "dnase", chrom))
        per_base = np.zeros(length, dtype=np.float32)
        per_base[: len(sig) * DNASE_RES] = np.repeat(sig, DNASE_RES)
        seqs.append((chrom, [cs.seq]))
        tracks.append((chrom, [dnase_transform(per_base)]))
    write_chrom_arrays(out / "genome.u8", out / "genome.json", seqs, np.uint8)
    write_chrom_arrays(out / "liver.f16", out / "liver.json", tracks, np.float16)
    sizes = {c: len(s[0]) for c, s in seqs}
    print(json.dumps({"step": "simulate", "sizes": sizes, "wall_s": round(time.perf_counter() - t, 1)}), flush=True)
    return sizes


def measure(backend: str, out: Path, batch: int, mixed: bool, train: bool = True) -> dict:
    """One backend, in this process: input assembly, inference and training throughput."""
    import numpy as np

    from dreamtf import backends, config
    from dreamtf import factornet as fn
    from dreamtf import factornet_predict as fp
    from dreamtf.factornet_inputs import TrainingWindows, batch_inputs, chrom_inputs
    from dreamtf.io.memmap import ChromArrays
    from dreamtf.io.windowtable import WindowTable
    from dreamtf.windows import window_grid

    device = backends.setup(backend, gpu=True, threads=os.cpu_count() or 1, mixed_precision=mixed)
    import keras

    res = {"backend": backend, "device": device, "keras": keras.__version__, "mixed_precision": mixed}
    genome = ChromArrays(out / "genome.u8", out / "genome.json")
    dnase = ChromArrays(out / "liver.f16", out / "liver.json")
    p = config.defaults("factornet")
    length, size = p["input_length"], 200
    starts = {c: window_grid(n, size, 50) for c, n in genome.sizes().items()}
    test = WindowTable("chr21", ["chr21"], np.zeros(len(starts["chr21"]), np.int32), starts["chr21"], size)

    t = time.perf_counter()
    n = 0
    for i in range(0, len(test.start), batch):
        n += len(chrom_inputs(genome, dnase, "chr21", test.start[i : i + batch] - 400, length)["sequence"])
    res["input_windows_per_s"] = round(n / (time.perf_counter() - t))

    model = fn.build_model(1, **p)
    meta = {"params": p, "window_size": size, "meta_by_cell": {}}
    warm = WindowTable("w", ["chr21"], np.zeros(batch, np.int32), test.start[:batch], size)
    list(fp.predict_regions(model, meta, genome, dnase, warm, cell="liver", batch=batch, shared_trunk=False))  # compile
    t = time.perf_counter()
    scores = list(fp.predict_regions(model, meta, genome, dnase, test, cell="liver", batch=batch, shared_trunk=False))
    wall = time.perf_counter() - t
    n = sum(len(s) for _, _, s in scores)
    res["inference_windows"] = n
    res["inference_windows_per_s"] = round(n / wall)
    res["genome_inference_minutes"] = round(GENOME_WINDOWS / (n / wall) / 60, 1)
    x = chrom_inputs(genome, dnase, "chr21", test.start[:batch] - 400, length)
    model.predict_on_batch(x)
    t = time.perf_counter()
    for _ in range(10):
        model.predict_on_batch(x)
    res["model_only_windows_per_s"] = round(10 * batch / (time.perf_counter() - t))

    if not train:
        return res
    from dreamtf.keras_parts import fit_epochs

    rng = np.random.default_rng(0)
    rows = np.concatenate([starts["chr22"]])
    codes = np.where(rng.random(len(rows)) < 0.02, 2, 0).astype(np.uint8)[:, None]
    labels = WindowTable("labels", ["chr22"], np.zeros(len(rows), np.int32), rows, size, ["liver"], codes)
    windows = TrainingWindows(labels, ["liver"], ["chr22"], rng, where="training chromosomes")
    tracks = {"liver": dnase}

    def make(c, s, cell):
        return batch_inputs(genome, tracks, labels, ["liver"], c, s, cell, length)

    sizes: list[int] = []  # the windows of every epoch drawn

    def draw():
        got = windows.sample(20_000, 2.0, 20)
        sizes.append(len(got[3]))
        return got

    for bs in (100, 1000):
        model = fn.build_model(1, **{**p, "batch_size": bs})
        fit_epochs(model, draw, make, batch_size=bs, epochs=1)  # compile and warm up
        t = time.perf_counter()
        fit_epochs(model, draw, make, batch_size=bs, epochs=2)
        n = sum(sizes[-2:])
        res[f"train_windows_per_s_batch{bs}"] = round(n / (time.perf_counter() - t))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="jax,torch")
    ap.add_argument("--batch", type=int, default=8192, help="prediction batch (windows)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "gpu"))
    ap.add_argument("--length-scale", type=float, default=1.0, help="shrink the chromosomes (quick checks)")
    ap.add_argument("--mixed-precision", action="store_true")
    ap.add_argument("--skip-training", action="store_true", help="input assembly and inference only")
    ap.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one backend in this process
    args = ap.parse_args()
    out = Path(args.out)
    if args.measure:
        res = measure(args.measure, out, args.batch, args.mixed_precision, train=not args.skip_training)
        print(json.dumps(res), flush=True)
        return
    prepare(out, args.length_scale)
    for backend in args.backends.split(","):
        cmd = [sys.executable, __file__, "--measure", backend, "--out", str(out), "--batch", str(args.batch)]
        cmd += ["--mixed-precision"] if args.mixed_precision else []
        r = subprocess.run(cmd + (["--skip-training"] if args.skip_training else []), text=True)
        if r.returncode:
            print(json.dumps({"backend": backend, "error": f"exit {r.returncode}"}), flush=True)


if __name__ == "__main__":
    main()
