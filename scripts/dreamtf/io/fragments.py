"""Single-cell ATAC fragments files (10x Genomics style) and barcode-to-cluster tables.

A fragments file has one Tn5 fragment a line: chrom, start, end (0-based, half-open, ends
already at the Tn5 insertions), cell barcode and the number of reads that support it
(duplicates collapsed); plain, gzipped or bgzipped, sorted or not, with ``#`` header lines.
A cluster table has two columns, barcode and cluster, separated by a tab or a comma, with
an optional header line whose first field is ``barcode``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..errors import DreamTFError
from .files import atomic_write_text, check_readable, open_text

FRAGMENT_COLUMNS = ("chrom", "start", "end", "barcode", "count")
#: a cluster becomes part of a cell name (``<sample>_<cluster>``): the characters a cell name may have
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_+-]+$")
#: the first line is a header when its first field or its last is one of these
HEADER_FIRST = ("barcode", "barcodes", "cell", "cell_id", "cell_barcode", "cellbarcode")
HEADER_LAST = ("cluster", "clusters", "celltype", "cell_type", "label", "group")
#: fragments parsed at once: bounds memory (about 100 bytes a fragment) whatever the file's size
CHUNK = 2_000_000


def read_clusters(path: str | os.PathLike) -> dict[str, str]:
    """``{barcode: cluster}`` from a two-column table; every line is checked, and named when wrong."""
    out: dict[str, str] = {}
    with open_text(path, "a table of barcode and cluster") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = [p.strip() for p in re.split(r"[\t,]", line)]
            if lineno == 1 and (parts[0].lower() in HEADER_FIRST or parts[-1].lower() in HEADER_LAST):
                continue
            if len(parts) != 2 or not all(parts):
                raise DreamTFError(
                    f"{path}, line {lineno}: expected two columns, barcode and cluster (tab or comma), "
                    f"got {line[:80]!r}"
                )
            barcode, cluster = parts
            if not CLUSTER_NAME.match(cluster):
                raise DreamTFError(
                    f"{path}, line {lineno}: cluster {cluster!r} has characters a cell name cannot have "
                    "(letters, digits, _ + - only)"
                )
            if out.get(barcode, cluster) != cluster:
                raise DreamTFError(
                    f"{path}, line {lineno}: barcode {barcode!r} is in cluster {out[barcode]!r} and {cluster!r}"
                )
            out[barcode] = cluster
    if not out:
        raise DreamTFError(f"{path}: no barcodes; expected lines of barcode and cluster")
    return out


def cluster_names(clusters: dict[str, str]) -> list[str]:
    """The clusters of a table, sorted."""
    return sorted(set(clusters.values()))


def iter_fragments(path: str | os.PathLike, chunk: int = CHUNK) -> Iterator[pd.DataFrame]:
    """The fragments file in chunks of ``chunk`` lines (columns :data:`FRAGMENT_COLUMNS`), each checked.

    pandas parses; on the first chunk it cannot parse, or that holds a fragment that is not
    one, the file is read again line by line up to that point so that the error names the
    line and what is wrong with it.
    """
    check_readable(path, "fragments file")
    reader = pd.read_csv(
        path,
        sep="\t",
        header=None,
        # header lines only: a barcode may hold a '#' (ArchR's Sample#AAAC-1)
        skiprows=_header_lines(path),
        names=list(FRAGMENT_COLUMNS),
        dtype={"chrom": str, "start": np.int64, "end": np.int64, "barcode": str, "count": np.int64},
        chunksize=chunk,
        compression="gzip" if _gzipped(path) else None,
        engine="c",
    )
    try:
        for frame in reader:
            bad = (frame.start < 0) | (frame.end <= frame.start) | (frame["count"] < 1) | frame.isna().any(axis=1)
            if bad.any():
                raise ValueError("bad values")
            yield frame
    except (ValueError, pd.errors.ParserError, EOFError, OSError, UnicodeDecodeError):
        raise _first_bad_line(path) from None


def _header_lines(path) -> int:
    """The number of ``#`` lines at the top of the file."""
    n = 0
    with open_text(path, "a fragments file") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            n += 1
    return n


def _gzipped(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _first_bad_line(path) -> DreamTFError:
    """The error naming the first line of ``path`` that is not a fragment."""
    what = "a fragments file (chrom, start, end, barcode, count; tab-separated)"
    with open_text(path, what) as fh:
        header = True
        for lineno, line in enumerate(fh, 1):
            header = header and line.startswith("#")
            if header:
                continue
            why = _fragment_problem(line.rstrip("\r\n").split("\t"))
            if why:
                return DreamTFError(f"{path}, line {lineno}: {why}; expected {what}")
    return DreamTFError(f"{path}: truncated or unreadable; expected {what}")


def _fragment_problem(parts: list[str]) -> str | None:
    if len(parts) != len(FRAGMENT_COLUMNS):
        return f"{len(parts)} columns, not {len(FRAGMENT_COLUMNS)}"
    chrom, start, end, barcode, count = parts
    if not chrom or not barcode:
        return "an empty chromosome or barcode"
    try:
        a, b, n = int(start), int(end), int(count)
    except ValueError:
        return f"start {start!r}, end {end!r} and count {count!r} are not all whole numbers"
    if a < 0 or b <= a:
        return f"start {a} and end {b}: expected 0 <= start < end"
    if n < 1:
        return f"count {n}: expected 1 or more reads"
    return None


def write_fragments(path: str | os.PathLike, table: pd.DataFrame, *, comment: str = "") -> None:
    """Write fragments (columns :data:`FRAGMENT_COLUMNS`, in the order given) as a 10x file (gzipped: .gz)."""
    with atomic_write_text(path, level=1) as fh:
        if comment:
            fh.write(f"# {comment}\n")
        table[list(FRAGMENT_COLUMNS)].to_csv(fh, sep="\t", header=False, index=False)


def write_clusters(path: str | os.PathLike, clusters: dict[str, str]) -> None:
    """Write a barcode-to-cluster table with its header line."""
    with atomic_write_text(path) as fh:
        fh.write("barcode\tcluster\n")
        fh.writelines(f"{b}\t{c}\n" for b, c in clusters.items())
