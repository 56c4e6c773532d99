"""Catchitt-style feature groups on 50 bp bins, one matrix per chromosome.

Every group turns one chromosome into a float32 matrix of shape (n_windows, n_features)
for the windows of the region files, plus its column names. A window ``[s, s + 200)``
covers bins ``s // 50 ... s // 50 + 3``; with ``flank`` neighbouring bins on each side
its vector concatenates ``4 + 2 * flank`` bins of per-bin statistics.

Groups:

``dnase`` (per cell)
    Per bin of the fold-change track: min, median, max, mean, number of value changes,
    longest rising and falling runs; per window: the min and max over 1 kb before and
    after. Intensities are rank-normalised within the cell (mid-rank among every bin of
    the genome with signal, :class:`RankReference`), so that cells with different
    sequencing depth and signal scale share one feature space, and so do builds.
``dnase_peaks`` (per cell)
    Overlap with conservative and relaxed DNase peaks, the signal rank (0-1) of the
    relaxed peak nearest the window, and log10(1 + distance) to its summit.
``motif`` (per TF)
    Per bin, the best log2-odds score of the TF's JASPAR matrix on either strand and
    log2 of the mean of 2**score (a soft count of sites).
``motif_learned`` (per TF)
    The same two statistics for each motif learned from the TF's training cells
    (:mod:`dreamtf.motif_learning`, rule learn_motifs).
``sequence`` (genome)
    GC fraction and CpG observed/expected over the window and over 1 kb around it.
``expression`` (per cell)
    log1p TPM of the gene with the nearest TSS (GENCODE) and log10(1 + distance) to it;
    the TF's own log1p TPM in the cell is added when a feature set is assembled.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np

from .errors import DreamTFError
from .intervals import nearest

log = logging.getLogger(__name__)

BIN = 50
DNASE_STATS = ("min", "median", "max", "mean", "changes", "rise", "fall")
INTENSITY = {"min", "median", "max", "mean"}
LONG_RANGE = 20  # bins: 1 kb


def _window_bins(starts: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    if (starts % BIN).any() or size % BIN:
        raise DreamTFError(f"windows must start and end on {BIN} bp bins (got size {size})")
    return starts // BIN, size // BIN


def gather_bins(
    per_bin: np.ndarray, first: np.ndarray, nbins: int, flank: int, fill: float = 0.0, out: np.ndarray | None = None
) -> np.ndarray:
    """Rows of ``per_bin`` (n_bins, k) for bins first-flank ... first+nbins+flank-1, side by side.

    Written into ``out`` (n_windows, n_offsets * k) when given, one offset at a time, so
    no (n_windows, n_offsets, k) temporary is ever built.
    """
    k = per_bin.shape[1]
    offsets = range(-flank, nbins + flank)
    if out is None:
        out = np.empty((len(first), len(offsets) * k), dtype=np.float32)
    for j, o in enumerate(offsets):
        idx = first + o
        ok = (idx >= 0) & (idx < len(per_bin))
        block = per_bin[np.clip(idx, 0, len(per_bin) - 1)]
        block[~ok] = fill
        out[:, j * k : (j + 1) * k] = block
    return out


def bin_columns(stats: tuple[str, ...], nbins: int, flank: int, prefix: str) -> list[str]:
    return [f"{prefix}.b{o:+d}.{s}" for o in range(-flank, nbins + flank) for s in stats]


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """Longest run of True along axis 1 of a 2-D boolean array."""
    c = np.cumsum(mask, axis=1, dtype=np.int32)
    reset = np.maximum.accumulate(np.where(mask, 0, c), axis=1)
    return (c - reset).max(axis=1)


def dnase_bin_stats(values: np.ndarray) -> np.ndarray:
    """Per-50-bp-bin statistics of a base-resolution track, shape (n_bins, 7); see DNASE_STATS."""
    nb = len(values) // BIN
    v = values[: nb * BIN].reshape(nb, BIN)
    d = np.diff(v, axis=1)
    out = np.empty((nb, len(DNASE_STATS)), dtype=np.float32)
    out[:, 0] = v.min(axis=1)
    # median and mean computed in float64 and rounded once to float32, the track's precision:
    # a bin of one value gets exactly that value, as its max does, and a track times a
    # constant gets the same ranks (dnase_features) as the track
    out[:, 1] = np.median(v.astype(np.float64), axis=1)
    out[:, 2] = v.max(axis=1)
    out[:, 3] = v.mean(axis=1, dtype=np.float64)
    out[:, 4] = np.count_nonzero(d, axis=1)
    out[:, 5] = _longest_run(d > 0)
    out[:, 6] = _longest_run(d < 0)
    return out


def mid_rank(sample_sorted: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mid-rank (0-1) of ``x`` in a sorted sample; ties share the middle of their range."""
    lo = np.searchsorted(sample_sorted, x, side="left")
    hi = np.searchsorted(sample_sorted, x, side="right")
    return ((lo + hi) / (2.0 * len(sample_sorted))).astype(np.float32)


def _rolling(a: np.ndarray, width: int, kind: str) -> np.ndarray:
    """Min or max of the ``width`` elements before each index (exclusive); 0 where there are none."""
    from numpy.lib.stride_tricks import sliding_window_view

    if len(a) == 0:
        return a.astype(np.float32)
    fill = np.inf if kind == "min" else -np.inf
    win = sliding_window_view(np.concatenate([np.full(width, fill, dtype=np.float32), a]), width)[: len(a)]
    r = win.min(axis=1) if kind == "min" else win.max(axis=1)
    return np.where(np.isfinite(r), r, 0.0).astype(np.float32)


def dnase_features(
    track, chrom: str, starts: np.ndarray, size: int, ranks: RankReference, *, flank: int = 1
) -> tuple[np.ndarray, list[str]]:
    """The ``dnase`` group for one chromosome (see module docstring).

    ``track`` is the cell's :class:`dreamtf.io.bigwig.BigWigTrack` (values checked as
    read); ``ranks`` its :class:`RankReference` (every bin with signal), in which
    intensities are rank-normalised.
    """
    first, nbins = _window_bins(starts, size)
    length = track.sizes[chrom]
    hi = min(length, int(starts[-1]) + size + (flank + LONG_RANGE + 1) * BIN) if len(starts) else 0
    chunk = 200_000 * BIN  # 10 Mb at a time keeps memory flat on any chromosome

    def ranked(values: np.ndarray) -> np.ndarray:
        st = dnase_bin_stats(values)
        for j, name in enumerate(DNASE_STATS):
            if name in INTENSITY:
                st[:, j] = ranks.mid_rank(st[:, j])
        return st

    stats = (
        np.vstack([ranked(track.values(chrom, lo, min(hi, lo + chunk))) for lo in range(0, hi, chunk)])
        if hi
        else np.zeros((0, len(DNASE_STATS)), np.float32)
    )
    n_bin_cols = (nbins + 2 * flank) * len(DNASE_STATS)
    x = np.empty((len(starts), n_bin_cols + 4), dtype=np.float32)
    gather_bins(stats, first, nbins, flank, out=x[:, :n_bin_cols])
    bmax = stats[:, DNASE_STATS.index("max")]
    before_max = _rolling(bmax, LONG_RANGE, "max")
    before_min = _rolling(bmax, LONG_RANGE, "min")
    after_max = _rolling(bmax[::-1], LONG_RANGE, "max")[::-1]
    after_min = _rolling(bmax[::-1], LONG_RANGE, "min")[::-1]
    last = np.minimum(first + nbins - 1, len(bmax) - 1)
    for j, arr in enumerate((before_min[first], before_max[first], after_min[last], after_max[last])):
        x[:, n_bin_cols + j] = arr
    cols = bin_columns(DNASE_STATS, nbins, flank, "dnase") + [
        "dnase.before1kb.min",
        "dnase.before1kb.max",
        "dnase.after1kb.min",
        "dnase.after1kb.max",
    ]
    return x, cols


@dataclass(frozen=True)
class RankReference:
    """A cell's rank reference: every bin with signal on the genome's chromosomes, as its distinct
    per-bin maxima (ascending, float32) and how many bins hold each.

    Every bin, not a sample, and only bins with signal: no coordinate decides what is in it,
    so the same track on a build with other coordinates, or with stretches without signal
    (another build's gaps, a mouse genome's), ranks every bin the same.
    """

    values: np.ndarray
    counts: np.ndarray

    @functools.cached_property
    def total(self) -> int:
        return int(self.counts.sum())

    @functools.cached_property
    def _below(self) -> np.ndarray:
        # bins below each value (and, last, all of them): computed once, read by every chunk's ranks
        return np.concatenate([[0], np.cumsum(self.counts)])

    def mid_rank(self, x: np.ndarray) -> np.ndarray:
        """Mid-rank of each ``x`` among the bins with signal, in [0, 1]: the share below it plus half the
        share equal to it; 0 for no signal."""
        x = np.asarray(x)
        lo = np.searchsorted(self.values, x, side="left")
        hi = np.searchsorted(self.values, x, side="right")
        r = (self._below[lo] + self._below[hi]) / (2.0 * max(self.total, 1))
        return np.where(x > 0, r, 0.0).astype(np.float32)

    def share_at_most(self, x: np.ndarray) -> np.ndarray:
        """The share of bins with signal whose maximum is at most ``x``."""
        return self._below[np.searchsorted(self.values, x, side="right")] / max(self.total, 1)


def _merge_counts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, counts) of several (values, counts) pairs taken together."""
    if not parts:
        return np.empty(0, np.float32), np.empty(0, np.int64)
    values, inverse = np.unique(np.concatenate([v for v, _ in parts]), return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.concatenate([c for _, c in parts]), minlength=len(values))
    return values, counts.astype(np.int64)  # exact: fewer than 2**53 bins


def dnase_rank_reference(track, chroms: list[str]) -> RankReference:
    """The :class:`RankReference` of a BigWigTrack over ``chroms``, read 10 Mb at a time."""
    whole = []
    for c in chroms:
        nb = track.sizes[c] // BIN
        chunk = 200_000  # bins per read: 10 Mb
        parts = []
        for lo in range(0, nb, chunk):
            hi = min(nb, lo + chunk)
            maxima = track.values(c, lo * BIN, hi * BIN).reshape(hi - lo, BIN).max(axis=1)
            parts.append(np.unique(maxima[maxima > 0], return_counts=True))
        whole.append(_merge_counts(parts))
    values, counts = _merge_counts(whole)
    return RankReference(values.astype(np.float32), counts)


def motif_bin_stats(motif, seq_codes: np.ndarray, *, chunk_bins: int = 200_000) -> np.ndarray:
    """Per 50 bp bin: best score of instances starting in the bin, and log2 mean of 2**score.

    Scans 10 Mb at a time (plus the motif's length), so memory stays flat on any chromosome.
    Instances that would run past the chromosome end score as the worst possible.
    """
    from .motifs import scan, score_range

    nb = len(seq_codes) // BIN
    worst = np.float32(score_range(motif)[0])
    out = np.empty((nb, 2), dtype=np.float32)
    for lo in range(0, nb, chunk_bins):
        hi = min(nb, lo + chunk_bins)
        s = scan(motif, seq_codes[lo * BIN : hi * BIN + len(motif) - 1])
        full = np.full((hi - lo) * BIN, worst, dtype=np.float32)
        full[: len(s)] = s[: len(full)]
        b = full.reshape(hi - lo, BIN)
        mx = b.max(axis=1)
        out[lo:hi, 0] = mx
        out[lo:hi, 1] = mx + np.log2(np.mean(np.exp2(b - mx[:, None]), axis=1))
    return out


def motif_features(
    motif, seq_codes: np.ndarray, starts: np.ndarray, size: int, *, flank: int = 1, group: str = "motif"
) -> tuple[np.ndarray, list[str]]:
    """The ``motif`` group: per bin the best score and log2 mean 2**score of one matrix."""
    from .motifs import score_range

    first, nbins = _window_bins(starts, size)
    per_bin = motif_bin_stats(motif, seq_codes)
    x = gather_bins(per_bin, first, nbins, flank, fill=score_range(motif)[0])
    return x, bin_columns(("max", "logmeanexp"), nbins, flank, f"{group}.{motif.name}")


def learned_motif_features(
    motifs: list, seq_codes: np.ndarray, starts: np.ndarray, size: int, *, flank: int = 1
) -> tuple[np.ndarray, list[str]]:
    """The ``motif_learned`` group: the ``motif`` group's columns for each learned matrix, side by side.

    No learned matrix gives no column (the finder found nothing; the model card says so).
    """
    parts = [motif_features(m, seq_codes, starts, size, flank=flank, group="motif_learned") for m in motifs]
    if not parts:
        return np.empty((len(starts), 0), dtype=np.float32), []
    return np.hstack([x for x, _ in parts]), [c for _, cols in parts for c in cols]


def sequence_features(seq_codes: np.ndarray, starts: np.ndarray, size: int) -> tuple[np.ndarray, list[str]]:
    """The ``sequence`` group: GC and CpG o/e over the window and over 1 kb around it."""
    first, nbins = _window_bins(starts, size)
    nb = len(seq_codes) // BIN
    c = seq_codes[: nb * BIN].reshape(nb, BIN)
    cg = np.zeros(nb * BIN, dtype=bool)
    cg[:-1] = (seq_codes[: nb * BIN - 1] == 1) & (seq_codes[1 : nb * BIN] == 2)
    counts = np.column_stack(
        [
            np.count_nonzero(c == 1, axis=1),
            np.count_nonzero(c == 2, axis=1),
            np.count_nonzero(c < 4, axis=1),
            np.count_nonzero(cg.reshape(nb, BIN), axis=1),
        ]
    ).astype(np.float64)
    csum = np.vstack([np.zeros((1, 4)), np.cumsum(counts, axis=0)])

    def over(lo_bin, hi_bin):
        lo_bin = np.clip(lo_bin, 0, nb)
        hi_bin = np.clip(hi_bin, 0, nb)
        t = csum[hi_bin] - csum[lo_bin]
        n_c, n_g, n_acgt, n_cg = t.T
        with np.errstate(invalid="ignore", divide="ignore"):
            gc = np.where(n_acgt > 0, (n_c + n_g) / n_acgt, 0.0)
            oe = np.where(n_c * n_g > 0, n_cg * n_acgt / (n_c * n_g), 0.0)
        return gc, oe

    gc_w, oe_w = over(first, first + nbins)
    ctx = (1000 // BIN - nbins) // 2
    gc_c, oe_c = over(first - ctx, first + nbins + ctx)
    x = np.column_stack([gc_w, oe_w, gc_c, oe_c]).astype(np.float32)
    return x, ["seq.gc", "seq.cpg_oe", "seq.gc_1kb", "seq.cpg_oe_1kb"]


def dnase_peak_features(
    cons, rel, starts: np.ndarray, size: int, rel_signals: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """The ``dnase_peaks`` group for one chromosome.

    ``cons``/``rel`` are this chromosome's Peaks; ``rel_signals`` is the sorted signal of
    every relaxed peak in the file, against which a peak's signal is ranked (0-1).
    """
    from .windows import count_hits, overlap_ranges

    out = np.zeros((len(starts), 4), dtype=np.float32)
    for j, p in enumerate((cons, rel)):
        if len(p):
            lo, hi = overlap_ranges(p.intervals, size, 1)
            out[:, j] = count_hits(starts, lo, hi) > 0
    if len(rel):
        order = np.argsort(rel.summit)
        summits = rel.summit[order]
        centre = starts + size // 2
        pick = nearest(summits, centre)
        dist = np.abs(centre - summits[pick])
        out[:, 2] = np.where(out[:, 1] > 0, mid_rank(rel_signals, rel.signal[order][pick]), 0.0)
        out[:, 3] = np.log10(1 + dist)
    else:
        out[:, 3] = 9.0
    return out, [
        "dnase_peaks.conservative",
        "dnase_peaks.relaxed",
        "dnase_peaks.relaxed_rank",
        "dnase_peaks.log_summit_dist",
    ]


def expression_features(tss: np.ndarray, tpm: np.ndarray, starts: np.ndarray, size: int) -> tuple[np.ndarray, list]:
    """The ``expression`` group: nearest TSS's log1p TPM and log10(1 + distance)."""
    out = np.zeros((len(starts), 2), dtype=np.float32)
    if len(tss) == 0:
        out[:, 1] = 9.0
        return out, ["expr.nearest_tss_log_tpm", "expr.nearest_tss_log_dist"]
    order = np.argsort(tss)
    t, v = tss[order], tpm[order]
    centre = starts + size // 2
    pick = nearest(t, centre)
    out[:, 0] = np.log1p(v[pick])
    out[:, 1] = np.log10(1 + np.abs(centre - t[pick]))
    return out, ["expr.nearest_tss_log_tpm", "expr.nearest_tss_log_dist"]
