"""Predictions as bigWig tracks for genome browsers.

Windows overlap (200 bp every 50 bp), and a bigWig's entries may not, so each window's
score is drawn over its central step: the window ``[s, s + 200)`` gives the entry
``[s + 75, s + 125)``. Every window has its own entry, so the track holds exactly the
submission's scores, each where its window is centred; windows the region file lacks
(blacklisted stretches, chromosome ends) leave gaps.

A genome-wide submission is read one chromosome at a time. A bigWig's header lists its
chromosomes before any entry, and entries must follow the header's (natural) order,
which the file's order need not be; so each chromosome's windows are first spilled to a
scratch folder beside the output, then drawn in natural order. Memory holds one
chromosome's windows and the bigWig's zoom summaries (:data:`TRACK_ZOOMS`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .errors import DreamTFError
from .io.bigwig import BigWigWriter
from .io.chroms import chrom_sort_key
from .io.files import atomic_path
from .io.windowtable import WindowTable

#: zoom levels of a score track, at most. libBigWig builds every level in memory when the
#: file closes (the first summarising 16 entries, 800 bp of 50 bp entries, each next one 4
#: times more) and keeps a level only while it takes fewer blocks than the one before: a
#: track of 50 bp entries over hg19 keeps 7, the coarsest at 3.3 Mb a summary, about what
#: a whole-genome view draws in one pixel. More would be built only to be dropped, or for a
#: denser track would cost memory for summaries coarser than any view needs; fewer would
#: make browsers read finer summaries for wide views.
TRACK_ZOOMS = 7


def window_step(table: WindowTable) -> int:
    """The windows' spacing: the smallest distance between consecutive starts of any chromosome."""
    return _step([_min_gap(starts) for _, starts in table.by_chrom()], table.size)


def _min_gap(starts: np.ndarray) -> int | None:
    """The smallest positive distance between consecutive ``starts`` (None with fewer than two)."""
    gaps = np.diff(starts)
    gaps = gaps[gaps > 0]
    return int(gaps.min()) if len(gaps) else None


def _step(gaps: list[int | None], size: int) -> int:
    """The windows' spacing from each chromosome's smallest gap; ``size`` when none is smaller."""
    gaps = [g for g in gaps if g is not None]
    return min(min(gaps), size) if gaps else size


def split_chroms(table: WindowTable) -> Iterator[WindowTable]:
    """One table per chromosome of a whole-file table, in order of first appearance."""
    for i, chrom in enumerate(table.chroms):
        rows = table.chrom == i
        yield WindowTable(
            table.path,
            [chrom],
            np.zeros(int(rows.sum()), dtype=np.int32),
            table.start[rows],
            table.size,
            list(table.columns),
            table.values[rows],
        )


def write_score_track(
    predictions: WindowTable | Iterable[WindowTable],
    chrom_sizes: dict[str, int],
    path: str | os.PathLike,
    *,
    max_zooms: int = TRACK_ZOOMS,
) -> int:
    """Write predictions as a bigWig at ``path`` (atomically); returns the entries written.

    ``predictions`` is a whole submission or its chromosomes one at a time
    (:func:`dreamtf.io.windowstream.iter_predictions`); each chromosome's windows must
    ascend, as in the region files. The header lists the predicted chromosomes in
    natural order with their ``chrom_sizes`` lengths.
    """
    if isinstance(predictions, WindowTable):
        if len(predictions) == 0:
            raise DreamTFError(f"{predictions.path}: no windows to draw")
        predictions = split_chroms(predictions)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.partial-", dir=target.parent) as scratch:
        spilled, gaps, size = _spill(predictions, chrom_sizes, Path(scratch))
        step = _step(gaps, size)
        offset = (size - step) // 2
        header = sorted(((c, chrom_sizes[c]) for c in spilled), key=lambda cs: chrom_sort_key(cs[0]))
        n = 0
        with atomic_path(target) as tmp, BigWigWriter(tmp, header, max_zooms=max_zooms) as bw:
            for chrom, _ in header:
                starts = np.load(spilled[chrom] / "starts.npy")
                scores = np.load(spilled[chrom] / "scores.npy")
                centre = starts + offset
                keep = (centre >= 0) & (centre + step <= chrom_sizes[chrom])
                bw.add(chrom, centre[keep], scores[keep], step)
                n += int(keep.sum())
    return n


def _spill(chunks: Iterable[WindowTable], chrom_sizes: dict[str, int], scratch: Path):
    """Check each chromosome's windows and save them under ``scratch``; returns (folders, gaps, window size).

    ``chunks`` holds at least one chromosome (a predictions stream is never empty).
    """
    spilled: dict[str, Path] = {}
    gaps: list[int | None] = []
    size = None
    for t in chunks:
        chrom = t.chroms[0]
        if chrom not in chrom_sizes:
            raise DreamTFError(f"{t.path}: chromosome {chrom} is not in the genome's chrom.sizes")
        if chrom in spilled:
            raise DreamTFError(f"{t.path}: the windows of {chrom} are not contiguous in the file")
        bad = np.flatnonzero(np.diff(t.start) <= 0)
        if len(bad):
            s = int(t.start[bad[0] + 1])
            raise DreamTFError(
                f"{t.path}: window {chrom}:{s}-{s + t.size} is out of order "
                "(each chromosome's windows must ascend, as in the region files)"
            )
        folder = spilled[chrom] = scratch / str(len(spilled))
        folder.mkdir()
        np.save(folder / "starts.npy", t.start)
        # bigWig values are float32: converting here rounds as libBigWig would, and halves the spill
        np.save(folder / "scores.npy", t.score.astype(np.float32))
        gaps.append(_min_gap(t.start))
        size = t.size
    return spilled, gaps, size
