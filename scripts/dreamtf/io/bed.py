"""BED intervals (the first three columns): blacklists and other region lists. 0-based, half-open."""

from __future__ import annotations

import os

import numpy as np

from ..errors import DreamTFError
from .files import atomic_write_text, open_text


def read_bed3(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read the first three columns of a (gzipped) BED file into per-chromosome arrays.

    Returns ``{chrom: int64 array of shape (n, 2)}`` holding (start, end) sorted by start.
    """
    rows: dict[str, list[tuple[int, int]]] = {}
    with open_text(path, "a BED file (chrom, start, end; tab-separated)") as fh:
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


def write_bed3(path: str | os.PathLike, intervals: dict[str, np.ndarray]) -> None:
    """Write ``{chrom: (n, 2) array}`` as BED3 in the order of the dict, atomically."""
    with atomic_write_text(path) as fh:
        for chrom, iv in intervals.items():
            for a, b in iv:
                fh.write(f"{chrom}\t{a}\t{b}\n")


def shift_columns(src: str | os.PathLike, dst: str | os.PathLike, shift: int, columns: tuple[int, ...]) -> int:
    """Copy a (gzipped) tab-separated coordinate file, ``shift`` added to the 0-based ``columns``
    of every data line (BED and narrowPeak: 1, 2; GTF: 3, 4): the file on a build whose
    chromosomes start ``shift`` bp later. Comment, header and track lines pass unchanged.
    Writes gzip when ``dst`` ends in .gz; returns the lines shifted.
    """
    n = 0
    with open_text(src, "a tab-separated coordinate file") as fh, atomic_write_text(dst) as out:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if line.startswith(("#", "track", "browser")) or not line.strip():
                out.write(line)
                continue
            try:
                for c in columns:
                    parts[c] = str(int(parts[c]) + shift)
            except (IndexError, ValueError):
                if lineno == 1:  # a header line (labels, regions with names)
                    out.write(line)
                    continue
                raise DreamTFError(f"{src}, line {lineno}: expected integer coordinates in columns {columns}") from None
            out.write("\t".join(parts) + "\n")
            n += 1
    return n
