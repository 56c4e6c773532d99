"""Score tracks: a submission as a bigWig that genome browsers load beside DNase and ChIP-seq."""

import numpy as np
import pyBigWig
import pytest

from dreamtf.errors import DreamTFError
from dreamtf.io.windowtable import read_predictions, write_predictions
from dreamtf.tracks import window_step, write_score_track


def _predictions(tmp_path, items, name="F.CTCF.liver.tab.gz"):
    path = tmp_path / name
    write_predictions(path, items, size=200)
    return read_predictions(path, size=200)


def test_each_window_score_is_drawn_over_its_central_step(tmp_path):
    rng = np.random.default_rng(0)
    # chr1 with a gap (a blacklisted stretch), chr2 listed before chr10 on purpose
    s1 = np.r_[50 * np.arange(0, 40), 50 * np.arange(60, 100)]
    s2 = 50 * np.arange(30)
    v1, v2 = rng.random(len(s1)).round(6), rng.random(len(s2)).round(6)
    pred = _predictions(tmp_path, [("chr10", s2, v2), ("chr1", s1, v1)])
    assert window_step(pred) == 50
    out = tmp_path / "tracks" / "CTCF.liver.bigWig"
    sizes = {"chr1": 6000, "chr10": 2000, "chrX": 9000}
    assert write_score_track(pred, sizes, out) == len(s1) + len(s2)
    bw = pyBigWig.open(str(out))
    assert bw.chroms() == {"chr1": 6000, "chr10": 2000}  # natural order, only the predicted chromosomes
    entries = bw.intervals("chr1")
    assert [e[0] for e in entries] == (s1 + 75).tolist() and all(e[1] - e[0] == 50 for e in entries)
    assert np.allclose([e[2] for e in entries], v1, atol=1e-6)
    # the window chr10:300-500 is centred on 375-425
    assert np.isclose(bw.values("chr10", 375, 425)[0], v2[6], atol=1e-6)
    assert np.isnan(bw.values("chr1", 2100, 2101)[0])  # the gap stays empty
    bw.close()


def test_a_chromosome_missing_from_chrom_sizes_is_one_line(tmp_path):
    pred = _predictions(tmp_path, [("chr1", 50 * np.arange(5), np.ones(5))])
    with pytest.raises(
        DreamTFError, match=r"F\.CTCF\.liver\.tab\.gz: chromosome chr1 is not in the genome's chrom.sizes"
    ):
        write_score_track(pred, {"chr2": 1000}, tmp_path / "x.bigWig")
    assert not (tmp_path / "x.bigWig").exists()


def test_windows_out_of_order_are_one_line_and_leave_no_track(tmp_path):
    pred = _predictions(tmp_path, [("chr1", np.array([0, 50, 100, 50, 200]), np.ones(5))])
    with pytest.raises(DreamTFError, match=r"window chr1:50-250 is out of order"):
        write_score_track(pred, {"chr1": 1000}, tmp_path / "x.bigWig")
    assert list(tmp_path.glob("*.bigWig*")) == []


def _sizes_and_file(tmp_path, rng):
    """chr10 before chr1 and chr2 in the file (the region files' order need not be natural)."""
    sizes = {"chr1": 20_000, "chr2": 9_000, "chr10": 12_000}
    items = [(c, 600 + 50 * np.arange((sizes[c] - 1000) // 50), None) for c in ("chr10", "chr1", "chr2")]
    items = [(c, s, rng.random(len(s))) for c, s, _ in items]
    items[1] = ("chr1", np.delete(items[1][1], np.s_[40:90]), np.delete(items[1][2], np.s_[40:90]))  # a gap
    path = tmp_path / "F.CTCF.liver.tab.gz"
    write_predictions(path, items, size=200)
    return sizes, path


def test_a_streamed_file_gives_the_same_bytes_as_the_whole_table(tmp_path, rng):
    from dreamtf.io.windowstream import iter_predictions

    sizes, path = _sizes_and_file(tmp_path, rng)
    whole, streamed = tmp_path / "whole.bigWig", tmp_path / "streamed.bigWig"
    n = write_score_track(read_predictions(path, size=200), sizes, whole)
    assert write_score_track(iter_predictions(path, size=200), sizes, streamed) == n
    assert whole.read_bytes() == streamed.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, whole.name, streamed.name])  # no scratch


def test_values_are_the_scores_rounded_to_float32(tmp_path, rng):
    sizes, path = _sizes_and_file(tmp_path, rng)
    pred = read_predictions(path, size=200)
    write_score_track(pred, sizes, tmp_path / "t.bigWig")
    bw = pyBigWig.open(str(tmp_path / "t.bigWig"))
    rows = pred.chrom_rows("chr2")
    got = np.array([e[2] for e in bw.intervals("chr2")], dtype=np.float32)
    np.testing.assert_array_equal(got, pred.score[rows].astype(np.float32))
    bw.close()


def test_zoom_levels_are_bounded(tmp_path, monkeypatch):
    import dreamtf.tracks as tracks

    asked = []

    class Recording(tracks.BigWigWriter):
        def __init__(self, path, sizes, max_zooms):
            asked.append(max_zooms)
            super().__init__(path, sizes, max_zooms=max_zooms)

    monkeypatch.setattr(tracks, "BigWigWriter", Recording)
    starts = 600 + 50 * np.arange(2000)
    pred = _predictions(tmp_path, [("chr1", starts, np.linspace(0, 1, len(starts)))])
    for zooms, levels in ((None, 1), (0, 0)):  # libBigWig keeps one level here: a second would need as many blocks
        out = tmp_path / f"z{zooms}.bigWig"
        write_score_track(pred, {"chr1": 300_000_000}, out, **({} if zooms is None else {"max_zooms": zooms}))
        bw = pyBigWig.open(str(out))
        assert bw.header()["nLevels"] == levels and bw.values("chr1", 675, 676)[0] == 0
        bw.close()
    assert asked == [tracks.TRACK_ZOOMS, 0]


def test_a_chromosome_split_in_the_stream_leaves_no_track_and_no_scratch(tmp_path):
    from dreamtf.io.windowstream import iter_predictions

    a, b = 600 + 50 * np.arange(3), 600 + 50 * np.arange(3, 6)
    path = tmp_path / "p.tab.gz"
    write_predictions(path, [("chr1", a, np.ones(3)), ("chr2", a, np.ones(3)), ("chr1", b, np.ones(3))], size=200)
    with pytest.raises(DreamTFError, match=r"p\.tab\.gz, line 7: chr1 again after other chromosomes"):
        write_score_track(iter_predictions(path, size=200), {"chr1": 5000, "chr2": 5000}, tmp_path / "x.bigWig")
    assert [p.name for p in tmp_path.iterdir()] == ["p.tab.gz"]


def test_an_empty_table_is_one_line(tmp_path):
    from dreamtf.io.windowtable import WindowTable

    empty = WindowTable("p.tab", [], np.empty(0, np.int32), np.empty(0, np.int64), 200, ["score"], np.empty((0, 1)))
    with pytest.raises(DreamTFError, match=r"p\.tab: no windows to draw"):
        write_score_track(empty, {"chr1": 1000}, tmp_path / "x.bigWig")
