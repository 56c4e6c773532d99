"""The challenge's scoring, matching the official scorer (kundajelab/tf_binding_challenge).

* A windows are dropped; B is positive, U negative.
* auROC as ``sklearn.metrics.roc_auc_score`` (trapezoids over distinct thresholds).
* auPRC as R PRROC's ``pr.curve(scores.class0=pred, weights.class0=labels)$auc.davis.goadrich``:
  the PR curve at every distinct score threshold (ties form one step), with
  Davis & Goadrich's interpolation inside every step that adds more than one
  true positive and changes precision; every other step is a trapezoid, and the
  first step is a rectangle at its own precision.
* recall at FDR c: the official scorer walks sklearn's ``precision_recall_curve`` from
  the lowest threshold upwards and takes the recall of the first point with
  ``1 - precision <= c``. Recall only falls as the threshold rises, so this is the
  largest recall among curve points with FDR <= c, and 0 when there is none.
* Bootstrap: the official scorer's ``StratifiedKFold(labels, n_folds=10)``, unshuffled,
  over the labels *including* A: each class's windows, in file order, are cut into 10
  contiguous blocks (the first ``n % 10`` one longer); subsample k leaves out block k of
  every class (about 90 % of the windows) and is scored like the whole.

All curve work runs on one global sort; every bootstrap subsample reuses it.
"""

from __future__ import annotations

import numpy as np

from .errors import DreamTFError

METRICS = ("auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr")


def has_both_classes(codes: np.ndarray) -> bool:
    """Whether label codes (0 U, 1 A, 2 B) hold at least one bound and one unbound window.

    Every ranking metric, threshold and weight fitted on labels needs both; callers decide
    whether a set without them is an error or is skipped.
    """
    codes = np.asarray(codes)
    return bool((codes == 2).any() and (codes == 0).any())


def last_of_ties(s_sorted: np.ndarray) -> np.ndarray:
    """Bool mask over scores sorted high to low: the last of each run of equal scores (one per threshold)."""
    last = np.empty(len(s_sorted), dtype=bool)
    if len(s_sorted):
        np.not_equal(s_sorted[1:], s_sorted[:-1], out=last[:-1])
        last[-1] = True
    return last


def curve_points(y_sorted: np.ndarray, s_sorted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (tp, fp) at each distinct threshold, from the highest score down.

    ``y_sorted`` (bool) and ``s_sorted`` are ordered by decreasing score; the thresholds
    themselves are ``s_sorted[last_of_ties(s_sorted)]``.
    """
    tp = np.cumsum(y_sorted, dtype=np.int64)
    fp = np.arange(1, len(y_sorted) + 1, dtype=np.int64) - tp
    last = last_of_ties(s_sorted)
    return tp[last], fp[last]


def auroc_from_points(tp: np.ndarray, fp: np.ndarray) -> float:
    """Area under the ROC curve by trapezoids (sklearn's roc_auc_score); NaN for one class."""
    if len(tp) == 0 or tp[-1] == 0 or fp[-1] == 0:
        return float("nan")
    tpr = np.concatenate([[0.0], tp / tp[-1]])
    fpr = np.concatenate([[0.0], fp / fp[-1]])
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def auprc_from_points(tp: np.ndarray, fp: np.ndarray) -> float:
    """PRROC's ``auc.davis.goadrich`` from (tp, fp) at distinct thresholds; NaN without positives."""
    if len(tp) == 0 or tp[-1] == 0:
        return float("nan")
    total = float(tp[-1])
    tp_prev = np.concatenate([[0], tp[:-1]])
    fp_prev = np.concatenate([[0], fp[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = tp / (tp + fp)
        prec_prev = tp_prev / (tp_prev + fp_prev)  # NaN before the first threshold
    diff = tp - tp_prev
    interp = (diff > 1) & (prec != prec_prev) & ~np.isnan(prec_prev)
    simple = ~interp
    area = diff[simple] / total * (prec_prev[simple] + prec[simple]) / 2
    area[0] = diff[0] / total * prec[0]  # the first step has no previous precision
    result = float(np.sum(area))
    idx = np.flatnonzero(interp)
    if len(idx):
        steps = diff[idx]
        seg = np.repeat(np.arange(len(idx)), steps + 1)
        offsets = np.concatenate([[0], np.cumsum(steps + 1)[:-1]])
        x = np.arange(len(seg)) - np.repeat(offsets, steps + 1)
        h = (fp[idx] - fp_prev[idx]) / steps
        tpx = tp_prev[idx][seg] + x
        prcs = tpx / (tpx + fp_prev[idx][seg] + h[seg] * x)
        sums = np.add.reduceat(prcs, offsets)
        ends = prcs[offsets] + prcs[offsets + steps]
        result += float(np.sum(sums - ends / 2)) / total
    return result


def recall_at_fdr_from_points(tp: np.ndarray, fp: np.ndarray, fdr: float) -> float:
    """Largest recall among curve points with ``1 - precision <= fdr``; 0 when none."""
    if len(tp) == 0 or tp[-1] == 0:
        return float("nan")
    precision = tp / (tp + fp)
    ok = (1 - precision) <= fdr
    return float(tp[ok].max() / tp[-1]) if ok.any() else 0.0


def _metrics(y_sorted: np.ndarray, s_sorted: np.ndarray) -> dict[str, float]:
    tp, fp = curve_points(y_sorted, s_sorted)
    return {
        "auroc": auroc_from_points(tp, fp),
        "auprc": auprc_from_points(tp, fp),
        "recall_at_50_fdr": recall_at_fdr_from_points(tp, fp, 0.50),
        "recall_at_10_fdr": recall_at_fdr_from_points(tp, fp, 0.10),
    }


def bootstrap_folds(codes: np.ndarray, n_folds: int = 10) -> np.ndarray:
    """Fold index (0..n_folds-1) of every window, as the official unshuffled StratifiedKFold.

    Each class (U, A, B) is cut, in file order, into ``n_folds`` contiguous blocks whose
    sizes differ by at most one, the longer ones first.
    """
    fold = np.empty(len(codes), dtype=np.int16)
    for cls in np.unique(codes):
        where = np.flatnonzero(codes == cls)
        n = len(where)
        sizes = np.full(n_folds, n // n_folds, dtype=np.int64)
        sizes[: n % n_folds] += 1
        fold[where] = np.repeat(np.arange(n_folds, dtype=np.int16), sizes)
    return fold


def score(codes: np.ndarray, scores: np.ndarray, *, bootstrap: int = 10) -> dict[str, float | int]:
    """Score predictions against U/A/B label codes (0/1/2), as the challenge did.

    Parameters
    ----------
    codes : uint8 array, shape (n,)
        Labels in file order (0 = U, 1 = A, 2 = B).
    scores : float array, shape (n,)
        One prediction per window; higher means more likely bound.
    bootstrap : int
        Number of stratified 90 % subsamples (0 to skip); their minimum and maximum
        give ``<metric>_lower`` and ``<metric>_upper``.

    Returns
    -------
    dict with auroc, auprc, recall_at_50_fdr, recall_at_10_fdr, n_bound, n_unbound and,
    with ``bootstrap``, the lower/upper bound of each metric.
    """
    codes = np.asarray(codes)
    scores = np.asarray(scores, dtype=np.float64)
    if codes.shape != scores.shape:
        raise DreamTFError(f"{len(codes)} labels but {len(scores)} predictions")
    if not np.isfinite(scores).all():
        raise DreamTFError("predictions contain NaN or infinite scores")
    order = np.argsort(-scores, kind="stable")
    c_sorted = codes[order]
    s_sorted = scores[order]
    keep = c_sorted != 1
    result: dict[str, float | int] = dict(_metrics(c_sorted[keep] == 2, s_sorted[keep]))
    result["n_bound"] = int(np.count_nonzero(codes == 2))
    result["n_unbound"] = int(np.count_nonzero(codes == 0))
    if bootstrap:
        fold_sorted = bootstrap_folds(codes, bootstrap)[order]
        runs = []
        for k in range(bootstrap):
            m = keep & (fold_sorted != k)
            runs.append(_metrics(c_sorted[m] == 2, s_sorted[m]))
        for name in METRICS:
            vals = np.array([r[name] for r in runs])
            result[f"{name}_lower"] = float(np.min(vals))
            result[f"{name}_upper"] = float(np.max(vals))
    return result
