"""Predictions as bigWig tracks for genome browsers.

Windows overlap (200 bp every 50 bp), and a bigWig's entries may not, so each window's
score is drawn over its central step: the window ``[s, s + 200)`` gives the entry
``[s + 75, s + 125)``. Every window has its own entry, so the track holds exactly the
submission's scores, each where its window is centred; windows the region file lacks
(blacklisted stretches, chromosome ends) leave gaps.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import DreamTFError
from .io.bigwig import BigWigWriter
from .io.chroms import chrom_sort_key
from .io.files import atomic_path
from .io.windowtable import WindowTable


def window_step(table: WindowTable) -> int:
    """The windows' spacing: the smallest distance between consecutive starts of any chromosome."""
    gaps = [np.diff(starts) for _, starts in table.by_chrom() if len(starts) > 1]
    gaps = np.concatenate(gaps) if gaps else np.empty(0, dtype=np.int64)
    gaps = gaps[gaps > 0]
    if len(gaps) == 0:
        return table.size
    step = int(gaps.min())
    if step > table.size:
        return table.size
    return step


def write_score_track(predictions: WindowTable, chrom_sizes: dict[str, int], path: str | os.PathLike) -> int:
    """Write ``predictions`` as a bigWig at ``path`` (atomically); returns the entries written.

    Each chromosome's windows must be in ascending order, as in the region files.
    """
    step = window_step(predictions)
    offset = (predictions.size - step) // 2
    missing = [c for c in predictions.chroms if c not in chrom_sizes]
    if missing:
        raise DreamTFError(f"{predictions.path}: chromosome {missing[0]} is not in the genome's chrom.sizes")
    header = sorted(((c, chrom_sizes[c]) for c in predictions.chroms), key=lambda cs: chrom_sort_key(cs[0]))
    order = {c: i for i, (c, _) in enumerate(header)}
    parts: dict[str, list] = {}
    done = 0
    for chrom, starts in predictions.by_chrom():
        scores = predictions.score[done : done + len(starts)]
        done += len(starts)
        parts.setdefault(chrom, []).append((starts, scores))
    for chrom, got in parts.items():
        starts = np.concatenate([s for s, _ in got])
        if (np.diff(starts) <= 0).any():
            s = int(starts[np.flatnonzero(np.diff(starts) <= 0)[0] + 1])
            raise DreamTFError(
                f"{predictions.path}: window {chrom}:{s}-{s + predictions.size} is out of order "
                "(each chromosome's windows must ascend, as in the region files)"
            )
    n = 0
    with atomic_path(path) as tmp, BigWigWriter(tmp, header) as bw:
        for chrom in sorted(parts, key=order.get):
            starts = np.concatenate([s for s, _ in parts[chrom]])
            scores = np.concatenate([v for _, v in parts[chrom]])
            centre = starts + offset
            keep = (centre >= 0) & (centre + step <= chrom_sizes[chrom])
            bw.add(chrom, centre[keep], scores[keep], step)
            n += int(keep.sum())
    return n
