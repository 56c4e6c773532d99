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
