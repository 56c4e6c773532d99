"""Streaming base-resolution inputs for FactorNet: sequence codes and DNase tracks.

The genome is decoded once into a flat uint8 file of base codes (A=0, C=1, G=2, T=3,
N=4) that is memory-mapped, so a job touches only the bases it reads and the whole
genome is never held in memory, let alone as one-hot. DNase is read from the bigWig
per window (training) or per chromosome chunk (prediction).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from .errors import DreamTFError

log = logging.getLogger(__name__)

ONE_HOT = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])  # N -> all zero


def write_genome_codes(fasta, out_codes, out_index) -> dict[str, list[int]]:
    """Decode a FASTA into ``out_codes`` (uint8) with ``out_index`` ({chrom: [offset, length]})."""
    from .genome import iter_fasta
    from .io import atomic_path, atomic_write_text
    from .simulate import to_codes

    index: dict[str, list[int]] = {}
    offset = 0
    with atomic_path(out_codes) as tmp, open(tmp, "wb") as fh:
        for name, seq in iter_fasta(fasta):
            codes = to_codes(seq)
            fh.write(codes.tobytes())
            index[name] = [offset, len(codes)]
            offset += len(codes)
    with atomic_write_text(out_index) as fh:
        json.dump(index, fh)
    return index


class GenomeCodes:
    """Memory-mapped base codes of every chromosome."""

    def __init__(self, codes_path, index_path):
        try:
            self.index = json.loads(Path(index_path).read_text())
            self._mm = np.memmap(codes_path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:
            raise DreamTFError(f"{codes_path}: cannot open the genome code cache ({exc})") from None

    def chrom(self, name: str) -> np.ndarray:
        if name not in self.index:
            raise DreamTFError(f"genome has no chromosome {name!r} (it has {', '.join(list(self.index)[:4])}, ...)")
        off, n = self.index[name]
        return self._mm[off : off + n]


class Tracks:
    """log1p DNase fold change of one cell from its bigWig."""

    def __init__(self, bigwig: str | os.PathLike):
        from .baseline import open_bigwig

        self.path = bigwig
        self.bw = open_bigwig(bigwig)
        self.sizes = self.bw.chroms()

    def values(self, chrom: str, start: int, end: int) -> np.ndarray:
        """Values of [start, end), zero outside the chromosome or where the track has no data."""
        if chrom not in self.sizes:
            raise DreamTFError(f"{self.path}: no chromosome {chrom!r}; chromosome names must agree")
        out = np.zeros(end - start, dtype=np.float32)
        a, b = max(0, start), min(self.sizes[chrom], end)
        if b > a:
            v = np.asarray(self.bw.values(chrom, a, b, numpy=True), dtype=np.float32)
            out[a - start : b - start] = np.log1p(np.nan_to_num(v, nan=0.0))
        return out

    def close(self) -> None:
        self.bw.close()


def encode(codes: np.ndarray, tracks: list[np.ndarray]) -> np.ndarray:
    """Channels (length, 4 + n_tracks): one-hot sequence then the tracks."""
    return np.concatenate([ONE_HOT[codes], *[t[:, None] for t in tracks]], axis=1)


def window_batch(genome: GenomeCodes, tracks: Tracks, chrom: str, input_starts: np.ndarray, length: int) -> np.ndarray:
    """Inputs (n, length, 5) for windows whose input starts at ``input_starts``; off-chromosome is N/0."""
    seq = genome.chrom(chrom)
    out = np.empty((len(input_starts), length, 5), dtype=np.float32)
    for i, s in enumerate(input_starts):
        s = int(s)
        a, b = max(0, s), min(len(seq), s + length)
        codes = np.full(length, 4, dtype=np.uint8)
        codes[a - s : b - s] = seq[a:b]
        out[i] = encode(codes, [tracks.values(chrom, s, s + length)])
    return out


def chrom_batches(
    genome: GenomeCodes, tracks: Tracks, chrom: str, starts: np.ndarray, size: int, length: int, batch: int = 2000
):
    """Yield inputs for consecutive batches of a chromosome's windows, reading each span once."""
    seq = genome.chrom(chrom)
    flank = (length - size) // 2
    for i in range(0, len(starts), batch):
        s = starts[i : i + batch] - flank
        lo, hi = int(s[0]), int(s[-1]) + length
        codes = np.full(hi - lo, 4, dtype=np.uint8)
        a, b = max(0, lo), min(len(seq), hi)
        codes[a - lo : b - lo] = seq[a:b]
        chunk = encode(codes, [tracks.values(chrom, lo, hi)])
        idx = (s - lo)[:, None] + np.arange(length)[None, :]
        yield chunk[idx]
