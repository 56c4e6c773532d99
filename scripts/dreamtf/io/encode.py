"""ENCODE portal files by accession (``release.source: encode``).

A file's metadata is the portal's JSON (``<portal>/files/<accession>/?format=json``): its
``href`` to download, ``md5sum``, ``file_size``, ``assembly``, ``file_format`` and
``file_type``, ``status`` and ``assay_term_name``. Each is checked against what the
config asks of it (the genome build, a peak file or a signal track, an accessibility
assay), then the file is fetched with :func:`dreamtf.io.download.download`, verified
against the portal's md5 and size, and renamed into the release layout.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from ..errors import DreamTFError
from .download import download, human_bytes, url_scheme
from .files import remove_stale_temps
from .manifest import Entry, file_md5, verify

log = logging.getLogger(__name__)

# what each place in the layout takes: (file_format, file_type or None, a description)
KINDS = {
    "peaks": ("bed", "bed narrowPeak", "a narrowPeak file"),
    "signal": ("bigWig", None, "a bigWig signal track"),
    "rnaseq": ("tsv", None, "a gene quantification TSV"),
}
DEAD = ("revoked", "deleted", "replaced")


def metadata_url(portal: str, accession: str) -> str:
    return f"{portal.rstrip('/')}/files/{accession}/?format=json"


def read_metadata(path: str | os.PathLike, accession: str, source: str) -> dict:
    """The fields used from a portal JSON; a page that is not one is one line naming ``source``."""
    try:
        meta = json.loads(Path(path).read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DreamTFError(f"{source}: not the portal's JSON for a file ({exc})") from None
    if not isinstance(meta, dict):
        raise DreamTFError(f"{source}: not the portal's JSON for a file")
    missing = [k for k in ("accession", "href", "md5sum", "file_size", "file_format") if k not in meta]
    if missing:
        raise DreamTFError(f"{source}: the portal's metadata lacks {', '.join(missing)}")
    if meta["accession"] != accession:
        raise DreamTFError(f"{source}: the portal answered for {meta['accession']}, not {accession}")
    return meta


def check_metadata(meta: dict, *, accession: str, kind: str, assembly: str, assays=None) -> None:
    fmt, ftype, what = KINDS[kind]
    where = f"{accession} ({meta.get('output_type', meta['file_format'])})"
    if meta.get("status") in DEAD:
        raise DreamTFError(f"{where}: the portal marks it {meta['status']}; choose a released file")
    if meta.get("assembly") != assembly:
        raise DreamTFError(f"{where}: assembly {meta.get('assembly')}, but release.genome is {assembly}")
    if meta["file_format"] != fmt or (ftype and meta.get("file_type") != ftype):
        got = meta.get("file_type") or meta["file_format"]
        raise DreamTFError(f"{where}: {got}, expected {what}")
    if assays and meta.get("assay_term_name") not in assays:
        raise DreamTFError(f"{where}: assay {meta.get('assay_term_name')}, expected one of {', '.join(assays)}")


def fetch_accession(
    portal: str, accession: str, dest: str | os.PathLike, *, kind: str, assembly: str, assays=None, **kwargs
) -> dict:
    """Make ``dest`` hold the file of ``accession``; returns its checked metadata."""
    dest = Path(dest)
    remove_stale_temps(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    url = metadata_url(portal, accession)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".json.tmp", dir=dest.parent)
    os.close(fd)
    try:
        download(url, Path(tmp), lambda _: None, name=f"{accession} metadata", **kwargs)
        meta = read_metadata(tmp, accession, url)
    finally:
        Path(tmp).unlink(missing_ok=True)
    check_metadata(meta, accession=accession, kind=kind, assembly=assembly, assays=assays)
    entry = Entry(accession, int(meta["file_size"]), meta["md5sum"])
    if dest.is_file() and verify(dest, entry) is None:
        log.info("%s: already here and verified", accession)
        return meta
    log.info(
        "%s (%s, %s): fetching %s",
        accession,
        meta.get("output_type"),
        meta.get("assay_term_name"),
        human_bytes(entry.bytes),
    )
    href = meta["href"]
    file_url = href if url_scheme(href) else portal.rstrip("/") + href  # an absolute href, or one on the portal
    download(file_url, dest, lambda t: verify(t, entry), name=accession, **kwargs)
    log.info("%s: size and md5 verified", accession)
    return meta


def fetch_url(url: str, dest: str | os.PathLike, md5: str | None = None, **kwargs) -> str:
    """A genome annotation file by URL, checked against ``md5`` when given; returns its md5."""
    dest = Path(dest)
    remove_stale_temps(dest)
    if md5 and dest.is_file() and file_md5(dest) == md5:
        log.info("%s: already here and verified", dest.name)
        return md5

    seen = {}

    def check(tmp):
        seen["md5"] = got = file_md5(tmp)
        return None if md5 is None or got == md5 else f"md5 {got}, release.annotations says {md5}"

    download(url, dest, check, name=dest.name, **kwargs)
    digest = seen["md5"]
    log.info(
        "%s: %s from %s, md5 %s%s",
        dest.name,
        human_bytes(dest.stat().st_size),
        url,
        digest,
        " (verified)" if md5 else " (no md5 given to check it against)",
    )
    return digest
