"""The model-free reference: a window's maximum DNase fold change.

Every trained model must beat it. Like every model, it returns one float per
window of the grid it is given.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import numpy as np

from .errors import DreamTFError

log = logging.getLogger(__name__)


def open_bigwig(path: str | os.PathLike):
    """Open a bigWig for reading, with a clear error for anything else."""
    import pyBigWig

    try:
        bw = pyBigWig.open(str(path))
    except RuntimeError:
        bw = None
    if bw is None or not bw.isBigWig():
        raise DreamTFError(f"{path}: not a readable bigWig file")
    return bw


def chrom_values(bw, chrom: str, path: str | os.PathLike = "bigWig") -> np.ndarray:
    """Per-base values of one chromosome as float32, 0 where the track has no data."""
    sizes = bw.chroms()
    if chrom not in sizes:
        shown = ", ".join(list(sizes)[:4])
        raise DreamTFError(f"{path}: no chromosome {chrom!r} (it has {shown}, ...); chromosome names must agree")
    vals = bw.values(chrom, 0, sizes[chrom], numpy=True).astype(np.float32, copy=False)
    np.nan_to_num(vals, copy=False, nan=0.0)
    return vals


def window_stat(values: np.ndarray, starts: np.ndarray, size: int, stat: str = "max") -> np.ndarray:
    """Max or mean of ``values`` over each window [start, start + size).

    Windows may overlap; the work is O(chromosome) through per-bin reductions on the
    greatest common divisor of the window starts and size.
    """
    if len(starts) == 0:
        return np.empty(0, dtype=np.float32)
    if starts[-1] + size > len(values):
        raise DreamTFError(f"window {starts[-1]}-{starts[-1] + size} runs past the chromosome end ({len(values)})")
    g = int(np.gcd.reduce(np.concatenate([starts, [size]])))
    nb = (starts[-1] + size) // g
    binned = values[: nb * g].reshape(nb, g)
    per_bin = binned.max(axis=1) if stat == "max" else binned.sum(axis=1, dtype=np.float64)
    k = size // g
    first = starts // g
    if stat == "max":
        out = per_bin[first]
        for j in range(1, k):
            np.maximum(out, per_bin[first + j], out=out)
        return out.astype(np.float32)
    csum = np.concatenate([[0.0], np.cumsum(per_bin)])
    return ((csum[first + k] - csum[first]) / size).astype(np.float32)


def bigwig_window_stat(
    bw, chrom: str, starts: np.ndarray, size: int, stat: str = "max", *, chunk: int = 10_000_000, path="bigWig"
) -> np.ndarray:
    """:func:`window_stat` straight from a bigWig, reading ``chunk`` bp at a time.

    Memory stays at a few bytes per bp of one chunk, whatever the chromosome length.
    """
    sizes = bw.chroms()
    if chrom not in sizes:
        shown = ", ".join(list(sizes)[:4])
        raise DreamTFError(f"{path}: no chromosome {chrom!r} (it has {shown}, ...); chromosome names must agree")
    out = np.empty(len(starts), dtype=np.float32)
    i = 0
    while i < len(starts):
        lo = int(starts[i])
        j = int(np.searchsorted(starts, lo + chunk, side="left"))
        j = max(j, i + 1)
        hi = int(starts[j - 1]) + size
        if hi > sizes[chrom]:
            raise DreamTFError(f"{path}: window {starts[j - 1]}-{hi} runs past the end of {chrom} ({sizes[chrom]} bp)")
        vals = np.nan_to_num(bw.values(chrom, lo, hi, numpy=True).astype(np.float32, copy=False), copy=False)
        out[i:j] = window_stat(vals, starts[i:j] - lo, size, stat)
        i = j
    return out


def predict_max_dnase(bigwig: str | os.PathLike, per_chrom) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(chrom, starts, scores)`` with each window's maximum fold change."""
    bw = open_bigwig(bigwig)
    try:
        for chrom, starts, size in per_chrom:
            yield chrom, starts, bigwig_window_stat(bw, chrom, starts, size, "max", path=bigwig)
    finally:
        bw.close()
