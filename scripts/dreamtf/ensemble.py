"""The ensemble: a weighted rank average of several models' predictions for one TF and cell type.

Each member's score becomes its rank among the cell's windows, scaled to [0, 1] (tied
scores share their average rank); the ensemble's score is the weighted mean of its
members' ranks. Ranks, not scores, are averaged because the members' scores live on
different scales (Catchitt's averaged XGBoost probabilities, FactorNet's sigmoid): a rank
average lets neither dominate, as the challenge's top teams combined their models.

The weights are chosen per TF on the validation chromosomes of its training cells, where
every member predicts windows it was never trained on (``results/validation/``): every weight
vector on a grid of step :data:`GRID_STEP` is scored with the challenge's auPRC in each
training cell, and the best mean wins (ties go to the most even weights). With
``ensemble.weights: equal`` every member weighs the same.

Members are named ``"<model>/<feature_set>"`` (``"catchitt/dnase"``, ``"factornet/seq_dnase"``),
after the folders their prediction files live in; the weights file keys each weight by
that name, so a weight can never go to another member's predictions.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import DreamTFError
from .io.windowstream import check_same_window_stream, iter_predictions, iter_regions
from .metrics import has_both_classes, score

#: Spacing of the weight grid searched on the validation chromosomes.
GRID_STEP = 0.05


def equal_weights(n_members: int) -> np.ndarray:
    """``n_members`` equal weights summing to 1 (none for no member)."""
    return np.full(n_members, 1.0 / n_members) if n_members else np.empty(0)


def member_name(path: str | os.PathLike) -> str:
    """The member ``"<model>/<feature_set>"`` whose predictions ``path`` holds (``.../<model>/<feature_set>/F.*``)."""
    return "/".join(Path(path).parts[-3:-1])


def check_member_files(members: list[str], paths: list[str], per: int = 1) -> None:
    """Check that ``paths`` hold, in order, the predictions of ``members`` (repeated ``per`` times: cell-major).

    The first file in another member's place is one line naming it and both members.
    """
    if len(paths) != len(members) * per:
        raise DreamTFError(
            f"{len(paths)} prediction files for the {len(members)} ensemble members {', '.join(members)}"
            + (f" in {per} cells" if per > 1 else "")
        )
    for i, path in enumerate(paths):
        want = members[i % len(members)]
        if member_name(path) != want:
            raise DreamTFError(f"{path}: the predictions of {member_name(path)}, but in the place of member {want}")


def scaled_ranks(scores: np.ndarray) -> np.ndarray:
    """Each score's rank among ``scores`` scaled to [0, 1]: 0 the lowest, 1 the highest; ties averaged."""
    # scipy.stats.rankdata(method="average") in NumPy: importing scipy.stats costs 0.6 s of
    # each of the demo's 28 ensemble jobs, about as long as the job's own work
    values, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    return _value_ranks(counts)[inverse.ravel()]


def _value_ranks(counts: np.ndarray) -> np.ndarray:
    """The scaled mean rank of each distinct value, from how often each (in ascending order) occurs."""
    n = int(counts.sum())
    if n < 2:
        return np.ones(len(counts))
    first = np.cumsum(counts) - counts  # scores below each value: its first 0-based rank
    return (first + (first + counts) - 1) / 2.0 / (n - 1.0)


def rank_average(
    paths: list[str | os.PathLike],
    regions: str | os.PathLike,
    weights=None,
    *,
    size: int | None = None,
    chroms: list[str] | None = None,
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """The ensemble's scores, ``(chrom, starts, scores)`` per chromosome of ``regions``: the
    weighted mean of each member's scaled rank.

    ``paths`` are the members' prediction files, each a submission of exactly the windows
    of the region file ``regions`` (on ``chroms``, when given), in its order, as every
    dreamtf model writes them; the first difference is an error naming the member's file,
    its line and the window, raised before anything is yielded. ``weights`` (one per
    member, summing to 1) default to equal.

    A rank is genome-wide, yet memory does not grow with the genome: a first pass over
    each member counts its distinct scores (written with 6 decimals, so at most a few
    million), which gives every score's mean rank exactly; a second pass reads the members
    side by side, a chromosome at a time.
    """
    if not paths:
        raise DreamTFError("an ensemble needs at least one member's predictions")
    weights = equal_weights(len(paths)) if weights is None else np.asarray(weights, float)
    if len(weights) != len(paths) or (weights < 0).any() or not np.isclose(weights.sum(), 1.0):
        raise DreamTFError(f"ensemble weights {weights.tolist()}: expected one non-negative weight per member, sum 1")
    ranks = []
    for path in paths:
        values, counts = _score_counts(path, regions, size, chroms)
        ranks.append((values, _value_ranks(counts)))
    return _averaged(paths, ranks, weights, size)


def _averaged(paths, ranks, weights, size) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """The second pass of :func:`rank_average`: the members side by side, a chromosome at a time."""
    for members in zip(*(iter_predictions(p, size=size) for p in paths)):
        total = np.zeros(len(members[0]))
        for t, (values, r), w in zip(members, ranks, weights):
            total += w * r[np.searchsorted(values, t.score)]
        yield members[0].chroms[0], members[0].start, total


def _score_counts(path, regions, size, chroms) -> tuple[np.ndarray, np.ndarray]:
    """(distinct scores ascending, how often each occurs) of one member's file, its windows checked."""
    values, counts = np.empty(0), np.empty(0, np.int64)
    stream = check_same_window_stream(
        iter_predictions(path, size=size), region_stream(regions, size=size, chroms=chroms)
    )
    for t in stream:
        v, c = np.unique(t.score, return_counts=True)
        values, inverse = np.unique(np.concatenate([values, v]), return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=np.concatenate([counts, c]), minlength=len(values))
        counts = counts.astype(np.int64)  # exact: fewer than 2**53 windows
    return values, counts


def region_stream(path: str | os.PathLike, *, size: int | None = None, chroms: list[str] | None = None):
    """The windows of a region file on ``chroms`` (all, when None), one chromosome at a time."""
    found = False
    for t in iter_regions(path, size=size):
        if chroms is None or t.chroms[0] in chroms:
            found = True
            yield t
    if chroms is not None and not found:
        raise DreamTFError(f"{path}: no windows on {', '.join(chroms)}")


def weight_grid(n_members: int, step: float = GRID_STEP) -> np.ndarray:
    """Every weight vector of ``n_members`` non-negative multiples of ``step`` summing to 1: (k, n_members)."""
    k = round(1 / step)
    rows = [c for c in itertools.product(range(k + 1), repeat=n_members - 1) if sum(c) <= k]
    return np.array([[*c, k - sum(c)] for c in rows], dtype=float) / k


def choose_weights(cells: list[tuple[np.ndarray, list[np.ndarray]]], step: float = GRID_STEP) -> dict:
    """The weights whose rank average has the best mean auPRC over ``cells``.

    ``cells``: one (label codes, [each member's scores]) pair per training cell, over its
    validation windows. Cells without both bound and unbound windows are left out; with
    none left, the weights are equal. Returns {"weights", "validation_auprc" (the best
    mean), "equal_auprc" (the mean with equal weights), "cells_used"}.
    """
    usable = [(c, m) for c, m in cells if has_both_classes(c)]
    n = len(cells[0][1]) if cells else 0
    equal = equal_weights(n)
    if not usable:
        return {"weights": equal.tolist(), "validation_auprc": None, "equal_auprc": None, "cells_used": 0}
    ranks = [(codes, np.stack([scaled_ranks(s) for s in members])) for codes, members in usable]

    def mean_auprc(w: np.ndarray) -> float:
        return float(np.mean([score(codes, w @ r, bootstrap=0)["auprc"] for codes, r in ranks]))

    grid = weight_grid(n, step)
    got = np.array([mean_auprc(w) for w in grid])
    spread = np.abs(grid - 1.0 / n).sum(axis=1)
    best = min(range(len(grid)), key=lambda i: (-round(got[i], 12), spread[i]))
    return {
        "weights": grid[best].round(6).tolist(),
        "validation_auprc": round(float(got[best]), 6),
        "equal_auprc": round(mean_auprc(equal), 6),
        "cells_used": len(usable),
    }


def name_weights(members: list[str], weights) -> dict[str, float]:
    """The weights keyed by member name, in the order of ``members``, as the weights file holds them."""
    if len(weights) != len(members):
        raise DreamTFError(f"{len(weights)} weights for the {len(members)} members {', '.join(members)}")
    return {m: float(w) for m, w in zip(members, weights)}


def read_weights(path: str | os.PathLike, members: list[str]) -> list[float]:
    """The weights of rule ensemble_weights' JSON for ``members``, in their order.

    The file must key one weight to each of ``members`` by name (no other names), every
    weight non-negative and all summing to 1; anything else is one line naming the file.
    """
    try:
        weights = json.loads(Path(path).read_text())["weights"]
        names = list(weights.keys())
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DreamTFError(f"{path}: not an ensemble weights file of weights keyed by member name ({exc})") from None
    if sorted(names) != sorted(members):
        raise DreamTFError(
            f"{path}: weights for members {', '.join(names) or 'none'}, "
            f"but this ensemble's members are {', '.join(members)}"
        )
    got = [weights[m] for m in members]
    try:
        ok = all(w >= 0 for w in got) and np.isclose(sum(got), 1.0)
    except TypeError:
        ok = False
    if not ok:
        raise DreamTFError(f"{path}: expected {len(members)} non-negative weights summing to 1, got {weights}")
    return [float(w) for w in got]
