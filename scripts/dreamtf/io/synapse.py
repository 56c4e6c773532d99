"""The challenge's own release on Synapse, through synapseclient (``release.source: synapse``).

The organisers stored each kind of file flat in one Synapse folder (as their upload script
did); :data:`FOLDERS` maps each to its place in the release layout that every data source
produces (``annotations/``, ``ChIPseq/``, ``DNASE/``, ``RNAseq/``). The
final-round labels (``syn10164048``) are named ``<TF>.train.labels.tsv.gz`` there, as the
official scorer expects; here they become ``ChIPseq/labels/<TF>.test.labels.tsv.gz``.

The token comes from ``SYNAPSE_AUTH_TOKEN`` only, and is never logged. The listing
(layout path, Synapse id) is kept as a two-column TSV beside the release, the
``synapse.tsv`` that :func:`read_listing` reads.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from ..errors import DreamTFError
from .files import atomic_path, atomic_write_text, open_text, remove_stale_temps
from .manifest import Entry, verify

log = logging.getLogger(__name__)

TOKEN_VARIABLE = "SYNAPSE_AUTH_TOKEN"
LISTING_NAME = "synapse.tsv"
FOLDERS = {
    "annotations": "syn6184307",
    "ChIPseq/labels": "syn6181335",
    "ChIPseq/peaks/conservative": "syn6181337",
    "ChIPseq/peaks/relaxed": "syn6181338",
    "DNASE/fold_coverage_wiggles": "syn6176233",
    "DNASE/peaks/conservative": "syn6176235",
    "DNASE/peaks/relaxed": "syn6176236",
    "RNAseq": "syn6176231",
}
FINAL_LABELS = "syn10164048"


def _client_class():
    try:
        import synapseclient
    except ImportError:
        raise DreamTFError(
            "release.source synapse needs synapseclient: pip install 'dreamtf[synapse]' "
            "(or use envs/dreamtf.yaml, which has it)"
        ) from None
    return synapseclient.Synapse


def _errors() -> tuple:
    """What synapseclient raises for a refused request or a network failure."""
    import requests
    from synapseclient.core import exceptions as e

    errors = [e.SynapseError, e.SynapseHTTPError, requests.exceptions.RequestException, ConnectionError, TimeoutError]
    try:
        import httpx

        errors.append(httpx.HTTPError)
    except ImportError:  # pragma: no cover - httpx comes with synapseclient
        pass
    return tuple(errors)


def _network_errors() -> tuple:
    import requests

    try:
        import httpx

        return (requests.exceptions.ConnectionError, requests.exceptions.Timeout, httpx.TransportError)
    except ImportError:  # pragma: no cover
        return (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


def login(client_class=None):
    """A logged-in client; a missing or rejected token is one line (the token itself never shown)."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise DreamTFError(
            f"release.source synapse: set {TOKEN_VARIABLE} to a Synapse personal access token "
            "(synapse.org > Account Settings > Personal Access Tokens; never put it in the config)"
        )
    cls = client_class or _client_class()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        syn = cls(skip_checks=True, silent=True)
        try:
            syn.login(authToken=token, silent=True)
        except _errors() as exc:
            if isinstance(exc, (OSError, *_network_errors())):
                raise DreamTFError(f"Synapse: could not reach synapse.org to log in ({type(exc).__name__})") from None
            raise DreamTFError(
                f"Synapse rejected the token in {TOKEN_VARIABLE} ({type(exc).__name__}); "
                "make a new one with the 'view' and 'download' scopes"
            ) from None
    return syn


def list_release(syn, folders: dict[str, str] | None = None, final_labels: str | None = FINAL_LABELS) -> dict[str, str]:
    """``{layout path: Synapse id}`` of every file in the release's folders (default :data:`FOLDERS`)."""
    listing: dict[str, str] = {}
    folders = FOLDERS if folders is None else folders
    todo = list(folders.items()) + ([("final labels", final_labels)] if final_labels else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for where, folder in todo:
            try:
                children = list(syn.getChildren(folder, includeTypes=["file"]))
            except _errors() as exc:
                raise DreamTFError(f"Synapse: listing {where} ({folder}) failed ({_say(exc)})") from None
            for child in children:
                name = child["name"]
                if where != "final labels":
                    listing[f"{where}/{name}"] = child["id"]
                elif name.endswith(".train.labels.tsv.gz"):
                    listing["ChIPseq/labels/" + name.replace(".train.labels", ".test.labels")] = child["id"]
    return listing


def _say(exc: Exception) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def write_listing(path: str | os.PathLike, listing: dict[str, str]) -> None:
    with atomic_write_text(path) as fh:
        fh.write("path\tsynapse_id\n")
        for rel in sorted(listing):
            fh.write(f"{rel}\t{listing[rel]}\n")


def read_listing(path: str | os.PathLike) -> dict[str, str]:
    listing = {}
    with open_text(path, "a Synapse listing (path, synapse_id)") as fh:
        if fh.readline().rstrip("\r\n") != "path\tsynapse_id":
            raise DreamTFError(f"{path}, line 1: expected the header 'path synapse_id'")
        for n, line in enumerate(fh, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 2 or not fields[1].startswith("syn"):
                raise DreamTFError(f"{path}, line {n}: expected a release path and a Synapse id (synNNN)")
            listing[fields[0]] = fields[1]
    return listing


def release_listing(dest: str | os.PathLike, client_class=None) -> dict[str, str]:
    """The listing kept at ``dest``, or read from Synapse and kept there (delete it to list again)."""
    dest = Path(dest)
    if dest.is_file():
        return read_listing(dest)
    log.info("listing the challenge release on Synapse")
    listing = list_release(login(client_class))
    write_listing(dest, listing)
    return listing


def fetch_entity(syn, synapse_id: str, rel: str, dest: str | os.PathLike) -> bool:
    """Make ``dest`` hold the file of ``synapse_id``, verified against Synapse's size and md5."""
    dest = Path(dest)
    remove_stale_temps(dest)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            meta = syn.get(synapse_id, downloadFile=False)
            handle = meta._file_handle
            entry = Entry(rel, int(handle["contentSize"]), str(handle["contentMd5"]))
            if dest.is_file() and verify(dest, entry) is None:
                log.info("%s: already here and verified", rel)
                return False
            log.info("%s: fetching %d bytes from Synapse (%s)", rel, entry.bytes, synapse_id)
            dest.parent.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
            try:
                with atomic_path(dest) as tmp:
                    got = syn.get(synapse_id, downloadLocation=str(stage), ifcollision="overwrite.local")
                    os.replace(got.path, tmp)
                    problem = verify(tmp, entry)
                    if problem:
                        raise DreamTFError(f"{rel} ({synapse_id}): {problem}; nothing of it was kept")
            finally:
                shutil.rmtree(stage, ignore_errors=True)
        except _errors() as exc:
            raise DreamTFError(
                f"{rel} ({synapse_id}): Synapse download failed ({_say(exc)}); nothing of it was kept"
            ) from None
    log.info("%s: size and md5 verified", rel)
    return True
