"""Catchitt-style training on a small synthetic problem: learns, iterates, reproduces, reloads."""

import numpy as np
import pytest

from dreamtf import catchitt
from dreamtf.featurestore import FeatureSet
from dreamtf.io.featurefile import write_feature_file
from dreamtf.io.windowtable import write_labels
from dreamtf.metrics import score

PARAMS = {
    "rounds": 3,
    "negatives_per_bound": 5,
    "hard_negatives_per_bound": 2,
    "num_boost_round": 60,
    "early_stopping_rounds": 10,
    "seed": 3,
    "xgboost": {"max_depth": 3},
}


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    """Two features carry the signal (an 'open' flag and a 'motif' score), two are noise."""
    d = tmp_path_factory.mktemp("catchitt")
    rng = np.random.default_rng(0)
    items, labels = [], []
    for chrom in ("chr2", "chr3", "chr11", "chr1"):
        n = 20_000
        starts = np.arange(600, 600 + 50 * n, 50)
        open_ = rng.random(n) < 0.1
        motif = rng.normal(0, 1, n)
        logit = -6 + 3 * open_ + 2.2 * motif + 1.5 * open_ * (motif > 1)
        bound = rng.random(n) < 1 / (1 + np.exp(-logit))
        x = np.column_stack([open_, motif, rng.normal(0, 1, n), rng.random(n)]).astype(np.float32)
        items.append((chrom, starts, x, ["open", "motif", "noise1", "noise2"]))
        codes = np.where(bound, 2, 0).astype(np.uint8)
        codes[rng.random(n) < 0.01] = 1
        labels.append((chrom, starts, codes))
    write_feature_file(d / "f.npz", iter(items))
    write_labels(d / "labels.tsv.gz", ["K562"], iter(labels), size=200)
    return d, {c: (s, x) for c, s, x, _ in items}, {c: codes for c, _, codes in labels}


def _train(d, labels=None, **kw):
    with FeatureSet([d / "f.npz"]) as fs:
        return catchitt.train(
            fs,
            labels or d / "labels.tsv.gz",
            "K562",
            train_chroms=["chr2", "chr3"],
            valid_chroms=["chr11"],
            size=200,
            params={**PARAMS, **kw},
            threads=1,
        )


def test_trains_iteratively_and_learns(problem):
    d, feats, codes = problem
    model = _train(d)
    hist = model["meta"]["history"]
    assert [h["round"] for h in hist] == [0, 1, 2]
    n_b = hist[0]["train_bound"]
    assert hist[0]["train_unbound"] == 5 * n_b
    assert hist[1]["train_unbound"] == 7 * n_b and hist[2]["train_unbound"] == 9 * n_b  # hard negatives added
    s, x = feats["chr1"]  # never seen in training
    p = catchitt.predict([model], x, ["open", "motif", "noise1", "noise2"])
    r = score(codes["chr1"], p, bootstrap=0)
    chance = np.mean(codes["chr1"][codes["chr1"] != 1] == 2)
    assert r["auprc"] > 4 * chance and r["auroc"] > 0.85


def test_same_seed_same_model_and_reload(problem, tmp_path):
    d, feats, _ = problem
    a, b = _train(d), _train(d)
    assert [bytes(x.save_raw("ubj")) for x, _ in a["boosters"]] == [bytes(x.save_raw("ubj")) for x, _ in b["boosters"]]
    catchitt.save_model(tmp_path / "m.zip", a)
    back = catchitt.load_model(tmp_path / "m.zip")
    x = feats["chr1"][1]
    cols = ["open", "motif", "noise1", "noise2"]
    np.testing.assert_array_equal(catchitt.predict([a], x, cols), catchitt.predict([back], x, cols))
    with pytest.raises(Exception, match="other features"):
        catchitt.predict([back], x[:, :3], cols[:3])


def test_importance_ranks_the_informative_features(problem):
    d, feats, _ = problem
    model = _train(d, rounds=1)
    df = catchitt.importance(model, feats["chr11"][1][:3000])
    assert list(df.columns) == ["feature", "gain", "mean_abs_shap"]
    assert set(df["feature"][:2]) == {"open", "motif"}


def test_last_round_only_prediction(problem):
    d, feats, _ = problem
    model = _train(d)
    x = feats["chr1"][1]
    cols = ["open", "motif", "noise1", "noise2"]
    last, best = model["boosters"][-1]
    expected = last.inplace_predict(x, iteration_range=(0, best + 1))
    np.testing.assert_allclose(catchitt.predict([model], x, cols, average_rounds=False), expected, rtol=1e-6)
    assert not np.allclose(catchitt.predict([model], x, cols), expected)


def test_settings_are_the_schemas_defaults_with_xgboost_merged_key_by_key():
    from dreamtf.config import defaults

    assert catchitt.settings() == defaults("catchitt")
    got = catchitt.settings({"rounds": 1, "xgboost": {"max_depth": 3}})
    assert got["rounds"] == 1 and got["xgboost"]["max_depth"] == 3
    assert got["xgboost"]["eta"] == defaults("catchitt", "xgboost")["eta"]


@pytest.mark.parametrize("keep", [0, 2])
def test_validation_windows_of_one_class_train_without_early_stopping(problem, tmp_path, keep):
    """A validation chromosome with only unbound (keep 0) or only bound (keep 2) windows: no auPRC, no stop."""
    d, feats, codes = problem
    items = []
    for chrom in ("chr2", "chr3", "chr11"):
        c = codes[chrom].copy()
        if chrom == "chr11":
            c[c != keep] = 1  # every other window ambiguous
        items.append((chrom, feats[chrom][0], c))
    write_labels(tmp_path / "labels.tsv.gz", ["K562"], iter(items), size=200)
    model = _train(d, labels=tmp_path / "labels.tsv.gz", rounds=2, num_boost_round=8)
    hist = model["meta"]["history"]
    assert [h["best_iteration"] for h in hist] == [7, 7]  # every boosting round kept
    assert all(np.isnan(h["valid_aucpr"]) for h in hist)
