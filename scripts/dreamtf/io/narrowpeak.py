"""narrowPeak files (ENCODE): per-chromosome peak arrays, reading and writing.

narrowPeak (ENCODE): chrom, start, end, name, score (0-1000), strand, signalValue,
pValue, qValue, peak (summit offset from start, -1 when unknown); 0-based, half-open.
IDR output adds columns after the tenth; they are ignored.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

import numpy as np

from ..errors import DreamTFError
from .chroms import check_same_chroms
from .files import atomic_write_text, open_text

log = logging.getLogger(__name__)


@dataclass
class Peaks:
    """Peaks of one chromosome as parallel arrays, sorted by start.

    ``summit`` is the absolute 0-based summit position (midpoint when the file has -1);
    ``qvalue`` the -log10 q-values to write (None: -1, unknown, as read files keep them).
    """

    start: np.ndarray
    end: np.ndarray
    summit: np.ndarray
    signal: np.ndarray
    qvalue: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.start)

    @property
    def intervals(self) -> np.ndarray:
        return np.column_stack([self.start, self.end])


def empty_peaks() -> Peaks:
    z = np.empty(0, dtype=np.int64)
    return Peaks(z, z.copy(), z.copy(), np.empty(0, dtype=np.float64))


#: fewer peaks than this in a file is suspicious (a failed experiment, a truncated download): a warning
FEW_PEAKS = 100


def read_narrowpeak(
    path: str | os.PathLike, *, chrom_sizes: dict[str, int] | None = None, allow_empty: bool = False
) -> dict[str, Peaks]:
    """Read a (gzipped) narrowPeak file into ``{chrom: Peaks}``.

    Raises DreamTFError naming the file and line for anything that is not narrowPeak: a
    line with fewer than 10 columns, non-integer coordinates, a signalValue that is not
    a finite number, a summit outside its peak, and an empty file. With ``chrom_sizes``
    (the genome's), a chromosome the genome lacks or a peak past a chromosome's end (a
    file of another genome build) is an error too. Fewer than :data:`FEW_PEAKS` peaks
    is a warning. ``allow_empty`` (a peak list dreamtf called itself) accepts no peaks
    quietly.
    """
    cols: dict[str, list[tuple[int, int, int, float]]] = {}
    with open_text(path, "a narrowPeak file") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            parts = line.rstrip("\n").split("\t")
            cols.setdefault(parts[0], []).append(_parse_peak(parts, f"{path}, line {lineno}"))
    n = sum(len(r) for r in cols.values())
    if n == 0 and not allow_empty:
        raise DreamTFError(f"{path}: no peaks (an empty narrowPeak file)")
    if n < FEW_PEAKS and not allow_empty:
        log.warning("%s: only %d peaks", path, n)
    if chrom_sizes is not None:
        check_same_chroms(chrom_sizes, "the genome", list(cols), str(path))
        for chrom, rows in cols.items():
            end = max(r[1] for r in rows)
            if end > chrom_sizes[chrom]:
                raise DreamTFError(
                    f"{path}: a peak on {chrom} ends at {end}, past its end ({chrom_sizes[chrom]} bp in the genome); "
                    "is the file from another genome build?"
                )
    out: dict[str, Peaks] = {}
    for chrom, rows in cols.items():
        arr = np.asarray(rows, dtype=np.float64)
        order = np.argsort(arr[:, 0], kind="stable")
        arr = arr[order]
        out[chrom] = Peaks(
            arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int64), arr[:, 3]
        )
    return out


def _parse_peak(parts: list[str], where: str) -> tuple[int, int, int, float]:
    """(start, end, absolute summit, signal) of one narrowPeak line split at tabs; ``where`` names it in errors."""
    if len(parts) < 10:
        raise DreamTFError(f"{where}: expected at least 10 tab-separated narrowPeak columns, got {len(parts)}")
    try:
        start, end, offset = int(parts[1]), int(parts[2]), int(parts[9])
        signal = float(parts[6])
    except ValueError:
        raise DreamTFError(f"{where}: start, end and peak must be integers and signalValue a number") from None
    if start < 0 or end <= start:
        raise DreamTFError(f"{where}: bad interval {start}-{end}")
    if not math.isfinite(signal):
        raise DreamTFError(f"{where}: signalValue {parts[6]!r}; expected a finite number")
    if offset < 0:
        return start, end, (start + end) // 2, signal
    if offset > end - start:
        raise DreamTFError(f"{where}: summit offset {offset} lies outside the {end - start} bp peak")
    if offset == end - start:  # SPP/IDR peaks sometimes put the summit on the end coordinate
        return start, end, end - 1, signal
    return start, end, start + offset, signal


def write_narrowpeak(path: str | os.PathLike, peaks: dict[str, Peaks], *, name_prefix: str = "peak") -> int:
    """Write peaks sorted by chromosome name and start; returns the count.

    Chromosomes are in plain byte order (chr1, chr10, chr2, ...), the order of
    ``sort -k1,1 -k2,2n`` in the C locale, which is what ``bedtools ... -sorted`` expects
    of two files when no genome file is given; peaks of one chromosome by start (then
    end). Names are ``<name_prefix>:<n>``, numbered in file order. The score column is
    the signal scaled to 0-1000 (rank-free, min-max over the file).
    """
    chroms = sorted(c for c in peaks if len(peaks[c]))
    all_sig = np.concatenate([peaks[c].signal for c in chroms]) if chroms else np.empty(0)
    lo, hi = (float(all_sig.min()), float(all_sig.max())) if len(all_sig) else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    n = 0
    with atomic_write_text(path) as fh:
        for chrom in chroms:
            p = peaks[chrom]
            order = np.lexsort((p.end, p.start))
            qv = np.full(len(p), -1.0) if p.qvalue is None else p.qvalue
            for i in order:
                n += 1
                score = int(round(1000 * (p.signal[i] - lo) / span))
                q = "-1" if qv[i] < 0 else f"{qv[i]:.4g}"
                fh.write(
                    f"{chrom}\t{p.start[i]}\t{p.end[i]}\t{name_prefix}:{n}\t{score}\t.\t"
                    f"{p.signal[i]:.6g}\t-1\t{q}\t{p.summit[i] - p.start[i]}\n"
                )
    return n


#: a narrowPeak's ten columns, as :func:`read_peak_table` names them
PEAK_COLUMNS = ["chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "summit"]


def read_peak_table(path: str | os.PathLike):
    """Every column of a narrowPeak (MACS3's own, with p- and q-values) as a pandas table; empty when it has no peak."""
    import pandas as pd

    try:
        return pd.read_csv(path, sep="\t", header=None, names=PEAK_COLUMNS, dtype={"chrom": str})
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=PEAK_COLUMNS)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DreamTFError(f"{path}: not a narrowPeak file: {str(exc).splitlines()[0]}") from None


def write_peak_table(path: str | os.PathLike, table) -> None:
    """Write a table of :data:`PEAK_COLUMNS` as narrowPeak (gzipped when ``path`` ends in .gz), atomically."""
    with atomic_write_text(path) as fh:
        table[PEAK_COLUMNS].to_csv(fh, sep="\t", header=False, index=False, float_format="%.5g")
