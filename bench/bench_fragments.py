"""Fragments to signal and peaks at scale: a 10x-style fragments file of 20 M fragments in 4
clusters on the hg19 chromosomes the simulator knows (2.2 Gb), through the steps the workflow
runs: the clusters' sizes (read before any job), one pass splitting the file into each
cluster's cut sites (rule fragment_cuts), then MACS3 per cluster (rule reads_accessibility),
two at a time as on 2 cores.

    python bench/bench_fragments.py [--fragments 20000000] [--clusters 4] [--out DIR]

The clusters' accessibility: 60,000 open sites each, 40,000 of them shared by every cluster,
half of the fragments at them. Prints each step's wall time and the largest memory of any
process (MACS3 included).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from dreamtf.io.bigwig import BigWigWriter  # noqa: E402
from dreamtf.pseudobulk import fragment_counts, split_fragments  # noqa: E402
from dreamtf.reads import call_accessibility, share_in_peaks  # noqa: E402
from dreamtf.simreads import write_simulated_fragments  # noqa: E402
from dreamtf.simulate import HG19  # noqa: E402


def write_track(path: Path, sizes: dict[str, int], sites: dict[str, np.ndarray]) -> None:
    """An accessibility track: a 400 bp bump at each site, in 20 bp steps."""
    with BigWigWriter(path, list(sizes.items())) as bw:
        for chrom in sizes:
            pos = np.sort(sites[chrom])
            steps = (pos[:, None] // 20 + np.arange(-10, 10)[None, :]).ravel()
            steps = np.unique(steps[(steps >= 0) & (steps < sizes[chrom] // 20)])
            centre = pos[np.clip(np.searchsorted(pos, steps * 20), 0, len(pos) - 1)]
            value = 5 * np.exp(-0.5 * ((steps * 20 - centre) / 80.0) ** 2) + 0.01
            bw.add(chrom, steps * 20, value, 20)


def macs(job: tuple) -> dict:
    cluster, cuts, out, sizes = job
    with open(out / f"{cluster}.macs3.log", "w") as log_to:
        got = call_accessibility(
            cuts, sizes, signal=out / f"{cluster}.bigwig", conservative=out / f"{cluster}.cons.narrowPeak.gz",
            relaxed=out / f"{cluster}.relaxed.narrowPeak.gz", log_to=log_to,
        )  # fmt: skip
    got["frip"] = share_in_peaks(cuts, out / f"{cluster}.cons.narrowPeak.gz")
    return {cluster: got}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fragments", type=int, default=20_000_000)
    ap.add_argument("--clusters", type=int, default=4)
    ap.add_argument("--out", type=Path, default=Path("bench_fragments"))
    args = ap.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sizes = dict(HG19)
    names = [f"c{i}" for i in range(args.clusters)]
    frags, table = out / "fragments.tsv.gz", out / "clusters.tsv"
    if not frags.exists():
        rng = np.random.default_rng(1)
        total = sum(sizes.values())
        shared = {c: rng.integers(1_000, n - 1_000, int(40_000 * n / total)) for c, n in sizes.items()}
        tracks = {}
        for name in names:
            own = {
                c: np.concatenate([shared[c], rng.integers(1_000, n - 1_000, int(20_000 * n / total))])
                for c, n in sizes.items()
            }
            tracks[name] = str(out / f"{name}.track.bigwig")
            write_track(Path(tracks[name]), sizes, own)
        t = time.perf_counter()
        per = args.fragments // args.clusters
        write_simulated_fragments(tracks, frags, table, fragments=dict.fromkeys(names, per), barcodes=1000, rng=rng)
        print(
            f"wrote {frags} ({frags.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s (not timed below)"
        )
    steps = {}
    t0 = t = time.perf_counter()
    counts = fragment_counts(frags, table, out / "counts")
    steps["clusters' sizes (before any job)"] = time.perf_counter() - t
    t = time.perf_counter()
    cuts = {c: out / f"{c}.cuts.bed.gz" for c in names}
    stats = split_fragments(frags, table, sizes, cuts)
    steps["split into cut sites (fragment_cuts)"] = time.perf_counter() - t
    t = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        got = {}
        for r in pool.map(macs, [(c, cuts[c], out, sizes) for c in names]):
            got.update(r)
    steps["MACS3 signal and peaks, 2 at a time (reads_accessibility)"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    peak_rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    print(f"{stats['fragments_in_file']:,} fragments, clusters {counts}")
    for step, secs in steps.items():
        print(f"{step:60} {secs:7.0f} s")
    print(f"{'total':60} {total:7.0f} s  ({total / 60:.1f} min); largest process {peak_rss / 1e6:.2f} GB")
    for c in names:
        g = got[c]
        print(
            f"  {c}: {g['conservative_peaks']:,} conservative, {g['relaxed_peaks']:,} relaxed peaks, "
            f"FRiP {g['frip']:.3f}"
        )


if __name__ == "__main__":
    main()
