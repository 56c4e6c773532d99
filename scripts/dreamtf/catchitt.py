"""Catchitt-style gradient boosting (Keilwagen, Posch & Grau 2019) with XGBoost.

Training, per TF, feature set and training cell type:

1. From the training chromosomes (validation chromosomes excluded) take every B window,
   and a pool of U windows (all of them, or a random ``pool`` of them on a large genome).
   A windows are never used.
2. Round 0 trains on the B windows and ``negatives_per_bound`` random U windows per B.
3. Each further round scores the whole pool and adds the ``hard_negatives_per_bound``
   x n_B highest-scoring U windows not yet in the training set (Catchitt's iterative
   training: the negatives the model gets wrong), then trains a new booster.
4. Every booster stops early on the validation chromosomes (B windows and a U sample)
   and keeps its best iteration.

Prediction averages every round's booster of every training cell type. A fixed seed
gives identical predictions (XGBoost ``hist`` with a fixed thread count is deterministic).
"""

from __future__ import annotations

import json
import logging
import os

import numpy as np

from . import imports
from .errors import DreamTFError
from .featurestore import FeatureSet
from .io.archive import read_archive, write_archive
from .io.windowtable import read_labels

log = logging.getLogger(__name__)

DEFAULTS = {
    "rounds": 3,
    "negatives_per_bound": 10,
    "hard_negatives_per_bound": 2,
    "pool": 2_000_000,
    "validation_negatives": 200_000,
    "num_boost_round": 300,
    "early_stopping_rounds": 20,
    "seed": 1,
    "average_rounds": True,
    "xgboost": {
        "tree_method": "hist",
        "objective": "binary:logistic",
        "eta": 0.3,
        "max_depth": 6,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "min_child_weight": 1,
        "eval_metric": ["logloss", "aucpr"],
    },
}


def _collect(fset: FeatureSet, labels, chroms: list[str], rng, pool: int, max_neg: int | None = None):
    """B windows and a random pool of U windows of ``chroms``: (X_bound, X_pool)."""
    codes_all = labels.codes[:, 0]
    xb, xu, n_u_total = [], [], 0
    chrom_names = labels.chroms
    per_chrom = []
    for chrom in chroms:
        if chrom not in chrom_names:
            continue
        m = labels.chrom == chrom_names.index(chrom)
        per_chrom.append((chrom, labels.start[m], codes_all[m]))
        n_u_total += int(np.count_nonzero(codes_all[m] == 0))
    limit = pool if max_neg is None else max_neg
    keep_frac = min(1.0, limit / max(1, n_u_total))
    for chrom, lstarts, codes in per_chrom:
        starts, x = fset.load(chrom)
        if not np.array_equal(starts, lstarts):
            raise DreamTFError(f"features of {chrom} do not cover the labelled windows (regions and labels differ)")
        xb.append(x[codes == 2])
        u = np.flatnonzero(codes == 0)
        if keep_frac < 1:
            u = u[rng.random(len(u)) < keep_frac]
        xu.append(x[u])
    if not xb:
        raise DreamTFError(f"no labelled windows on {', '.join(chroms)}")
    return np.vstack(xb), np.vstack(xu)


def train(
    fset: FeatureSet,
    labels_path,
    cell: str,
    *,
    train_chroms: list[str],
    valid_chroms: list[str],
    size: int,
    params: dict | None = None,
    threads: int = 1,
) -> dict:
    """Train one cell type's boosters; returns {"boosters": [...], "meta": {...}}."""
    xgb = imports.xgboost()

    p = {**DEFAULTS, **(params or {})}
    p["xgboost"] = {**DEFAULTS["xgboost"], **(params or {}).get("xgboost", {})}
    rng = np.random.default_rng(p["seed"])
    labels = read_labels(labels_path, cells=[cell], chroms=train_chroms + valid_chroms, size=size)
    xb, pool = _collect(fset, labels, train_chroms, rng, p["pool"])
    vb, vu = _collect(fset, labels, valid_chroms, rng, p["validation_negatives"])
    if len(xb) == 0:
        raise DreamTFError(f"{labels_path}: cell {cell} has no bound (B) window on the training chromosomes")
    log.info(
        "%s: %d bound, %d unbound in the pool; validation %d bound, %d unbound",
        cell,
        len(xb),
        len(pool),
        len(vb),
        len(vu),
    )
    n_neg = min(len(pool), p["negatives_per_bound"] * len(xb))
    in_train = np.zeros(len(pool), dtype=bool)
    in_train[rng.choice(len(pool), n_neg, replace=False)] = True
    dvalid = xgb.DMatrix(
        np.vstack([vb, vu]),
        label=np.r_[np.ones(len(vb)), np.zeros(len(vu))],
        feature_names=fset.columns,
        nthread=threads,
    )
    xgb_params = {**p["xgboost"], "seed": p["seed"], "nthread": threads}
    boosters, history = [], []
    for rnd in range(p["rounds"]):
        x = np.vstack([xb, pool[in_train]])
        y = np.r_[np.ones(len(xb)), np.zeros(int(in_train.sum()))]
        dtrain = xgb.DMatrix(x, label=y, feature_names=fset.columns, nthread=threads)
        evals = [(dvalid, "valid")] if len(vb) and len(vu) else []
        booster = xgb.train(
            xgb_params,
            dtrain,
            num_boost_round=p["num_boost_round"],
            evals=evals,
            early_stopping_rounds=p["early_stopping_rounds"] if evals else None,
            verbose_eval=False,
        )
        best = int(getattr(booster, "best_iteration", booster.num_boosted_rounds() - 1))
        boosters.append((booster, best))
        pred_valid = booster.predict(dvalid, iteration_range=(0, best + 1)) if evals else np.empty(0)
        history.append(
            {
                "round": rnd,
                "train_bound": len(xb),
                "train_unbound": int(in_train.sum()),
                "best_iteration": best,
                "valid_aucpr": _auprc(len(vb), pred_valid),
            }
        )
        log.info("%s round %d: %s", cell, rnd, history[-1])
        if rnd + 1 < p["rounds"]:
            scores = booster.predict(
                xgb.DMatrix(pool, feature_names=fset.columns, nthread=threads), iteration_range=(0, best + 1)
            )
            scores[in_train] = -np.inf
            k = min(int(p["hard_negatives_per_bound"] * len(xb)), int((~in_train).sum()))
            if k:
                in_train[np.argpartition(-scores, k - 1)[:k]] = True
    return {
        "boosters": boosters,
        "meta": {
            "cell": cell,
            "columns": fset.columns,
            "history": history,
            "params": {k: v for k, v in p.items()},
            # the chromosomes windows were drawn from: those of the label table read above
            "train_chroms": [c for c in train_chroms if c in labels.chroms],
            "valid_chroms": [c for c in valid_chroms if c in labels.chroms],
            "validation_windows": {"bound": len(vb), "unbound": len(vu)},
        },
    }


def _auprc(n_bound: int, pred: np.ndarray) -> float:
    if n_bound == 0 or len(pred) == n_bound:
        return float("nan")
    from .metrics import score

    codes = np.r_[np.full(n_bound, 2), np.zeros(len(pred) - n_bound)].astype(np.uint8)
    return float(score(codes, pred, bootstrap=0)["auprc"])


def save_model(path: str | os.PathLike, model: dict) -> None:
    """A zip of ``round<k>.ubj`` boosters and ``meta.json``, written atomically."""
    meta = dict(model["meta"])
    meta["best_iterations"] = [b for _, b in model["boosters"]]
    members = {f"round{k}.ubj": bytes(booster.save_raw("ubj")) for k, (booster, _) in enumerate(model["boosters"])}
    write_archive(path, {**members, "meta.json": json.dumps(meta, indent=1).encode()})


def load_model(path: str | os.PathLike) -> dict:
    xgb = imports.xgboost()

    members = read_archive(path, "dreamtf catchitt model")
    try:
        meta = json.loads(members["meta.json"])
        boosters = []
        for k, best in enumerate(meta["best_iterations"]):
            b = xgb.Booster()
            b.load_model(bytearray(members[f"round{k}.ubj"]))
            boosters.append((b, best))
    except (KeyError, ValueError, xgb.core.XGBoostError) as exc:
        raise DreamTFError(f"{path}: not a dreamtf catchitt model ({exc})") from None
    return {"boosters": boosters, "meta": meta}


def predict(
    models: list[dict], x: np.ndarray, columns: list[str], threads: int = 1, *, average_rounds: bool = True
) -> np.ndarray:
    """Mean probability over every model's boosters; shape (n_windows,).

    With ``average_rounds`` every round's booster votes (Catchitt's averaging); without,
    only each model's last round does, which predicts ``rounds`` times faster.
    """
    for m in models:
        if m["meta"]["columns"] != columns:
            raise DreamTFError(f"model of {m['meta']['cell']} was trained on other features than these")
    total = np.zeros(len(x), dtype=np.float64)
    n = 0
    for m in models:
        for booster, best in m["boosters"] if average_rounds else m["boosters"][-1:]:
            booster.set_param({"nthread": threads})
            total += booster.inplace_predict(x, iteration_range=(0, best + 1), validate_features=False)
            n += 1
    return (total / n).astype(np.float32)


def importance(model: dict, x_sample: np.ndarray, threads: int = 1):
    """Per feature: total gain (mean over rounds) and mean |SHAP| (pred_contribs) on ``x_sample``."""
    import pandas as pd

    xgb = imports.xgboost()

    cols = model["meta"]["columns"]
    gain = np.zeros(len(cols))
    shap = np.zeros(len(cols))
    d = xgb.DMatrix(x_sample, feature_names=cols, nthread=threads)
    for booster, best in model["boosters"]:
        g = booster.get_score(importance_type="total_gain")
        gain += np.array([g.get(c, 0.0) for c in cols])
        contrib = booster.predict(d, pred_contribs=True, iteration_range=(0, best + 1))
        shap += np.abs(contrib[:, :-1]).mean(axis=0)
    k = len(model["boosters"])
    df = pd.DataFrame({"feature": cols, "gain": gain / k, "mean_abs_shap": shap / k})
    return df.sort_values("mean_abs_shap", ascending=False).reset_index(drop=True)
