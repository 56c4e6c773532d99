"""Window tables: region BEDs, U/A/B label TSVs and submission files, one reader and one writer.

All three are tables of equal-width windows (``chr start stop``, 0-based, half-open)
with zero or more value columns:

=============  ==========================================  ===========================
kind           layout                                      values
=============  ==========================================  ===========================
regions        ``chr start stop``, no header               none
labels         header ``chr start stop <cell>...``         U/A/B per cell (codes 0/1/2)
predictions    ``chr start stop score``, no header         one finite float
=============  ==========================================  ===========================

Every table is read by :func:`read_window_table`, which streams the file with Arrow
(50 M rows never sit in memory as text), keeps only the requested chromosomes and
columns, and checks each row: integer coordinates, every window ``size`` bp (the
configured window size when the caller gives it, else the first row's), values of the
right kind. A problem is one DreamTFError naming the file, the line and what was
expected.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..errors import DreamTFError
from .files import open_text
from .tsv import coded_column, read_tsv_batches, string_column, write_tsv_batches

#: Label codes: index into ALPHABET. 0 = U (unbound), 1 = A (ambiguous), 2 = B (bound).
ALPHABET = ["U", "A", "B"]
U, A, B = 0, 1, 2

_DICT = pa.dictionary(pa.int32(), pa.string())
_COORDS = ["chr", "start", "stop"]


@dataclass
class WindowTable:
    """Windows of one file in file order, with their value columns.

    ``chrom`` holds indices into ``chroms`` (names in order of first appearance);
    ``values`` has shape (n_windows, len(columns)): uint8 label codes or float64 scores.
    """

    path: str
    chroms: list[str]
    chrom: np.ndarray
    start: np.ndarray
    size: int
    columns: list[str] = field(default_factory=list)
    values: np.ndarray | None = None

    def __post_init__(self):
        if self.values is None:
            self.values = np.empty((len(self.start), 0), dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.start)

    # label tables call their columns cells and their values codes; submissions have one score
    @property
    def cells(self) -> list[str]:
        return self.columns

    @property
    def codes(self) -> np.ndarray:
        return self.values

    @property
    def score(self) -> np.ndarray:
        return self.values[:, 0]

    def column(self, name: str) -> np.ndarray:
        """Values of one column (a cell's label codes)."""
        if name not in self.columns:
            raise DreamTFError(f"{self.path}: no column for {name!r} (the file has {', '.join(self.columns)})")
        return self.values[:, self.columns.index(name)]

    def chrom_rows(self, name: str) -> np.ndarray:
        """Row indices of chromosome ``name`` (empty when the table has none)."""
        if name not in self.chroms:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self.chrom == self.chroms.index(name))

    def by_chrom(self) -> Iterator[tuple[str, np.ndarray]]:
        """``(chrom, starts)`` per chromosome in file order (a chromosome's rows must be contiguous)."""
        if len(self.chrom) == 0:
            return
        change = np.flatnonzero(np.diff(self.chrom)) + 1
        bounds = np.concatenate([[0], change, [len(self.chrom)]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            yield self.chroms[int(self.chrom[a])], self.start[a:b]

    def keys(self, vocab: dict[str, int]) -> np.ndarray:
        """One int64 per window: (chromosome index in ``vocab``) << 32 | start."""
        for c in self.chroms:
            vocab.setdefault(c, len(vocab))
        remap = np.array([vocab[c] for c in self.chroms] or [0], dtype=np.int64)
        return (remap[self.chrom] << 32) | self.start

    def align(self, other: WindowTable) -> np.ndarray:
        """Row of this table for every window of ``other`` (matched by chromosome and start).

        Fails naming the first window of ``other`` this table lacks, a window this table
        has twice, or windows of another width.
        """
        if self.size != other.size:
            raise DreamTFError(f"{self.path}: windows are {self.size} bp but {other.path} has {other.size} bp windows")
        vocab: dict[str, int] = {}
        okey, skey = other.keys(vocab), self.keys(vocab)
        if len(skey) == len(okey) and np.array_equal(skey, okey):
            return np.arange(len(skey))  # same windows in the same order
        order = np.argsort(skey, kind="stable")
        sk = skey[order]
        dup = np.flatnonzero(sk[1:] == sk[:-1])
        if len(dup):
            r = order[dup[0]]
            raise DreamTFError(f"{self.path}: window {self._name(r)} appears twice")
        if len(sk) == 0:
            raise DreamTFError(f"{self.path}: no window on {', '.join(other.chroms)} (needed by {other.path})")
        pos = np.minimum(np.searchsorted(sk, okey), len(sk) - 1)
        found = sk[pos] == okey
        if not found.all():
            i = int(np.flatnonzero(~found)[0])
            raise DreamTFError(f"{self.path}: no row for window {other._name(i)} (listed in {other.path})")
        return order[pos]

    def check_same_windows(self, other: WindowTable) -> None:
        """Raise unless this table has exactly ``other``'s windows, in ``other``'s order."""
        vocab: dict[str, int] = {}
        okey, skey = other.keys(vocab), self.keys(vocab)
        n = min(len(okey), len(skey))
        bad = np.flatnonzero(okey[:n] != skey[:n])
        if len(bad):
            i = int(bad[0])
            raise DreamTFError(
                f"{self.path}, line {i + 1}: row {self._name(i)} does not match line {i + 1} of {other.path} "
                f"({other._name(i)})"
            )
        if len(skey) != len(okey) or self.size != other.size:
            raise DreamTFError(
                f"{self.path}: {len(skey)} windows of {self.size} bp, "
                f"but {other.path} has {len(okey)} of {other.size} bp"
            )

    def _name(self, row: int) -> str:
        s = int(self.start[row])
        return f"{self.chroms[int(self.chrom[row])]}:{s}-{s + self.size}"


def read_window_table(
    path: str | os.PathLike,
    *,
    header: bool,
    value_columns: list[str],
    value_kind: str,
    chroms: Iterable[str] | None = None,
    size: int | None = None,
    what: str = "window table",
) -> WindowTable:
    """Read any window table (module docstring); ``value_kind`` is ``"labels"`` or ``"score"``."""
    names = None if header else _COORDS + list(value_columns)
    vtype = _DICT if value_kind == "labels" else pa.float64()
    types = {"chr": _DICT, "start": pa.int64(), "stop": pa.int64(), **{c: vtype for c in value_columns}}
    batches = read_tsv_batches(
        path,
        column_names=names,
        column_types=types,
        include_columns=_COORDS + list(value_columns),
        what=_layout(header, value_columns, what),
    )
    want = None if chroms is None else set(chroms)
    vocab: list[str] = []
    vidx: dict[str, int] = {}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    line0 = 2 if header else 1  # file line of the batch's first row
    for batch in batches:
        n = batch.num_rows
        start, size = _checked_starts(batch, path, line0, size)
        col = batch.column("chr")
        local = col.dictionary.to_pylist()
        for c in local:
            if c not in vidx:
                vidx[c] = len(vocab)
                vocab.append(c)
        cidx = np.array([vidx[c] for c in local] or [0], dtype=np.int32)[col.indices.to_numpy()]
        values = _batch_values(batch, path, line0, value_kind, value_columns)
        if want is not None:
            keep = np.array([c in want for c in vocab] or [False])[cidx]
            cidx, start, values = cidx[keep], start[keep], values[keep]
        parts.append((cidx, start, values))
        line0 += n
    if line0 == (2 if header else 1):
        raise DreamTFError(f"{path}: empty {what} (no rows{' after the header' if header else ''})")
    return WindowTable(
        path=str(path),
        chroms=vocab,
        chrom=np.concatenate([p[0] for p in parts]),
        start=np.concatenate([p[1] for p in parts]),
        size=int(size),
        columns=list(value_columns),
        values=np.concatenate([p[2] for p in parts]),
    )


def _checked_starts(batch: pa.RecordBatch, path, line0: int, size: int | None) -> tuple[np.ndarray, int | None]:
    """A batch's window starts, every row checked to be filled in and ``size`` bp wide (default: the first row's)."""
    for c in batch.column_names:
        if batch.column(c).null_count:
            i = int(np.flatnonzero(batch.column(c).is_null().to_numpy(zero_copy_only=False))[0])
            raise DreamTFError(f"{path}, line {line0 + i}: column {c!r} is empty")
    start = batch.column("start").to_numpy()
    widths = batch.column("stop").to_numpy() - start
    if size is None and batch.num_rows:
        size = int(widths[0])
    bad = np.flatnonzero((widths != size) | (start < 0))
    if len(bad):
        i = int(bad[0])
        raise DreamTFError(
            f"{path}, line {line0 + i}: window {start[i]}-{start[i] + widths[i]} is {widths[i]} bp, "
            f"expected {size} bp windows"
        )
    return start, size


def _batch_values(batch: pa.RecordBatch, path, line0: int, value_kind: str, value_columns: list[str]) -> np.ndarray:
    """A batch's value columns: uint8 label codes, or finite float64 scores."""
    n = batch.num_rows
    if value_kind == "labels":
        values = np.empty((n, len(value_columns)), dtype=np.uint8)
        for j, c in enumerate(value_columns):
            values[:, j] = _label_codes(batch.column(c), path, line0, c)
        return values
    if not value_columns:
        return np.empty((n, 0))
    values = np.column_stack([batch.column(c).to_numpy() for c in value_columns])
    badv = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if len(badv):
        raise DreamTFError(f"{path}, line {line0 + int(badv[0])}: score is not a finite number")
    return values


def _layout(header: bool, value_columns: list[str], what: str) -> str:
    """What a window table should look like, for error messages."""
    cols = ", ".join(_COORDS + (["<cell>..."] if header else list(value_columns)))
    return f"a {what} ({cols}; tab-separated, {'a header line first' if header else 'no header'})"


def _label_codes(col: pa.DictionaryArray, path, line0: int, cell: str) -> np.ndarray:
    values = col.dictionary.to_pylist()
    lut = np.array([ALPHABET.index(v) if v in ALPHABET else 255 for v in values] or [255], dtype=np.uint8)
    codes = lut[col.indices.to_numpy()]
    bad = np.flatnonzero(codes == 255)
    if len(bad):
        i = int(bad[0])
        raise DreamTFError(
            f"{path}, line {line0 + i}: label {values[col.indices[i].as_py()]!r} in column {cell!r}; expected U, A or B"
        )
    return codes


def read_regions(path, *, chroms: Iterable[str] | None = None, size: int | None = None) -> WindowTable:
    """Read a region BED (chr, start, stop; no header): windows sorted by start within contiguous chromosomes."""
    t = read_window_table(
        path, header=False, value_columns=[], value_kind="score", chroms=chroms, size=size, what="region file"
    )
    if chroms is not None and len(t) == 0:
        raise DreamTFError(f"{path}: no windows on {', '.join(chroms)}")
    _check_sorted(t)
    return t


def _check_sorted(t: WindowTable) -> None:
    """Windows sorted by start (no window twice) within chromosomes whose rows are contiguous."""
    same = t.chrom[1:] == t.chrom[:-1]
    bad = np.flatnonzero(same & (t.start[1:] <= t.start[:-1]))
    if len(bad):
        i = int(bad[0]) + 1
        what = "appears twice" if t.start[i] == t.start[i - 1] else "is out of order (windows must be sorted by start)"
        raise DreamTFError(f"{t.path}: window {t._name(i)} {what}")
    if len(np.unique(t.chrom)) != int(np.count_nonzero(~same)) + (1 if len(t) else 0):
        raise DreamTFError(f"{t.path}: the windows of a chromosome are not contiguous in the file")


def read_label_header(path: str | os.PathLike) -> list[str]:
    """Return the cell names of a label TSV, checking its header."""
    with open_text(path, "a label TSV (chr, start, stop, <cell>...)") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
    if header[:3] != _COORDS or len(header) < 4 or any(not c for c in header[3:]):
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
    chroms: Iterable[str] | None = None,
    size: int | None = None,
) -> WindowTable:
    """Read a challenge label TSV (``chr start stop <cell>...``, values U/A/B), keeping ``cells`` and ``chroms``."""
    file_cells = read_label_header(path)
    cells = file_cells if cells is None else list(cells)
    for c in cells:
        if c not in file_cells:
            raise DreamTFError(f"{path}: no column for cell type {c!r} (the file has {', '.join(file_cells)})")
    t = read_window_table(
        path, header=True, value_columns=cells, value_kind="labels", chroms=chroms, size=size, what="label file"
    )
    _check_sorted(t)
    return t


def read_predictions(
    path: str | os.PathLike, *, chroms: Iterable[str] | None = None, size: int | None = None
) -> WindowTable:
    """Read a submission file (``chr start stop score``, no header; every score finite)."""
    return read_window_table(
        path,
        header=False,
        value_columns=["score"],
        value_kind="score",
        chroms=chroms,
        size=size,
        what="predictions file",
    )


def write_window_table(
    path: str | os.PathLike,
    per_chrom: Iterable[tuple],
    *,
    size: int,
    columns: list[str],
    header: bool,
    labels: bool = False,
) -> int:
    """Write ``(chrom, starts[, values])`` items as one window table, atomically; returns rows written.

    ``values`` has shape (n,) or (n, len(columns)): label codes when ``labels``, else
    scores (written with 6 decimals).
    """

    def batches():
        for item in per_chrom:
            starts = np.asarray(item[1])
            cols = {"chr": string_column(item[0], len(starts)), "start": pa.array(starts)}
            cols["stop"] = pa.array(starts + size)
            if columns:
                values = np.asarray(item[2]).reshape(len(starts), -1)
                for j, name in enumerate(columns):
                    v = values[:, j]
                    cols[name] = coded_column(v, ALPHABET) if labels else pa.array(np.round(v.astype(np.float64), 6))
            yield pa.table(cols)

    it = batches()
    first = next(it, None)
    if first is None:
        empty_t = pa.string() if labels else pa.float64()
        coords = {"chr": pa.array([], pa.string()), "start": pa.array([], pa.int64()), "stop": pa.array([], pa.int64())}
        first = pa.table({**coords, **{c: pa.array([], empty_t) for c in columns}})

    def chain():
        yield first
        yield from it

    return write_tsv_batches(path, chain(), header=header)


def write_regions(path, per_chrom, *, size: int) -> int:
    """Write a region BED (no header) from ``(chrom, starts)`` items."""
    return write_window_table(path, per_chrom, size=size, columns=[], header=False)


def write_labels(path, cells: list[str], per_chrom, *, size: int) -> int:
    """Write a challenge label TSV from ``(chrom, starts, codes)`` items; ``codes`` (n,) or (n, n_cells)."""
    return write_window_table(path, per_chrom, size=size, columns=list(cells), header=True, labels=True)


def write_predictions(path, per_chrom, *, size: int) -> int:
    """Write a submission file from ``(chrom, starts, scores)`` items."""
    return write_window_table(path, per_chrom, size=size, columns=["score"], header=False)
