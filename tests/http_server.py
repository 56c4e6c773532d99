"""A real HTTP server on 127.0.0.1 serving a folder, with faults on request, for the download tests.

``faults`` maps a path (relative to the folder) to what goes wrong when it is asked for:

- ``corrupt``: the right length, one byte changed;
- ``truncate``: the full Content-Length announced, half the bytes sent, the connection closed;
- ``drop_once``: ``truncate`` on the first request, then the file as it is;
- ``stall``: half the bytes sent, then nothing for a minute (a transfer a test kills);
- ``missing``: 404.

``hits`` counts the GET requests per path. With ``auth`` (user, password) every request
needs that HTTP basic login; one without it, or with another, gets 401 (``refused`` counts
them).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import socket
import threading
import time
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        server = self.server
        with server.lock:
            server.hits[rel] += 1
            n = server.hits[rel]
        if server.auth and self.headers.get("Authorization") != _basic(*server.auth):
            with server.lock:
                server.refused += 1
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="release"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        fault = server.faults.get(rel)
        if fault == "drop_once":
            fault = "truncate" if n == 1 else None
        if fault is None:
            return super().do_GET()
        if fault == "missing":
            return self.send_error(404)
        data = (Path(server.root) / rel).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault == "corrupt":
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
            self.wfile.write(data)
            return
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        if fault == "stall":
            time.sleep(60)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@contextlib.contextmanager
def serve(root: str | Path, faults: dict[str, str] | None = None, auth: tuple[str, str] | None = None):
    """Serve ``root`` on a free loopback port; yields the server (``.url``, ``.hits``, ``.faults``, ``.refused``)."""
    handler = functools.partial(_Handler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False  # a stalled handler must not hold the test up
    server.root = str(root)
    server.faults = dict(faults or {})
    server.hits = Counter()
    server.auth = auth
    server.refused = 0
    server.lock = threading.Lock()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def add_portal_file(root: str | Path, accession: str, data: bytes, ext: str, **meta) -> dict:
    """Lay out one file as the ENCODE portal serves it under ``root``: its JSON metadata at
    ``/files/<accession>/?format=json`` (served as the folder's index.html) and its bytes at
    ``/files/<accession>/@@download/<accession>.<ext>``. ``meta`` overrides the fields."""
    import hashlib
    import json

    folder = Path(root) / "files" / accession
    (folder / "@@download").mkdir(parents=True, exist_ok=True)
    (folder / "@@download" / f"{accession}.{ext}").write_bytes(data)
    record = {
        "accession": accession,
        "href": f"/files/{accession}/@@download/{accession}.{ext}",
        "md5sum": hashlib.md5(data).hexdigest(),
        "file_size": len(data),
        "status": "released",
        "assembly": "hg19",
        **meta,
    }
    (folder / "index.html").write_text(json.dumps(record))
    return record
