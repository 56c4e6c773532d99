"""What lies beside the core: the TF's matrix extended by the flanks that set bound sites apart.

A database matrix covers a TF's core. Bound sites often carry more at a fixed distance
from it: CTCF's upstream module at a share of its sites, the half-site of a dimer
partner, a run of bases that shapes the DNA. Sites aligned on their core show it:

1. **Sites**: in every bound window (bound in any training cell) the best match of the
   core on either strand; in the matched unbound windows (unbound in every training cell,
   open in a training cell when enough are) the same. Both keep the sites whose core is at
   least as strong as the bound windows' :data:`CORE_QUANTILE` quantile. Each site is read
   on its core's strand, ``flank`` bp either side; a site two windows share counts once.
2. **Positions**: at each flank position, bound and unbound sites' base counts are
   compared by a chi-square test of the 2 x 4 table; a position differs when its
   Benjamini-Hochberg q-value is under :data:`Q_MAX` and the bound sites' bases carry at
   least :data:`MIN_BITS` of relative entropy against the unbound ones'.
3. **The extended matrix** spans the core and every differing position (the positions
   between them included), with the bound sites' base frequencies: scanned like any
   matrix, it scores a site with its flank above one without.

4. **The core itself**: the database matrix may not be what the TF binds. At each core
   position bound and unbound sites are compared within strata of equal core score
   (:func:`core_positions`): compared unstratified, bound sites' cores are stronger and
   every informative position would seem to differ. A core position that differs within
   strata is one where the bound sites prefer other bases than the matrix's score rewards;
   the extended matrix then spans the core with the bound sites' frequencies.
5. **The flanks alone**: each side's differing stretch (at least :data:`MIN_FLANK` bp) as
   a matrix of its own (:func:`flank_parts`). The extended matrix's score mixes the core's
   strength with the flank's; scanned alone, a flank says whether it is there whatever
   the core's strength, which a tree model cannot untangle from two scores.

No differing position, in the flanks or the core, gives no extended matrix: the database
matrix already holds what the training data tell apart.
"""

from __future__ import annotations

import logging

import numpy as np

from .motifs import Motif, counts_to_probs

log = logging.getLogger(__name__)

#: a flank position differs when its q-value is below this (many sites make tiny biases significant ...)
Q_MAX = 1e-3
#: ... so it must also carry this much information, in bits, beyond the unbound sites' bases
MIN_BITS = 0.1
#: bound and unbound sites must hold the core at least as strongly as this share of bound windows
#: do: bound windows with a weaker best match are mostly bound without the core (indirectly)
CORE_QUANTILE = 0.25
#: fewest sites on each side for the comparison to mean anything
MIN_SITES = 30
#: a flank scanned on its own spans at least this many bp (shorter stretches match anywhere)
MIN_FLANK = 4
#: core positions are compared within this many strata of the bound sites' core score ...
CORE_STRATA = 5
#: ... each with at least this many bound and unbound sites; fewer than two such strata: no core test
MIN_STRATUM = 10


def best_sites(genome, chroms: list[str], chrom_idx, starts, size: int, core: Motif, flank: int):
    """Per window: the core's best match (either strand), read on its strand with ``flank`` bp each side.

    Returns (codes (n, len(core) + 2 * flank), score (n,), genomic start of the match (n,),
    whether it is on the minus strand (n,)). Bases past a chromosome end are N (4).
    """
    from .factornet_inputs import gather

    lo = core.log_odds()
    length = len(lo)
    ext = np.concatenate([lo, lo.min(axis=1, keepdims=True)], axis=1)
    rc = ext[::-1][:, [3, 2, 1, 0, 4]]
    span = size + length - 1
    n = len(starts)
    site = np.empty((n, length + 2 * flank), dtype=np.uint8)
    best = np.empty(n, dtype=np.float32)
    at = np.empty(n, dtype=np.int64)
    on_minus = np.zeros(n, dtype=bool)
    pos = np.arange(size)[:, None] + np.arange(length)[None, :]  # (size, length)
    cols = np.arange(length)[None, None, :]
    for ci in np.unique(chrom_idx):
        seq = np.asarray(genome.chrom(chroms[int(ci)]))
        all_rows = np.flatnonzero(chrom_idx == ci)
        for i in range(0, len(all_rows), 2000):  # (2000, size, length) at a time
            rows = all_rows[i : i + 2000]
            win = gather(seq, starts[rows], span, 4).astype(np.intp)
            fwd = ext[cols, win[:, pos]].sum(axis=2)  # (m, size)
            rev = rc[cols, win[:, pos]].sum(axis=2)
            k = np.maximum(fwd, rev).argmax(axis=1)
            m = np.arange(len(rows))
            minus = rev[m, k] > fwd[m, k]
            on_minus[rows] = minus
            best[rows] = np.maximum(fwd[m, k], rev[m, k])
            at[rows] = starts[rows] + k
            seg = gather(seq, starts[rows] + k - flank, length + 2 * flank, 4)
            seg[minus] = np.where(seg[minus] == 4, 4, 3 - seg[minus])[:, ::-1]
            site[rows] = seg
    return site, best, at, on_minus


def differing_positions(bound: np.ndarray, unbound: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per position of aligned sites (n, L) codes: (chi-square p-value, q-value, bits of bound against unbound)."""
    from scipy.stats import chi2

    from .interpret import bh_qvalues

    cb, cu = _base_counts(bound), _base_counts(unbound)
    p = chi2.sf(_chi_square(cb, cu), 3)
    pb = cb / cb.sum(axis=1, keepdims=True)
    pu = cu / cu.sum(axis=1, keepdims=True)
    bits = (pb * np.log2(pb / pu)).sum(axis=1)
    return p, bh_qvalues(p)[0], bits


def core_positions(bound, b_score, unbound, u_score, lo: int, hi: int) -> tuple[list[dict], int]:
    """Core columns ``lo:hi`` of aligned sites that differ between bound and unbound sites of equal core score.

    Sites are binned by the bound sites' score quantiles (:data:`CORE_STRATA`); per position
    the strata's chi-square statistics add up (3 degrees of freedom each), and the bits
    compare the bound sites' bases with the unbound ones' reweighted to the bound sites'
    strata. Returns ([{position, q, bits}], strata used); no strata usable gives ([], 0).
    """
    from scipy.stats import chi2

    from .interpret import bh_qvalues

    edges = np.quantile(b_score, np.linspace(0, 1, CORE_STRATA + 1)[1:-1])
    sb, su = np.digitize(b_score, edges), np.digitize(u_score, edges)
    length = hi - lo
    stat, cb_all, cu_all, used = np.zeros(length), np.zeros((length, 4)), np.zeros((length, 4)), 0
    for k in range(CORE_STRATA):
        b, u = bound[sb == k, lo:hi], unbound[su == k, lo:hi]
        if len(b) < MIN_STRATUM or len(u) < MIN_STRATUM:
            continue
        cb, cu = _base_counts(b), _base_counts(u)
        stat += _chi_square(cb, cu)
        cb_all += cb
        cu_all += cu / cu.sum(axis=1, keepdims=True) * len(b)  # the unbound bases, weighted as the bound sites' stratum
        used += 1
    if used < 2:
        return [], used
    q = bh_qvalues(chi2.sf(stat, 3 * used))[0]
    pb, pu = cb_all / cb_all.sum(axis=1, keepdims=True), cu_all / cu_all.sum(axis=1, keepdims=True)
    bits = (pb * np.log2(pb / pu)).sum(axis=1)
    hits = np.flatnonzero((q < Q_MAX) & (bits >= MIN_BITS))
    return [{"position": int(i), "q": float(q[i]), "bits": round(float(bits[i]), 3)} for i in hits], used


def extend_core(genome, labels, core: Motif, open_mask, flank: int, rng, *, max_sites: int = 5000):
    """The core extended by the flank positions where bound sites differ (its core columns relearned where they
    differ too), and a record; (None, record) when no position differs.

    ``labels`` holds the training chromosomes only; ``open_mask`` (n_windows,) marks windows
    open in a training cell (None: no DNase peaks given).
    """
    codes = labels.codes
    bound_rows = np.flatnonzero((codes == 2).any(axis=1))
    unbound_rows = np.flatnonzero((codes == 0).all(axis=1))
    if len(bound_rows) > max_sites:
        bound_rows = np.sort(rng.choice(bound_rows, max_sites, replace=False))
    b_site, b_score, b_at, _ = best_sites(
        genome, labels.chroms, labels.chrom[bound_rows], labels.start[bound_rows], labels.size, core, flank
    )
    threshold = float(np.quantile(b_score, CORE_QUANTILE)) if len(b_score) else np.inf
    keep = b_score >= threshold  # bound sites whose core is as strong as the unbound ones'
    record = {"core": core.matrix_id, "flank_bp": flank, "core_threshold": round(threshold, 3)}
    # the unbound windows holding the core as strongly: open ones first, closed ones when too few
    for mask in ([open_mask] if open_mask is not None else []) + [None]:
        rows = unbound_rows if mask is None else unbound_rows[mask[unbound_rows]]
        if len(rows) > 20 * max_sites:
            rows = np.sort(rng.choice(rows, 20 * max_sites, replace=False))
        args = (genome, labels.chroms, labels.chrom[rows], labels.start[rows], labels.size)
        s, sc, at, _ = best_sites(*args, core, flank)
        strong = sc >= threshold
        u_site, u_score = s[strong], sc[strong]
        u_keys = at[strong] + labels.chrom[rows][strong].astype(np.int64) * (1 << 40)
        matched_open = mask is not None
        if len(np.unique(u_keys)) >= 3 * MIN_SITES:
            break
    b_keys = b_at[keep] + labels.chrom[bound_rows][keep].astype(np.int64) * (1 << 40)
    first = _unique(b_keys)
    bound, b_keys, bound_score = b_site[keep][first], b_keys[first], b_score[keep][first]
    first = _unique(u_keys)
    u_site, u_keys, u_score = u_site[first], u_keys[first], u_score[first]
    negative = ~np.isin(u_keys, b_keys)  # a site that a bound window also holds is no negative
    unbound, unbound_score = u_site[negative], u_score[negative]
    record.update({"bound_sites": int(len(bound)), "unbound_sites": int(len(unbound)), "unbound_open": matched_open})
    if len(bound) < MIN_SITES or len(unbound) < MIN_SITES:
        record["extended"] = False
        record["why_not"] = f"fewer than {MIN_SITES} bound or matched unbound sites"
        return None, record
    p, q, bits = differing_positions(bound, unbound)
    length = len(core)
    outside = np.r_[np.arange(flank), np.arange(flank + length, 2 * flank + length)]
    hits = outside[(q[outside] < Q_MAX) & (bits[outside] >= MIN_BITS)]
    record["differing_positions"] = [
        {
            "offset": int(i - flank) if i < flank else int(i - flank - length + 1),
            "q": float(q[i]),
            "bits": round(float(bits[i]), 3),
        }
        for i in hits
    ]
    in_core, strata = core_positions(bound, bound_score, unbound, unbound_score, flank, flank + length)
    record.update({"differing_core_positions": in_core, "core_strata": strata})
    if not len(hits) and not in_core:
        record["extended"] = False
        record["why_not"] = "no position, in the flanks or the core, differs between bound and matched unbound sites"
        return None, record
    lo = min(int(hits.min()), flank) if len(hits) else flank
    hi = max(int(hits.max()) + 1, flank + length) if len(hits) else flank + length
    counts = np.stack([(bound[:, lo:hi] == b).sum(axis=0) for b in range(4)], axis=1)
    name = f"{core.name}_extended"
    record.update({"extended": True, "span": [lo - flank, hi - flank], "length": hi - lo})
    return Motif(name=name, matrix_id=name, probs=counts_to_probs(counts)), record


def flank_parts(extended: Motif, record: dict, core_len: int, name: str) -> list[Motif]:
    """Each side's differing stretch of an extension (``record`` of :func:`extend_core`) as a
    matrix of its own, ``<name>_flank_up`` (before the core on its strand) and ``<name>_flank_down``."""
    lo = record["span"][0]
    offsets = [d["offset"] for d in record["differing_positions"]]
    out = []
    for side, offs, col in (
        ("up", [o for o in offsets if o < 0], lambda o: o - lo),
        ("down", [o for o in offsets if o > 0], lambda o: o + core_len - 1 - lo),
    ):
        if offs and max(offs) - min(offs) + 1 >= MIN_FLANK:
            part = extended.probs[col(min(offs)) : col(max(offs)) + 1]
            out.append(Motif(name=f"{name}_flank_{side}", matrix_id=f"{name}_flank_{side}", probs=part.copy()))
    return out


def _base_counts(sites: np.ndarray) -> np.ndarray:
    """(L, 4) counts of each base per position of aligned site codes, plus a pseudocount of 0.5 (N counts nowhere)."""
    return np.stack([(sites == b).sum(axis=0) for b in range(4)], axis=1).astype(np.float64) + 0.5


def _chi_square(cb: np.ndarray, cu: np.ndarray) -> np.ndarray:
    """Per position, the chi-square statistic of the 2 x 4 table of bound (``cb``) and unbound (``cu``) base counts."""
    table = np.stack([cb, cu], axis=1)  # (L, 2, 4)
    expected = (
        table.sum(axis=2, keepdims=True) * table.sum(axis=1, keepdims=True) / table.sum(axis=(1, 2))[:, None, None]
    )
    return ((table - expected) ** 2 / expected).sum(axis=(1, 2))


def _unique(keys: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each key (a site two overlapping windows share counts once)."""
    _, first = np.unique(keys, return_index=True)
    return np.sort(first)
