"""Release manifests and HTTP downloads, against a real server on 127.0.0.1 (tests/http_server.py)."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from http_server import serve

from dreamtf.cli import main as cli
from dreamtf.errors import DreamTFError
from dreamtf.io.download import fetch, fetch_manifest
from dreamtf.io.manifest import Entry, read_manifest, write_manifest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def release(tmp_path) -> Path:
    rel = tmp_path / "srv"
    (rel / "annotations").mkdir(parents=True)
    (rel / "DNASE" / "fold_coverage_wiggles").mkdir(parents=True)
    (rel / "annotations" / "test_regions.blacklistfiltered.bed.gz").write_bytes(os.urandom(50_000))
    (rel / "DNASE" / "fold_coverage_wiggles" / "DNASE.liver.fc.signal.bigwig").write_bytes(os.urandom(300_000))
    (rel / ".hidden").write_text("not listed")
    write_manifest(rel)
    return rel


def _entry(rel: Path, path: str) -> Entry:
    return read_manifest(rel / "manifest.tsv")[path]


def _left_over(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_manifest_lists_every_file_with_size_and_md5(release, capsys):
    m = read_manifest(release / "manifest.tsv")
    assert sorted(m) == [
        "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig",
        "annotations/test_regions.blacklistfiltered.bed.gz",
    ]
    for path, e in m.items():
        data = (release / path).read_bytes()
        assert e.bytes == len(data) and e.md5 == hashlib.md5(data).hexdigest()
    # the command line writes the same file
    before = (release / "manifest.tsv").read_bytes()
    assert cli(["manifest", str(release)]) == 0
    assert (release / "manifest.tsv").read_bytes() == before
    assert "2 files, 350.0 kB" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name\tsize\tmd5\n", "line 1: expected the header 'path bytes md5', found 'name size md5'"),
        ("path\tbytes\tmd5\na.gz\t12\n", "line 2: expected 3 tab-separated columns (path, bytes, md5), found 2"),
        ("path\tbytes\tmd5\na.gz\t-1\t" + "0" * 32 + "\n", "line 2: bytes '-1' is not a non-negative integer"),
        ("path\tbytes\tmd5\na.gz\t12\tXYZ\n", "line 2: md5 'XYZ' is not 32 lower-case hex digits"),
        ("path\tbytes\tmd5\n../etc/passwd\t12\t" + "0" * 32 + "\n", "not a plain relative path inside the release"),
        ("path\tbytes\tmd5\n/abs.gz\t12\t" + "0" * 32 + "\n", "not a plain relative path inside the release"),
        ("path\tbytes\tmd5\na\t1\t" + "0" * 32 + "\na\t1\t" + "0" * 32 + "\n", "line 3: a is listed twice"),
        ("path\tbytes\tmd5\n", "the manifest lists no files"),
    ],
)
def test_bad_manifest_is_one_line_naming_it(tmp_path, text, expected):
    path = tmp_path / "manifest.tsv"
    path.write_text(text)
    with pytest.raises(DreamTFError) as err:
        read_manifest(path)
    assert str(path) in str(err.value) and expected in str(err.value) and "\n" not in str(err.value)


def test_download_verifies_and_a_second_run_fetches_nothing(release, tmp_path):
    path = "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"
    dest = tmp_path / "out" / path
    with serve(release) as srv:
        assert fetch(srv.url, _entry(release, path), dest, wait=0) is True
        assert dest.read_bytes() == (release / path).read_bytes()
        assert fetch(srv.url, _entry(release, path), dest, wait=0) is False  # resumed: verified, kept
        assert srv.hits[path] == 1


def test_a_dropped_connection_is_retried(release, tmp_path):
    path = "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"
    dest = tmp_path / "out.bigwig"
    with serve(release, {path: "drop_once"}) as srv:
        assert fetch(srv.url, _entry(release, path), dest, wait=0)
        assert srv.hits[path] == 2
    assert dest.read_bytes() == (release / path).read_bytes()
    assert _left_over(tmp_path) == ["out.bigwig", "srv"]


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("corrupt", "md5 "),
        ("truncate", "transfer failed (ChunkedEncodingError"),
        ("missing", "HTTP 404"),
    ],
)
def test_a_failed_file_is_reported_by_name_and_nothing_kept(release, tmp_path, fault, expected):
    path = "annotations/test_regions.blacklistfiltered.bed.gz"
    dest = tmp_path / "dl" / "test_regions.blacklistfiltered.bed.gz"
    with serve(release, {path: fault}) as srv:
        with pytest.raises(DreamTFError) as err:
            fetch(srv.url, _entry(release, path), dest, retries=2, wait=0)
        # a missing file is not asked for again; a damaged transfer is, twice more
        assert srv.hits[path] == (1 if fault == "missing" else 3)
    msg = str(err.value)
    assert msg.startswith(f"{srv.url}/{path}: ") and expected in msg and f"nothing of {path} was kept" in msg
    assert _left_over(dest.parent) == []


def test_a_wrong_file_already_there_is_replaced(release, tmp_path):
    path = "annotations/test_regions.blacklistfiltered.bed.gz"
    dest = tmp_path / "regions.bed.gz"
    dest.write_bytes(b"an older, different file")
    with serve(release) as srv:
        assert fetch(srv.url, _entry(release, path), dest, wait=0)
    assert dest.read_bytes() == (release / path).read_bytes()


def _temp_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob(".*.tmp"))


def test_a_killed_download_leaves_no_partial_file_and_the_next_run_completes(release, tmp_path):
    path = "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"
    dest = tmp_path / "dl" / "DNASE.liver.fc.signal.bigwig"
    e = _entry(release, path)
    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO); "
        "from dreamtf.io.download import fetch; from dreamtf.io.manifest import Entry; "
        f"fetch(sys.argv[1], Entry({e.path!r}, {e.bytes}, {e.md5!r}), {str(dest)!r}, wait=0)"
    )
    with serve(release, {path: "stall"}) as srv:
        proc = subprocess.Popen([sys.executable, "-c", code, srv.url], stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not list(dest.parent.glob(".*.tmp")):
            time.sleep(0.05)
        while time.time() < deadline and _temp_bytes(dest.parent) < e.bytes // 4:  # half of it is sent
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not dest.exists() and len(list(dest.parent.glob(".*.tmp"))) == 1  # half a file, under a temp name
        srv.faults.clear()
        assert fetch(srv.url, e, dest, wait=0)
    assert dest.read_bytes() == (release / path).read_bytes()
    assert _left_over(dest.parent) == [dest.name]


def test_manifest_from_the_server_is_kept_and_a_bad_one_named_by_url(release, tmp_path):
    with serve(release) as srv:
        got = fetch_manifest(srv.url, tmp_path / "m.tsv", wait=0)
        assert got == read_manifest(release / "manifest.tsv")
        fetch_manifest(srv.url, tmp_path / "m.tsv", wait=0)
        assert srv.hits["manifest.tsv"] == 1
        (release / "manifest.tsv").write_text("path\tbytes\n")
        with pytest.raises(DreamTFError, match=rf"^{srv.url}/manifest.tsv, line 1: expected the header"):
            fetch_manifest(srv.url, tmp_path / "m2.tsv", wait=0)
    assert not (tmp_path / "m2.tsv").exists()


def test_unreachable_server_is_one_line(tmp_path):
    with socket_port() as port:
        url = f"http://127.0.0.1:{port}"
    with pytest.raises(DreamTFError, match=rf"^{url}/manifest.tsv: transfer failed \(ConnectionError"):
        fetch_manifest(url, tmp_path / "m.tsv", retries=1, wait=0)


class socket_port:
    """A loopback port that nothing listens on once the block ends."""

    def __enter__(self) -> int:
        import socket

        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.s.close()


def test_the_url_scheme_may_be_upper_case(release, tmp_path):
    path = "annotations/test_regions.blacklistfiltered.bed.gz"
    with serve(release) as srv:
        url = srv.url.replace("http://", "HTTP://")
        assert fetch_manifest(url, tmp_path / "m.tsv", wait=0) == read_manifest(release / "manifest.tsv")
        assert fetch(url, _entry(release, path), tmp_path / "r.bed.gz", wait=0)
    assert (tmp_path / "r.bed.gz").read_bytes() == (release / path).read_bytes()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "www.example.org/release", "s3://bucket/release"])
def test_a_url_that_is_not_http_or_ftp_is_refused_at_once(tmp_path, url):
    with pytest.raises(DreamTFError, match=r"expected an http://, https:// or ftp:// URL$") as err:
        fetch_manifest(url, tmp_path / "m.tsv", retries=3, wait=60)
    assert str(err.value).startswith(url) and not (tmp_path / "m.tsv").exists()


def test_ftp_urls_go_to_an_ftp_downloader_in_any_case(monkeypatch, tmp_path):
    import pooch

    from dreamtf.io.download import download

    calls = []

    class StandInFTP:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def __call__(self, url, output_file, _pooch):
            calls.append(url)
            Path(output_file).write_bytes(b"gtf lines\n")

    monkeypatch.setattr(pooch, "FTPDownloader", StandInFTP)
    for url in ("ftp://ftp.example.org/g.gtf.gz", "FTP://ftp.example.org/g.gtf.gz"):
        download(url, tmp_path / "g.gtf.gz", lambda tmp: None, name="g.gtf.gz", wait=0)
    assert calls == ["ftp://ftp.example.org/g.gtf.gz", "FTP://ftp.example.org/g.gtf.gz"]
    assert (tmp_path / "g.gtf.gz").read_bytes() == b"gtf lines\n"


def test_a_refused_ftp_file_is_not_asked_for_again(monkeypatch, tmp_path):
    import ftplib

    import pooch

    from dreamtf.io.download import download

    calls = []

    class Refusing:
        def __init__(self, **kwargs):
            pass

        def __call__(self, url, output_file, _pooch):
            calls.append(url)
            raise ftplib.error_perm("550 No such file or directory")

    monkeypatch.setattr(pooch, "FTPDownloader", Refusing)
    dest = tmp_path / "g.gtf.gz"
    with pytest.raises(DreamTFError, match=r"^ftp://h/g.gtf.gz: FTP 550 No such file or directory; nothing of g.gtf"):
        download("ftp://h/g.gtf.gz", dest, lambda tmp: None, name="g.gtf.gz", retries=3, wait=0)
    assert calls == ["ftp://h/g.gtf.gz"] and list(tmp_path.iterdir()) == []


def test_a_manifest_of_random_bytes_is_named_by_url(release, tmp_path):
    (release / "manifest.tsv").write_bytes(b"\x82" + os.urandom(3000))
    with serve(release) as srv:
        with pytest.raises(DreamTFError, match=rf"^{srv.url}/manifest.tsv, line 1: binary data, not text; expected a"):
            fetch_manifest(srv.url, tmp_path / "m.tsv", wait=0)
    assert not (tmp_path / "m.tsv").exists()


@pytest.mark.parametrize(
    "url, shown, base, auth",
    [
        ("https://user:tok3n@h.org/r", "https://***@h.org/r", "https://h.org/r", ("user", "tok3n")),
        ("https://tok3n@h.org/r", "https://***@h.org/r", "https://h.org/r", ("tok3n", "")),
        # an unescaped @ in the password: the host starts after the last one, as requests reads it
        ("http://u:p@ss@h.org:8/r?q=a@b", "http://***@h.org:8/r?q=a@b", "http://h.org:8/r?q=a@b", ("u", "p@ss")),
        ("FTP://u:p%3Aw@h/g.gz", "FTP://***@h/g.gz", "FTP://h/g.gz", ("u", "p:w")),
        ("https://h.org/r?mail=a@b.org", "https://h.org/r?mail=a@b.org", "https://h.org/r?mail=a@b.org", None),
    ],
)
def test_credentials_are_split_from_a_url_and_redacted(url, shown, base, auth):
    from dreamtf.io.download import redact_url, split_credentials

    assert redact_url(url) == shown
    assert redact_url(f"error: {url}: HTTP 401 (see {url})") == f"error: {shown}: HTTP 401 (see {shown})"
    assert split_credentials(url) == (base, auth)


def test_release_credentials_come_from_the_url_else_the_environment():
    from dreamtf.io.download import AUTH_ENV, release_credentials

    env = {AUTH_ENV: "alice:s3:cret"}
    assert release_credentials("https://h/r", env) == ("https://h/r", ("alice", "s3:cret"))
    assert release_credentials("https://bob:pw@h/r", env) == ("https://h/r", ("bob", "pw"))
    assert release_credentials("https://h/r", {}) == ("https://h/r", None)
    assert release_credentials("https://h/r", {AUTH_ENV: "t0ken"}) == ("https://h/r", ("t0ken", ""))


TOKEN = "s3cr3t-t0ken"


def test_a_login_is_sent_to_the_server_and_shown_nowhere(release, tmp_path, caplog):
    import logging

    path = "annotations/test_regions.blacklistfiltered.bed.gz"
    caplog.set_level(logging.INFO, logger="dreamtf")
    with serve(
        release, {"DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig": "missing"}, auth=("u", TOKEN)
    ) as srv:
        in_url = srv.url.replace("http://", f"http://u:{TOKEN}@")
        assert fetch_manifest(in_url, tmp_path / "m.tsv", wait=0) == read_manifest(release / "manifest.tsv")
        assert fetch(srv.url, _entry(release, path), tmp_path / "r.bed.gz", auth=("u", TOKEN), wait=0)
        assert (tmp_path / "r.bed.gz").read_bytes() == (release / path).read_bytes()
        assert srv.refused == 0
        lines = []
        for base, auth in ((srv.url.replace("http://", "http://u:wrong@"), None), (srv.url, ("u", "wrong"))):
            with pytest.raises(DreamTFError) as err:  # a wrong password: refused, not asked again
                fetch_manifest(base, tmp_path / "m2.tsv", auth=auth, retries=2, wait=0)
            lines.append(str(err.value))
        with pytest.raises(DreamTFError) as err:  # a missing file, with the right login
            fetch(in_url, _entry(release, "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"),
                  tmp_path / "dl.bigwig", retries=1, wait=0)  # fmt: skip
        lines.append(str(err.value))
        assert srv.refused == 2
    shown = srv.url.replace("http://", "http://***@")
    assert lines[0] == lines[1] == f"{shown}/manifest.tsv: HTTP 401 Unauthorized; nothing of manifest.tsv was kept"
    assert lines[2].startswith(f"{shown}/DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig: HTTP 404")
    assert f"reading the release manifest {shown}/manifest.tsv" in caplog.text
    for text in (*lines, caplog.text):
        assert TOKEN not in text and "wrong" not in text
    assert not (tmp_path / "m2.tsv").exists() and not (tmp_path / "dl.bigwig").exists()


def test_an_ftp_login_goes_to_the_ftp_downloader_and_not_into_its_url(monkeypatch, tmp_path):
    import ftplib

    import pooch

    from dreamtf.io.download import download

    calls = []

    class Refusing:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def __call__(self, url, output_file, _pooch):
            calls.append((url, self.kwargs["username"], self.kwargs["password"]))
            raise ftplib.error_perm(f"530 Login incorrect for {url}")

    monkeypatch.setattr(pooch, "FTPDownloader", Refusing)
    with pytest.raises(DreamTFError) as err:
        download(f"ftp://anna:{TOKEN}@h/g.gtf.gz", tmp_path / "g.gtf.gz", lambda tmp: None, name="g.gtf.gz", wait=0)
    assert calls == [("ftp://h/g.gtf.gz", "anna", TOKEN)]
    assert str(err.value).startswith("ftp://***@h/g.gtf.gz: FTP 530 Login incorrect") and TOKEN not in str(err.value)


def test_a_file_link_out_of_the_release_is_refused_by_name(release, tmp_path, capsys):
    """A server publishing the release would publish the link's target: one line, no manifest."""
    secret = tmp_path / "elsewhere" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text("private key")
    (release / "manifest.tsv").unlink()
    link = release / "annotations" / "extra.bed.gz"
    link.symlink_to(secret)
    with pytest.raises(DreamTFError) as err:
        write_manifest(release)
    assert str(err.value) == (
        f"{link}: a symbolic link to {secret}, outside the release; a server would publish its target: "
        "copy the file into the release or remove the link"
    )
    assert cli(["manifest", str(release)]) == 1
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert len(err_lines) == 1 and str(link) in err_lines[0] and "Traceback" not in err_lines[0]
    assert _left_over(release) == [".hidden", "DNASE", "annotations"]  # no manifest, no temporary file
    assert _left_over(secret.parent) == ["id_rsa"]


@pytest.mark.parametrize("kind", ["folder", "relative folder", "broken"])
def test_a_folder_or_broken_link_out_of_the_release_is_refused(release, tmp_path, kind):
    outside = tmp_path / "elsewhere"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "f.txt").write_text("not the release's")
    link = release / "DNASE" / "peaks"
    target = {"folder": outside, "relative folder": Path("../../elsewhere"), "broken": outside / "gone"}[kind]
    link.symlink_to(target)
    with pytest.raises(DreamTFError, match=rf"^{link}: a symbolic link to .*, outside the release"):
        write_manifest(release)


def test_links_inside_the_release_are_listed_or_skipped(release):
    """A file link to a file of the release is listed under its own name (the server serves it
    there); a folder link inside is not entered, its files being listed where they are."""
    bigwig = "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"
    (release / "DNASE" / "fold_coverage_wiggles" / "DNASE.HepG2.fc.signal.bigwig").symlink_to(
        "DNASE.liver.fc.signal.bigwig"
    )
    (release / "annotations" / "same").symlink_to("../DNASE")
    (release / "loop").symlink_to(".")
    write_manifest(release)
    m = read_manifest(release / "manifest.tsv")
    assert sorted(m) == sorted(
        [
            bigwig,
            "DNASE/fold_coverage_wiggles/DNASE.HepG2.fc.signal.bigwig",
            "annotations/test_regions.blacklistfiltered.bed.gz",
        ]
    )
    assert m["DNASE/fold_coverage_wiggles/DNASE.HepG2.fc.signal.bigwig"].md5 == m[bigwig].md5
