"""FactorNet's inputs, gathered at memory speed, and the windows it trains on.

A window's input is ``input_length`` bp centred on it: the base codes (A=0, C=1, G=2,
T=3, N=4) from the memory-mapped genome (:class:`dreamtf.io.fasta.GenomeCodes`) and the
cell's DNase channel from its memory-mapped track cache (:func:`write_dnase_cache`: per
base, the fold change's rank among the cell's open bins by default, or log1p fold change;
float16), both decoded once per genome or cell. A batch is
gathered with one vectorised copy per array (a strided view indexed by the windows'
starts), never a Python loop over windows or a bigWig call. The model one-hot encodes
the codes itself (:class:`dreamtf.keras_parts.EncodeInputs`), so a batch moves 3 bytes
per base to the device, not 20.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import DreamTFError
from .io.bigwig import write_track_cache
from .io.memmap import ChromArrays
from .io.narrowpeak import read_narrowpeak
from .windows import count_hits, overlap_ranges

log = logging.getLogger(__name__)

N_CODE = 4  # base code of N, and of positions off the chromosome


def dnase_transform(values: np.ndarray) -> np.ndarray:
    """The DNase channel from fold change with ``factornet.dnase_norm: log1p``: log1p."""
    return np.log1p(values)


def rank_transform(reference):
    """Fold change -> its rank among the cell's bins with signal (0-1]; no signal stays 0.

    ``reference`` is the cell's :class:`dreamtf.features.RankReference` (every bin's maximum,
    where positive): every cell's channel then spans the same range whatever its sequencing
    depth or signal scale, as Catchitt's rank-normalised features do.
    """
    if reference.total == 0:
        raise DreamTFError("the DNase track has no signal to rank against")
    floor = 1.0 / reference.total

    def transform(values: np.ndarray) -> np.ndarray:
        return np.where(values > 0, np.maximum(reference.share_at_most(values), floor), 0.0)

    return transform


def write_dnase_cache(bigwig, data_path, index_path, chroms: list[str], *, norm: str) -> dict[str, list[int]]:
    """Decode a cell's DNase bigWig once into FactorNet's memory-mapped channel (float16).

    ``norm`` is ``rank`` (each base's fold change as its rank among the cell's open bins)
    or ``log1p`` (log1p fold change, as the original FactorNet).
    """
    if norm == "log1p":
        transform = dnase_transform
    elif norm == "rank":
        from .features import dnase_rank_reference
        from .io.bigwig import BigWigTrack

        with BigWigTrack(bigwig) as track:
            transform = rank_transform(dnase_rank_reference(track, chroms))
    else:
        raise DreamTFError(f"factornet.dnase_norm: {norm!r}; expected rank or log1p")
    return write_track_cache(bigwig, data_path, index_path, chroms, transform=transform, dtype=np.float16)


def gather(array: np.ndarray, starts: np.ndarray, length: int, fill) -> np.ndarray:
    """Rows ``array[s : s + length]`` for every ``s`` of ``starts``: shape (n, length), ``fill`` off the array.

    One vectorised copy from a strided view; only windows that run off either end
    (a few per chromosome) are assembled one by one.
    """
    starts = np.asarray(starts, dtype=np.int64)
    out = np.empty((len(starts), length), dtype=array.dtype)
    n = len(array)
    inside = (starts >= 0) & (starts + length <= n)
    if n >= length and inside.any():
        out[inside] = sliding_window_view(array, length)[starts[inside]]
    for i in np.flatnonzero(~inside):
        s = int(starts[i])
        out[i] = fill
        a, b = max(0, s), min(n, s + length)
        if b > a:
            out[i, a - s : b - s] = array[a:b]
    return out


def chrom_inputs(genome, track: ChromArrays, chrom: str, input_starts: np.ndarray, length: int) -> dict:
    """Model inputs for windows of one chromosome whose inputs start at ``input_starts``."""
    return {
        "sequence": gather(genome.chrom(chrom), input_starts, length, N_CODE),
        "tracks": gather(track.chrom(chrom), input_starts, length, 0)[:, :, None],
    }


def batch_inputs(genome, tracks: dict, labels, cells, chrom_idx, starts, cell_idx, length: int, meta_by_cell=None):
    """Model inputs for windows given as (chromosome index, window start, cell index) arrays."""
    flank = (length - labels.size) // 2
    seq = np.empty((len(starts), length), dtype=np.uint8)
    trk = np.empty((len(starts), length, 1), dtype=np.float16)
    for ci in np.unique(chrom_idx):
        chrom = labels.chroms[int(ci)]
        m = chrom_idx == ci
        seq[m] = gather(genome.chrom(chrom), starts[m] - flank, length, N_CODE)
        for j in np.unique(cell_idx[m]):
            mj = m & (cell_idx == j)
            trk[mj, :, 0] = gather(tracks[cells[int(j)]].chrom(chrom), starts[mj] - flank, length, 0)
    out = {"sequence": seq, "tracks": trk}
    if meta_by_cell:
        out["cell_meta"] = np.array([meta_by_cell[cells[j]] for j in cell_idx], dtype=np.float32)
    return out


def open_chromatin_mask(labels, cells, dnase_peaks: dict) -> np.ndarray:
    """(n_windows, n_cells) bool: the window overlaps the cell's relaxed DNase peaks."""
    mask = np.zeros((len(labels), len(cells)), dtype=bool)
    for j, cell in enumerate(cells):
        peaks = read_narrowpeak(dnase_peaks[cell])
        for chrom in labels.chroms:
            rows = labels.chrom_rows(chrom)
            if chrom in peaks and len(rows):
                lo, hi = overlap_ranges(peaks[chrom].intervals, labels.size, 1)
                mask[rows, j] = count_hits(labels.start[rows], lo, hi) > 0
    return mask


def motif_window_mask(genome, labels, motif, chroms, quantile: float = 0.5) -> np.ndarray:
    """(n_windows,) bool: the window holds a motif instance as strong as most bound windows'.

    Each window of ``chroms`` gets its best log-odds score of ``motif`` (either strand);
    the threshold is the ``quantile`` of the scores of windows bound in any cell there,
    so the mask holds the windows a sequence model most easily mistakes for bound ones.
    """
    from .motifs import scan

    best = np.full(len(labels), -np.inf, dtype=np.float32)
    for chrom in chroms:
        rows = labels.chrom_rows(chrom)
        scores = scan(motif, np.asarray(genome.chrom(chrom)))
        if len(rows) == 0 or len(scores) == 0:
            continue
        span = max(1, labels.size - len(motif) + 1)
        lo = np.clip(labels.start[rows], 0, len(scores) - 1)
        hi = np.clip(labels.start[rows] + span, 1, len(scores))
        best[rows] = np.maximum.reduceat(np.append(scores, -np.inf), np.ravel(np.column_stack([lo, hi])))[::2]
    bound = (labels.codes == 2).any(axis=1) & np.isfinite(best)
    if not bound.any():
        return np.zeros(len(labels), dtype=bool)
    return best >= np.quantile(best[bound], quantile)


class TrainingWindows:
    """B windows and a fresh U sample per call, over the labelled windows of ``chroms``.

    Besides uniformly drawn U windows, shares of the U windows come from named pools
    (``masks``: name -> bool array, (n_windows, n_cells) or (n_windows,)): ``open``,
    windows overlapping the cell's relaxed DNase peaks, and ``motif``, windows holding
    a strong instance of the TF's motif. Random genome windows are mostly closed and
    motif-free and teach the network little beyond "open means bound"; the pools hold
    the negatives that look bound on one input alone. ``where`` names the chromosomes
    in errors ("training chromosomes chr2, chr3").
    """

    def __init__(self, labels, cells, chroms, rng, masks: dict | None = None, *, where: str):
        self.labels, self.cells, self.rng, self.where = labels, cells, rng, where
        self.rows = np.sort(np.concatenate([labels.chrom_rows(c) for c in chroms] or [np.empty(0, np.int64)]))
        codes = labels.codes[self.rows]
        r, c = np.nonzero(codes == 2)
        self.bound = (self.rows[r], c)
        self.pools = {}
        for name, mask in (masks or {}).items():
            m = mask[self.rows] if mask.ndim == 2 else np.repeat(mask[self.rows, None], len(cells), axis=1)
            r, c = np.nonzero((codes == 0) & m)
            self.pools[name] = (self.rows[r], c)
        self.n_unbound = int(np.count_nonzero(codes == 0))

    def chrom_names(self) -> list[str]:
        """The chromosomes this sampler draws windows from (those with labelled windows)."""
        return [self.labels.chroms[int(i)] for i in np.unique(self.labels.chrom[self.rows])]

    def _random_unbound(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n <= 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        if self.n_unbound == 0:
            raise DreamTFError(f"no unbound (U) window of {', '.join(self.cells)} on the {self.where}")
        ru, cu, got = [], [], 0
        while got < n:  # rejection sampling: terminates, since U windows exist
            r = self.rng.choice(self.rows, 2 * n + 10)
            c = self.rng.integers(0, len(self.cells), len(r))
            ok = self.labels.codes[r, c] == 0
            ru.append(r[ok])
            cu.append(c[ok])
            got += int(ok.sum())
        return np.concatenate(ru)[:n], np.concatenate(cu)[:n]

    def sample(self, n_bound: int | None, ratio: float, jitter: int, shares: dict | None = None, repeat=False):
        """(chrom_index, window_start, cell_index, label) arrays, shuffled.

        ``n_bound`` B windows (all when None), ``ratio`` U windows per B window, of which
        ``shares[name]`` come from pool ``name`` (as many as it holds) and the rest at random.
        With ``repeat`` (training), a pool smaller than ``n_bound`` gives every B window once
        and random repeats for the rest, each with its own jitter: an epoch of a TF with few
        sites is as long as any other's, so the network sees enough steps to learn its motif.
        """
        rows_b, cells_b = self.bound
        if len(rows_b) == 0:
            raise DreamTFError(f"no bound (B) window of {', '.join(self.cells)} on the {self.where}")
        pick = np.arange(len(rows_b))
        if n_bound is not None and n_bound < len(rows_b):
            pick = self.rng.choice(len(rows_b), n_bound, replace=False)
        elif repeat and n_bound is not None and n_bound > len(rows_b):
            pick = np.concatenate([pick, self.rng.choice(len(rows_b), n_bound - len(rows_b))])
        rb, cb = rows_b[pick], cells_b[pick]
        n_u = int(round(ratio * len(rb)))
        ru, cu = [], []
        for name, share in (shares or {}).items():
            pool_r, pool_c = self.pools.get(name, (np.empty(0, np.int64), np.empty(0, np.int64)))
            n = min(int(round(share * n_u)), len(pool_r), n_u - sum(map(len, ru)))
            k = self.rng.choice(len(pool_r), n, replace=False) if n > 0 else np.empty(0, np.int64)
            ru.append(pool_r[k])
            cu.append(pool_c[k])
        rr, cr = self._random_unbound(n_u - sum(map(len, ru)))
        ru = np.concatenate([*ru, rr])
        cu = np.concatenate([*cu, cr])
        shift = self.rng.integers(-jitter, jitter + 1, len(rb)) if jitter else np.zeros(len(rb), dtype=np.int64)
        rows = np.concatenate([rb, ru]).astype(np.int64)
        starts = self.labels.start[rows] + np.concatenate([shift, np.zeros(len(ru), dtype=np.int64)])
        y = np.r_[np.ones(len(rb)), np.zeros(len(ru))].astype(np.float32)
        order = self.rng.permutation(len(rows))
        return self.labels.chrom[rows][order], starts[order], np.concatenate([cb, cu]).astype(np.int64)[order], y[order]

    def stratified(self, n: int) -> tuple[np.ndarray, ...]:
        """About ``n`` windows that stand for every labelled window: (chrom_index, start, cell_index, label, weight).

        Strata: the B windows, each pool's U windows (a window in two pools counts in the
        first) and the remaining U windows; each stratum gets an equal share of ``n`` (all of
        it when smaller, its unused share passed on) and every window drawn the weight
        ``stratum size / windows drawn``. Weighted, the sample's auPRC estimates the auPRC
        over every window at the real class ratio, the number the challenge scores, which a
        balanced sample overstates many times; the pools make the hard negatives count as
        often as they occur, not more.
        """
        codes = self.labels.codes[self.rows]
        taken = np.zeros(codes.shape, dtype=bool)
        strata = []
        r, c = np.nonzero(codes == 2)
        strata.append((r, c, 1.0))
        taken[r, c] = True
        for pool_r, pool_c in self.pools.values():
            local = np.searchsorted(self.rows, pool_r)
            keep = ~taken[local, pool_c]
            strata.append((local[keep], pool_c[keep], 0.0))
            taken[local[keep], pool_c[keep]] = True
        r, c = np.nonzero((codes == 0) & ~taken)
        strata.append((r, c, 0.0))
        if len(strata[0][0]) == 0:
            raise DreamTFError(f"no bound (B) window of {', '.join(self.cells)} on the {self.where}")
        out, left = [], n
        for i, (r, c, y) in enumerate(strata):
            share = left // (len(strata) - i)
            k = self.rng.choice(len(r), share, replace=False) if share < len(r) else np.arange(len(r))
            if len(k):
                out.append((r[k], c[k], np.full(len(k), y), np.full(len(k), len(r) / len(k))))
            left -= len(k)
        r, c, y, w = (np.concatenate(a) for a in zip(*out))
        rows = self.rows[r]
        return (
            self.labels.chrom[rows],
            self.labels.start[rows],
            c.astype(np.int64),
            y.astype(np.float32),
            w.astype(np.float32),
        )


def prefetch(items: Iterator, depth: int = 2) -> Iterator:
    """Iterate over ``items`` produced on a background thread, up to ``depth`` ahead.

    Lets the next batch be gathered while the model works on this one; an exception
    in the producer is raised here.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce():
        try:
            for item in items:
                q.put(item)
            q.put(done)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    threading.Thread(target=produce, daemon=True).start()
    while True:
        item = q.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item
