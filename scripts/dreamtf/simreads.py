"""Simulated reads from a cell's accessibility track: a BAM of bulk reads, or single-cell fragments.

Cuts fall where the track is high: a share :data:`BACKGROUND` of them uniformly over the
chromosome, the rest with a chance proportional to the track's value at each base (the
simulated release's fold change, with its footprints). A bulk read starts at its cut on the
forward strand or ends there on the reverse one; a fragment joins two cuts a fragment
length apart. Some reads are made to be dropped, as aligners and duplicate markers leave
them: low mapping quality, marked duplicates, secondary alignments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .io.bam import TN5_SHIFT, write_bam
from .io.bigwig import BigWigTrack
from .io.files import atomic_path
from .io.fragments import write_clusters, write_fragments

#: the share of cuts that fall anywhere (a FRiP of about 0.4 to 0.6, typical of good data)
BACKGROUND = 0.5
READ_LENGTH = 36
#: reads a simulated BAM has a megabase: 60 M reads on hg19, a deep DNase-seq experiment's depth
READS_PER_MB = 20_000
#: shares of reads made to be dropped: MAPQ below 30, marked duplicates, secondary alignments
LOW_MAPQ, DUPLICATES, SECONDARY = 0.05, 0.03, 0.01


def track_steps(track: BigWigTrack, chrom: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The track's intervals on ``chrom``: starts, ends and values (at least 0)."""
    iv = track.bw.intervals(chrom) or []
    arr = np.asarray(iv, dtype=np.float64).reshape(-1, 3)
    return arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), np.maximum(arr[:, 2], 0)


def value_at(steps: tuple, pos: np.ndarray) -> np.ndarray:
    """The track's value at each of ``pos`` (0 between its intervals)."""
    start, end, value = steps
    i = np.searchsorted(start, pos, side="right") - 1
    inside = (i >= 0) & (pos < end[np.maximum(i, 0)])
    return np.where(inside, value[np.maximum(i, 0)], 0.0)


def sample_cuts(track: BigWigTrack, chrom: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` cut sites on ``chrom``, sorted: :data:`BACKGROUND` of them uniform, the rest by the track's value."""
    size = track.sizes[chrom]
    start, end, value = track_steps(track, chrom)
    n_bg = rng.binomial(n, BACKGROUND) if len(start) else n
    cuts = [rng.integers(0, size, n_bg)]
    if len(start):
        weight = np.cumsum(value * (end - start))
        pick = np.searchsorted(weight, rng.uniform(0, weight[-1], n - n_bg), side="right")
        pick = np.minimum(pick, len(start) - 1)
        cuts.append(start[pick] + (rng.uniform(0, 1, len(pick)) * (end[pick] - start[pick])).astype(np.int64))
    return np.sort(np.concatenate(cuts))


def pair_cuts(steps: tuple, size: int, cut: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fragments (starts, ends) from first ends ``cut``: a second insertion a fragment's length away.

    Both ends of a fragment are insertions into open chromatin: a second end where the track
    is lower than at the first is drawn again with the chance of the ratio (up to 5 times),
    each value raised by the chromosome's mean so that background fragments stay as drawn.
    """
    start, end, value = steps
    level = float((value * (end - start)).sum() / size) if len(start) else 1.0
    at_cut = value_at(steps, cut) + level
    length = fragment_lengths(len(cut), rng)
    forward = rng.uniform(0, 1, len(cut)) < 0.5
    redo = np.ones(len(cut), dtype=bool)
    for _ in range(5):
        length[redo] = fragment_lengths(int(redo.sum()), rng)
        forward[redo] = rng.uniform(0, 1, int(redo.sum())) < 0.5
        other = np.where(forward, cut + length - 1, cut - length + 1)
        ratio = (value_at(steps, other) + level) / at_cut
        redo = rng.uniform(0, 1, len(cut)) > ratio
        if not redo.any():
            break
    return np.minimum(cut, other), np.maximum(cut, other) + 1


def write_simulated_bam(bigwig, out, *, reads_per_mb: float, assay: str, rng: np.random.Generator) -> int:
    """A coordinate-sorted, indexed BAM of single-end reads drawn from ``bigwig``; returns the reads written."""
    fwd, rev = TN5_SHIFT if assay == "ATAC-seq" else (0, 0)
    with BigWigTrack(bigwig) as track:
        sizes = dict(track.sizes)
        per_chrom = []
        for chrom, size in sizes.items():
            cuts = sample_cuts(track, chrom, int(size / 1e6 * reads_per_mb), rng)
            reverse = rng.uniform(0, 1, len(cuts)) < 0.5
            # the read whose (shifted) 5' end is the cut
            start = np.where(reverse, cuts - rev - READ_LENGTH + 1, cuts - fwd)
            keep = (start >= 0) & (start + READ_LENGTH <= size)
            start, reverse = start[keep], reverse[keep]
            u = rng.uniform(0, 1, len(start))
            mapq = np.where(u < LOW_MAPQ, rng.integers(0, 30, len(start)), 60)
            extra = np.where((u >= LOW_MAPQ) & (u < LOW_MAPQ + DUPLICATES), 0x400, 0)
            extra = np.where((u >= LOW_MAPQ + DUPLICATES) & (u < LOW_MAPQ + DUPLICATES + SECONDARY), 0x100, extra)
            order = np.argsort(start, kind="stable")
            per_chrom.append((chrom, start[order], reverse[order], mapq[order], extra[order]))
    reads = (
        (chrom, s, READ_LENGTH, r, q, x)
        for chrom, start, reverse, mapq, extra in per_chrom
        for s, r, q, x in zip(start.tolist(), reverse.tolist(), mapq.tolist(), extra.tolist())
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        write_bam(tmp, sizes, reads)
        Path(f"{tmp}.bai").replace(f"{out}.bai")
    return sum(len(p[1]) for p in per_chrom)


def fragment_lengths(n: int, rng: np.random.Generator) -> np.ndarray:
    """ATAC fragment lengths: nucleosome-free (most) and mono-nucleosome, 30 bp at least."""
    mono = rng.uniform(0, 1, n) < 0.3
    length = np.where(mono, rng.normal(200, 25, n), rng.gamma(4.0, 20.0, n) + 30)
    return np.maximum(length, 30).astype(np.int64)


def write_simulated_fragments(
    bigwigs: dict[str, str], out, clusters_out, *, fragments: dict[str, int], barcodes: int, rng: np.random.Generator
) -> None:
    """A 10x-style fragments file and its cluster table: cluster ``c`` draws ``fragments[c]`` from ``bigwigs[c]``.

    Each cluster has ``barcodes`` cells (barcodes ``<c>-<i>-1``); a fragment joins a cut to a
    second one (:func:`pair_cuts`) and belongs to a random cell of its cluster. Sorted by chromosome (in the bigWig's
    order) and start, as cellranger-atac writes them.
    """
    tables = []
    for cluster, bigwig in bigwigs.items():
        names = np.array([f"{cluster}-{i}-1" for i in range(barcodes)])
        with BigWigTrack(bigwig) as track:
            sizes = dict(track.sizes)
            total = sum(sizes.values())
            for ci, (chrom, size) in enumerate(sizes.items()):
                n = int(round(fragments[cluster] * size / total))
                # one end is a cut drawn as a bulk read's is, the other a fragment's length away
                start, end = pair_cuts(track_steps(track, chrom), size, sample_cuts(track, chrom, n, rng), rng)
                keep = (start >= 0) & (end <= size)
                tables.append((ci, start[keep], end[keep], names[rng.integers(0, barcodes, keep.sum())], chrom))
    table = pd.DataFrame(
        {
            "ci": np.concatenate([np.full(len(t[1]), t[0]) for t in tables]),
            "chrom": np.concatenate([np.full(len(t[1]), t[4], dtype=object) for t in tables]),
            "start": np.concatenate([t[1] for t in tables]),
            "end": np.concatenate([t[2] for t in tables]),
            "barcode": np.concatenate([t[3] for t in tables]),
        }
    ).sort_values(["ci", "start", "end"], kind="stable")
    table["count"] = rng.geometric(0.6, len(table))
    write_fragments(out, table, comment="simulated by dreamtf: chrom, start, end, barcode, count")
    write_clusters(clusters_out, {f"{c}-{i}-1": c for c in bigwigs for i in range(barcodes)})
