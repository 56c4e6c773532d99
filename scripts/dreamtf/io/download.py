"""Fetching release files over HTTP(S) (or FTP) with pooch's downloaders, verified against the manifest.

A file is streamed to a temporary name beside its target, checked for its size and md5,
and only then renamed into place: a failed, corrupt or interrupted transfer leaves
nothing under the target's name, and the temporary file is removed (or, after a killed
process, by the next attempt: :func:`dreamtf.io.files.remove_stale_temps`). A target that
already verifies is not fetched again, so an interrupted run resumes file by file.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from pathlib import Path
from urllib.parse import quote

from ..errors import DreamTFError
from .files import atomic_path, remove_stale_temps
from .manifest import MANIFEST_NAME, Entry, read_manifest, verify

log = logging.getLogger(__name__)

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
#: a lost or refused connection, a timeout, an unknown host (FTP; requests wraps its own)
_NETWORK_ERRORS = (ConnectionError, TimeoutError, socket.gaierror)


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class LogProgress:
    """A progress object for pooch's downloader that logs every tenth of the transfer."""

    def __init__(self, name: str):
        self.name, self.total, self.done, self.next_tenth = name, 0, 0, 1

    def update(self, n: int) -> None:
        self.done += n
        if self.total and self.done * 10 >= self.next_tenth * self.total and self.next_tenth < 10:
            log.info("%s: %d %% of %s", self.name, self.next_tenth * 10, human_bytes(self.total))
            self.next_tenth = self.done * 10 // self.total + 1

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        pass


def file_url(base_url: str, rel: str) -> str:
    return base_url.rstrip("/") + "/" + quote(rel)


def fetch(
    base_url: str,
    entry: Entry,
    dest: str | os.PathLike,
    *,
    retries: int = 3,
    timeout: float = 60.0,
    wait: float = 2.0,
) -> bool:
    """Make ``dest`` hold ``entry``'s file from ``base_url``; True when it was downloaded.

    A transfer that fails (connection refused or dropped, an HTTP error, a timeout, a
    short or corrupt file) is tried again up to ``retries`` times, waiting ``wait`` s,
    then twice as long; after the last one the error names the file and what went wrong.
    """
    dest = Path(dest)
    remove_stale_temps(dest)  # what a killed transfer left
    if dest.is_file() and verify(dest, entry) is None:
        log.info("%s: already here and verified (%s)", entry.path, human_bytes(entry.bytes))
        return False
    log.info("%s: fetching %s", entry.path, human_bytes(entry.bytes))
    t0 = time.perf_counter()
    download(
        file_url(base_url, entry.path),
        dest,
        lambda tmp: verify(tmp, entry),
        name=entry.path,
        retries=retries,
        timeout=timeout,
        wait=wait,
    )
    secs = time.perf_counter() - t0
    log.info("%s: %s in %.1f s, size and md5 verified", entry.path, human_bytes(entry.bytes), secs)
    return True


def url_scheme(url: str) -> str:
    """The scheme of ``url`` in lower case (URL schemes are case-insensitive); "" when it has none."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def _downloader(url: str, name: str, timeout: float):
    import pooch

    scheme = url_scheme(url)
    if scheme in ("http", "https"):
        return pooch.HTTPDownloader(progressbar=LogProgress(name), timeout=timeout)
    if scheme == "ftp":
        return pooch.FTPDownloader(timeout=timeout)  # pooch's FTP progress needs tqdm: none
    raise DreamTFError(f"{url}: expected an http://, https:// or ftp:// URL")


def download(url: str, dest: Path, check, *, name: str, retries: int = 3, timeout: float = 60.0, wait: float = 2.0):
    """Stream ``url`` (HTTP(S) or FTP) to ``dest`` atomically; ``check(tmp)`` returns None or what is wrong with it."""
    import ftplib

    import requests

    fetcher = _downloader(url, name, timeout)
    problem = ""
    for attempt in range(retries + 1):
        if attempt:
            log.warning("%s: %s; trying again (%d of %d)", name, problem, attempt, retries)
            time.sleep(wait * 2 ** (attempt - 1))
        try:
            with atomic_path(dest) as tmp:
                fetcher(url, str(tmp), None)
                problem = check(tmp)
                if problem:
                    raise _Corrupt(problem)
            return
        except _Corrupt:
            continue
        except requests.exceptions.HTTPError as exc:
            problem = f"HTTP {exc.response.status_code} {exc.response.reason}"
            if exc.response.status_code in (401, 403, 404, 410):
                break  # not there or not allowed: asking again will not help
        except ftplib.error_perm as exc:
            problem = f"FTP {_short(exc)}"
            break  # a permanent FTP reply (no such file, login refused): asking again will not help
        except (requests.exceptions.RequestException, ftplib.Error, EOFError, *_NETWORK_ERRORS) as exc:
            problem = f"transfer failed ({type(exc).__name__}: {_short(exc)})"
    raise DreamTFError(f"{url}: {problem}; nothing of {name} was kept")


def fetch_manifest(base_url: str, dest: str | os.PathLike, **kwargs) -> dict[str, Entry]:
    """The entries of ``<base_url>/manifest.tsv``, kept at ``dest`` (delete it to read the server's again)."""
    dest = Path(dest)
    url = file_url(base_url, MANIFEST_NAME)
    if not dest.is_file():
        log.info("reading the release manifest %s", url)
        download(url, dest, lambda tmp: None, name=MANIFEST_NAME, **kwargs)
    try:
        return read_manifest(dest)
    except DreamTFError as exc:
        dest.unlink()
        raise DreamTFError(str(exc).replace(str(dest), url)) from None


class _Corrupt(Exception):
    pass


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:200]
