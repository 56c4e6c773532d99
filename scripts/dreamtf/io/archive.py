"""Zip archives of named members (model bundles, feature caches), byte-identical for identical content.

Every member carries the fixed time stamp :data:`ZIP_EPOCH` and fixed permissions, so
writing the same members twice gives the same bytes.
"""

from __future__ import annotations

import os
import zipfile

from ..errors import DreamTFError
from .files import atomic_path

#: Time stamp of every zip member (the earliest a zip can hold): no run-to-run byte differences.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_member(name: str) -> zipfile.ZipInfo:
    """A zip entry for ``name`` with the fixed time stamp :data:`ZIP_EPOCH`."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.external_attr = 0o644 << 16
    return info


def write_archive(path: str | os.PathLike, members: dict[str, bytes]) -> None:
    """Write ``{name: bytes}`` as one zip, atomically, members in the dict's order."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        for name, data in members.items():
            zf.writestr(zip_member(name), data)


def read_archive(path: str | os.PathLike, what: str) -> dict[str, bytes]:
    """Every member of a zip written by :func:`write_archive`; ``what`` names the file kind in errors."""
    try:
        with zipfile.ZipFile(path) as zf:
            return {name: zf.read(name) for name in zf.namelist()}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DreamTFError(f"{path}: not a {what} ({exc})") from None
