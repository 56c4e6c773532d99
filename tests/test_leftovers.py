"""After a killed job nothing is left behind, a failed write leaves nothing, and identical runs give identical bytes."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import SIM, TINY_SIZES, TINY_TFS
from dreamtf.errors import DreamTFError
from dreamtf.io.windowtable import write_labels

STARTS = np.arange(600, 600 + 50 * 400, 50)


def test_a_killed_jobs_temporary_files_are_removed_by_the_next_attempt(tmp_path, monkeypatch):
    from dreamtf import imports
    from dreamtf.rule import run as run_rule

    monkeypatch.setattr(imports, "_jobs", False)  # run() marks the process a job's; undone after the test

    out = tmp_path / "features" / "HepG2.npz"
    out.parent.mkdir()
    stale = [out.parent / ".HepG2.npz.x1y2.tmp", out.parent / ".HepG2.npz.partial-abc"]
    stale[0].write_bytes(b"half")
    stale[1].mkdir()
    other = out.parent / ".K562.npz.x1y2.tmp"  # another job's: not touched
    other.write_bytes(b"busy")
    run_rule(lambda smk: out.write_bytes(b"done"), SimpleNamespace(log=[], output=[str(out)]))
    assert out.read_bytes() == b"done" and not any(p.exists() for p in stale) and other.exists()


def test_simulator_clears_a_killed_runs_staging_folder(tmp_path):
    from dreamtf.simrelease import write_simulated_release

    out = tmp_path / "release"
    (tmp_path / ".release.partial-old").mkdir()
    small = {c: n for c, n in TINY_SIZES.items() if c in ("chr1", "chr8", "chr21", "chr2")}
    write_simulated_release(out, seed=7, chrom_sizes=small, tfs=TINY_TFS, **SIM)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]


def test_feature_and_model_archives_are_byte_identical_across_time(tmp_path, monkeypatch):
    import time

    from dreamtf.io.archive import write_archive
    from dreamtf.io.featurefile import write_feature_file

    def write(tag):
        items = [("chr1", STARTS, np.ones((len(STARTS), 2), np.float32), ["a", "b"])]
        write_feature_file(tmp_path / f"{tag}.npz", iter(items))
        write_archive(tmp_path / f"{tag}.zip", {"round0.ubj": b"\x00\x01", "meta.json": b"{}"})

    write("first")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 86_400 * 400)
    write("later")
    for ext in ("npz", "zip"):
        assert Path(tmp_path / f"first.{ext}").read_bytes() == Path(tmp_path / f"later.{ext}").read_bytes()


def test_labels_gz_of_a_failed_write_is_not_left_behind(tmp_path):
    def rows():
        yield "chr1", STARTS, np.zeros(len(STARTS), np.uint8)
        raise DreamTFError("stop half way")

    with pytest.raises(DreamTFError):
        write_labels(tmp_path / "l.tsv.gz", ["K562"], rows(), size=200)
    assert list(tmp_path.iterdir()) == []
