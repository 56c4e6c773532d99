import numpy as np
import pytest

from conftest import write_bigwig
from dreamtf.baseline import predict_max_dnase
from dreamtf.errors import DreamTFError
from dreamtf.io.narrowpeak import read_narrowpeak, write_narrowpeak
from dreamtf.io.windowtable import WindowTable
from dreamtf.peaks import call_peaks, peaks_from_predictions
from dreamtf.windows import window_stat


def test_window_stat_max_and_mean_by_hand():
    v = np.zeros(2000, dtype=np.float32)
    v[700:710] = 5
    v[900] = 9
    starts = np.array([600, 650, 700, 750, 800, 850, 900])
    # [700, 900) holds the 5s but not position 900, [750, 950) holds the 9
    assert window_stat(v, starts, 200, "max").tolist() == [5, 5, 5, 9, 9, 9, 9]
    np.testing.assert_allclose(window_stat(v, starts, 200, "mean"), np.array([50, 50, 50, 9, 9, 9, 9]) / 200)


def test_window_stat_rejects_windows_past_the_end():
    with pytest.raises(DreamTFError, match="past the chromosome end"):
        window_stat(np.zeros(500, np.float32), np.array([400]), 200)


def test_baseline_reads_a_real_bigwig(tmp_path):
    bw = write_bigwig(tmp_path / "d.bw", {"chr1": 3000}, {"chr1": [(700, 720, 4.0), (1000, 1050, 12.5)]})
    mean = (20 * 4.0 + 50 * 12.5) / 70  # over the bases with signal
    genome = {"chr1": 3000, "chr2": 500}  # the track lacks chr2: its mean is over chr1 alone
    [(chrom, starts, scores)] = list(
        predict_max_dnase(bw, iter([("chr1", np.array([600, 650, 850, 1200]), 200)]), genome)
    )
    assert chrom == "chr1" and np.allclose(scores * mean, [4.0, 4.0, 12.5, 0.0], rtol=1e-6)
    with pytest.raises(DreamTFError, match=r"d.bw: no chromosome '1'"):
        list(predict_max_dnase(bw, iter([("1", np.array([600]), 200)]), genome))
    with pytest.raises(DreamTFError, match=r"d.bw: no signal above 0 on the genome's chromosomes"):
        list(predict_max_dnase(bw, iter([]), {"chr9": 100}))
    # a genome with more sequence and no signal on it (another build's gaps): the same scores
    bigger = write_bigwig(
        tmp_path / "e.bw", {"chr1": 3000, "chr9": 90_000}, {"chr1": [(700, 720, 4.0), (1000, 1050, 12.5)]}
    )
    [(_, _, again)] = list(predict_max_dnase(bigger, iter([("chr1", starts, 200)]), {"chr1": 3000, "chr9": 90_000}))
    assert np.array_equal(again, scores)


@pytest.mark.parametrize("factor", [4.0, 5.0, 0.37])
def test_the_baselines_scores_do_not_depend_on_the_tracks_scale(tmp_path, factor):
    """A fold-change track and the same track times a constant (CPM against fold change) give the
    same scores: exactly for a power of two, to float32's precision (the track's) for any other factor."""
    rng = np.random.default_rng(1)
    sizes = {"chr1": 200_000, "chr2": 120_000}
    entries = {}
    for c, n in sizes.items():
        starts = np.sort(rng.choice(n // 20, 400, replace=False)) * 20
        entries[c] = [(int(s), int(s) + 20, float(v)) for s, v in zip(starts, rng.gamma(2, 3, 400).round(3))]
    one = write_bigwig(tmp_path / "one.bw", sizes, entries)
    scaled = {c: [(s, e, v * factor) for s, e, v in rows] for c, rows in entries.items()}
    other = write_bigwig(tmp_path / "other.bw", sizes, scaled)
    grid = [(c, np.arange(0, n - 200, 50), 200) for c, n in sizes.items()]
    a = np.concatenate([s for _, _, s in predict_max_dnase(one, iter(grid), sizes)])
    b = np.concatenate([s for _, _, s in predict_max_dnase(other, iter(grid), sizes)])
    if factor == 4.0:
        assert np.array_equal(a, b)
    assert np.allclose(a, b, rtol=2e-7, atol=0) and a.max() > 2


def test_call_peaks_merges_overlapping_windows():
    starts = np.arange(600, 600 + 50 * 12, 50)
    scores = np.array([0, 5, 6, 9, 4, 0, 0, 0, 0, 7, 0, 8], dtype=float)
    p = call_peaks(starts, scores, size=200, threshold=4)
    # windows 650..800 overlap (one peak to 1000); 1050 starts after 1000; 1150 overlaps 1050's window
    assert p.start.tolist() == [650, 1050]
    assert p.end.tolist() == [1000, 1350]
    assert p.summit.tolist() == [850, 1250]  # centre of each peak's best window
    assert p.signal.tolist() == [9, 8]
    touching = call_peaks(starts, np.array([0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 5.0]), size=200, threshold=1)
    assert touching.start.tolist() == [950] and touching.end.tolist() == [1350]  # 950-1150 touches 1150-1350


def test_peaks_roundtrip_and_threshold(tmp_path):
    n = 1000
    starts = np.arange(600, 600 + 50 * n, 50)
    scores = np.zeros(n)
    scores[100:104] = [1, 3, 2, 1]
    pred = WindowTable("p.tab", ["chr1"], np.zeros(n, np.int32), starts, 200, ["score"], scores[:, None])
    peaks, thr = peaks_from_predictions(pred, 200, {"threshold": "top_fraction", "top_fraction": 0.5, "max_gap": 0})
    assert thr == 1.0  # the median is 0, but windows tied at the lowest score never pass
    path = tmp_path / "p.narrowPeak.gz"
    assert write_narrowpeak(path, peaks) == 1
    back = read_narrowpeak(path)["chr1"]
    assert back.start.tolist() == [starts[100]] and back.end.tolist() == [starts[103] + 200]
    assert back.summit.tolist() == [starts[101] + 100]


def test_predictions_must_match_the_region_file():
    starts = np.array([600, 650, 700])
    regions = WindowTable("r.bed", ["chr1"], np.zeros(3, np.int32), starts, 200)
    pred = WindowTable(
        "p.tab", ["chr1"], np.zeros(3, np.int32), np.array([600, 700, 650]), 200, ["score"], np.ones((3, 1))
    )
    with pytest.raises(
        DreamTFError, match=r"p.tab, line 2: row chr1:700-900 does not match line 2 of r.bed \(chr1:650-850\)"
    ):
        pred.check_same_windows(regions)
    short = WindowTable("p.tab", ["chr1"], np.zeros(2, np.int32), starts[:2], 200, ["score"], np.ones((2, 1)))
    with pytest.raises(DreamTFError, match=r"p.tab: 2 windows of 200 bp, but r.bed has 3 of 200 bp"):
        short.check_same_windows(regions)


@pytest.mark.parametrize("stat", ["max", "mean"])
def test_chunked_bigwig_reading_equals_whole_chromosome(tmp_path, rng, stat):
    from dreamtf.baseline import track_window_stat
    from dreamtf.io.bigwig import BigWigTrack, chrom_values, open_bigwig

    starts_iv = np.sort(rng.choice(np.arange(0, 99_000, 10), 400, replace=False))
    entries = [(int(a), int(a) + 10, float(v)) for a, v in zip(starts_iv, rng.random(400) * 50)]
    path = write_bigwig(tmp_path / "d.bw", {"chr2": 100_000}, {"chr2": entries})
    starts = np.arange(600, 100_000 - 600, 50)
    bw = open_bigwig(path)
    whole = window_stat(chrom_values(bw, "chr2"), starts, 200, stat)
    bw.close()
    with BigWigTrack(path) as track:
        for chunk in (1_000, 7_777, 10_000_000):
            got = track_window_stat(track, "chr2", starts, 200, stat, chunk=chunk)
            np.testing.assert_allclose(got, whole, rtol=1e-6)


def _score_sets(rng):
    """Score arrays with what trips order statistics: ties, a floor of zeros, negatives, one value."""
    yield rng.random(5000).round(3)
    z = np.zeros(4000)
    z[rng.choice(4000, 30, replace=False)] = rng.random(30)
    yield z  # mostly the lowest score: top-k never passes the floor
    yield rng.normal(0, 1, 3000)
    yield np.full(2000, 0.25)
    yield np.r_[np.full(1000, -0.0), np.zeros(1000), rng.random(10)]


@pytest.mark.parametrize(
    "settings",
    [
        {"threshold": "top_fraction", "top_fraction": 0.01},
        {"threshold": "top_fraction", "top_fraction": 0.5},
        {"threshold": "top_fraction", "top_fraction": 1.0},
        {"threshold": "top_fraction", "top_fraction": 1e-6},
        {"threshold": "top_n", "top_n": 1},
        {"threshold": "top_n", "top_n": 37},
        {"threshold": "top_n", "top_n": 10**9},
    ],
)
@pytest.mark.parametrize("collect", [0, 50, 1 << 22])  # 0: every key bit resolved by histograms
def test_streamed_threshold_equals_the_whole_array_threshold(rng, settings, collect):
    from dreamtf.peaks import peak_threshold, stream_threshold

    for scores in _score_sets(rng):
        cuts = np.sort(rng.choice(len(scores), 4, replace=False))
        want = peak_threshold(scores, settings, None)
        chunks = np.split(scores, cuts)
        got = stream_threshold(lambda chunks=chunks: iter(chunks), settings, None, collect=collect)
        assert got == want


def test_fixed_thresholds_read_no_scores_and_bad_settings_are_one_line():
    from dreamtf.peaks import stream_threshold

    def unread():
        raise AssertionError("the scores were read")

    assert stream_threshold(unread, {"threshold": "score", "score": 0.3}, None) == 0.3
    assert stream_threshold(unread, {"threshold": "precision"}, {"threshold": 0.7}) == 0.7
    assert stream_threshold(unread, {"threshold": "precision"}, {"threshold": None}) == np.inf
    with pytest.raises(DreamTFError, match=r"peaks.top_fraction must be in \(0, 1\], got 1.5"):
        stream_threshold(unread, {"threshold": "top_fraction", "top_fraction": 1.5}, None)
    with pytest.raises(DreamTFError, match="peaks.threshold must be one of precision, .*got 'best'"):
        stream_threshold(unread, {"threshold": "best"}, None)


@pytest.mark.parametrize("mode", ["precision", "top_fraction", "top_n"])
def test_peaks_called_chromosome_by_chromosome_give_the_same_file(tmp_path, rng, mode):
    from dreamtf.io.windowstream import check_same_window_stream, iter_predictions, iter_regions
    from dreamtf.io.windowtable import read_predictions, write_predictions, write_regions
    from dreamtf.peaks import peaks_by_chrom, stream_threshold

    items = []
    for chrom, n in (("chr2", 3000), ("chr1", 4000), ("chrX", 1500)):
        s = rng.beta(0.5, 8, n)
        s[rng.choice(n, 40)] = 0.9
        items.append((chrom, 600 + 50 * np.arange(n), s))
    pred_path, reg_path = tmp_path / "p.tab.gz", tmp_path / "r.bed.gz"
    write_predictions(pred_path, items, size=200)
    write_regions(reg_path, [(c, s) for c, s, _ in items], size=200)
    settings = {"threshold": mode, "top_fraction": 0.02, "top_n": 150, "max_gap": 100}
    calib = {"threshold": 0.4, "curve": {"score": [0.9, 0.5, 0.1], "q": [0.01, 0.1, 0.5]}}
    whole, thr = peaks_from_predictions(read_predictions(pred_path, size=200), 200, settings, calib)

    def scores():
        return (t.score for t in iter_predictions(pred_path, size=200))

    assert stream_threshold(scores, settings, calib) == thr
    checked = check_same_window_stream(iter_predictions(pred_path, size=200), iter_regions(reg_path, size=200))
    streamed = peaks_by_chrom(((t.chroms[0], t.start, t.score) for t in checked), 200, thr, 100, calib)
    assert sum(len(p) for p in whole.values()) > 10
    write_narrowpeak(tmp_path / "whole.narrowPeak.gz", whole)
    write_narrowpeak(tmp_path / "streamed.narrowPeak.gz", streamed)
    assert (tmp_path / "whole.narrowPeak.gz").read_bytes() == (tmp_path / "streamed.narrowPeak.gz").read_bytes()
