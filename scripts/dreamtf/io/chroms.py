"""Chromosome names: natural order, comma-separated lists, chrom.sizes files, agreement checks."""

from __future__ import annotations

import os
import re

from ..errors import DreamTFError
from .files import atomic_write_text, open_text

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
    with open_text(path, "a chrom.sizes file (chromosome<TAB>length)") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) == 0:
                got = line.strip()[:80]
                raise DreamTFError(f"{path}, line {lineno}: expected 'chromosome<TAB>length', got {got!r}")
            if parts[0] in sizes:
                raise DreamTFError(f"{path}, line {lineno}: chromosome {parts[0]!r} listed twice")
            sizes[parts[0]] = int(parts[1])
    if not sizes:
        raise DreamTFError(f"{path}: no chromosomes found")
    return sizes


def write_chrom_sizes(path: str | os.PathLike, sizes: dict[str, int]) -> None:
    """Write ``name<TAB>length`` lines in the order of ``sizes``, atomically."""
    with atomic_write_text(path) as fh:
        for name, length in sizes.items():
            fh.write(f"{name}\t{length}\n")


def check_same_chroms(reference, ref_name: str, names, other_name: str) -> None:
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
