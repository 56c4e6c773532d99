"""Tab-separated tables through Arrow: streaming reads, batched atomic writes.

Arrow parses and formats in C++, a batch at a time, so a 50 M-row window table never
sits in memory as text. A row Arrow refuses becomes one DreamTFError naming the file,
the line and what was expected.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import DreamTFError
from .files import FAST_GZIP_LEVEL, atomic_path, check_readable, gzip_sink, is_gzip, is_text


def write_tsv_batches(
    path: str | os.PathLike,
    batches: Iterable[pa.RecordBatch | pa.Table],
    *,
    header: bool = True,
    level: int = FAST_GZIP_LEVEL,
) -> int:
    """Write record batches as one tab-separated file (gzip when ``.gz``), atomically.

    Formatting is done by Arrow's C++ CSV writer, compression by zlib, a chromosome
    at a time, so memory stays bounded by the largest batch. Returns the row count.
    """
    n = 0
    opts = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    with atomic_path(path) as tmp:
        gz = str(path).endswith(".gz")
        raw, out = gzip_sink(tmp, level) if gz else (open(tmp, "wb"), None)
        sink = out if gz else raw
        try:
            first = True
            for batch in batches:
                buf = pa.BufferOutputStream()
                table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
                if first and header:  # Arrow quotes header names; the challenge's files do not
                    sink.write(("\t".join(table.column_names) + "\n").encode())
                pacsv.write_csv(table, buf, write_options=opts)
                sink.write(buf.getvalue().to_pybytes())
                n += table.num_rows
                first = False
            if first and header:
                raise ValueError("write_tsv_batches needs at least one batch to write a header")
        finally:
            if out is not None:
                out.close()
            raw.close()
    return n


def string_column(value: str, n: int) -> pa.Array:
    """An Arrow string column of ``n`` copies of ``value`` (cheap: a dictionary cast)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value])).cast(pa.string())


def coded_column(codes: np.ndarray, alphabet: list[str]) -> pa.Array:
    """An Arrow string column from small integer codes into ``alphabet``."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32, copy=False)), pa.array(alphabet)).cast(
        pa.string()
    )


def read_tsv_batches(
    path: str | os.PathLike,
    *,
    column_names: list[str] | None = None,
    column_types: dict | None = None,
    include_columns: list[str] | None = None,
    what: str = "a tab-separated table",
    block_size: int = 1 << 24,
) -> Iterator[pa.RecordBatch]:
    """Stream a (gzipped) TSV's record batches with Arrow; a refused file is one DreamTFError.

    ``column_names`` None means the file's first line is its header. When Arrow refuses a
    row (a wrong column count, a value that is not of its column's type, binary data, a
    damaged gzip stream), the file is scanned again from the failing batch to name the
    line and the problem; ``what`` says in the message what was expected.
    """
    p = check_readable(path)
    read_opts = pacsv.ReadOptions(column_names=column_names, block_size=block_size, use_threads=True)
    conv = pacsv.ConvertOptions(
        column_types=column_types or {},
        include_columns=include_columns,
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    line = 1 if column_names else 2  # file line of the next batch's first row (never past it)
    try:
        source = pa.input_stream(str(p), compression="gzip" if is_gzip(p) else None)
        reader = pacsv.open_csv(
            source, read_options=read_opts, parse_options=pacsv.ParseOptions(delimiter="\t"), convert_options=conv
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            yield batch
            line += batch.num_rows
    except (pa.ArrowInvalid, pa.ArrowKeyError, OSError, EOFError) as exc:
        kinds = {c: _KINDS.get(str(t), "") for c, t in (column_types or {}).items()}
        found = find_bad_line(p, column_names, kinds, line)
        problem = found or f": cannot read as a tab-separated table ({_arrow_msg(exc)})"
        raise DreamTFError(f"{p}{problem}; expected {what}") from None


_KINDS = {"int64": "int", "double": "float"}
_INT = re.compile(r"[+-]?[0-9]+")


def find_bad_line(path: Path, names: list[str] | None, kinds: dict[str, str], start: int = 1) -> str | None:
    """``", line N: problem"`` for the first line from ``start`` on that does not fit the columns; None if all do.

    ``names`` None takes the column names from the file's first line; ``kinds`` maps a
    column to ``"int"`` or ``"float"`` (others are free text). Empty lines are skipped,
    as Arrow skips them.
    """
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            lines = enumerate(fh, 1)
            if names is None:
                names = next(lines, (1, b""))[1].decode("utf-8", "replace").rstrip("\r\n").split("\t")
            for lineno, raw in lines:
                problem = _line_problem(raw, names, kinds) if lineno >= start else None
                if problem:
                    return f", line {lineno}: {problem}"
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        return f": truncated or corrupt gzip file ({exc})"
    return None


def _line_problem(raw: bytes, names: list[str], kinds: dict[str, str]) -> str | None:
    if not is_text(raw):
        return "binary data, not text"
    text = raw.decode("utf-8").rstrip("\r\n")
    if not text:
        return None
    fields = text.split("\t")
    if len(fields) != len(names):
        return f"{len(fields)} tab-separated columns instead of {len(names)} ({', '.join(names)})"
    typed = [(n, v, kinds[n]) for n, v in zip(names, fields) if kinds.get(n)]
    bad = [(n, v, k) for n, v, k in typed if not _fits(v, k)]
    if not bad:
        return None
    if len(bad) == len(typed) > 1 and all(v.strip() for _, v, _ in bad):
        return f"{text[:80]!r} looks like a header line, not a row of values"
    n, v, k = bad[0]
    if k == "int" and _INT.fullmatch(v):
        return f"{n} {v[:40]!r} is out of range"
    return f"{n} {v[:40]!r} is not {'an integer' if k == 'int' else 'a number'}"


def _fits(value: str, kind: str) -> bool:
    if kind == "int":
        return bool(_INT.fullmatch(value)) and abs(int(value)) < 2**63
    if "_" in value or value != value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _arrow_msg(exc: Exception) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in first[:200])
