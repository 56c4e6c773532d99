"""The ensemble: a weighted average of several models' predictions for one TF and cell type,
each member's score placed in that member's reference distribution.

A member's scores live on a scale of its own (Catchitt's averaged XGBoost probabilities,
FactorNet's sigmoid, a baseline's fold change), so the ensemble averages ranks, not scores,
as the challenge's top teams combined their models. The ranks are fixed at training: each
member's *reference* is the distribution of its scores on the validation chromosomes of
the TF's training cells, where no member trained (``results/validation/``), and a window's
score becomes its mid-rank in that distribution, in (0, 1). A window's ensemble score thus
depends on that window's member scores alone: the same wherever, and with whatever other
windows, it is predicted (held-out chromosomes, genome-wide, another machine's bundle).

The reference keeps at most :data:`REFERENCE_KNOTS` (score, mid-rank) knots, chosen evenly
in rank, and places a score by linear interpolation between them: a rank is off by at most
1/(knots - 1), and the order of any two different scores is kept (the knots rise strictly).
Beyond the scores seen, the rank runs on linearly to 0 and 1 over one more span of them,
so windows that outscore every validation window keep their order too.

The weights are chosen per TF on the same validation windows (placed in the references):
every weight vector on a grid of step :data:`GRID_STEP` is scored with the challenge's
auPRC in each training cell, and the best mean wins (ties go to the most even weights).
With ``ensemble.weights: equal`` every member weighs the same.

Members are named ``"<model>/<feature_set>"`` (``"catchitt/dnase"``, ``"factornet/seq_dnase"``),
after the folders their prediction files live in; the weights file keys each weight and
reference by that name, so neither can go to another member's predictions.
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


def _value_ranks(counts: np.ndarray) -> np.ndarray:
    """The mid-rank of each distinct value as a fraction, from how often each (in ascending order)
    occurs: the share of scores below it plus half the share equal to it, so always inside (0, 1),
    and tied scores share one rank."""
    n = float(counts.sum())
    below = np.cumsum(counts) - counts
    return (below + counts / 2.0) / n


#: Most (score, mid-rank) knots a member's reference keeps.
REFERENCE_KNOTS = 1001


def reference(scores: list[np.ndarray], knots: int = REFERENCE_KNOTS) -> dict[str, list[float]]:
    """A member's reference distribution from its validation ``scores`` (one array per training cell, pooled).

    Returns ``{"scores": [...], "ranks": [...]}``: strictly rising knots, the first and last
    one span beyond the scores seen (rank 0 and 1), those between each a distinct score and
    its mid-rank among all validation windows (the share below it plus half the share equal
    to it), at most ``knots`` of them, evenly spread in rank.
    """
    pooled = np.concatenate([np.asarray(s, float).ravel() for s in scores]) if scores else np.empty(0)
    pooled = pooled[np.isfinite(pooled)]
    if not len(pooled):
        raise DreamTFError("a member's reference needs validation scores, and it has none")
    values, counts = np.unique(pooled, return_counts=True)
    ranks = _value_ranks(counts)
    if len(values) > knots:
        keep = np.searchsorted(ranks, np.linspace(0.0, 1.0, knots)).clip(0, len(values) - 1)
        keep = np.unique(np.concatenate([[0, len(values) - 1], keep]))
        values, ranks = values[keep], ranks[keep]
    span = float(values[-1] - values[0]) or 1.0
    return {
        "scores": [float(values[0] - span), *values.tolist(), float(values[-1] + span)],
        "ranks": [0.0, *ranks.tolist(), 1.0],
    }


def place(scores: np.ndarray, ref: dict) -> np.ndarray:
    """Each score's rank in the reference ``ref`` (:func:`reference`), in [0, 1]."""
    return np.interp(np.asarray(scores, float), ref["scores"], ref["ranks"])


def reference_average(
    paths: list[str | os.PathLike],
    regions: str | os.PathLike,
    references: list[dict],
    weights=None,
    *,
    size: int | None = None,
    chroms: list[str] | None = None,
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """The ensemble's scores, ``(chrom, starts, scores)`` per chromosome of ``regions``: the
    weighted mean of each member's score placed in its reference.

    ``paths`` are the members' prediction files, each a submission of exactly the windows
    of the region file ``regions`` (on ``chroms``, when given), in its order, as every
    dreamtf model writes them; the first difference is an error naming the member's file,
    its line and the window. ``references`` are the members' reference knots (:func:`reference`), ``weights``
    (one per member, summing to 1) default to equal. One pass, a chromosome at a time.
    """
    if not paths:
        raise DreamTFError("an ensemble needs at least one member's predictions")
    weights = equal_weights(len(paths)) if weights is None else np.asarray(weights, float)
    if len(weights) != len(paths) or (weights < 0).any() or not np.isclose(weights.sum(), 1.0):
        raise DreamTFError(f"ensemble weights {weights.tolist()}: expected one non-negative weight per member, sum 1")
    if len(references) != len(paths):
        raise DreamTFError(f"{len(references)} reference distributions for {len(paths)} ensemble members")
    streams = [
        check_same_window_stream(iter_predictions(p, size=size), region_stream(regions, size=size, chroms=chroms))
        for p in paths
    ]
    for members in itertools.zip_longest(*streams):
        if any(t is None or len(t) != len(members[0]) for t in members):
            for stream in streams:  # the member whose windows differ raises, naming its file
                for _ in stream:
                    pass
            raise DreamTFError(f"the members {', '.join(map(str, paths))} predict different windows")
        total = np.zeros(len(members[0]))
        for t, ref, w in zip(members, references, weights):
            total += w * place(t.score, ref)
        yield members[0].chroms[0], members[0].start, total


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

    ``cells``: one (label codes, [each member's scores placed in its reference]) pair per
    training cell, over its validation windows. Cells without both bound and unbound windows are left out; with
    none left, the weights are equal. Returns {"weights", "validation_auprc" (the best
    mean), "equal_auprc" (the mean with equal weights), "cells_used"}.
    """
    usable = [(c, m) for c, m in cells if has_both_classes(c)]
    n = len(cells[0][1]) if cells else 0
    equal = equal_weights(n)
    if not usable:
        return {"weights": equal.tolist(), "validation_auprc": None, "equal_auprc": None, "cells_used": 0}
    ranks = [(codes, np.stack([np.asarray(s, float) for s in members])) for codes, members in usable]

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


def read_references(path: str | os.PathLike, members: list[str]) -> list[dict]:
    """The members' reference distributions of rule ensemble_weights' JSON, in the order of ``members``.

    Each must be rising knots of scores with ranks from 0 to 1; anything else, or a file
    without references, is one line naming the file.
    """
    try:
        refs = json.loads(Path(path).read_text())["references"]
        got = [refs[m] for m in members]
    except KeyError as exc:
        raise DreamTFError(
            f"{path}: no reference distribution for {exc.args[0]!r}: the file predates per-window ensemble "
            "scores; rerun rule ensemble_weights (or export the bundle again from such a run)"
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise DreamTFError(f"{path}: not an ensemble weights file with reference distributions ({exc})") from None
    for m, ref in zip(members, got):
        try:
            x, y = np.asarray(ref["scores"], float), np.asarray(ref["ranks"], float)
            ok = len(x) == len(y) >= 2 and np.isfinite(x).all() and (np.diff(x) > 0).all()
            ok = ok and (np.diff(y) >= 0).all() and y[0] == 0.0 and y[-1] == 1.0
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise DreamTFError(f"{path}: the reference of {m} is not rising score knots with ranks from 0 to 1")
    return got
