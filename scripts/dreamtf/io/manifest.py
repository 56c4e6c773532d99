"""A release's ``manifest.tsv``: every file's path, size and md5, for downloads to verify against.

```
path	bytes	md5
annotations/hg19.genome.fa.gz	861214012	0b1d7b5e...
```

Paths are relative to the release folder, use ``/`` and never leave it; nor does a
listed symbolic link. The manifest lists itself nowhere. ``dreamtf manifest DIR`` writes one (:func:`write_manifest`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import DreamTFError
from .files import atomic_write_text, open_text

MANIFEST_NAME = "manifest.tsv"
HEADER = ("path", "bytes", "md5")
_MD5 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Entry:
    path: str
    bytes: int
    md5: str


def file_md5(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_rel_path(path: str, where: str) -> str:
    """``path`` when it is a plain relative path inside a release, else an error naming ``where``."""
    p = PurePosixPath(path)
    if not path or p.is_absolute() or ".." in p.parts or "\\" in path or path != str(p):
        raise DreamTFError(f"{where}: path {path!r} is not a plain relative path inside the release")
    return path


def read_manifest(path: str | os.PathLike) -> dict[str, Entry]:
    """``{relative path: Entry}``; a malformed line is one error naming the file and line."""
    entries: dict[str, Entry] = {}
    with open_text(path, "a release manifest (path, bytes, md5; tab-separated)") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
        if tuple(header) != HEADER:
            found = " ".join(header)[:80]
            raise DreamTFError(f"{path}, line 1: expected the header {' '.join(HEADER)!r}, found {found!r}")
        for n, line in enumerate(fh, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            where = f"{path}, line {n}"
            fields = line.split("\t")
            if len(fields) != 3:
                raise DreamTFError(f"{where}: expected 3 tab-separated columns (path, bytes, md5), found {len(fields)}")
            rel, size, md5 = fields
            check_rel_path(rel, where)
            if not size.isdigit():
                raise DreamTFError(f"{where}: bytes {size!r} is not a non-negative integer")
            if not _MD5.match(md5):
                raise DreamTFError(f"{where}: md5 {md5!r} is not 32 lower-case hex digits")
            if rel in entries:
                raise DreamTFError(f"{where}: {rel} is listed twice")
            entries[rel] = Entry(rel, int(size), md5)
    if not entries:
        raise DreamTFError(f"{path}: the manifest lists no files")
    return entries


def verify(path: str | os.PathLike, entry: Entry) -> str | None:
    """None when the file at ``path`` has the entry's size and md5, else what differs."""
    size = os.path.getsize(path)
    if size != entry.bytes:
        return f"{size} bytes, the manifest says {entry.bytes}"
    md5 = file_md5(path)
    if md5 != entry.md5:
        return f"md5 {md5}, the manifest says {entry.md5}"
    return None


def release_files(release: str | os.PathLike) -> list[Path]:
    """Every file under ``release`` a manifest lists, sorted: hidden files and folders skipped.

    A symbolic link is listed when it points inside the release (a file link under its own
    name; a folder link is not entered, its files being listed where they are) and refused
    when it points outside it, since a server publishing the release would publish its
    target: one line names the link.
    """
    root = Path(release)
    real_root = root.resolve()
    files = []
    for folder, dirs, names in os.walk(root):  # does not enter linked folders
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in dirs + [n for n in names if not n.startswith(".")]:
            path = Path(folder) / name
            if path.is_symlink():
                _check_link(path, real_root)
            if name in names and name != MANIFEST_NAME and path.is_file():
                files.append(path)
    return sorted(files)


def _check_link(link: Path, real_root: Path) -> None:
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise DreamTFError(f"{link}: a symbolic link that leads to no file (a loop of links)") from None
    if target != real_root and real_root not in target.parents:
        raise DreamTFError(
            f"{link}: a symbolic link to {target}, outside the release; a server would publish "
            "its target: copy the file into the release or remove the link"
        )


def write_manifest(release: str | os.PathLike) -> tuple[Path, int, int]:
    """Write ``<release>/manifest.tsv`` for every file under ``release`` (:func:`release_files`).

    Returns (manifest path, files, total bytes).
    """
    root = Path(release)
    if not root.is_dir():
        raise DreamTFError(f"{root}: not a folder")
    files = release_files(root)
    if not files:
        raise DreamTFError(f"{root}: no files to list")
    out = root / MANIFEST_NAME
    total = 0
    with atomic_write_text(out, level=0) as fh:
        fh.write("\t".join(HEADER) + "\n")
        for p in files:
            size = p.stat().st_size
            total += size
            fh.write(f"{p.relative_to(root).as_posix()}\t{size}\t{file_md5(p)}\n")
    return out, len(files), total
