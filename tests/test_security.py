"""Bad paths and logins against real workflow runs: one line and a non-zero exit, nothing written
outside the run directory and release.path, and a login in release.url in no line and no file.

Snakemake records every job's params in ``.snakemake/metadata`` and pickles the config into
each job's script (``.snakemake/scripts``, kept here by ``--skip-script-cleanup``): the login
must reach neither, nor the logs.
"""

import base64
import shutil
from pathlib import Path

import pytest
import yaml
from http_server import serve
from workflow_runs import TINY_CONFIG, snakemake

from dreamtf.io.download import AUTH_ENV
from dreamtf.io.manifest import write_manifest

pytestmark = pytest.mark.slow

TOKEN = "s3cr3t-t0ken-4711"
BIGWIG = "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"


def _config(tmp_path: Path, **release) -> Path:
    cfg = yaml.safe_load(TINY_CONFIG.read_text())
    cfg["release"].update(release)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())


@pytest.mark.parametrize(
    "release, key",
    [
        # the simulator once wrote 21 files beside such a FASTA, the release root being its grandparent
        ({"fasta": "{outside}/a/b/path.fa.gz"}, "release.fasta"),
        ({"fasta": "../../../outside/path.fa.gz"}, "release.fasta"),
        ({"path": ".."}, "release.path"),  # the folder that holds the run directory
        ({"path": "{work}"}, "release.path"),
    ],
)
def test_a_bad_path_stops_the_run_before_anything_is_written(tmp_path, release, key):
    outside, work = tmp_path / "outside", tmp_path / "work"
    outside.mkdir()
    filled = {k: v.format(outside=outside, work=work) for k, v in release.items()}
    cfg = _config(tmp_path, **filled)
    r = snakemake(work, "--configfile", str(cfg))  # a real run: the check, not a dry run, keeps it out
    assert r.returncode != 0
    lines = [line for line in (r.stdout + r.stderr).splitlines() if f"'{key}'" in line]
    assert lines == [f"{cfg}: '{key}': expected " + lines[0].split(": expected ", 1)[1]], r.stderr[-2000:]
    assert f"got {filled[key.split('.')[1]]!r}" in lines[0] and "Traceback" not in r.stdout + r.stderr
    # nothing but Snakemake's own log of the failed start, in the run directory
    assert _files(outside) == []
    assert [f for f in _files(tmp_path) if not f.startswith("work/.snakemake/log/")] == ["c.yaml"]


@pytest.fixture
def served(tiny_release, tmp_path) -> Path:
    """A copy of the tiny release with its manifest, for a loopback server to serve."""
    folder = tmp_path / "served"
    shutil.copytree(tiny_release, folder)
    write_manifest(folder)
    return folder


def _leaks(secret: str, work: Path, run) -> list[str]:
    """Where ``secret`` (or its basic-authentication form) appears: the run's output or files under ``work``."""
    needles = [secret.encode(), base64.b64encode(f"reader:{secret}".encode())]
    found = [name for name, text in (("stdout", run.stdout), ("stderr", run.stderr)) if secret in text]
    for rel in _files(work):
        data = (work / rel).read_bytes()
        found += [rel for n in needles if n in data]
    return found


def test_a_login_in_release_url_downloads_and_is_kept_nowhere(served, tmp_path, monkeypatch):
    monkeypatch.delenv(AUTH_ENV, raising=False)
    work = tmp_path / "work"
    with serve(served, auth=("reader", TOKEN)) as srv:
        cfg = _config(tmp_path, source="http", url=srv.url.replace("http://", f"http://reader:{TOKEN}@"))
        r = snakemake(work, "results/release/cells/liver.json", "--skip-script-cleanup", "--configfile", str(cfg))
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert srv.refused == 0 and srv.hits[BIGWIG] == 1
    assert (work / "resources/release" / BIGWIG).read_bytes() == (served / BIGWIG).read_bytes()
    assert (work / "results/release/chrom.sizes").is_file()
    # where the login would have been: the download jobs' recorded params and their scripts
    metadata = [work / ".snakemake/metadata" / f for f in _files(work / ".snakemake/metadata")]
    assert any(srv.url.encode() in p.read_bytes() for p in metadata), "the URL is not among the recorded params"
    assert list((work / ".snakemake/scripts").glob("*.download_release_file.py"))
    assert (work / "logs/download_release_file" / f"{BIGWIG}.log").is_file()
    assert _leaks(TOKEN, work, r) == []


def test_a_login_from_the_environment_downloads(served, tmp_path, monkeypatch):
    """DREAMTF_RELEASE_AUTH keeps the login out of the config file too."""
    monkeypatch.setenv(AUTH_ENV, f"reader:{TOKEN}")
    work = tmp_path / "work"
    target = "resources/release/annotations/test_regions.blacklistfiltered.bed.gz"
    with serve(served, auth=("reader", TOKEN)) as srv:
        r = snakemake(work, target, "--configfile", str(_config(tmp_path, source="http", url=srv.url)))
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert srv.refused == 0
    assert (work / target).read_bytes() == (served / target.split("/", 2)[2]).read_bytes()
    assert _leaks(TOKEN, work, r) == []


def test_a_wrong_login_is_one_line_without_it(served, tmp_path, monkeypatch):
    monkeypatch.delenv(AUTH_ENV, raising=False)
    work = tmp_path / "work"
    with serve(served, auth=("reader", "the-right-one")) as srv:
        cfg = _config(tmp_path, source="http", url=srv.url.replace("http://", f"http://reader:{TOKEN}@"))
        r = snakemake(work, "--configfile", str(cfg), "-n")
        assert srv.refused == 1
    assert r.returncode != 0
    shown = srv.url.replace("http://", "http://***@")
    line = f"release.url: {shown}/manifest.tsv: HTTP 401 Unauthorized; nothing of manifest.tsv was kept"
    assert line in (r.stdout + r.stderr).splitlines()
    assert _leaks(TOKEN, work, r) == []
    assert [f for f in _files(work) if not f.startswith(".snakemake/log/")] == []


def test_a_missing_file_is_one_line_without_the_login(served, tmp_path, monkeypatch):
    monkeypatch.delenv(AUTH_ENV, raising=False)
    work = tmp_path / "work"
    with serve(served, {BIGWIG: "missing"}, auth=("reader", TOKEN)) as srv:
        cfg = _config(tmp_path, source="http", url=srv.url.replace("http://", f"http://reader:{TOKEN}@"))
        r = snakemake(work, "results/release/cells/liver.json", "--skip-script-cleanup", "--configfile", str(cfg))
    assert r.returncode != 0
    log = (work / "logs/download_release_file" / f"{BIGWIG}.log").read_text()
    shown = srv.url.replace("http://", "http://***@")
    errors = [line for line in log.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {shown}/{BIGWIG}: HTTP 404 Not Found; nothing of {BIGWIG} was kept"]
    assert not (work / "resources/release" / BIGWIG).exists()
    assert _leaks(TOKEN, work, r) == []


def test_a_synapse_listing_path_out_of_the_release_is_one_line(tmp_path):
    """The listing kept from an earlier run names each download's output: none may leave the release."""
    work = tmp_path / "work"
    listing = work / "resources/release/synapse.tsv"
    listing.parent.mkdir(parents=True)
    listing.write_text("path\tsynapse_id\nannotations/hg19.genome.fa.gz\tsyn1\n../../escaped.bed.gz\tsyn2\n")
    r = snakemake(work, "-n", "--configfile", str(_config(tmp_path, source="synapse")))
    assert r.returncode != 0
    line = "resources/release/synapse.tsv: path '../../escaped.bed.gz' is not a plain relative path inside the release"
    assert line in (r.stdout + r.stderr).splitlines()
    assert [f for f in _files(tmp_path) if not f.startswith("work/.snakemake/log/")] == [
        "c.yaml",
        "work/resources/release/synapse.tsv",
    ]
