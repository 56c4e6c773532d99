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

#: gzip level for large text outputs: level 1 is several times faster than the default 6,
#: and these files (coordinates on a regular grid) compress almost as well.
FAST_GZIP_LEVEL = 1
#: at most this many bytes of a text file are looked at before it is read: a NUL byte among them means binary data
SNIFF_BYTES = 1 << 16


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
def open_text(path: str | os.PathLike, what: str = "a text file") -> Iterator:
    """Open a plain or gzipped text file for reading, as UTF-8.

    A corrupt or truncated gzip file, and bytes that are not text (a binary file, a
    compressed file under a plain name, random data), raise DreamTFError naming the file,
    the line and ``what`` was expected there (for example ``"a narrowPeak file"``).
    """
    p = check_readable(path)
    fh = gzip.open(p, "rt", encoding="utf-8") if is_gzip(p) else open(p, encoding="utf-8")
    try:
        if "\x00" in fh.buffer.peek(SNIFF_BYTES)[:SNIFF_BYTES].decode("latin-1"):
            raise not_text(p, what)
        yield fh
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DreamTFError(f"{p}: truncated or corrupt gzip file ({exc}); expected {what}") from None
    except UnicodeDecodeError:
        raise not_text(p, what) from None
    finally:
        fh.close()


def not_text(path: str | os.PathLike, what: str) -> DreamTFError:
    """The error for a file that should be text but holds binary data, naming its first such line."""
    n = first_binary_line(path)
    where = f"{path}, line {n}" if n else str(path)
    return DreamTFError(f"{where}: binary data, not text; expected {what}")


def first_binary_line(path: str | os.PathLike) -> int:
    """The number of the first line of a (gzipped) file that is not UTF-8 text (0 when every line is)."""
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not is_text(raw):
                    return lineno
    except (EOFError, gzip.BadGzipFile, zlib.error):
        pass
    return 0


def is_text(raw: bytes) -> bool:
    """True when ``raw`` (a line) is UTF-8 text without NUL bytes."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in raw


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
