"""Peak lists from window scores: windows above a threshold, merged, summit at the best window."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

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
    threshold = peak_threshold(pred.score, settings, calibration)
    per_chrom = ((c, pred.start[pred.chrom == i], pred.score[pred.chrom == i]) for i, c in enumerate(pred.chroms))
    return peaks_by_chrom(per_chrom, size, threshold, settings["max_gap"], calibration), threshold


def peaks_by_chrom(
    per_chrom: Iterable[tuple[str, np.ndarray, np.ndarray]],
    size: int,
    threshold: float,
    max_gap: int,
    calibration: dict | None = None,
) -> dict[str, Peaks]:
    """``{chrom: Peaks}`` from ``(chrom, starts, scores)`` items, one chromosome at a time.

    Memory holds one chromosome's windows and the peaks called so far; qValues as in
    :func:`peaks_from_predictions`.
    """
    from .calibration import minus_log10, q_values

    out = {}
    for chrom, starts, scores in per_chrom:
        p = call_peaks(starts, scores, size=size, threshold=threshold, max_gap=max_gap)
        if calibration is not None:
            p.qvalue = minus_log10(q_values(calibration, p.signal))
        out[chrom] = p
    return out


def stream_threshold(
    scores: Callable[[], Iterable[np.ndarray]], settings: dict, calibration: dict | None, *, collect: int = 1 << 22
) -> float:
    """:func:`peak_threshold` of the concatenated score arrays that each call of ``scores()`` yields.

    ``precision`` and ``score`` read nothing. The top-k modes read the stream once,
    keeping its ``collect`` highest scores: when the order statistic is among them (k at
    most ``collect``), that pass is all. Otherwise further passes narrow it down exactly
    by a 65,536-bin histogram of the scores' leading bits, until its bin holds at most
    ``collect`` windows, which are then gathered and ranked. Memory is bounded by
    ``collect``, not by the genome, and the result equals :func:`peak_threshold` on all
    scores at once.
    """
    mode = settings["threshold"]
    if mode in ("precision", "score"):
        return peak_threshold(np.empty(0), settings, calibration)
    if mode not in THRESHOLD_MODES:
        raise DreamTFError(f"peaks.threshold must be one of {', '.join(THRESHOLD_MODES)}, got {mode!r}")
    if mode == "top_fraction" and not 0 < settings["top_fraction"] <= 1:
        raise DreamTFError(f"peaks.top_fraction must be in (0, 1], got {settings['top_fraction']}")
    n, lowest, above, hist, top = 0, None, None, np.zeros(1 << _BITS, dtype=np.int64), np.empty(0)
    for x in scores():
        x = np.asarray(x, dtype=np.float64)
        if len(x) == 0:
            continue
        n += len(x)
        hist += np.bincount(_digits(_sort_keys(x), 64 - _BITS), minlength=1 << _BITS)
        lowest, above = _two_lowest(x, lowest, above)
        top = _highest(np.concatenate([top, x]), collect)
    if n == 0:
        return np.inf
    if mode == "top_fraction":
        rank = int(np.ceil((n - 1) * (1 - settings["top_fraction"])))  # np.quantile's "higher" position
    else:
        rank = n - min(int(settings["top_n"]), n)
    k = n - rank  # the threshold is the k-th highest score
    if k <= len(top):
        threshold = float(np.partition(top, len(top) - k)[len(top) - k])
    else:
        threshold = _select(scores, rank, hist, collect)
    if threshold <= lowest:  # as _above_floor: ties with the lowest score never pass
        threshold = np.inf if above is None else above
    return threshold


#: bits of the sort key resolved per pass of :func:`stream_threshold`
_BITS = 16
_SIGN = np.uint64(1 << 63)


def _sort_keys(x: np.ndarray) -> np.ndarray:
    """uint64 keys that sort as the float64 values ``x`` do (sign bit flipped, negatives inverted)."""
    b = x.view(np.uint64)
    return np.where(b & _SIGN, ~b, b | _SIGN)


def _key_value(key: int) -> float:
    """The float64 value whose :func:`_sort_keys` key is ``key``."""
    k = np.array([key], dtype=np.uint64)
    return float((np.where(k & _SIGN, k & ~_SIGN, ~k)).view(np.float64)[0])


def _digits(keys: np.ndarray, shift: int) -> np.ndarray:
    return ((keys >> np.uint64(shift)) & np.uint64((1 << _BITS) - 1)).astype(np.intp)


def _highest(x: np.ndarray, m: int) -> np.ndarray:
    """The ``m`` highest values of ``x`` (all of them when it has fewer), in no order."""
    if len(x) <= m:
        return x
    return np.partition(x, len(x) - m)[len(x) - m :] if m else x[:0]


def _two_lowest(x: np.ndarray, lowest: float | None, above: float | None) -> tuple[float, float | None]:
    """The lowest value so far and the lowest above it (None while every value equals the lowest)."""
    lo = float(x.min())
    higher = x[x > lo]
    cands = [v for v in (lowest, above, lo, float(higher.min()) if len(higher) else None) if v is not None]
    new = min(cands)
    rest = [v for v in cands if v > new]
    return new, min(rest) if rest else None


def _select(scores: Callable[[], Iterable[np.ndarray]], rank: int, hist: np.ndarray, collect: int) -> float:
    """The value at ascending position ``rank`` of the stream, given the histogram of its leading key digits."""
    prefix, shift = 0, 64 - _BITS  # the keys searched share their bits above ``shift`` with ``prefix``
    while True:
        cum = np.cumsum(hist)
        digit = int(np.searchsorted(cum, rank, side="right"))
        rank -= int(cum[digit - 1]) if digit else 0
        prefix = (prefix << _BITS) | digit
        if shift == 0:
            return _key_value(prefix)  # one key left: every value in the bin is the same
        if hist[digit] <= collect:
            kept = [x[k >> np.uint64(shift) == np.uint64(prefix)] for x, k in _keyed(scores)]
            kept = np.concatenate(kept) if kept else np.empty(0)
            return float(np.partition(kept, rank)[rank])
        shift -= _BITS
        hist = np.zeros(1 << _BITS, dtype=np.int64)
        for _, k in _keyed(scores):
            k = k[k >> np.uint64(shift + _BITS) == np.uint64(prefix)]
            hist += np.bincount(_digits(k, shift), minlength=1 << _BITS)


def _keyed(scores: Callable[[], Iterable[np.ndarray]]):
    for x in scores():
        x = np.asarray(x, dtype=np.float64)
        yield x, _sort_keys(x)


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
