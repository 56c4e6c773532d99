"""The model-free reference: a window's maximum DNase signal, over the cell's mean signal.

Every trained model must beat it. Like every model, it returns one float per window of the
grid it is given. Dividing by the track's mean per base over the genome's chromosomes makes
the score free of the track's scale: a fold change, a CPM track or either multiplied by a
constant give the same scores, so the peak threshold chosen on the training cells' tracks
means the same in a cell whose track came from another pipeline. Within one cell the
order of the windows, and so every score of the challenge, is the maximum's.
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


def signal_scale(track: BigWigTrack, genome: dict[str, int]) -> float:
    """The track's mean value per base over the chromosomes of ``genome`` it has (bases without data count as 0).

    Summed from the data itself, not the zoom levels (whose summaries small files get wrong),
    in C; the same in every job that reads the track, whichever windows it predicts. A track
    with nothing on those chromosomes is one line naming it.
    """
    total = length = 0.0
    for chrom in genome:
        if chrom in track.sizes:
            total += track.bw.stats(chrom, type="sum", exact=True)[0] or 0.0
            length += track.sizes[chrom]
    if not (np.isfinite(total) and total > 0):
        raise DreamTFError(f"{track.path}: no signal above 0 on the genome's chromosomes")
    return total / length


def predict_max_dnase(
    bigwig: str | os.PathLike, per_chrom, genome: dict[str, int]
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(chrom, starts, scores)``: each window's maximum signal over the track's
    :func:`signal_scale` on ``genome`` (chromosome sizes)."""
    with BigWigTrack(bigwig) as track:
        scale = signal_scale(track, genome)
        log.info("%s: mean signal %.6g per base over the genome's chromosomes", bigwig, scale)
        for chrom, starts, size in per_chrom:
            yield chrom, starts, track_window_stat(track, chrom, starts, size, "max") / scale
