"""The model bundle file: one zip holding a run's model files and ``bundle.json``, their manifest.

```
bundle.json                                        format, format_version, dreamtf_version,
                                                   created, versions, config, members
results/models/catchitt/dnase/CTCF.HepG2.zip       every member under its path in the run
results/calibration/catchitt/dnase/CTCF.json       ...
```

A zip rather than a .tar.gz: its central directory at the end lists every member, so a
truncated file is refused when it is opened, before anything is read or written; one
member is read without decompressing the others (``bundle.json`` first, then each model);
and every member carries a CRC besides the md5 and size ``bundle.json`` gives it. Models
that are zips already (XGBoost boosters, ``.keras`` files) are stored as they are, text
members deflated. Members carry a fixed time stamp (:data:`dreamtf.io.archive.ZIP_EPOCH`).

``members`` in ``bundle.json`` maps each member's path (relative, ``/``-separated, never
leaving the folder it is installed into) to ``{"bytes": n, "md5": hex}``; a member the
zip holds but the manifest does not list, or the reverse, is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import DreamTFError
from .archive import zip_member
from .download import download, human_bytes
from .files import atomic_path, remove_stale_temps
from .manifest import Entry, file_md5

log = logging.getLogger(__name__)

MANIFEST = "bundle.json"
FORMAT = "dreamtf-bundle"
#: the one format version this code writes and reads; a change to the layout or to the
#: meaning of a manifest key or member takes a new number, so an older dreamtf refuses the
#: file. 2: the ensemble's weights carry each member's reference distribution, the
#: baseline's scores (and so its peak thresholds) are over the cell's mean signal, and the
#: DNase ranks are among every bin with signal: version 1's models and thresholds would be
#: read on another scale without a word
FORMAT_VERSION = 2
#: members already compressed (zips): stored, not deflated a second time
_STORED = (".zip", ".keras")
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1 << 20
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


def _check_member_path(bundle, name: str) -> str:
    p = PurePosixPath(name)
    if not name or p.is_absolute() or ".." in p.parts or "\\" in name or name != str(p) or name == MANIFEST:
        raise DreamTFError(f"{bundle}: member {name!r} is not a plain relative path")
    return name


def write_bundle_file(path: str | os.PathLike, header: dict, files: dict[str, Path]) -> dict[str, Entry]:
    """Write the bundle ``path`` atomically: ``bundle.json`` (``header`` plus ``members``), then ``files``.

    Parameters
    ----------
    header
        Everything of ``bundle.json`` but ``format``, ``format_version`` and ``members``.
    files
        Member path in the bundle -> the file it holds, in the order they are written.

    Returns
    -------
    The members' entries (path, bytes, md5).
    """
    entries = {}
    for name, src in files.items():
        _check_member_path(path, name)
        entries[name] = Entry(name, os.path.getsize(src), file_md5(src))
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **header,
        "members": {n: {"bytes": e.bytes, "md5": e.md5} for n, e in entries.items()},
    }
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        info = zip_member(MANIFEST)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, json.dumps(manifest, indent=1, sort_keys=False) + "\n")
        for name, src in files.items():
            info = zip_member(name)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
            with open(src, "rb") as fh, zf.open(info, "w") as out:
                shutil.copyfileobj(fh, out, _CHUNK)
    return entries


def _open(path: str | os.PathLike) -> zipfile.ZipFile:
    if not Path(path).is_file():
        raise DreamTFError(f"{path}: bundle not found")
    try:
        return zipfile.ZipFile(path)
    except _BROKEN as exc:
        raise DreamTFError(
            f"{path}: truncated or corrupt bundle ({exc}); expected a dreamtf model bundle (zip)"
        ) from None


def _parse_members(path, raw) -> dict[str, Entry]:
    if not isinstance(raw, dict) or not raw:
        raise DreamTFError(f"{path}: {MANIFEST}: 'members' lists no files")
    out = {}
    for name, spec in raw.items():
        _check_member_path(path, name)
        ok = isinstance(spec, dict) and isinstance(spec.get("bytes"), int) and spec["bytes"] >= 0
        if not ok or not _MD5.match(str(spec.get("md5", ""))):
            raise DreamTFError(
                f"{path}: {MANIFEST}: member {name}: expected {{'bytes': size >= 0, 'md5': 32 hex digits}}"
            )
        out[name] = Entry(name, spec["bytes"], spec["md5"])
    return out


def _read_manifest(path, zf: zipfile.ZipFile) -> tuple[dict, dict[str, Entry]]:
    try:
        text = zf.read(MANIFEST)
    except KeyError:
        raise DreamTFError(f"{path}: no {MANIFEST} in the zip; not a dreamtf model bundle") from None
    except _BROKEN as exc:
        raise DreamTFError(f"{path}: member {MANIFEST}: truncated or corrupt ({exc})") from None
    try:
        manifest = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DreamTFError(f"{path}: member {MANIFEST}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DreamTFError(f"{path}: member {MANIFEST}: 'format' is not {FORMAT!r}; not a dreamtf model bundle")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise DreamTFError(
            f"{path}: member {MANIFEST}: bundle format version {version!r} (written by dreamtf "
            f"{manifest.get('dreamtf_version', '?')}); this dreamtf reads version {FORMAT_VERSION}: "
            "export the models with this dreamtf, or predict with the one that wrote the bundle"
        )
    return manifest, _parse_members(path, manifest.get("members"))


def _check_listing(path, zf: zipfile.ZipFile, members: dict[str, Entry]) -> None:
    names = [n for n in zf.namelist() if n != MANIFEST]
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise DreamTFError(f"{path}: member {twice} is in the zip twice")
    for name in names:
        if name not in members:
            raise DreamTFError(f"{path}: member {name} is in the zip but not listed in {MANIFEST}")
    for name in members:
        if name not in names:
            raise DreamTFError(f"{path}: member {name} is listed in {MANIFEST} but not in the zip")


def _copy_verified(path, zf: zipfile.ZipFile, entry: Entry, out) -> None:
    """Stream member ``entry`` to the binary file ``out`` (or nowhere when None), checking size and md5."""
    h, size = hashlib.md5(), 0
    try:
        with zf.open(entry.path) as fh:
            while block := fh.read(_CHUNK):
                h.update(block)
                size += len(block)
                if out is not None:
                    out.write(block)
    except _BROKEN as exc:
        raise DreamTFError(f"{path}: member {entry.path}: truncated or corrupt ({exc})") from None
    if size != entry.bytes:
        raise DreamTFError(f"{path}: member {entry.path}: {size} bytes, {MANIFEST} says {entry.bytes}")
    if h.hexdigest() != entry.md5:
        raise DreamTFError(f"{path}: member {entry.path}: md5 {h.hexdigest()}, {MANIFEST} says {entry.md5}")


def read_bundle_file(path: str | os.PathLike, *, verify: bool = True) -> tuple[dict, dict[str, Entry]]:
    """``bundle.json`` as a dict, and its members' entries; with ``verify``, every member's size and md5 checked.

    A missing, truncated or corrupt zip, a manifest that is not this format or version, a
    member listed but absent (or the reverse), or a member whose size or md5 differs is one
    :class:`DreamTFError` naming the bundle and the member.
    """
    with _open(path) as zf:
        try:
            manifest, members = _read_manifest(path, zf)
            _check_listing(path, zf, members)
            if verify:
                for entry in members.values():
                    _copy_verified(path, zf, entry, None)
        except OSError as exc:
            raise DreamTFError(f"{path}: truncated or corrupt bundle ({exc})") from None
    return manifest, members


def extract_members(path: str | os.PathLike, members: dict[str, Entry], dest: str | os.PathLike) -> list[Path]:
    """Write every member under ``dest`` at its path, all or none.

    Each member streams to a temporary file beside its target and is checked for its size
    and md5; only when every member has checked are they renamed into place, so an error
    (a corrupt member, a full disk) leaves no new file under any target's name.
    """
    dest = Path(dest)
    targets = [dest / name for name in members]
    with _open(path) as zf, contextlib.ExitStack() as stack:
        for entry, target in zip(members.values(), targets):
            remove_stale_temps(target)
            tmp = stack.enter_context(atomic_path(target))
            with open(tmp, "wb") as out:
                _copy_verified(path, zf, entry, out)
    return targets


def fetch_bundle(url: str, md5: str, dest: str | os.PathLike, **kwargs) -> Path:
    """Download the bundle at ``url`` to ``dest`` with the release downloader, checked against ``md5``.

    A ``dest`` that already has this md5 is kept as it is. A transfer that fails or gives
    another md5 is retried as a release file is (``retries``, ``timeout``, ``wait`` pass
    through to :func:`dreamtf.io.download.download`), then refused in one line; nothing of
    it is kept.
    """
    dest = Path(dest)
    if not _MD5.match(str(md5)):
        raise DreamTFError(f"{url}: md5 {md5!r} is not 32 lower-case hex digits")
    remove_stale_temps(dest)
    if dest.is_file() and file_md5(dest) == md5:
        log.info("%s: already here and verified", dest)
        return dest

    def check(tmp):
        got = file_md5(tmp)
        return None if got == md5 else f"md5 {got}, expected {md5}"

    download(url, dest, check, name=dest.name, **kwargs)
    log.info("%s: %s from %s, md5 verified", dest.name, human_bytes(dest.stat().st_size), url)
    return dest
