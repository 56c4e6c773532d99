"""Tab-separated tables through Arrow: streaming reads, batched atomic writes.

Arrow parses and formats in C++, a batch at a time, so a 50 M-row window table never
sits in memory as text. Parse errors become DreamTFError naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import DreamTFError
from .files import FAST_GZIP_LEVEL, atomic_path, check_readable, gzip_sink, is_gzip


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


def read_csv_stream(
    path: str | os.PathLike,
    *,
    column_names: list[str] | None = None,
    column_types: dict | None = None,
    include_columns: list[str] | None = None,
    block_size: int = 1 << 24,
) -> pacsv.CSVStreamingReader:
    """Open a (gzipped) TSV for streaming with Arrow; problems name the file."""
    p = check_readable(path)
    read_opts = pacsv.ReadOptions(
        column_names=column_names,
        block_size=block_size,
        use_threads=True,
    )
    parse_opts = pacsv.ParseOptions(delimiter="\t")
    conv = pacsv.ConvertOptions(
        column_types=column_types or {},
        include_columns=include_columns,
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        source = pa.input_stream(str(p), compression="gzip" if is_gzip(p) else None)
        return pacsv.open_csv(source, read_options=read_opts, parse_options=parse_opts, convert_options=conv)
    except (pa.ArrowInvalid, pa.ArrowKeyError, OSError) as exc:
        raise DreamTFError(f"{p}: cannot read as a tab-separated table ({_arrow_msg(exc)})") from None


def _arrow_msg(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def iter_batches(reader: pacsv.CSVStreamingReader, path: str | os.PathLike) -> Iterator[pa.RecordBatch]:
    """Iterate over a streaming reader, turning Arrow's parse errors into DreamTFError."""
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            raise DreamTFError(f"{path}: {_arrow_msg(exc)}") from None
        yield batch
