"""Interval merging and nearest-point search on sorted coordinates (0-based, half-open, like BED).

The window grid's own arithmetic (overlap ranges, hit counts) lives in :mod:`dreamtf.windows`;
these two helpers serve labels, peak calling, features and the simulator alike.
"""

from __future__ import annotations

import numpy as np


def merge_sorted(start: np.ndarray, end: np.ndarray, *, max_gap: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge intervals sorted by start that overlap, touch, or lie within ``max_gap`` bp of each other.

    With ``max_gap`` 0 this is ``bedtools merge``: overlapping or book-ended intervals
    become one, and an interval nested in an earlier one joins it.

    Parameters
    ----------
    start, end : int arrays, shape (n,)
        Intervals ``[start, end)`` in order of ``start``.
    max_gap : int
        Intervals separated by at most this many bp still merge.

    Returns
    -------
    group : int array, shape (n,)
        The merged interval each input interval belongs to (0, 1, ...).
    merged_start, merged_end : int arrays, shape (n_merged,)
        The merged intervals, in order.
    """
    if len(start) == 0:
        return np.zeros(0, dtype=np.int64), start[:0], end[:0]
    reach = np.maximum.accumulate(end)  # the furthest end so far: nested intervals never split a group
    new = np.ones(len(start), dtype=bool)
    new[1:] = start[1:] > reach[:-1] + max_gap
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(start)) - 1
    return np.cumsum(new) - 1, start[first], reach[last]


def merge_intervals(intervals: np.ndarray) -> np.ndarray:
    """Merge overlapping or book-ended intervals (``bedtools merge``); input (n, 2) sorted by start, output int64."""
    if len(intervals) == 0:
        return intervals.reshape(0, 2).astype(np.int64)
    _, start, end = merge_sorted(intervals[:, 0], intervals[:, 1])
    return np.column_stack([start, end]).astype(np.int64)


def nearest(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index into sorted, non-empty ``points`` of the point nearest each of ``x`` (the lower one on a tie)."""
    i = np.searchsorted(points, x)
    left = np.clip(i - 1, 0, len(points) - 1)
    right = np.clip(i, 0, len(points) - 1)
    return np.where(np.abs(x - points[left]) <= np.abs(points[right] - x), left, right)
