"""The model-free reference: a window's maximum DNase signal, over the cell's mean signal.

Every trained model must beat it. Like every model, it returns one float per window of the
grid it is given. Dividing by the track's mean over the bases with signal on the genome's
chromosomes makes the score free of the track's scale and of the genome's size: a fold
change, a CPM track or either multiplied by a constant give the same scores, on any build,
so the peak threshold chosen on the training cells' tracks means the same in a cell whose
track came from another pipeline. Within one cell the
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


def signal_scale(track: BigWigTrack, genome: dict[str, int], *, chunk: int = 10_000_000) -> float:
    """The track's mean value over the bases with signal (above 0) on the chromosomes of ``genome`` it has.

    Bases without signal are left out, so that stretches without any (another build's gaps
    or added sequence, a genome of another size) change nothing; read from the data, ``chunk``
    bp at a time, in float64. The same in every job that reads the track, whichever windows
    it predicts. A track with no signal there is one line naming it.
    """
    total, bases = 0.0, 0
    for chrom in genome:
        n = track.sizes.get(chrom, 0)
        for lo in range(0, n, chunk):
            v = track.values(chrom, lo, min(n, lo + chunk))
            on = v > 0
            total += float(v[on].sum(dtype=np.float64))
            bases += int(on.sum())
    if bases == 0:
        raise DreamTFError(f"{track.path}: no signal above 0 on the genome's chromosomes")
    return total / bases


def predict_max_dnase(
    bigwig: str | os.PathLike, per_chrom, genome: dict[str, int]
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(chrom, starts, scores)``: each window's maximum signal over the track's
    :func:`signal_scale` on ``genome`` (chromosome sizes)."""
    with BigWigTrack(bigwig) as track:
        scale = signal_scale(track, genome)
        log.info("%s: mean signal %.6g over the bases with signal", bigwig, scale)
        for chrom, starts, size in per_chrom:
            yield chrom, starts, track_window_stat(track, chrom, starts, size, "max") / scale
