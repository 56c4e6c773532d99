"""Genome-wide outputs of one predicted cell: its bigWig track and its peak list.

Targets: the bigWig of a genome-wide predictions file (200 bp windows every 50 bp on
every chromosome of the `bench` preset, real hg19 lengths) in <= 1 min and <= 2 GB
peak RSS; call_peaks timed on the same file, with the default threshold (precision:
one pass) and with top_fraction (an exact genome-wide quantile: more passes); and the
ensemble's rank average of two members' genome-wide predictions (scripts/ensemble.py),
whose memory is one member's scores and the total, whatever the number of members.

The rule scripts themselves (scripts/score_track.py, scripts/call_peaks.py) run, each in
its own process, so the figures are what a workflow job takes. `--copies 3` repeats the
preset's chromosomes three times (about 3.1 Gb, the size of hg19) to show that memory
does not grow with the genome.

Usage: python bench/bench_tracks.py [--copies N] [--steps write,track,peaks,peaks_top,ensemble]
(files under bench/out/tracks)
"""

import argparse
import sys

from _util import OUT, ROOT, timed

WRITE = r"""
import json, os, sys, time
import numpy as np
from dreamtf.calibration import calibrate, write_calibration
from dreamtf.io.chroms import write_chrom_sizes
from dreamtf.io.windowtable import write_predictions, write_regions
from dreamtf.simulate import PRESETS
out, copies = sys.argv[1], int(sys.argv[2])
sizes = {f"{c}{'' if k == 0 else '_' + str(k)}": n for k in range(copies) for c, n in PRESETS["bench"].items()}
write_chrom_sizes(out + "/chrom.sizes", sizes)

def scores(n, rng):
    # mostly low scores with a few high stretches, as a model's genome-wide output
    s = rng.beta(0.4, 12.0, n)
    hot = rng.choice(n, n // 2000, replace=False)
    for d in range(-3, 4):
        s[np.clip(hot + d, 0, n - 1)] = rng.uniform(0.6, 1.0, len(hot))
    return s

def grid(chrom):  # the challenge's grid: first window at 600, last ending by len - 400
    return 600 + 50 * np.arange((sizes[chrom] - 1000 - 200) // 50 + 1)

t = time.perf_counter()
rng = np.random.default_rng(0)
n = write_predictions(out + "/F.CTCF.cell.tab.gz", ((c, grid(c), scores(len(grid(c)), rng)) for c in sizes), size=200)
info = {"windows": n, "write_predictions_s": round(time.perf_counter() - t, 1)}
# a second model's genome-wide predictions, for the ensemble's rank average of the two
os.makedirs(out + "/factornet/seq_dnase", exist_ok=True)
write_predictions(out + "/factornet/seq_dnase/F.CTCF.cell.tab.gz",
                  ((c, grid(c), scores(len(grid(c)), rng)) for c in sizes), size=200)
write_regions(out + "/regions.bed.gz", ((c, grid(c)) for c in sizes), size=200)
v = scores(1_000_000, rng)
write_calibration(out + "/calibration.json", calibrate(v, np.where(rng.random(len(v)) < v**3, 2, 0), 0.9))
print(json.dumps(info))
"""

RULE = r"""
import json, os, runpy, sys
from types import SimpleNamespace as NS
out, rule, mode = sys.argv[1], sys.argv[2], sys.argv[3]
pred = out + "/F.CTCF.cell.tab.gz"
if rule == "score_track":
    smk = NS(input=NS(predictions=pred, sizes=out + "/chrom.sizes"), params=NS(size=200),
             output=[out + "/CTCF.cell.bigWig"], log=[], wildcards=NS())
elif rule == "ensemble":
    members = ["catchitt/dnase", "factornet/seq_dnase"]
    os.makedirs(out + "/catchitt/dnase", exist_ok=True)
    if not os.path.exists(out + "/catchitt/dnase/F.CTCF.cell.tab.gz"):
        os.symlink(pred, out + "/catchitt/dnase/F.CTCF.cell.tab.gz")
    with open(out + "/weights.json", "w") as f:
        json.dump({"weights": {m: 0.5 for m in members}}, f)
    smk = NS(input=NS(members=[out + f"/{m}/F.CTCF.cell.tab.gz" for m in members], weights=out + "/weights.json",
                      regions=out + "/regions.bed.gz"),
             params=NS(members=members, size=200, get=lambda k, d=None: None),
             output=[out + "/ensemble/F.CTCF.cell.tab.gz"], log=[], wildcards=NS())
else:
    from dreamtf.config import defaults
    peaks = {**defaults("peaks"), "threshold": mode}
    smk = NS(input=NS(predictions=pred, regions=out + "/regions.bed.gz", calibration=out + "/calibration.json"),
             params=NS(size=200, peaks=peaks), output=[out + f"/CTCF.cell.{mode}.narrowPeak.gz"], log=[],
             wildcards=NS(model="m", feature_set="fs", tf="CTCF", cell="cell"))
runpy.run_path(os.path.join(sys.argv[4], "scripts", rule + ".py"), init_globals={"snakemake": smk})
info = {"bytes": os.path.getsize(smk.output[0])}
if rule == "score_track":
    import pyBigWig
    bw = pyBigWig.open(smk.output[0])
    info["zoom_levels"] = bw.header()["nLevels"]
    bw.close()
elif rule == "ensemble":
    info["members"] = 2
else:
    import gzip
    info["peaks"] = sum(1 for _ in gzip.open(smk.output[0], "rt"))
print(json.dumps(info))
"""


STEPS = {
    "track": ("score_track", "-"),
    "peaks": ("call_peaks", "precision"),
    "peaks_top": ("call_peaks", "top_fraction"),
    "ensemble": ("ensemble", "-"),
}


def main(copies: int, steps: list[str]) -> None:
    out = OUT / "tracks" / f"x{copies}"
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "regions.bed.gz").exists() or "write" in steps:
        wall, rss, r = timed([sys.executable, "-c", WRITE, str(out), str(copies)])
        info = r.stdout.strip()
        print(f"{'predictions file':28s} {wall:6.1f} s  {r.cpu_seconds:6.1f} CPU s  peak RSS {rss:.2f} GB  {info}")
    for rule, mode in (STEPS[s] for s in steps if s != "write"):
        wall, rss, r = timed([sys.executable, "-c", RULE, str(out), rule, mode, str(ROOT)])
        name = rule if mode == "-" else f"{rule} ({mode})"
        info = r.stdout.strip().splitlines()[-1]
        print(f"{name:28s} {wall:6.1f} s  {r.cpu_seconds:6.1f} CPU s  peak RSS {rss:.2f} GB  {info}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1, help="how many times the preset's chromosomes are repeated")
    ap.add_argument(
        "--steps",
        default="write," + ",".join(STEPS),
        help="comma-separated, of write (the input files; always when missing), " + ", ".join(STEPS),
    )
    args = ap.parse_args()
    main(args.copies, args.steps.split(","))
