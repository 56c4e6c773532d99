"""Peak lists from window scores: windows above a threshold, merged, summit at the best window."""

from __future__ import annotations

import logging

import numpy as np

from .errors import DreamTFError
from .intervals import merge_sorted
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
    group, start, end = merge_sorted(s, s + size, max_gap=max_gap)
    sc = scores[sel]
    # best window per group: sort by (group, -score) and take each group's first
    order = np.lexsort((-sc, group))
    best = order[np.searchsorted(group[order], np.arange(len(start)))]
    return Peaks(
        start=start.astype(np.int64),
        end=end.astype(np.int64),
        summit=(s[best] + size // 2).astype(np.int64),
        signal=sc[best].astype(np.float64),
    )


#: how a peak list's threshold is chosen (config ``peaks.threshold``)
THRESHOLD_MODES = ("precision", "top_fraction", "top_n", "score")


def _above_floor(scores: np.ndarray, threshold: float) -> float:
    """``threshold``, raised above the lowest score when it equals it (a mostly-zero track)."""
    floor = float(scores.min())
    if threshold <= floor:
        above = scores[scores > floor]
        threshold = float(above.min()) if len(above) else np.inf
    return threshold


def peak_threshold(scores: np.ndarray, settings: dict, calibration: dict | None) -> float:
    """The score a window needs to join a peak, by ``settings["threshold"]``.

    ``precision``: the calibration's threshold for its target precision (inf, no peaks,
    when no threshold reached it); ``top_fraction`` / ``top_n``: the windows of the
    highest scores in this cell (ties with the last one included); ``score``: a fixed
    value. Windows tied with the lowest score never pass the top-k modes, so a track
    that is mostly zero does not turn into one genome-wide peak.
    """
    mode = settings["threshold"]
    if mode == "precision":
        if calibration is None:
            raise DreamTFError("peaks.threshold is precision but no calibration was given")
        t = calibration["threshold"]
        return np.inf if t is None else float(t)
    if mode == "score":
        return float(settings["score"])
    if len(scores) == 0:
        return np.inf
    if mode == "top_fraction":
        f = settings["top_fraction"]
        if not 0 < f <= 1:
            raise DreamTFError(f"peaks.top_fraction must be in (0, 1], got {f}")
        return _above_floor(scores, float(np.quantile(scores, 1 - f, method="higher")))
    if mode == "top_n":
        n = min(int(settings["top_n"]), len(scores))
        return _above_floor(scores, float(np.partition(scores, len(scores) - n)[len(scores) - n]))
    raise DreamTFError(f"peaks.threshold must be one of {', '.join(THRESHOLD_MODES)}, got {mode!r}")


def peaks_from_predictions(pred, size: int, settings: dict, calibration: dict | None = None):
    """Peaks of a whole submission: windows at or above :func:`peak_threshold`, merged.

    Returns ``({chrom: Peaks}, threshold)``. With a ``calibration``
    (:func:`dreamtf.calibration.calibrate`), each peak's qValue is -log10 of the q-value
    its best window's score earns on the validation chromosomes; else -1.
    """
    from .calibration import minus_log10, q_values

    scores = pred.score
    threshold = peak_threshold(scores, settings, calibration)
    out = {}
    for ci, chrom in enumerate(pred.chroms):
        m = pred.chrom == ci
        p = call_peaks(pred.start[m], scores[m], size=size, threshold=threshold, max_gap=settings["max_gap"])
        if calibration is not None:
            p.qvalue = minus_log10(q_values(calibration, p.signal))
        out[chrom] = p
    return out, threshold


def _overlaps_any(a: Peaks, b: Peaks) -> np.ndarray:
    """For each peak of ``a``, whether it overlaps (by >= 1 bp) a peak of ``b``; both sorted by start."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(len(a), dtype=bool)
    order = np.argsort(b.start, kind="stable")
    bs, be = b.start[order], np.maximum.accumulate(b.end[order])
    # the last b starting before a's end; since ends are accumulated, it reaches furthest right
    k = np.searchsorted(bs, a.end, side="left") - 1
    return (k >= 0) & (be[np.maximum(k, 0)] > a.start)


def peak_precision_recall(called: dict[str, Peaks], truth: dict[str, Peaks], chroms) -> dict:
    """Peak-level agreement on ``chroms``: called peaks overlapping a true peak, true peaks overlapped.

    ``precision`` = called peaks overlapping at least one true peak / called peaks;
    ``recall`` = true peaks overlapped by at least one called peak / true peaks
    (None where a denominator is 0).
    """
    n_called = n_true = hit_called = hit_true = 0
    empty = empty_peaks()
    for chrom in chroms:
        c, t = called.get(chrom, empty), truth.get(chrom, empty)
        n_called += len(c)
        n_true += len(t)
        hit_called += int(_overlaps_any(c, t).sum())
        hit_true += int(_overlaps_any(t, c).sum())
    return {
        "called_peaks": n_called,
        "true_peaks": n_true,
        "precision": hit_called / n_called if n_called else None,
        "recall": hit_true / n_true if n_true else None,
    }
