"""Genomes, chromosomes and the challenge's window grid.

Coordinates are 0-based and half-open, like BED. The challenge's windows are
``size`` bp long every ``step`` bp; on every chromosome the first starts at
``first`` (600) and the last ends at or before ``length - end_margin`` (length - 400).
Windows overlapping the blacklist are dropped. Windows of one chromosome are held
as one sorted int64 array of start positions, never as Python objects.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator

import numpy as np

from .errors import DreamTFError
from .io import open_text

log = logging.getLogger(__name__)

FIRST_START = 600
END_MARGIN = 400

_NATURAL = re.compile(r"(\d+)")


def chrom_sort_key(name: str) -> tuple:
    """Natural order: chr1, chr2, ..., chr10, ..., chrX (any prefix, any contig)."""
    return tuple(int(t) if t.isdigit() else t for t in _NATURAL.split(name))


def parse_chrom_list(text: str | list[str]) -> list[str]:
    """Split a comma-separated chromosome list, rejecting empty entries."""
    items = text if isinstance(text, list) else text.split(",")
    items = [c.strip() for c in items]
    if not items or any(not c for c in items):
        raise DreamTFError(f"chromosome list {text!r}: expected names separated by commas")
    return items


def read_chrom_sizes(path: str | os.PathLike) -> dict[str, int]:
    """Read a two-column ``name<TAB>length`` file (UCSC chrom.sizes or a .fai)."""
    sizes: dict[str, int] = {}
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                raise DreamTFError(f"{path}, line {lineno}: expected 'chromosome<TAB>length', got {line.strip()!r}")
            if parts[0] in sizes:
                raise DreamTFError(f"{path}, line {lineno}: chromosome {parts[0]!r} listed twice")
            sizes[parts[0]] = int(parts[1])
    if not sizes:
        raise DreamTFError(f"{path}: no chromosomes found")
    return sizes


def write_chrom_sizes(path: str | os.PathLike, sizes: dict[str, int]) -> None:
    from .io import atomic_write_text

    with atomic_write_text(path) as fh:
        for name, length in sizes.items():
            fh.write(f"{name}\t{length}\n")


def iter_fasta(path: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, sequence)`` per record of a (gzipped) FASTA, one at a time.

    The name is the header up to the first white space. Sequence bytes keep their case.
    """
    name: str | None = None
    chunks: list[bytes] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith(">"):
                if name is not None:
                    yield name, b"".join(chunks)
                name = line[1:].split(maxsplit=1)[0] if line[1:].strip() else ""
                if not name:
                    raise DreamTFError(f"{path}, line {lineno}: FASTA header without a name")
                chunks = []
            elif name is None:
                if line.strip():
                    raise DreamTFError(f"{path}, line {lineno}: sequence before the first '>' header")
            else:
                chunks.append(line.rstrip("\r\n").encode("ascii"))
    if name is not None:
        yield name, b"".join(chunks)


def fasta_sizes(path: str | os.PathLike) -> dict[str, int]:
    """Chromosome lengths of a FASTA, read in one streaming pass."""
    sizes: dict[str, int] = {}
    for name, seq in iter_fasta(path):
        if name in sizes:
            raise DreamTFError(f"{path}: sequence {name!r} appears twice")
        sizes[name] = len(seq)
    if not sizes:
        raise DreamTFError(f"{path}: no FASTA records found")
    return sizes


def read_bed3(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read the first three columns of a (gzipped) BED file into per-chromosome arrays.

    Returns ``{chrom: int64 array of shape (n, 2)}`` holding (start, end) sorted by start.
    """
    rows: dict[str, list[tuple[int, int]]] = {}
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            parts = line.split("\t")
            try:
                start, end = int(parts[1]), int(parts[2])
            except (IndexError, ValueError):
                raise DreamTFError(
                    f"{path}, line {lineno}: expected 'chrom<TAB>start<TAB>end', got {line.strip()[:80]!r}"
                ) from None
            if start < 0 or end < start:
                raise DreamTFError(f"{path}, line {lineno}: bad interval {start}-{end}")
            rows.setdefault(parts[0], []).append((start, end))
    out = {}
    for chrom, iv in rows.items():
        arr = np.asarray(iv, dtype=np.int64).reshape(-1, 2)
        out[chrom] = arr[np.argsort(arr[:, 0], kind="stable")]
    return out


def window_grid(
    length: int, size: int = 200, step: int = 50, first: int = FIRST_START, end_margin: int = END_MARGIN
) -> np.ndarray:
    """Start positions of the challenge's windows on a chromosome of ``length`` bp.

    Windows start at ``first`` and every ``step`` bp after; the last one ends at or
    before ``length - end_margin``. Returns a sorted int64 array (possibly empty).
    """
    if size <= 0 or step <= 0:
        raise DreamTFError(f"window size and step must be positive, got size={size}, step={step}")
    last_start = length - end_margin - size
    if last_start < first:
        return np.empty(0, dtype=np.int64)
    return np.arange(first, last_start + 1, step, dtype=np.int64)


def count_hits(starts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For each window start, count the intervals ``[lo, hi]`` (inclusive) containing it.

    ``starts`` must be sorted. Each (lo, hi) pair is the range of window *start*
    positions that satisfy some condition (overlap, summit inside, ...); a
    difference array over window indices makes this O(n_windows + n_intervals log n).
    """
    n = len(starts)
    if n == 0 or len(lo) == 0:
        return np.zeros(n, dtype=np.int32)
    keep = hi >= lo
    a = np.searchsorted(starts, lo[keep], side="left")
    b = np.searchsorted(starts, hi[keep], side="right")
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, a, 1)
    np.add.at(diff, b, -1)
    return np.cumsum(diff[:-1]).astype(np.int32)


def overlap_ranges(intervals: np.ndarray, size: int, min_overlap: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Window-start ranges whose ``size`` bp window overlaps each interval by >= ``min_overlap`` bp.

    A window [w, w+size) overlaps [s, e) by at least m bp exactly when
    ``s + m - size <= w <= e - m`` (and e - s >= m, size >= m).
    """
    if min_overlap < 1:
        raise DreamTFError(f"minimum overlap must be at least 1 bp, got {min_overlap}")
    s, e = intervals[:, 0], intervals[:, 1]
    lo = s + min_overlap - size
    possible = (e - s >= min_overlap) & (size >= min_overlap)
    return lo, np.where(possible, e - min_overlap, lo - 1)


def region_starts(
    length: int,
    blacklist: np.ndarray | None,
    size: int = 200,
    step: int = 50,
) -> np.ndarray:
    """The official region set of one chromosome: the grid minus blacklist-overlapping windows."""
    grid = window_grid(length, size, step)
    if blacklist is None or len(blacklist) == 0:
        return grid
    lo, hi = overlap_ranges(blacklist, size, 1)
    return grid[count_hits(grid, lo, hi) == 0]


def check_same_chroms(reference: dict[str, int], ref_name: str, names, other_name: str) -> None:
    """Raise a one-line error when ``names`` uses chromosomes that ``reference`` lacks.

    Catches the classic '1' against 'chr1' mismatch and names both files.
    """
    missing = [c for c in names if c not in reference]
    if missing:
        shown = ", ".join(sorted(reference, key=chrom_sort_key)[:4])
        hint = ""
        if any(("chr" + c) in reference or c.removeprefix("chr") in reference for c in missing):
            hint = " (the files disagree on the 'chr' prefix)"
        raise DreamTFError(
            f"{other_name}: chromosome {missing[0]!r} is not in {ref_name} "
            f"(which names {shown}, ...){hint}; chromosome names must agree across files"
        )
