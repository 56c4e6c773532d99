"""Scoring checked against hand-computed cases and independent implementations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from dreamtf.errors import DreamTFError
from dreamtf.metrics import bootstrap_folds, score


def prroc_reference(y, s):
    """A line-by-line reading of PRROC's compute.pr (0/1 weights, dg.compute=TRUE), slow on purpose."""
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    total = y.sum()
    area, tp_prev, fp_prev = 0.0, 0, 0
    for k, thr in enumerate(sorted(set(s.tolist()), reverse=True)):
        tp = int(y[s >= thr].sum())
        fp = int((1 - y[s >= thr]).sum())
        prec = tp / (tp + fp)
        if k == 0:
            area += tp / total * prec
        else:
            prec_prev = tp_prev / (tp_prev + fp_prev)
            if tp - tp_prev > 1 and prec != prec_prev:
                h = (fp - fp_prev) / (tp - tp_prev)
                pts = [(tp_prev + x) / (tp_prev + x + fp_prev + h * x) for x in range(tp - tp_prev + 1)]
                area += sum((pts[i] + pts[i + 1]) / 2 for i in range(len(pts) - 1)) / total
            else:
                area += (tp - tp_prev) / total * (prec_prev + prec) / 2
        tp_prev, fp_prev = tp, fp
    return area


def official_recall_at_fdr(y, s, cutoff):
    """The challenge scorer's recall_at_fdr, as written there (sklearn's curve, low threshold first)."""
    precision, recall, _ = precision_recall_curve(y, s)
    fdr = 1 - precision
    i = next(i for i, x in enumerate(fdr) if x <= cutoff)
    return recall[i]


def codes_of(y):
    return np.where(np.asarray(y) == 1, 2, 0).astype(np.uint8)


def test_auprc_by_hand_no_ties():
    # thresholds: (tp, fp) = (1,0) (1,1) (2,1) (2,2); P = 2
    # area = 1/2 * 1 + 1/2 * (1/2 + 2/3) / 2 = 0.791666...
    r = score(codes_of([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.6]), bootstrap=0)
    assert r["auprc"] == pytest.approx(0.5 + 0.5 * (0.5 + 2 / 3) / 2, abs=1e-12)
    assert r["auroc"] == pytest.approx(0.75)


def test_auprc_by_hand_with_a_tie_group():
    # 0.9: (1,0); 0.5 (three windows, two bound): (3,1); 0.1: (3,2); P = 3.
    # First step: 1/3 * 1. Second step adds two TPs and changes precision, so Davis-Goadrich
    # interpolates: h = 1/2, precisions 1, 2/2.5, 3/4 -> ((1 + .8)/2 + (.8 + .75)/2) / 3.
    y = [1, 1, 0, 1, 0]
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    expected = 1 / 3 + ((1 + 0.8) / 2 + (0.8 + 0.75) / 2) / 3
    assert score(codes_of(y), s, bootstrap=0)["auprc"] == pytest.approx(expected, abs=1e-12)
    assert prroc_reference(y, s) == pytest.approx(expected, abs=1e-12)


def test_auprc_is_not_average_precision():
    from sklearn.metrics import average_precision_score

    y = [1, 1, 0, 1, 0]
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    assert score(codes_of(y), s, bootstrap=0)["auprc"] != pytest.approx(average_precision_score(y, s), abs=1e-3)


@given(seed=st.integers(0, 100_000), n=st.integers(2, 400), levels=st.sampled_from([3, 10, 1000]))
@settings(max_examples=150, deadline=None)
def test_metrics_match_references_with_ties(seed, n, levels):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(int)
    if y.sum() == 0 or y.sum() == n:
        y[0], y[-1] = 1, 0
    s = np.round(rng.random(n) + 0.6 * y * rng.random(), 0 if levels == 3 else 1 if levels == 10 else 6)
    r = score(codes_of(y), s, bootstrap=0)
    assert r["auprc"] == pytest.approx(prroc_reference(y, s), abs=1e-10)
    assert r["auroc"] == pytest.approx(roc_auc_score(y, s), abs=1e-10)
    assert r["recall_at_50_fdr"] == pytest.approx(official_recall_at_fdr(y, s, 0.5), abs=1e-12)
    assert r["recall_at_10_fdr"] == pytest.approx(official_recall_at_fdr(y, s, 0.1), abs=1e-12)


def test_recall_at_fdr_by_hand():
    # sorted: B B U B U U ; precision at each threshold: 1, 1, 2/3, 3/4, 3/5, 1/2
    y = [1, 1, 0, 1, 0, 0]
    s = np.array([6, 5, 4, 3, 2, 1.0])
    r = score(codes_of(y), s, bootstrap=0)
    assert r["recall_at_10_fdr"] == pytest.approx(2 / 3)  # last point with FDR <= .1 is (2, 0)
    assert r["recall_at_50_fdr"] == pytest.approx(1.0)  # (3, 3) has FDR exactly 0.5
    # no point at 10 % FDR when the top window is unbound and precision never recovers
    r = score(codes_of([0, 1, 0, 1]), np.array([4, 3, 2, 1.0]), bootstrap=0)
    assert r["recall_at_10_fdr"] == 0.0


def test_ambiguous_windows_are_dropped():
    codes = np.array([2, 1, 0, 1, 2, 0], dtype=np.uint8)
    s = np.array([0.9, 0.95, 0.3, 0.99, 0.8, 0.1])
    r = score(codes, s, bootstrap=0)
    assert (r["n_bound"], r["n_unbound"]) == (2, 2)
    assert r["auprc"] == pytest.approx(1.0) and r["auroc"] == pytest.approx(1.0)


def test_bootstrap_folds_are_contiguous_stratified_blocks():
    # 23 U, 4 A, 13 B in file order: each class cut into 10 blocks, longer ones first
    codes = np.array([0] * 23 + [1] * 4 + [2] * 13, dtype=np.uint8)
    f = bootstrap_folds(codes, 10)
    assert np.bincount(f[:23], minlength=10).tolist() == [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]
    assert np.all(np.diff(f[:23]) >= 0)
    assert f[23:27].tolist() == [0, 1, 2, 3]
    assert np.bincount(f[27:], minlength=10).tolist() == [2, 2, 2, 1, 1, 1, 1, 1, 1, 1]


def test_bootstrap_folds_match_sklearn_when_classes_divide_evenly():
    rng = np.random.default_rng(3)
    codes = rng.permutation(np.array([0] * 300 + [1] * 40 + [2] * 60, dtype=np.uint8))
    ours = bootstrap_folds(codes, 10)
    for k, (_, test) in enumerate(StratifiedKFold(n_splits=10).split(np.zeros(len(codes)), codes)):
        assert np.array_equal(np.flatnonzero(ours == k), np.sort(test))


def test_bootstrap_bounds_are_min_and_max_over_subsamples():
    rng = np.random.default_rng(5)
    codes = rng.choice(np.array([0, 1, 2], dtype=np.uint8), 3000, p=[0.85, 0.05, 0.10])
    s = rng.random(3000) + 0.7 * (codes == 2)
    r = score(codes, s, bootstrap=10)
    folds = bootstrap_folds(codes, 10)
    vals = []
    for k in range(10):
        m = (folds != k) & (codes != 1)
        vals.append(prroc_reference((codes[m] == 2).astype(int), s[m]))
        assert m.sum() == pytest.approx(0.9 * (codes != 1).sum(), rel=0.01)
    assert r["auprc_lower"] == pytest.approx(min(vals), abs=1e-10)
    assert r["auprc_upper"] == pytest.approx(max(vals), abs=1e-10)
    assert r["auprc_lower"] <= r["auprc"] <= r["auprc_upper"]


def test_bad_scores_rejected():
    with pytest.raises(DreamTFError, match="NaN"):
        score(np.array([0, 2], dtype=np.uint8), np.array([np.nan, 1.0]))
