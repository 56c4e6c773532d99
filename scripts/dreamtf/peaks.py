"""Peak lists from window scores: windows above a threshold, merged, summit at the best window."""

from __future__ import annotations

import logging

import numpy as np

from .errors import DreamTFError
from .io.narrowpeak import Peaks, empty_peaks

log = logging.getLogger(__name__)


def call_peaks(starts: np.ndarray, scores: np.ndarray, *, size: int, threshold: float, max_gap: int = 0) -> Peaks:
    """Merge windows scoring at least ``threshold`` into peaks.

    Windows of one chromosome (sorted ``starts``, each ``size`` bp) that pass the
    threshold and overlap or lie within ``max_gap`` bp of each other form one peak;
    its signal is the best window's score and its summit that window's centre.
    """
    sel = np.flatnonzero(scores >= threshold)
    if len(sel) == 0:
        return empty_peaks()
    s = starts[sel]
    e = s + size
    new = np.ones(len(sel), dtype=bool)
    new[1:] = s[1:] > e[:-1] + max_gap
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(sel)) - 1
    sc = scores[sel]
    # best window per group: sort by (group, -score) and take each group's first
    order = np.lexsort((-sc, group))
    best = order[np.searchsorted(group[order], np.arange(len(first)))]
    return Peaks(
        start=s[first].astype(np.int64),
        end=e[last].astype(np.int64),
        summit=(s[best] + size // 2).astype(np.int64),
        signal=sc[best].astype(np.float64),
    )


def peaks_from_predictions(pred, size: int, *, top_fraction: float = 0.01, max_gap: int = 0):
    """Peaks of a whole submission: windows in the top ``top_fraction`` of scores, merged.

    Returns ``({chrom: Peaks}, threshold)``. Windows tied with the lowest score never
    pass, so a track that is mostly zero does not turn into one genome-wide peak.
    """
    if not 0 < top_fraction <= 1:
        raise DreamTFError(f"top_fraction must be in (0, 1], got {top_fraction}")
    scores = pred.score
    threshold = float(np.quantile(scores, 1 - top_fraction, method="higher"))
    floor = float(scores.min())
    if threshold <= floor:
        above = scores[scores > floor]
        threshold = float(above.min()) if len(above) else np.inf
    out = {}
    for ci, chrom in enumerate(pred.chroms):
        m = pred.chrom == ci
        out[chrom] = call_peaks(pred.start[m], scores[m], size=size, threshold=threshold, max_gap=max_gap)
    return out, threshold
