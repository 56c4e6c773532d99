"""The paired bootstrap of auPRC differences: exact against the challenge's auPRC, and telling models apart."""

import numpy as np
import pytest

from dreamtf import compare, metrics


def random_case(rng, n, decimals):
    codes = rng.choice([0, 1, 2], n, p=[0.7, 0.1, 0.2])
    scores = np.round(rng.normal(size=n) + (codes == 2), decimals)  # few decimals: many ties
    return codes, scores


@pytest.mark.parametrize("decimals", [0, 1, 6])
def test_blocks_give_the_challenge_auprc_as_is_and_on_any_resample(decimals):
    rng = np.random.default_rng(decimals)
    for _ in range(60):
        codes, s = random_case(rng, int(rng.integers(5, 300)), decimals)
        if not metrics.has_both_classes(codes):
            continue
        keep = codes != 1
        bound = codes[keep] == 2
        b = compare.blocks(bound, s[keep])
        assert compare.auprc_of_blocks(bound, b) == pytest.approx(
            metrics.score(codes, s, bootstrap=0)["auprc"], abs=1e-12
        )
        # a resample drawing window i w[i] times: its auPRC is the challenge's on the windows repeated
        w = rng.integers(0, 3, keep.sum())
        if not w[bound].any():
            continue
        tp = np.bincount(b.of[bound], w[bound], minlength=b.n)
        fp = np.bincount(b.of[~bound], w[~bound], minlength=b.n)
        rep = np.repeat(np.arange(keep.sum()), w)
        expected = metrics.score(codes[keep][rep], s[keep][rep], bootstrap=0)["auprc"]
        assert compare.auprc_of_counts(tp, fp) == pytest.approx(expected, abs=1e-12)


def two_models(seed=0, n=4000, gap=1.0):
    rng = np.random.default_rng(seed)
    codes = rng.choice([0, 1, 2], n, p=[0.85, 0.05, 0.10])
    signal = (codes == 2).astype(float)
    good = signal * 2.0 + rng.normal(size=n)
    worse = signal * (2.0 - gap) + rng.normal(size=n)
    return codes, good, worse


def test_a_clearly_better_model_is_told_apart_and_the_same_model_is_not():
    codes, good, worse = two_models()
    comp = compare.compare_pair(
        codes, {"good": good, "worse": worse, "copy": good.copy()}, "good", replicates=300, seed=1, pair="p"
    )
    w, c = comp["worse"], comp["copy"]
    assert w["lower"] > 0 and w["lower"] <= w["difference"] <= w["upper"]
    assert compare.verdict(w["lower"], w["upper"]) == "better"
    # identical scores: every resample gives a difference of exactly 0
    assert c["difference"] == 0 and np.all(c["replicates"] == 0)
    assert compare.verdict(c["lower"], c["upper"]).startswith("cannot be told apart: 95% interval")


def test_near_equal_models_cannot_be_told_apart_and_the_interval_is_reproducible():
    codes, good, _ = two_models(seed=2)
    rng = np.random.default_rng(3)
    near = good + rng.normal(scale=0.05, size=len(good))  # the same model, slightly perturbed
    args = dict(replicates=200, seed=7, pair="CTCF / liver")
    a = compare.compare_pair(codes, {"a": good, "b": near}, "a", **args)["b"]
    again = compare.compare_pair(codes, {"a": good, "b": near}, "a", **args)["b"]
    assert a["lower"] < 0 < a["upper"]
    assert np.array_equal(a["replicates"], again["replicates"])
    other_seed = compare.compare_pair(codes, {"a": good, "b": near}, "a", **dict(args, seed=8))["b"]
    assert not np.array_equal(a["replicates"], other_seed["replicates"])


def test_the_interval_covers_the_spread_of_independent_samples():
    # a paired bootstrap's interval should be about as wide as the spread of the difference over
    # fresh data sets drawn from the same model (not the far narrower spread of 90 % subsamples)
    diffs = [compare.compare_pair(*_case(s), replicates=1, seed=0, pair="p")["worse"]["difference"] for s in range(40)]
    codes, good, worse = two_models(seed=100, gap=0.5)
    one = compare.compare_pair(codes, {"good": good, "worse": worse}, "good", replicates=400, seed=0, pair="p")["worse"]
    width = one["upper"] - one["lower"]
    spread = np.percentile(diffs, 97.5) - np.percentile(diffs, 2.5)
    assert 0.5 * spread < width < 2.0 * spread


def _case(seed):
    codes, good, worse = two_models(seed=seed, gap=0.5)
    return codes, {"good": good, "worse": worse}, "good"


def test_pooling_averages_differences_and_replicates_over_pairs():
    per_pair = {
        "p1": {"b": {"difference": 0.1, "replicates": np.array([0.05, 0.1, 0.15])}},
        "p2": {"b": {"difference": 0.3, "replicates": np.array([0.25, 0.3, 0.35])}},
    }
    pooled = compare.pool(per_pair)["b"]
    assert pooled["difference"] == pytest.approx(0.2)
    assert pooled["lower"] == pytest.approx(np.percentile([0.15, 0.2, 0.25], 2.5))
