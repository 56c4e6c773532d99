"""Paired comparison of models on the same windows: a stratified bootstrap of the auPRC difference.

Two models scored on one TF and held-out cell see the same windows, so the question "is
model A better than model B?" is answered by resampling those windows once and scoring
both models on the same resample. Each replicate draws, with replacement, as many bound
windows from the bound ones and as many unbound from the unbound ones as the cell has
(A windows are dropped, as in scoring), and computes both models' auPRC with the
challenge's definition (:func:`dreamtf.metrics.auprc_from_points`) on that resample. The
95 % interval of the difference is the 2.5th and 97.5th percentiles of the replicates;
when it spans 0 the two models cannot be told apart on this cell.

Pooled over TF / cell pairs, the statistic is the mean auPRC difference (the ranked
table's mean); pairs are independent data, so replicate r of the pooled difference is the
mean of each pair's replicate r.

Resampling 60 million windows a thousand times would be slow, and it is not needed: a
model's auPRC depends on a window only through the *block* its score falls in (a tie group
holding a bound window, or a run of tie groups holding only unbound ones), so a resample
is fully described by how many draws land in each block. Bound windows are few and are
drawn one by one; unbound windows are drawn per cell of the two models' joint blocks,
which a multinomial over the cells' sizes does exactly. A resample with every window
drawn once gives the auPRC of :func:`dreamtf.metrics.score`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .metrics import auprc_from_points, last_of_ties

#: the two-sided coverage of the reported interval
LEVEL = 0.95


@dataclass
class Blocks:
    """One model's blocks: ``of`` maps each kept window (file order) to its block, ``n`` blocks in score order."""

    of: np.ndarray
    n: int


def blocks(bound: np.ndarray, scores: np.ndarray) -> Blocks:
    """The blocks of one model's ``scores`` over windows whose class is ``bound`` (bool).

    Tie groups are windows of equal score, highest first. A group holding a bound window
    is a block of its own; consecutive groups of unbound windows only form one block (the
    points between them add no area and only the last is the next step's start).
    """
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], bound[order]
    group = np.concatenate([[0], np.cumsum(last_of_ties(s)[:-1])]) if len(s) else np.empty(0, dtype=np.int64)
    n_groups = int(group[-1]) + 1 if len(s) else 0
    has_bound = np.zeros(n_groups, dtype=bool)
    has_bound[group[y]] = True
    starts = has_bound.copy()
    starts[1:] |= has_bound[:-1]
    if n_groups:
        starts[0] = True
    block_of_group = np.cumsum(starts) - 1
    of = np.empty(len(s), dtype=np.int64)
    of[order] = block_of_group[group]
    return Blocks(of, int(block_of_group[-1]) + 1 if n_groups else 0)


def auprc_of_counts(tp_block: np.ndarray, fp_block: np.ndarray) -> float:
    """auPRC from the bound and unbound draws per block (blocks in score order); empty blocks do not exist."""
    tp_block, fp_block = np.asarray(tp_block, dtype=np.int64), np.asarray(fp_block, dtype=np.int64)
    used = (tp_block + fp_block) > 0
    return auprc_from_points(np.cumsum(tp_block[used]), np.cumsum(fp_block[used]))


def auprc_of_blocks(bound: np.ndarray, b: Blocks) -> float:
    """The auPRC of the windows as they are (every window drawn once): equals the challenge's."""
    tp = np.bincount(b.of[bound], minlength=b.n)
    fp = np.bincount(b.of[~bound], minlength=b.n)
    return auprc_of_counts(tp, fp)


def paired_replicates(
    bound: np.ndarray, a: np.ndarray, b: np.ndarray, *, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """auPRC(a) - auPRC(b) on ``replicates`` stratified resamples of the same windows.

    ``bound`` (bool) marks the bound windows among those scored (A already dropped);
    ``a`` and ``b`` are the two models' scores of the same windows in the same order.
    """
    ba, bb = blocks(bound, a), blocks(bound, b)
    pos_a, pos_b = ba.of[bound], bb.of[bound]
    # unbound windows: one cell per pair of blocks (one in each model) that holds any
    cell, size = np.unique(ba.of[~bound] * bb.n + bb.of[~bound], return_counts=True)
    cell_a, cell_b = cell // bb.n, cell % bb.n
    n_pos, n_neg = len(pos_a), int(size.sum())
    p_pos = np.full(n_pos, 1.0 / n_pos)
    p_neg = size / n_neg
    out = np.empty(replicates)
    for r in range(replicates):
        w = rng.multinomial(n_pos, p_pos)
        c = rng.multinomial(n_neg, p_neg)
        auc_a = auprc_of_counts(np.bincount(pos_a, w, minlength=ba.n), np.bincount(cell_a, c, minlength=ba.n))
        auc_b = auprc_of_counts(np.bincount(pos_b, w, minlength=bb.n), np.bincount(cell_b, c, minlength=bb.n))
        out[r] = auc_a - auc_b
    return out


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """A generator fixed by ``seed`` and the names compared, so each comparison is reproducible on its own."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])


def interval(diffs: np.ndarray) -> tuple[float, float]:
    """The percentile interval of :data:`LEVEL` coverage."""
    tail = (1 - LEVEL) / 2 * 100
    lo, hi = np.percentile(diffs, [tail, 100 - tail])
    return float(lo), float(hi)


def compare_pair(
    codes: np.ndarray, scores: dict[str, np.ndarray], reference: str, *, replicates: int, seed: int, pair: str
) -> dict[str, dict]:
    """The reference model against every other run of one TF / cell pair.

    ``codes`` are the label codes (0 U, 1 A, 2 B) and ``scores`` each run's scores of the
    same windows. Returns, per other run: ``difference`` (reference minus it, on all
    windows), ``lower`` and ``upper`` (the 95 % interval) and ``replicates`` (the
    resampled differences, for pooling).
    """
    keep = codes != 1
    bound = codes[keep] == 2
    ref = scores[reference][keep]
    ref_auc = auprc_of_blocks(bound, blocks(bound, ref))
    out = {}
    for name, s in scores.items():
        if name == reference:
            continue
        other = s[keep]
        diff = ref_auc - auprc_of_blocks(bound, blocks(bound, other))
        reps = paired_replicates(bound, ref, other, replicates=replicates, rng=rng_for(seed, pair, reference, name))
        lo, hi = interval(reps)
        out[name] = {"difference": diff, "lower": lo, "upper": hi, "replicates": reps}
    return out


def pool(per_pair: dict[str, dict[str, dict]]) -> dict[str, dict]:
    """Mean difference over the pairs where both runs were scored, with its replicates' 95 % interval."""
    names = dict.fromkeys(n for comp in per_pair.values() for n in comp)
    out = {}
    for name in names:
        rows = [comp[name] for comp in per_pair.values() if name in comp]
        reps = np.mean([r["replicates"] for r in rows], axis=0)
        lo, hi = interval(reps)
        out[name] = {"difference": float(np.mean([r["difference"] for r in rows])), "lower": lo, "upper": hi}
    return out


def verdict(lower: float, upper: float) -> str:
    """The comparison in words."""
    if lower <= 0 <= upper:
        return "cannot be told apart: 95% interval of the difference spans 0"
    return "better" if lower > 0 else "worse"
