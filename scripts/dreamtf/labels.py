"""U/A/B window labels: derived from ChIP-seq peaks, read from and written to label TSVs.

Label codes: 0 = U (unbound), 1 = A (ambiguous), 2 = B (bound).

Derivation (DESIGN section 3): a window overlapping no relaxed peak is U; among the
others, B marks windows supported by a conservative (IDR-reproducible) peak, A the
rest. The challenge never published its exact B rule, so it is a named choice:

``overlap`` (default, ``min_overlap`` bp, default 1)
    B when the window overlaps a conservative peak by at least ``min_overlap`` bp.
    With 1 bp this is the plain "overlaps a conservative peak" of the challenge's
    description; a 240 bp conservative peak then makes 8-9 B windows.
``summit``
    B when a conservative peak's summit lies inside the window: a tighter rule,
    3-4 B windows per peak; the other windows overlapping the peak become A.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .errors import DreamTFError
from .genome import count_hits, overlap_ranges
from .io import coded_column, iter_batches, open_text, read_csv_stream, string_column, write_tsv_batches
from .peaks import Peaks

log = logging.getLogger(__name__)

ALPHABET = ["U", "A", "B"]
U, A, B = 0, 1, 2
RULES = ("overlap", "summit")


def derive_labels(
    starts: np.ndarray,
    conservative: Peaks,
    relaxed: Peaks,
    *,
    size: int = 200,
    rule: str = "overlap",
    min_overlap: int = 1,
) -> np.ndarray:
    """Label the windows of one chromosome.

    Parameters
    ----------
    starts : int64 array, shape (n,)
        Sorted window start positions (0-based); every window is ``size`` bp.
    conservative, relaxed : Peaks
        The chromosome's conservative and relaxed peaks.
    rule : {"overlap", "summit"}
        The B rule (module docstring).

    Returns
    -------
    uint8 array, shape (n,)
        0 = U, 1 = A, 2 = B.
    """
    if rule not in RULES:
        raise DreamTFError(f"unknown label rule {rule!r}; expected one of {', '.join(RULES)}")
    lo, hi = overlap_ranges(relaxed.intervals, size, 1)
    in_relaxed = count_hits(starts, lo, hi) > 0
    if rule == "overlap":
        lo, hi = overlap_ranges(conservative.intervals, size, min_overlap)
    else:
        lo, hi = conservative.summit - size + 1, conservative.summit
    bound = count_hits(starts, lo, hi) > 0
    out = np.zeros(len(starts), dtype=np.uint8)
    out[in_relaxed] = A
    out[in_relaxed & bound] = B
    return out


@dataclass
class LabelTable:
    """Labels of several cells over windows, in file order.

    ``chrom`` holds indices into ``chroms``; ``codes`` has shape (n_windows, n_cells).
    """

    chroms: list[str]
    chrom: np.ndarray
    start: np.ndarray
    codes: np.ndarray
    cells: list[str]
    size: int

    def __len__(self) -> int:
        return len(self.start)

    def column(self, cell: str) -> np.ndarray:
        if cell not in self.cells:
            raise DreamTFError(f"cell type {cell!r} has no labels (the file has {', '.join(self.cells)})")
        return self.codes[:, self.cells.index(cell)]


def read_label_header(path: str | os.PathLike) -> list[str]:
    """Return the cell names of a label TSV, checking its header."""
    with open_text(path) as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
    if header[:3] != ["chr", "start", "stop"] or len(header) < 4 or any(not c for c in header[3:]):
        raise DreamTFError(
            f"{path}, line 1: expected the header 'chr<TAB>start<TAB>stop<TAB><cell>...', "
            f"got {'<TAB>'.join(header)[:120]!r}"
        )
    if len(set(header[3:])) != len(header) - 3:
        raise DreamTFError(f"{path}, line 1: a cell type is named twice in the header")
    return header[3:]


def read_labels(
    path: str | os.PathLike,
    *,
    cells: list[str] | None = None,
    chroms: list[str] | None = None,
    size: int | None = None,
) -> LabelTable:
    """Read a challenge label TSV (``chr start stop <cell>...``, values U/A/B).

    Streams the file with Arrow, keeping only the requested ``cells`` and ``chroms``,
    so a 50 M-row file never sits in memory as text. Raises DreamTFError naming the
    file and line for a wrong header, a value other than U/A/B, or a window whose
    length differs from the others (or from ``size``).
    """
    file_cells = read_label_header(path)
    cells = file_cells if cells is None else list(cells)
    for c in cells:
        if c not in file_cells:
            raise DreamTFError(f"{path}: no column for cell type {c!r} (the file has {', '.join(file_cells)})")
    dict_t = pa.dictionary(pa.int32(), pa.string())
    types = {"chr": dict_t, "start": pa.int64(), "stop": pa.int64(), **{c: dict_t for c in cells}}
    reader = read_csv_stream(path, column_types=types, include_columns=["chr", "start", "stop", *cells])
    want = None if chroms is None else set(chroms)
    names: list[str] = []
    name_idx: dict[str, int] = {}
    parts_chrom, parts_start, parts_codes = [], [], []
    row0 = 0
    for batch in iter_batches(reader, path):
        n = batch.num_rows
        start = batch.column("start").to_numpy()
        stop = batch.column("stop").to_numpy()
        widths = stop - start
        if size is None:
            size = int(widths[0]) if n else None
        bad = np.flatnonzero(widths != size)
        if len(bad):
            i = bad[0]
            raise DreamTFError(
                f"{path}, line {row0 + i + 2}: window {start[i]}-{stop[i]} is {widths[i]} bp, expected {size} bp"
            )
        chrom_col = batch.column("chr")
        local = chrom_col.dictionary.to_pylist()
        for c in local:
            if c not in name_idx:
                name_idx[c] = len(names)
                names.append(c)
        remap = np.array([name_idx[c] for c in local] or [0], dtype=np.int32)
        cidx = remap[chrom_col.indices.to_numpy()]
        codes = np.empty((n, len(cells)), dtype=np.uint8)
        for j, cell in enumerate(cells):
            codes[:, j] = _codes(batch.column(cell), path, row0, cell)
        if want is not None:
            keep_names = np.array([c in want for c in names] or [False])
            keep = keep_names[cidx]
            cidx, start, codes = cidx[keep], start[keep], codes[keep]
        parts_chrom.append(cidx)
        parts_start.append(start)
        parts_codes.append(codes)
        row0 += n
    if row0 == 0:
        raise DreamTFError(f"{path}: no label rows after the header")
    return LabelTable(
        chroms=names,
        chrom=np.concatenate(parts_chrom),
        start=np.concatenate(parts_start),
        codes=np.concatenate(parts_codes),
        cells=cells,
        size=int(size),
    )


def _codes(col: pa.DictionaryArray, path, row0: int, cell: str) -> np.ndarray:
    values = col.dictionary.to_pylist()
    lut = np.array([ALPHABET.index(v) if v in ALPHABET else 255 for v in values] or [255], dtype=np.uint8)
    codes = lut[col.indices.to_numpy()]
    bad = np.flatnonzero(codes == 255)
    if len(bad):
        i = bad[0]
        raise DreamTFError(
            f"{path}, line {row0 + i + 2}: label {values[col.indices[i].as_py()]!r} in column {cell!r}; "
            "expected U, A or B"
        )
    return codes


def check_label_file(path: str | os.PathLike, cells: list[str] | None = None) -> list[str]:
    """Stream a label TSV once, checking its header, cells and values; return its chromosomes.

    Cheaper than :func:`read_labels` on a 50 M-row file: values stay dictionary-encoded.
    """
    file_cells = read_label_header(path)
    for c in cells or []:
        if c not in file_cells:
            raise DreamTFError(f"{path}: no column for cell type {c!r} (the file has {', '.join(file_cells)})")
    dict_t = pa.dictionary(pa.int32(), pa.string())
    types = {"chr": dict_t, "start": pa.int64(), "stop": pa.int64(), **{c: dict_t for c in file_cells}}
    reader = read_csv_stream(path, column_types=types)
    chroms: dict[str, None] = {}
    row0 = 0
    for batch in iter_batches(reader, path):
        for c in batch.column("chr").dictionary.to_pylist():
            chroms.setdefault(c)
        for cell in file_cells:
            col = batch.column(cell)
            if not set(col.dictionary.to_pylist()) <= set(ALPHABET):
                _codes(col, path, row0, cell)  # raises, naming the line
        row0 += batch.num_rows
    if row0 == 0:
        raise DreamTFError(f"{path}: no label rows after the header")
    return list(chroms)


def iter_label_batches(
    cells: list[str], per_chrom: Iterator[tuple[str, np.ndarray, np.ndarray]], size: int
) -> Iterator[pa.Table]:
    """Arrow tables (one per chromosome) for :func:`write_labels`."""
    for chrom, starts, codes in per_chrom:
        codes = codes.reshape(len(starts), -1)
        cols = {"chr": string_column(chrom, len(starts)), "start": pa.array(starts), "stop": pa.array(starts + size)}
        for j, cell in enumerate(cells):
            cols[cell] = coded_column(codes[:, j], ALPHABET)
        yield pa.table(cols)


def write_labels(
    path: str | os.PathLike,
    cells: list[str],
    per_chrom: Iterator[tuple[str, np.ndarray, np.ndarray]],
    *,
    size: int = 200,
) -> int:
    """Write a challenge label TSV from ``(chrom, starts, codes)`` items; returns rows written.

    ``codes`` has shape (n,) for one cell or (n, n_cells).
    """
    batches = iter_label_batches(cells, per_chrom, size)
    first = next(batches, None)
    if first is None:
        empty = {
            "chr": pa.array([], pa.string()),
            "start": pa.array([], pa.int64()),
            "stop": pa.array([], pa.int64()),
            **{c: pa.array([], pa.string()) for c in cells},
        }
        first = pa.table(empty)

    def chain():
        yield first
        yield from batches

    return write_tsv_batches(path, chain())


def label_counts(codes: np.ndarray) -> dict[str, int]:
    """Counts of U, A and B in a code array."""
    counts = np.bincount(codes.ravel(), minlength=3)
    return {k: int(v) for k, v in zip(ALPHABET, counts)}
