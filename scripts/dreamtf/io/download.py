"""Fetching release files over HTTP(S) (or FTP) with pooch's downloaders, verified against the manifest.

A file is streamed to a temporary name beside its target, checked for its size and md5,
and only then renamed into place: a failed, corrupt or interrupted transfer leaves
nothing under the target's name, and the temporary file is removed (or, after a killed
process, by the next attempt: :func:`dreamtf.io.files.remove_stale_temps`). A target that
already verifies is not fetched again, so an interrupted run resumes file by file.

Credentials never travel inside a URL past :func:`split_credentials`: a download takes
them as ``auth`` (HTTP basic authentication, or the FTP login), and every URL a message
or log line shows goes through :func:`redact_url` first.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote

from ..errors import DreamTFError
from .files import atomic_path, remove_stale_temps
from .manifest import MANIFEST_NAME, Entry, read_manifest, verify

log = logging.getLogger(__name__)

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
#: a URL's user information: everything up to the last ``@`` before the host's end (a password
#: with an unescaped ``@`` included, as requests and urllib read it)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")
#: the environment variable that holds ``user:password`` for release.url, when the URL has none
AUTH_ENV = "DREAMTF_RELEASE_AUTH"
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


def redact_url(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``***``.

    ``https://user:token@host/r`` becomes ``https://***@host/r``; text without such a URL is
    returned as it is. Every error and log line that may show a URL passes through here.
    """
    return _USERINFO.sub(r"\g<scheme>***@", text)


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without its user information, and that information as (user, password).

    ``https://user:p%40ss@host/r`` gives ``("https://host/r", ("user", "p@ss"))``; a URL
    without credentials gives ``(url, None)``. The password is everything after the first
    ``:`` ("" when there is none), both parts percent-decoded.
    """
    match = _USERINFO.match(url)
    if not match:
        return url, None
    user, _, password = match.group("userinfo").partition(":")
    auth = (unquote(user), unquote(password)) if user or password else None
    return match.group("scheme") + url[match.end() :], auth


def release_credentials(url: str, environ: Mapping[str, str] = os.environ) -> tuple[str, tuple[str, str] | None]:
    """release.url without credentials, and the credentials for it.

    Those in the URL itself, else ``user:password`` from the environment variable
    :data:`AUTH_ENV` (``DREAMTF_RELEASE_AUTH``; a value without ``:`` is a user name or token
    with an empty password), else None.
    """
    base, auth = split_credentials(url)
    if auth is None and environ.get(AUTH_ENV):
        user, _, password = environ[AUTH_ENV].partition(":")
        auth = (user, password)
    return base, auth


def _shown(url: str, auth) -> str:
    """``url`` as messages show it: redacted, with ``***@`` where credentials were sent."""
    url = redact_url(url)
    if auth is None or _USERINFO.match(url):
        return url
    match = _SCHEME.match(url)
    return url[: match.end()] + "***@" + url[match.end() :] if match else url


def file_url(base_url: str, rel: str) -> str:
    return base_url.rstrip("/") + "/" + quote(rel)


def fetch(
    base_url: str,
    entry: Entry,
    dest: str | os.PathLike,
    *,
    auth: tuple[str, str] | None = None,
    retries: int = 3,
    timeout: float = 60.0,
    wait: float = 2.0,
) -> bool:
    """Make ``dest`` hold ``entry``'s file from ``base_url``; True when it was downloaded.

    ``auth`` is (user, password) for the server (:func:`release_credentials`). A transfer
    that fails (connection refused or dropped, an HTTP error, a timeout, a short or
    corrupt file) is tried again up to ``retries`` times, waiting ``wait`` s, then twice
    as long; after the last one the error names the file and what went wrong.
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
        auth=auth,
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


def _downloader(url: str, name: str, timeout: float, auth):
    import pooch

    scheme = url_scheme(url)
    if scheme in ("http", "https"):
        extra = {"auth": auth} if auth else {}
        return pooch.HTTPDownloader(progressbar=LogProgress(name), timeout=timeout, **extra)
    if scheme == "ftp":
        login = {"username": auth[0], "password": auth[1]} if auth else {}
        return pooch.FTPDownloader(timeout=timeout, **login)  # pooch's FTP progress needs tqdm: none
    raise DreamTFError(f"{redact_url(url)}: expected an http://, https:// or ftp:// URL")


def download(
    url: str,
    dest: Path,
    check,
    *,
    name: str,
    auth: tuple[str, str] | None = None,
    retries: int = 3,
    timeout: float = 60.0,
    wait: float = 2.0,
):
    """Stream ``url`` (HTTP(S) or FTP) to ``dest`` atomically; ``check(tmp)`` returns None or what is wrong with it.

    Credentials come as ``auth`` (user, password) or inside ``url``; either way they are
    sent to the server only, and the lines logged and raised show ``***`` in their place.
    """
    import ftplib

    import requests

    url, in_url = split_credentials(url)
    auth = auth or in_url
    fetcher = _downloader(url, name, timeout, auth)
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
    raise DreamTFError(f"{_shown(url, auth)}: {problem}; nothing of {name} was kept")


def fetch_manifest(base_url: str, dest: str | os.PathLike, **kwargs) -> dict[str, Entry]:
    """The entries of ``<base_url>/manifest.tsv``, kept at ``dest`` (delete it to read the server's again).

    ``kwargs`` go to :func:`download` (``auth``, ``retries``, ...).
    """
    dest = Path(dest)
    url = file_url(base_url, MANIFEST_NAME)
    if not dest.is_file():
        log.info("reading the release manifest %s", _shown(url, kwargs.get("auth")))
        download(url, dest, lambda tmp: None, name=MANIFEST_NAME, **kwargs)
    try:
        return read_manifest(dest)
    except DreamTFError as exc:
        dest.unlink()
        raise DreamTFError(str(exc).replace(str(dest), redact_url(url))) from None


class _Corrupt(Exception):
    pass


def _short(exc: Exception) -> str:
    text = redact_url(str(exc).splitlines()[0]) if str(exc) else ""
    return text[:200]
