"""FactorNet's inputs: one-hot sequence plus DNase per base, and the windows it trains on.

A window's input is ``input_length`` bp centred on it: base codes from the memory-mapped
genome (:class:`dreamtf.io.fasta.GenomeCodes`) as one-hot A, C, G, T (N all zero) and
the cell's log1p DNase fold change as a fifth channel. Training draws every epoch's
windows from :class:`TrainingWindows`; prediction reads a chromosome in chunks
(:func:`chrom_batches`).
"""

from __future__ import annotations

import logging

import numpy as np

from .errors import DreamTFError
from .io.bigwig import BigWigTrack
from .io.fasta import GenomeCodes
from .io.narrowpeak import read_narrowpeak
from .windows import count_hits, overlap_ranges

log = logging.getLogger(__name__)

ONE_HOT = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])  # N -> all zero


def dnase_values(track: BigWigTrack, chrom: str, start: int, end: int) -> np.ndarray:
    """The DNase channel over [start, end): log1p fold change, 0 off the chromosome."""
    return np.log1p(track.values(chrom, start, end))


def encode(codes: np.ndarray, tracks: list[np.ndarray]) -> np.ndarray:
    """Channels (length, 4 + n_tracks): one-hot sequence then the tracks."""
    return np.concatenate([ONE_HOT[codes], *[t[:, None] for t in tracks]], axis=1)


def _codes(seq: np.ndarray, lo: int, hi: int) -> np.ndarray:
    codes = np.full(hi - lo, 4, dtype=np.uint8)
    a, b = max(0, lo), min(len(seq), hi)
    if b > a:
        codes[a - lo : b - lo] = seq[a:b]
    return codes


def window_batch(genome: GenomeCodes, track: BigWigTrack, chrom: str, input_starts: np.ndarray, length: int):
    """Inputs (n, length, 5) for windows whose input starts at ``input_starts``; off-chromosome is N/0."""
    seq = genome.chrom(chrom)
    out = np.empty((len(input_starts), length, 5), dtype=np.float32)
    for i, s in enumerate(input_starts):
        s = int(s)
        out[i] = encode(_codes(seq, s, s + length), [dnase_values(track, chrom, s, s + length)])
    return out


def chrom_batches(genome: GenomeCodes, track: BigWigTrack, chrom: str, starts, size: int, length: int, batch: int):
    """Yield inputs for consecutive batches of a chromosome's windows, reading each span once."""
    seq = genome.chrom(chrom)
    flank = (length - size) // 2
    for i in range(0, len(starts), batch):
        s = starts[i : i + batch] - flank
        lo, hi = int(s[0]), int(s[-1]) + length
        chunk = encode(_codes(seq, lo, hi), [dnase_values(track, chrom, lo, hi)])
        idx = (s - lo)[:, None] + np.arange(length)[None, :]
        yield chunk[idx]


def batch_inputs(genome, tracks: dict, labels, cells, chrom_idx, starts, cell_idx, length: int, meta_by_cell=None):
    """Model inputs for windows given as (chromosome index, window start, cell index) arrays."""
    flank = (length - labels.size) // 2
    x = np.empty((len(starts), length, 5), dtype=np.float32)
    for j, cell in enumerate(cells):
        for ci in np.unique(chrom_idx[cell_idx == j]):
            m = (cell_idx == j) & (chrom_idx == ci)
            x[m] = window_batch(genome, tracks[cell], labels.chroms[int(ci)], starts[m] - flank, length)
    if meta_by_cell:
        meta = np.array([meta_by_cell[cells[j]] for j in cell_idx], dtype=np.float32)
        return {"sequence_tracks": x, "cell_meta": meta}
    return x


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


class TrainingWindows:
    """B windows and a fresh U sample per call, over the labelled windows of ``chroms``.

    A share of the U windows is drawn from the cell's open chromatin (``open_mask``,
    windows overlapping its relaxed DNase peaks): random genome windows are mostly
    closed and teach the network little beyond "open means bound". ``where`` names the
    chromosomes in errors ("training chromosomes chr2, chr3").
    """

    def __init__(self, labels, cells, chroms, rng, open_mask=None, *, where: str):
        self.labels, self.cells, self.rng, self.where = labels, cells, rng, where
        self.rows = np.sort(np.concatenate([labels.chrom_rows(c) for c in chroms] or [np.empty(0, np.int64)]))
        codes = labels.codes[self.rows]
        r, c = np.nonzero(codes == 2)
        self.bound = (self.rows[r], c)
        r, c = np.nonzero((codes == 0) & (open_mask[self.rows] if open_mask is not None else False))
        self.open_unbound = (self.rows[r], c)
        self.n_unbound = int(np.count_nonzero(codes == 0))

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

    def sample(self, n_bound: int | None, ratio: float, jitter: int, open_share: float = 0.0):
        """(chrom_index, window_start, cell_index, label) arrays, shuffled."""
        rows_b, cells_b = self.bound
        if len(rows_b) == 0:
            raise DreamTFError(f"no bound (B) window of {', '.join(self.cells)} on the {self.where}")
        pick = np.arange(len(rows_b))
        if n_bound is not None and n_bound < len(rows_b):
            pick = self.rng.choice(len(rows_b), n_bound, replace=False)
        rb, cb = rows_b[pick], cells_b[pick]
        n_u = int(round(ratio * len(rb)))
        n_open = min(int(round(open_share * n_u)), len(self.open_unbound[0]))
        k = self.rng.choice(len(self.open_unbound[0]), n_open, replace=False) if n_open else np.empty(0, int)
        rr, cr = self._random_unbound(n_u - n_open)
        ru = np.concatenate([self.open_unbound[0][k], rr])
        cu = np.concatenate([self.open_unbound[1][k], cr])
        shift = self.rng.integers(-jitter, jitter + 1, len(rb)) if jitter else np.zeros(len(rb), dtype=np.int64)
        rows = np.concatenate([rb, ru]).astype(np.int64)
        starts = self.labels.start[rows] + np.concatenate([shift, np.zeros(len(ru), dtype=np.int64)])
        y = np.r_[np.ones(len(rb)), np.zeros(len(ru))].astype(np.float32)
        order = self.rng.permutation(len(rows))
        return self.labels.chrom[rows][order], starts[order], np.concatenate([cb, cu]).astype(np.int64)[order], y[order]
