"""The challenge's window grid, and interval arithmetic on it.

Coordinates are 0-based and half-open, like BED. The challenge's windows are
``size`` bp long every ``step`` bp; on every chromosome the first starts at
``first`` (600) and the last ends at or before ``length - end_margin`` (length - 400).
Windows overlapping the blacklist are dropped. Windows of one chromosome are held
as one sorted int64 array of start positions, never as Python objects.
"""

from __future__ import annotations

import numpy as np

from .errors import DreamTFError

FIRST_START = 600
END_MARGIN = 400


def window_grid(
    length: int, size: int, step: int, first: int = FIRST_START, end_margin: int = END_MARGIN
) -> np.ndarray:
    """Start positions of the challenge's windows on a chromosome of ``length`` bp.

    Windows start at ``first`` and every ``step`` bp after; the last one ends at or
    before ``length - end_margin``. Returns a sorted int64 array (possibly empty).
    """
    if size <= 0 or step <= 0:
        raise DreamTFError(f"window size and step must be positive, got size={size}, step={step}")
    last_start = length - end_margin - size
    if last_start < first:
        return np.empty(0, dtype=np.int64)
    return np.arange(first, last_start + 1, step, dtype=np.int64)


def count_hits(starts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For each window start, count the intervals ``[lo, hi]`` (inclusive) containing it.

    ``starts`` must be sorted. Each (lo, hi) pair is the range of window *start*
    positions that satisfy some condition (overlap, summit inside, ...); a
    difference array over window indices makes this O(n_windows + n_intervals log n).
    """
    n = len(starts)
    if n == 0 or len(lo) == 0:
        return np.zeros(n, dtype=np.int32)
    keep = hi >= lo
    a = np.searchsorted(starts, lo[keep], side="left")
    b = np.searchsorted(starts, hi[keep], side="right")
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, a, 1)
    np.add.at(diff, b, -1)
    return np.cumsum(diff[:-1]).astype(np.int32)


def overlap_ranges(
    intervals: np.ndarray, size: int, min_overlap: int | np.ndarray = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Window-start ranges whose ``size`` bp window overlaps each interval by >= ``min_overlap`` bp.

    A window [w, w+size) overlaps [s, e) by at least m bp exactly when
    ``s + m - size <= w <= e - m`` (and e - s >= m, size >= m). ``min_overlap`` is one
    number or one per interval.
    """
    if np.any(np.asarray(min_overlap) < 1):
        raise DreamTFError(f"minimum overlap must be at least 1 bp, got {np.min(min_overlap)}")
    s, e = intervals[:, 0], intervals[:, 1]
    lo = s + min_overlap - size
    possible = (e - s >= min_overlap) & (size >= min_overlap)
    return lo, np.where(possible, e - min_overlap, lo - 1)


def region_starts(length: int, blacklist: np.ndarray | None, size: int, step: int) -> np.ndarray:
    """The official region set of one chromosome: the grid minus blacklist-overlapping windows."""
    grid = window_grid(length, size, step)
    if blacklist is None or len(blacklist) == 0:
        return grid
    lo, hi = overlap_ranges(blacklist, size, 1)
    return grid[count_hits(grid, lo, hi) == 0]


def window_stat(values: np.ndarray, starts: np.ndarray, size: int, stat: str = "max") -> np.ndarray:
    """Max or mean of ``values`` over each window [start, start + size).

    Windows may overlap; the work is O(chromosome) through per-bin reductions on the
    greatest common divisor of the window starts and size.
    """
    if len(starts) == 0:
        return np.empty(0, dtype=np.float32)
    if starts[-1] + size > len(values):
        raise DreamTFError(f"window {starts[-1]}-{starts[-1] + size} runs past the chromosome end ({len(values)})")
    g = int(np.gcd.reduce(np.concatenate([starts, [size]])))
    nb = (starts[-1] + size) // g
    binned = values[: nb * g].reshape(nb, g)
    per_bin = binned.max(axis=1) if stat == "max" else binned.sum(axis=1, dtype=np.float64)
    k = size // g
    first = starts // g
    if stat == "max":
        out = per_bin[first]
        for j in range(1, k):
            np.maximum(out, per_bin[first + j], out=out)
        return out.astype(np.float32)
    csum = np.concatenate([[0.0], np.cumsum(per_bin)])
    return ((csum[first + k] - csum[first]) / size).astype(np.float32)


def union_windows(tables, *, chroms, order) -> list[tuple[str, np.ndarray]]:
    """The windows of several region tables on ``chroms``, each window once, chromosome by chromosome.

    ``tables`` are :class:`~dreamtf.io.windowtable.WindowTable` s of one window size (the
    release's train and test region files, which together tile the genome's grid);
    ``chroms`` is a list of chromosome names or ``"all"`` (every chromosome of the tables);
    ``order`` lists chromosome names in the genome's order (the chrom.sizes file's). Returns
    ``[(chrom, sorted int64 starts)]`` in that order. A chromosome of ``chroms`` that no
    table has a window on is an error naming it.
    """
    per_chrom: dict[str, list[np.ndarray]] = {}
    for t in tables:
        for chrom, starts in t.by_chrom():
            per_chrom.setdefault(chrom, []).append(starts)
    wanted = list(per_chrom) if chroms == "all" else list(chroms)
    missing = [c for c in wanted if c not in per_chrom]
    if missing:
        files = ", ".join(str(t.path) for t in tables)
        raise DreamTFError(f"predict.chromosomes: {missing[0]} has no window in the region files ({files})")
    rank = {c: i for i, c in enumerate(order)}
    unknown = [c for c in wanted if c not in rank]
    if unknown:
        raise DreamTFError(f"predict.chromosomes: {unknown[0]} is not a chromosome of the genome")
    return [(c, np.unique(np.concatenate(per_chrom[c]))) for c in sorted(wanted, key=rank.__getitem__)]
