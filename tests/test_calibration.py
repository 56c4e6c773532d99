"""Calibrated thresholds, q-values, peak-list thresholds and peak-level precision and recall."""

import numpy as np
import pybedtools
import pytest

from dreamtf import calibration as cal
from dreamtf.errors import DreamTFError
from dreamtf.io.narrowpeak import Peaks, read_narrowpeak, write_narrowpeak
from dreamtf.io.windowtable import WindowTable
from dreamtf.peaks import peak_precision_recall, peak_threshold, peaks_from_predictions

U, A, B = 0, 1, 2


def test_fdr_curve_by_hand():
    scores = np.array([0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.1])
    codes = np.array([B, B, U, A, U, B, U])
    c = cal.fdr_curve(scores, codes)
    # A at 0.7 dropped; thresholds 0.9, 0.8, 0.5, 0.1
    assert c.score.tolist() == [0.9, 0.8, 0.5, 0.1]
    assert c.passing.tolist() == [1, 3, 5, 6]
    assert c.bound.tolist() == [1, 2, 3, 3]
    assert np.allclose(c.fdr, [1 / 2, 2 / 4, 3 / 6, 4 / 7])
    assert np.allclose(c.q, [1 / 2, 1 / 2, 1 / 2, 4 / 7])


def brute_force_threshold(scores, codes, precision):
    """The lowest distinct score whose add-one precision reaches the target, by looping."""
    keep = codes != A
    s, y = scores[keep], codes[keep] == B
    best = None
    for t in np.unique(s):
        hit = s >= t
        if y[hit].sum() / (hit.sum() + 1) >= precision - 1e-12:
            best = t if best is None else min(best, t)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_calibrated_threshold_equals_a_brute_force_search(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    codes = rng.choice([U, A, B], size=n, p=[0.9, 0.03, 0.07])
    scores = np.round(rng.normal(size=n) + 2.5 * (codes == B), 2)  # rounded: many ties
    for target in (0.5, 0.8, 0.95):
        got = cal.calibrate(scores, codes, target)
        want = brute_force_threshold(scores, codes, target)
        assert got["threshold"] == want
        if want is not None:
            hit = (scores >= want) & (codes != A)
            assert got["passing"] == hit.sum() and got["bound"] == (hit & (codes == B)).sum()
            assert got["estimated_precision"] >= target
            # the q-value of the threshold itself is the FDR estimate there
            assert cal.q_values(got, [want])[0] == pytest.approx(1 - got["estimated_precision"])


def test_unreachable_target_and_no_bound_windows():
    scores = np.array([1.0, 0.5, 0.2])
    got = cal.calibrate(scores, np.array([U, B, U]), 0.9)
    assert got["threshold"] is None
    assert got["best_estimated_precision"] == pytest.approx(1 - 2 / 3)  # 0.5 passes 2 with 1 bound: FDR 2/3
    none = cal.calibrate(scores, np.array([U, U, A]), 0.9)
    assert none["threshold"] is None and none["curve"] == {"score": [], "q": []}
    assert np.isnan(cal.q_values(none, [0.3])).all()
    with pytest.raises(DreamTFError, match="strictly between 0 and 1"):
        cal.calibrate(scores, np.array([U, B, U]), 1.0)


def test_a_thinned_curve_never_understates_q(monkeypatch):
    rng = np.random.default_rng(7)
    codes = rng.choice([U, B], size=20000, p=[0.95, 0.05])
    scores = rng.normal(size=20000) + 2 * (codes == B)
    monkeypatch.setattr(cal, "CURVE_POINTS", 10**9)
    full = cal.calibrate(scores, codes, 0.8)
    assert len(full["curve"]["score"]) == len(np.unique(scores))
    monkeypatch.setattr(cal, "CURVE_POINTS", 50)
    thin = cal.calibrate(scores, codes, 0.8)
    assert len(thin["curve"]["score"]) <= 51 and thin["threshold"] == full["threshold"]
    probe = np.linspace(scores.min() - 1, scores.max() + 1, 500)
    q_full, q_thin = cal.q_values(full, probe), cal.q_values(thin, probe)
    assert (q_thin >= q_full - 1e-12).all()
    assert cal.q_values(thin, [full["threshold"]])[0] == pytest.approx(cal.q_values(full, [full["threshold"]])[0])


def test_precision_at_drops_ambiguous_windows():
    got = cal.precision_at(np.array([3.0, 2.0, 1.0, 0.0]), np.array([B, A, U, B]), 1.0)
    assert got == {"passing": 2, "bound": 1, "precision": 0.5, "recall": 0.5}
    assert cal.precision_at(np.array([1.0]), np.array([B]), None)["passing"] == 0


def table(scores, chrom="chr1"):
    n = len(scores)
    return WindowTable(
        "p.tab", [chrom], np.zeros(n, np.int32), 600 + 50 * np.arange(n), 200, ["score"], scores[:, None]
    )


@pytest.mark.parametrize(
    "settings, want",
    [
        ({"threshold": "score", "score": 0.25}, 0.25),
        ({"threshold": "top_n", "top_n": 3}, 0.7),  # 0.9, 0.8, 0.7 (0.7 twice: ties pass together)
        ({"threshold": "top_n", "top_n": 100}, 0.1),  # more than the windows: every window above the floor
        ({"threshold": "top_fraction", "top_fraction": 0.5}, 0.7),
        ({"threshold": "precision"}, 0.55),
    ],
)
def test_peak_threshold_modes(settings, want):
    scores = np.array([0.9, 0.0, 0.8, 0.7, 0.7, 0.1, 0.0, 0.0])
    assert peak_threshold(scores, settings, {"threshold": 0.55}) == want


def test_precision_mode_without_a_threshold_calls_no_peaks():
    pred = table(np.array([0.9, 0.8, 0.1]))
    calib = {"threshold": None, "curve": {"score": [0.9], "q": [0.5]}}
    peaks, thr = peaks_from_predictions(pred, 200, {"threshold": "precision", "max_gap": 0}, calib)
    assert thr == np.inf and len(peaks["chr1"]) == 0
    with pytest.raises(DreamTFError, match="no calibration"):
        peak_threshold(pred.score, {"threshold": "precision"}, None)


def test_peaks_carry_q_values_into_the_narrowpeak(tmp_path):
    pred = table(np.array([0.0, 0.9, 0.95, 0.0, 0.0, 0.0, 0.0, 0.6, 0.0]))
    calib = {"threshold": 0.5, "curve": {"score": [0.95, 0.9, 0.6, 0.1], "q": [0.01, 0.05, 0.2, 0.6]}}
    peaks, _ = peaks_from_predictions(pred, 200, {"threshold": "precision", "max_gap": 0}, calib)
    path = tmp_path / "p.narrowPeak.gz"
    assert write_narrowpeak(path, peaks) == 2
    import gzip

    rows = [line.rstrip("\n").split("\t") for line in gzip.open(path, "rt")]
    assert [float(r[8]) for r in rows] == pytest.approx([2.0, -np.log10(0.2)], abs=1e-3)  # best windows 0.95 and 0.6
    assert [r[7] for r in rows] == ["-1", "-1"]  # no p-value is claimed
    assert len(pybedtools.BedTool(str(path))) == 2  # bedtools reads it
    assert read_narrowpeak(path)["chr1"].signal.tolist() == [0.95, 0.6]


def peaks_of(rows):
    out = {}
    for chrom, s, e in rows:
        out.setdefault(chrom, []).append((s, e))
    return {
        c: Peaks(
            *(np.array(v, dtype=np.int64) for v in zip(*sorted(r))),
            np.array([(a + b) // 2 for a, b in sorted(r)]),
            np.ones(len(r)),
        )
        for c, r in out.items()
    }


def test_peak_precision_recall_by_hand():
    called = peaks_of([("chr1", 100, 200), ("chr1", 500, 900), ("chr1", 2000, 2100), ("chr2", 0, 50)])
    truth = peaks_of(
        [("chr1", 150, 160), ("chr1", 199, 600), ("chr1", 890, 1000), ("chr1", 3000, 3100), ("chr2", 50, 60)]
    )
    got = peak_precision_recall(called, truth, ["chr1", "chr2"])
    # called: 100-200 hits 150-160 and 199-600; 500-900 hits two; 2000-2100 none; chr2 0-50 only touches 50-60
    assert got == {"called_peaks": 4, "true_peaks": 5, "precision": 0.5, "recall": 0.6}
    assert peak_precision_recall(called, truth, ["chr3"])["precision"] is None


@pytest.mark.parametrize("seed", range(3))
def test_peak_precision_recall_equals_bedtools_intersect(seed):
    rng = np.random.default_rng(seed)

    def random_peaks(n):
        s = rng.integers(0, 200_000, n)
        return [("chr1", int(a), int(a + w)) for a, w in zip(s, rng.integers(50, 3000, n))]

    called, truth = random_peaks(300), random_peaks(200)
    got = peak_precision_recall(peaks_of(called), peaks_of(truth), ["chr1"])
    bc = pybedtools.BedTool("\n".join("\t".join(map(str, r)) for r in called), from_string=True)
    bt = pybedtools.BedTool("\n".join("\t".join(map(str, r)) for r in truth), from_string=True)
    assert got["precision"] == pytest.approx(len(bc.intersect(bt, u=True)) / len(called))
    assert got["recall"] == pytest.approx(len(bt.intersect(bc, u=True)) / len(truth))
