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
from .io.bigwig import BigWigTrack
from .windows import window_stat

log = logging.getLogger(__name__)


def track_window_stat(
    track: BigWigTrack, chrom: str, starts: np.ndarray, size: int, stat: str = "max", *, chunk: int = 10_000_000
) -> np.ndarray:
    """:func:`dreamtf.windows.window_stat` straight from a bigWig, reading ``chunk`` bp at a time.

    Memory stays at a few bytes per bp of one chunk, whatever the chromosome length.
    """
    length = track.sizes.get(chrom)
    out = np.empty(len(starts), dtype=np.float32)
    i = 0
    while i < len(starts):
        lo = int(starts[i])
        j = max(int(np.searchsorted(starts, lo + chunk, side="left")), i + 1)
        hi = int(starts[j - 1]) + size
        if length is not None and hi > length:
            raise DreamTFError(f"{track.path}: window {starts[j - 1]}-{hi} runs past the end of {chrom} ({length} bp)")
        out[i:j] = window_stat(track.values(chrom, lo, hi), starts[i:j] - lo, size, stat)
        i = j
    return out


def predict_max_dnase(bigwig: str | os.PathLike, per_chrom) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(chrom, starts, scores)`` with each window's maximum fold change."""
    with BigWigTrack(bigwig) as track:
        for chrom, starts, size in per_chrom:
            yield chrom, starts, track_window_stat(track, chrom, starts, size, "max")
