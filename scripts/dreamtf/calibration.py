"""Score thresholds at a stated precision, chosen where the truth is known, and q-values.

A model's scores are calibrated on the validation chromosomes of its training cells
(never trained on, labelled): every distinct score ``t`` is a threshold, and the windows
scoring at least ``t`` are the calls it makes there. With ``n`` calls, ``fp`` of them
unbound, the false discovery rate is estimated with one pseudo-false-positive,

    FDR(t) = (fp + 1) / (n + 1),

so that a threshold passing a handful of bound windows and nothing else never claims a
precision of 1. A window's q-value is the smallest FDR(t) over the thresholds it passes
(``t`` at most its score), as Storey's q-values are. The threshold for a target precision
``p`` is the lowest ``t`` with FDR(t) <= 1 - p (the most calls that keep the estimate);
the challenge's recall at a fixed FDR reads its curve the same way. Ambiguous windows
(label A) count neither way, as in scoring.

The thresholds are applied to held-out cells, whose scores and class ratio differ: the
report sets the precision promised here beside the one measured there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import DreamTFError
from .io.scorefile import read_score_record, write_score_record
from .io.windowtable import B, U
from .metrics import curve_points, last_of_ties

__all__ = ["Curve", "calibrate", "fdr_curve", "precision_at", "q_values", "read_calibration", "write_calibration"]

#: points of the FDR curve kept in a calibration file (thresholds thinned evenly by rank)
CURVE_POINTS = 2000


@dataclass
class Curve:
    """Every distinct validation score as a threshold, highest first.

    ``passing[k]``: windows scoring at least ``score[k]``; ``bound[k]``: of them bound;
    ``fdr[k]``: the add-one FDR estimate; ``q[k]``: the least ``fdr`` at or below ``score[k]``.
    """

    score: np.ndarray
    passing: np.ndarray
    bound: np.ndarray
    fdr: np.ndarray
    q: np.ndarray


def fdr_curve(scores: np.ndarray, codes: np.ndarray) -> Curve:
    """The FDR curve of ``scores`` against label ``codes`` (U/A/B), A windows dropped."""
    scores = np.asarray(scores, dtype=np.float64)
    codes = np.asarray(codes)
    if scores.shape != codes.shape:
        raise DreamTFError(f"{len(scores)} scores against {len(codes)} labels")
    keep = (codes == B) | (codes == U)
    s, y = scores[keep], codes[keep] == B
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    bound, unbound = curve_points(y, s)
    passing = bound + unbound
    fdr = (unbound + 1) / (passing + 1)
    q = np.minimum.accumulate(fdr[::-1])[::-1]
    return Curve(score=s[last_of_ties(s)], passing=passing, bound=bound, fdr=fdr, q=q)


def calibrate(scores: np.ndarray, codes: np.ndarray, precision: float) -> dict:
    """The threshold reaching ``precision`` on labelled windows, and the curve for q-values.

    Returns a JSON-ready dict: ``threshold`` (None when no threshold reaches the target),
    what it passes on the validation windows (``passing``, ``bound``, the raw
    ``precision`` bound/passing, the ``estimated_precision`` 1 - FDR and ``recall``),
    the ``best_estimated_precision`` any threshold reaches, and ``curve`` ({score, q},
    at most :data:`CURVE_POINTS` thresholds) for :func:`q_values`.
    """
    if not 0 < precision < 1:
        raise DreamTFError(f"the target precision must lie strictly between 0 and 1, got {precision}")
    c = fdr_curve(scores, codes)
    n_bound = int(c.bound[-1]) if len(c.bound) else 0
    out = {
        "target_precision": precision,
        "windows": int(c.passing[-1]) if len(c.passing) else 0,
        "bound_windows": n_bound,
        "estimate": "FDR = (unbound passing + 1) / (passing + 1); q = least FDR over the thresholds a score passes",
        "best_estimated_precision": float(1 - c.q[0]) if len(c.q) else None,
        "threshold": None,
    }
    if n_bound == 0:
        out["curve"] = {"score": [], "q": []}
        return out
    ok = np.flatnonzero(c.fdr <= 1 - precision + 1e-12)  # a tolerance: 1 - 0.8 is 0.19999999999999996
    if len(ok):
        k = int(ok[-1])
        out.update(
            threshold=float(c.score[k]),
            passing=int(c.passing[k]),
            bound=int(c.bound[k]),
            precision=float(c.bound[k] / c.passing[k]),
            estimated_precision=float(1 - c.fdr[k]),
            recall=float(c.bound[k] / n_bound),
        )
    keep = _thin(len(c.score), CURVE_POINTS)
    if out["threshold"] is not None:
        keep = np.union1d(keep, [k])  # the chosen threshold's own q stays exact
    out["curve"] = {"score": c.score[keep].tolist(), "q": c.q[keep].tolist()}
    return out


def _thin(n: int, points: int) -> np.ndarray:
    """Indices of ``points`` thresholds spread evenly by rank, the first and the last kept."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, points)).astype(np.int64))


def q_values(calibration: dict, scores: np.ndarray) -> np.ndarray:
    """Each score's q-value from a calibration's curve; NaN when the curve is empty.

    A score between two kept thresholds takes the q of the lower one (a thinned curve
    can only overstate q); a score below every threshold takes the last.
    """
    scores = np.asarray(scores, dtype=np.float64)
    curve_s = np.asarray(calibration["curve"]["score"], dtype=np.float64)
    curve_q = np.asarray(calibration["curve"]["q"], dtype=np.float64)
    if len(curve_s) == 0:
        return np.full(len(scores), np.nan)
    # curve_s descends: the first kept threshold at or below each score
    k = np.searchsorted(-curve_s, -scores, side="left")
    return curve_q[np.minimum(k, len(curve_s) - 1)]


def minus_log10(q: np.ndarray) -> np.ndarray:
    """-log10 of q-values for a narrowPeak's qValue column; -1 (unknown) where q is NaN."""
    q = np.asarray(q, dtype=np.float64)
    out = np.full(len(q), -1.0)
    ok = np.isfinite(q) & (q > 0)
    out[ok] = -np.log10(q[ok])
    return out


def precision_at(scores: np.ndarray, codes: np.ndarray, threshold: float | None) -> dict:
    """Windows at or above ``threshold`` among labelled (B/U) ones: passing, bound, precision, recall."""
    codes = np.asarray(codes)
    keep = (codes == B) | (codes == U)
    s, y = np.asarray(scores, dtype=np.float64)[keep], codes[keep] == B
    hit = s >= (math.inf if threshold is None else threshold)
    passing, bound = int(hit.sum()), int((hit & y).sum())
    return {
        "passing": passing,
        "bound": bound,
        "precision": bound / passing if passing else None,
        "recall": bound / int(y.sum()) if y.any() else None,
    }


def write_calibration(path, calibration: dict) -> None:
    """A calibration as a JSON record (results/calibration/<model>/<feature_set>/<TF>.json)."""
    write_score_record(path, calibration)


def read_calibration(path) -> dict:
    """A calibration written by :func:`write_calibration`, its curve checked."""
    cal = read_score_record(path, ["threshold", "target_precision", "best_estimated_precision", "curve"])
    curve = cal["curve"]
    if not isinstance(curve, dict) or len(curve.get("score", [])) != len(curve.get("q", [None])):
        raise DreamTFError(f"{path}: 'curve' must hold lists 'score' and 'q' of one length")
    return cal
