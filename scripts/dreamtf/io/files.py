"""Plain files: gzip-aware reading and atomic writing.

Every writer here writes to a temporary file beside the target and renames it only
when the whole file is written, so an interrupted or failed step never leaves a
half-written output behind.
"""

from __future__ import annotations

import contextlib
import gzip
import io as stdio
import logging
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import DreamTFError

log = logging.getLogger(__name__)

#: gzip level for large text outputs: level 1 is ~4x faster than 6 and these files
#: (coordinates on a regular grid) compress almost as well.
FAST_GZIP_LEVEL = 1


def is_gzip(path: str | os.PathLike) -> bool:
    """True when the file starts with the gzip magic bytes."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def check_readable(path: str | os.PathLike, what: str = "file") -> Path:
    """Return ``path`` as a Path, raising DreamTFError when it does not exist."""
    p = Path(path)
    if not p.is_file():
        raise DreamTFError(f"{p}: {what} not found")
    return p


@contextlib.contextmanager
def open_text(path: str | os.PathLike) -> Iterator:
    """Open a plain or gzipped text file for reading; corrupt gzip raises DreamTFError."""
    p = check_readable(path)
    fh = gzip.open(p, "rt") if is_gzip(p) else open(p)
    try:
        yield fh
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DreamTFError(f"{p}: truncated or corrupt gzip file ({exc})") from None
    finally:
        fh.close()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success only."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def remove_stale_temps(path: str | os.PathLike) -> list[Path]:
    """Remove what an interrupted writer of ``path`` left beside it; returns what was removed.

    :func:`atomic_path` writes ``.<name>.<random>.tmp`` and release staging writes
    ``.<name>.partial-<random>/``; a process killed mid-write (SIGKILL, a node lost)
    leaves them behind, and the next writer of the same path clears them.
    """
    target = Path(path)
    if not target.parent.is_dir():
        return []
    removed = []
    for pattern in (f".{target.name}.*.tmp", f".{target.name}.partial-*"):
        for p in target.parent.glob(pattern):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            removed.append(p)
    if removed:
        log.info("removed %d leftover temporary files of %s", len(removed), target)
    return removed


@contextlib.contextmanager
def atomic_write_text(path: str | os.PathLike, level: int = 6) -> Iterator:
    """Open ``path`` for text writing (gzip when it ends in .gz), atomically.

    gzip headers carry no time stamp, so the same content gives the same bytes.
    """
    with atomic_path(path) as tmp:
        if str(path).endswith(".gz"):
            raw, gz = gzip_sink(tmp, level)
            fh = stdio.TextIOWrapper(gz, encoding="ascii", newline="\n")
            try:
                yield fh
            finally:
                fh.close()
                raw.close()
        else:
            with open(tmp, "w", newline="\n") as fh:
                yield fh


def gzip_sink(tmp: Path, level: int) -> tuple:
    raw = open(tmp, "wb")
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=0)
    return raw, gz
