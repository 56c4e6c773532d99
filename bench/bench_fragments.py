"""Reads to signal and peaks at scale, on an hg19-sized genome (the `bench` preset's
chromosomes, 1.03 Gb, three times over: 3.1 Gb).

Fragments: a 10x-style file of 20 M fragments in 4 clusters through the steps the workflow
runs: the clusters' sizes (read before any job), one pass splitting the file into each
cluster's cut sites (rule fragment_cuts), then MACS3 per cluster (rule reads_accessibility),
two at a time as on 2 cores. With ``--bam N``: a BAM of N single-end reads through rule
bam_cuts and MACS3, the steps before a new cell's features.

    python bench/bench_fragments.py [--fragments 20000000] [--clusters 4] [--copies 3] [--bam 0] [--out DIR]

The clusters' accessibility: 60,000 open sites a copy each (180,000 on 3.1 Gb), two thirds
of them shared by every cluster, half of the fragments at them. Prints each step's wall
time and the largest memory of any process (MACS3 included).
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
from dreamtf.reads import bam_cuts, call_accessibility, share_in_peaks  # noqa: E402
from dreamtf.simreads import write_simulated_bam, write_simulated_fragments  # noqa: E402
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
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--bam", type=int, default=0, help="time a BAM of this many reads instead")
    ap.add_argument("--out", type=Path, default=Path("bench_fragments"))
    args = ap.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sizes = {f"{c}{'' if k == 0 else '_' + str(k)}": n for k in range(args.copies) for c, n in HG19.items()}
    names = [f"c{i}" for i in range(args.clusters)]
    frags, table = out / "fragments.tsv.gz", out / "clusters.tsv"
    if not frags.exists():
        rng = np.random.default_rng(1)
        total = sum(sizes.values())
        shared = {c: rng.integers(1_000, n - 1_000, int(40_000 * args.copies * n / total)) for c, n in sizes.items()}
        tracks = {}
        for name in names:
            own = {
                c: np.concatenate([shared[c], rng.integers(1_000, n - 1_000, int(20_000 * args.copies * n / total))])
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
    if args.bam:
        return time_bam(out, sizes, out / "c0.track.bigwig", args.bam)
    steps = {}
    t0 = t = time.perf_counter()
    counts = fragment_counts(frags, table, out / "counts")
    steps["clusters' sizes (before any job)"] = time.perf_counter() - t
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    cuts = {c: out / f"{c}.cuts.bed.gz" for c in names}
    # each job in a process of its own, as Snakemake runs them: its peak memory is its own
    with ProcessPoolExecutor(1) as pool:
        stats = pool.submit(split_fragments, frags, table, sizes, cuts).result()
    steps["split into cut sites (fragment_cuts)"] = time.perf_counter() - t
    t = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        got = {}
        for r in pool.map(macs, [(c, cuts[c], out, sizes) for c in names]):
            got.update(r)
    steps["MACS3 signal and peaks, 2 at a time (reads_accessibility)"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    jobs_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{stats['fragments_in_file']:,} fragments, clusters {counts}")
    for step, secs in steps.items():
        print(f"{step:60} {secs:7.0f} s")
    print(
        f"{'total':60} {total:7.0f} s  ({total / 60:.1f} min); largest job process {jobs_rss / 1e6:.2f} GB "
        f"(MACS3 included), the workflow's own {main_rss / 1e6:.2f} GB (with the file written, when it was)"
    )
    for c in names:
        g = got[c]
        print(
            f"  {c}: {g['conservative_peaks']:,} conservative, {g['relaxed_peaks']:,} relaxed peaks, "
            f"FRiP {g['frip']:.3f}"
        )


def time_bam(out: Path, sizes: dict[str, int], track: Path, n: int) -> None:
    """A BAM of ``n`` reads from ``track`` (written once, not timed) to cut sites, and MACS3's signal and peaks."""
    bam = out / f"reads{n}.bam"
    if not bam.exists():
        t = time.perf_counter()
        rng = np.random.default_rng(2)
        write_simulated_bam(track, bam, reads_per_mb=n / (sum(sizes.values()) / 1e6), assay="ATAC-seq", rng=rng)
        print(f"wrote {bam} ({bam.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s (not timed below)")
    t0 = time.perf_counter()
    counts = bam_cuts(bam, sizes, out / "bam.cuts.bed.gz", assay="ATAC-seq", min_mapq=30)
    t1 = time.perf_counter()
    got = macs(("bam", out / "bam.cuts.bed.gz", out, sizes))["bam"]
    t2 = time.perf_counter()
    peak_rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    print(f"{counts['reads']:,} reads, {counts['cuts']:,} cut sites")
    print(f"{'cut sites (bam_cuts)':60} {t1 - t0:7.0f} s")
    print(f"{'MACS3 signal and peaks (reads_accessibility)':60} {t2 - t1:7.0f} s")
    print(f"{'total':60} {t2 - t0:7.0f} s; largest process {peak_rss / 1e6:.2f} GB")
    print(
        f"  {got['conservative_peaks']:,} conservative, {got['relaxed_peaks']:,} relaxed peaks, FRiP {got['frip']:.3f}"
    )


if __name__ == "__main__":
    main()
