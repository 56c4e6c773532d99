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
from .config import defaults
from .errors import DreamTFError
from .featurestore import FeatureSet
from .io.archive import read_archive, write_archive
from .io.windowtable import read_labels
from .metrics import has_both_classes, score

log = logging.getLogger(__name__)


def settings(params: dict | None = None) -> dict:
    """The schema's catchitt defaults overridden by ``params``; its ``xgboost`` dict is merged key by key."""
    given = dict(params or {})
    p = {**defaults("catchitt"), **given}
    p["xgboost"] = {**defaults("catchitt", "xgboost"), **given.get("xgboost", {})}
    return p


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
    """Train one cell type's boosters; returns {"boosters": [...], "meta": {...}}.

    ``params`` override the schema's catchitt settings (:func:`settings`).
    """
    xgb = imports.xgboost()
    p = settings(params)
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
    valid = _Validation(xgb, vb, vu, fset.columns, threads)
    boosters, history = _train_rounds(xgb, xb, pool, valid, p, rng, fset.columns, threads, cell)
    return {
        "boosters": boosters,
        "meta": {
            "cell": cell,
            "columns": fset.columns,
            "history": history,
            "params": dict(p),
            # the chromosomes windows were drawn from: those of the label table read above
            "train_chroms": [c for c in train_chroms if c in labels.chroms],
            "valid_chroms": [c for c in valid_chroms if c in labels.chroms],
            "validation_windows": {"bound": len(vb), "unbound": len(vu)},
        },
    }


def _train_rounds(xgb, xb, pool, valid, p: dict, rng, columns: list[str], threads: int, cell: str):
    """Catchitt's iterative training: ``(boosters, history)``, one (booster, best iteration) per round.

    Round 0 trains on the bound windows ``xb`` and random unbound windows of ``pool``;
    each further round adds the pool windows the last booster scores highest.
    """
    n_neg = min(len(pool), p["negatives_per_bound"] * len(xb))
    in_train = np.zeros(len(pool), dtype=bool)
    in_train[rng.choice(len(pool), n_neg, replace=False)] = True
    xgb_params = {**p["xgboost"], "seed": p["seed"], "nthread": threads}
    boosters, history = [], []
    for rnd in range(p["rounds"]):
        x = np.vstack([xb, pool[in_train]])
        y = np.r_[np.ones(len(xb)), np.zeros(int(in_train.sum()))]
        dtrain = xgb.DMatrix(x, label=y, feature_names=columns, nthread=threads)
        booster, best = _fit(xgb, xgb_params, dtrain, valid, p)
        boosters.append((booster, best))
        history.append(
            {
                "round": rnd,
                "train_bound": len(xb),
                "train_unbound": int(in_train.sum()),
                "best_iteration": best,
                "valid_aucpr": valid.auprc(booster, best),
            }
        )
        log.info("%s round %d: %s", cell, rnd, history[-1])
        if rnd + 1 < p["rounds"]:
            dpool = xgb.DMatrix(pool, feature_names=columns, nthread=threads)
            _add_hard_negatives(booster, best, dpool, in_train, int(p["hard_negatives_per_bound"] * len(xb)))
    return boosters, history


class _Validation:
    """The validation windows (bound, then unbound) that every booster stops early on and is scored on."""

    def __init__(self, xgb, bound: np.ndarray, unbound: np.ndarray, columns: list[str], threads: int):
        self.codes = np.r_[np.full(len(bound), 2), np.zeros(len(unbound))].astype(np.uint8)
        self.matrix = xgb.DMatrix(
            np.vstack([bound, unbound]),
            label=np.r_[np.ones(len(bound)), np.zeros(len(unbound))],
            feature_names=columns,
            nthread=threads,
        )
        # early stopping and the auPRC need both classes
        self.usable = has_both_classes(self.codes)

    def auprc(self, booster, best: int) -> float:
        """The challenge's auPRC of ``booster`` (up to iteration ``best``) here; NaN without both classes."""
        if not self.usable:
            return float("nan")
        pred = booster.predict(self.matrix, iteration_range=(0, best + 1))
        return float(score(self.codes, pred, bootstrap=0)["auprc"])


def _fit(xgb, xgb_params: dict, dtrain, valid: _Validation, p: dict):
    """One booster and its best iteration, stopped early on ``valid`` when it has both classes."""
    evals = [(valid.matrix, "valid")] if valid.usable else []
    booster = xgb.train(
        xgb_params,
        dtrain,
        num_boost_round=p["num_boost_round"],
        evals=evals,
        early_stopping_rounds=p["early_stopping_rounds"] if evals else None,
        verbose_eval=False,
    )
    return booster, int(getattr(booster, "best_iteration", booster.num_boosted_rounds() - 1))


def _add_hard_negatives(booster, best: int, pool, in_train: np.ndarray, k: int) -> None:
    """Mark the ``k`` pool windows (DMatrix ``pool``) not yet trained on that score highest as training negatives."""
    scores = booster.predict(pool, iteration_range=(0, best + 1))
    scores[in_train] = -np.inf
    k = min(k, int((~in_train).sum()))
    if k:
        in_train[np.argpartition(-scores, k - 1)[:k]] = True


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
