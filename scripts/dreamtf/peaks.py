"""narrowPeak files: reading, writing, and calling peaks from window scores.

narrowPeak (ENCODE): chrom, start, end, name, score (0-1000), strand, signalValue,
pValue, qValue, peak (summit offset from start, -1 when unknown); 0-based, half-open.
IDR output adds columns after the tenth; they are ignored.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np

from .errors import DreamTFError
from .genome import chrom_sort_key
from .io import atomic_write_text, open_text

log = logging.getLogger(__name__)


@dataclass
class Peaks:
    """Peaks of one chromosome as parallel arrays, sorted by start.

    ``summit`` is the absolute 0-based summit position (midpoint when the file has -1).
    """

    start: np.ndarray
    end: np.ndarray
    summit: np.ndarray
    signal: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    @property
    def intervals(self) -> np.ndarray:
        return np.column_stack([self.start, self.end])


def empty_peaks() -> Peaks:
    z = np.empty(0, dtype=np.int64)
    return Peaks(z, z.copy(), z.copy(), np.empty(0, dtype=np.float64))


def read_narrowpeak(path: str | os.PathLike) -> dict[str, Peaks]:
    """Read a (gzipped) narrowPeak file into ``{chrom: Peaks}``.

    Raises DreamTFError naming the file and line for anything that is not narrowPeak.
    """
    cols: dict[str, list[tuple[int, int, int, float]]] = {}
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 10:
                raise DreamTFError(
                    f"{path}, line {lineno}: expected at least 10 tab-separated narrowPeak columns, got {len(parts)}"
                )
            try:
                start, end, offset = int(parts[1]), int(parts[2]), int(parts[9])
                signal = float(parts[6])
            except ValueError:
                raise DreamTFError(
                    f"{path}, line {lineno}: start, end and peak must be integers and signalValue a number"
                ) from None
            if start < 0 or end <= start:
                raise DreamTFError(f"{path}, line {lineno}: bad interval {start}-{end}")
            if offset < 0:
                summit = (start + end) // 2
            elif offset > end - start:
                raise DreamTFError(
                    f"{path}, line {lineno}: summit offset {offset} lies outside the {end - start} bp peak"
                )
            elif offset == end - start:  # SPP/IDR peaks sometimes put the summit on the end coordinate
                summit = end - 1
            else:
                summit = start + offset
            cols.setdefault(parts[0], []).append((start, end, summit, signal))
    out: dict[str, Peaks] = {}
    for chrom, rows in cols.items():
        arr = np.asarray(rows, dtype=np.float64)
        order = np.argsort(arr[:, 0], kind="stable")
        arr = arr[order]
        out[chrom] = Peaks(
            arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int64), arr[:, 3]
        )
    return out


def write_narrowpeak(path: str | os.PathLike, peaks: dict[str, Peaks], *, name_prefix: str = "peak") -> int:
    """Write peaks sorted by chromosome (natural order) and start; returns the count.

    The score column is the signal scaled to 0-1000 (rank-free, min-max over the file).
    """
    chroms = sorted((c for c in peaks if len(peaks[c])), key=chrom_sort_key)
    all_sig = np.concatenate([peaks[c].signal for c in chroms]) if chroms else np.empty(0)
    lo, hi = (float(all_sig.min()), float(all_sig.max())) if len(all_sig) else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    n = 0
    with atomic_write_text(path) as fh:
        for chrom in chroms:
            p = peaks[chrom]
            order = np.argsort(p.start, kind="stable")
            for i in order:
                n += 1
                score = int(round(1000 * (p.signal[i] - lo) / span))
                fh.write(
                    f"{chrom}\t{p.start[i]}\t{p.end[i]}\t{name_prefix}_{n}\t{score}\t.\t"
                    f"{p.signal[i]:.6g}\t-1\t-1\t{p.summit[i] - p.start[i]}\n"
                )
    return n


def call_peaks(starts: np.ndarray, scores: np.ndarray, *, size: int, threshold: float, max_gap: int = 0) -> Peaks:
    """Merge windows scoring at least ``threshold`` into peaks.

    Windows of one chromosome (sorted ``starts``, each ``size`` bp) that pass the
    threshold and overlap or lie within ``max_gap`` bp of each other form one peak;
    its signal is the best window's score and its summit that window's centre.
    """
    sel = np.flatnonzero(scores >= threshold)
    if len(sel) == 0:
        return empty_peaks()
    s = starts[sel]
    e = s + size
    new = np.ones(len(sel), dtype=bool)
    new[1:] = s[1:] > e[:-1] + max_gap
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(sel)) - 1
    sc = scores[sel]
    # best window per group: sort by (group, -score) and take each group's first
    order = np.lexsort((-sc, group))
    best = order[np.searchsorted(group[order], np.arange(len(first)))]
    return Peaks(
        start=s[first].astype(np.int64),
        end=e[last].astype(np.int64),
        summit=(s[best] + size // 2).astype(np.int64),
        signal=sc[best].astype(np.float64),
    )


def peaks_from_predictions(pred, size: int, *, top_fraction: float = 0.01, max_gap: int = 0):
    """Peaks of a whole submission: windows in the top ``top_fraction`` of scores, merged.

    Returns ``({chrom: Peaks}, threshold)``. Windows tied with the lowest score never
    pass, so a track that is mostly zero does not turn into one genome-wide peak.
    """
    if not 0 < top_fraction <= 1:
        raise DreamTFError(f"top_fraction must be in (0, 1], got {top_fraction}")
    scores = pred.score
    threshold = float(np.quantile(scores, 1 - top_fraction, method="higher"))
    floor = float(scores.min())
    if threshold <= floor:
        above = scores[scores > floor]
        threshold = float(above.min()) if len(above) else np.inf
    out = {}
    for ci, chrom in enumerate(pred.chroms):
        m = pred.chrom == ci
        out[chrom] = call_peaks(pred.start[m], scores[m], size=size, threshold=threshold, max_gap=max_gap)
    return out, threshold
