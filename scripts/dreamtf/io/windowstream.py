"""Window tables read one chromosome at a time, for genome-wide files.

A genome-wide submission holds one row per window of the whole grid (about 60 M on
hg19). :func:`iter_window_chroms` streams such a file with Arrow and yields one
chromosome's windows at a time, so memory holds the largest chromosome, never the
genome. Every row is checked as :func:`dreamtf.io.windowtable.read_window_table` checks
it; a chromosome's rows must be contiguous (as in the region files), so a chromosome met
again after another is an error naming its line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa

from ..errors import DreamTFError
from .tsv import read_tsv_batches
from .windowtable import _COORDS, _DICT, WindowTable, _batch_values, _check_sorted, _checked_starts, _layout

#: bytes of text Arrow parses at a time. The reader keeps several blocks in flight, and a
#: stream holds only the current chromosome besides them, so blocks smaller than the
#: whole-file reader's bound memory at the same speed.
STREAM_BLOCK = 1 << 22


def iter_window_chroms(
    path: str | os.PathLike,
    *,
    header: bool,
    value_columns: list[str],
    value_kind: str,
    size: int | None = None,
    what: str = "window table",
    block_size: int = STREAM_BLOCK,
) -> Iterator[WindowTable]:
    """Yield one :class:`WindowTable` per chromosome, in file order.

    Each table has ``chroms == [name]`` and the rows of that chromosome in file order;
    ``value_kind`` is ``"labels"`` or ``"score"`` as for ``read_window_table``. An
    empty file, a malformed row, and a chromosome whose rows are split by another's are
    each one DreamTFError naming the file (and line). ``block_size`` (bytes of text
    parsed at a time) sizes the reader's buffers, nothing else.
    """
    vtype = _DICT if value_kind == "labels" else pa.float64()
    batches = read_tsv_batches(
        path,
        column_names=None if header else _COORDS + list(value_columns),
        column_types={"chr": _DICT, "start": pa.int64(), "stop": pa.int64(), **{c: vtype for c in value_columns}},
        include_columns=_COORDS + list(value_columns),
        what=_layout(header, value_columns, what),
        block_size=block_size,
    )
    first = line0 = 2 if header else 1  # file line of the batch's first row
    seen: set[str] = set()
    current, parts = None, []
    for batch in batches:
        start, size = _checked_starts(batch, path, line0, size)
        values = _batch_values(batch, path, line0, value_kind, value_columns)
        col = batch.column("chr")
        names, idx = col.dictionary.to_pylist(), col.indices.to_numpy()
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(idx)) + 1, [len(idx)]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            name = names[idx[a]]
            if name != current:
                if current is not None:
                    yield _table(path, current, parts, size, value_columns)
                if name in seen:
                    raise DreamTFError(
                        f"{path}, line {line0 + a}: {name} again after other chromosomes; "
                        "a chromosome's windows must be contiguous in the file"
                    )
                seen.add(name)
                current, parts = name, []
            parts.append((start[a:b], values[a:b]))
        line0 += batch.num_rows
    if line0 == first:
        raise DreamTFError(f"{path}: empty {what} (no rows{' after the header' if header else ''})")
    yield _table(path, current, parts, size, value_columns)


def _table(path, chrom: str, parts: list, size: int, columns: list[str]) -> WindowTable:
    start = np.concatenate([p[0] for p in parts])
    return WindowTable(
        path=str(path),
        chroms=[chrom],
        chrom=np.zeros(len(start), dtype=np.int32),
        start=start,
        size=int(size),
        columns=list(columns),
        values=np.concatenate([p[1] for p in parts]),
    )


def iter_predictions(path: str | os.PathLike, *, size: int | None = None) -> Iterator[WindowTable]:
    """A submission file (``chr start stop score``, no header) one chromosome at a time."""
    return iter_window_chroms(
        path, header=False, value_columns=["score"], value_kind="score", size=size, what="predictions file"
    )


def iter_regions(path: str | os.PathLike, *, size: int | None = None) -> Iterator[WindowTable]:
    """A region BED (``chr start stop``, no header) one chromosome at a time, each sorted by start."""
    for t in iter_window_chroms(
        path, header=False, value_columns=[], value_kind="score", size=size, what="region file"
    ):
        _check_sorted(t)
        yield t


def check_same_window_stream(tables: Iterable[WindowTable], reference: Iterable[WindowTable]) -> Iterator[WindowTable]:
    """Pass ``tables`` through, each once all its rows matched ``reference`` row by row.

    Both are per-chromosome streams of headerless files (:func:`iter_window_chroms`;
    row n is line n); the check is :meth:`WindowTable.check_same_windows` one chromosome
    at a time: it names the first line whose window differs, or both files' window
    counts when one ends first.
    """
    ref = _Rows(reference)
    tables = iter(tables)
    done = 0  # rows matched so far
    for t in tables:
        pos = 0
        while pos < len(t):
            block = ref.block(len(t) - pos)
            if block is None or t.size != ref.size:
                mine = done + len(t) - pos + sum(len(x) for x in tables)
                raise _count_error(t, mine, ref, done + ref.rest())
            chrom, starts = block
            bad = 0 if chrom != t.chroms[0] else _first_difference(t.start[pos : pos + len(starts)], starts)
            if bad is not None:
                line, s, r = done + bad + 1, int(t.start[pos + bad]), int(starts[bad])
                raise DreamTFError(
                    f"{t.path}, line {line}: row {t.chroms[0]}:{s}-{s + t.size} does not match line {line} of "
                    f"{ref.path} ({chrom}:{r}-{r + ref.size})"
                )
            pos += len(starts)
            done += len(starts)
            ref.advance(len(starts))
        yield t
    if ref.block(1) is not None:
        raise _count_error(t, done, ref, done + ref.rest())


def _first_difference(a: np.ndarray, b: np.ndarray) -> int | None:
    diff = np.flatnonzero(a != b)
    return int(diff[0]) if len(diff) else None


def _count_error(t: WindowTable, mine: int, ref: _Rows, theirs: int) -> DreamTFError:
    return DreamTFError(f"{t.path}: {mine} windows of {t.size} bp, but {ref.path} has {theirs} of {ref.size} bp")


class _Rows:
    """A cursor over the rows of a per-chromosome stream, handed out in blocks within one chromosome."""

    def __init__(self, tables: Iterable[WindowTable]):
        self._it = iter(tables)
        self._t: WindowTable | None = None
        self._pos = 0
        self.path = self.size = None

    def block(self, n: int) -> tuple[str, np.ndarray] | None:
        """``(chrom, starts)`` of at most ``n`` next rows, all of one chromosome; None at the end."""
        while self._t is None or self._pos == len(self._t):
            self._t, self._pos = next(self._it, None), 0
            if self._t is None:
                return None
            self.path, self.size = self._t.path, self._t.size
        return self._t.chroms[0], self._t.start[self._pos : self._pos + n]

    def advance(self, n: int) -> None:
        self._pos += n

    def rest(self) -> int:
        """Rows not handed out yet (reads the rest of the stream)."""
        left = 0 if self._t is None else len(self._t) - self._pos
        return left + sum(len(t) for t in self._it)
