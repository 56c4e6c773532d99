"""Calibrated peak lists of the tiny run, checked against independent recomputations."""

import gzip

import numpy as np
import pandas as pd
import pybedtools
import pytest

from dreamtf import release as rl
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.io.windowtable import read_labels, read_predictions

pytestmark = pytest.mark.slow
RUNS = ("baseline/dnase_max", "catchitt/dnase")
TARGET = 0.6  # tests/config.yaml


def peak_rows(path):
    return [line.rstrip("\n").split("\t") for line in gzip.open(path, "rt")]


def test_peaks_are_sorted_narrowpeak_that_bedtools_reads(tiny_run):
    counts = {}
    for run in RUNS:
        path = tiny_run / f"results/peaks/{run}/CTCF.liver.narrowPeak.gz"
        rows = peak_rows(path)
        counts[run] = len(rows)
        assert all(len(r) == 10 for r in rows)
        keys = [(r[0], int(r[1])) for r in rows]
        # chromosomes by name, as `sort -k1,1 -k2,2n` and `bedtools -sorted` order them
        assert keys == sorted(keys)
        model, fs = run.split("/")
        assert [r[3] for r in rows] == [f"{model}:{fs}:CTCF:liver:{i}" for i in range(1, len(rows) + 1)]
        assert all(0 <= int(r[9]) < int(r[2]) - int(r[1]) for r in rows)
        assert len(pybedtools.BedTool(str(path))) == len(rows)
        # sorted as bedtools sorts within each chromosome: merging changes nothing
        if rows:
            assert len(pybedtools.BedTool(str(path)).sort().merge()) == len(rows)
    assert counts["catchitt/dnase"] > 0, counts


def validation_scores(tiny_run, run):
    """Pooled validation-chromosome scores and labels of the training cells, read here independently."""
    labels = read_labels(
        rl.labels_path(tiny_run / "resources/release", "CTCF", "train"), cells=["HepG2", "K562"], chroms=["chr11"]
    )
    scores, codes = [], []
    for cell in ("HepG2", "K562"):
        pred = read_predictions(tiny_run / f"results/validation/{run}/F.CTCF.{cell}.tab.gz")
        assert pred.chroms == ["chr11"]
        keyed = dict(zip(pred.start.tolist(), pred.score.tolist()))
        scores.append(np.array([keyed[s] for s in labels.start]))
        codes.append(labels.column(cell))
    return np.concatenate(scores), np.concatenate(codes)


@pytest.mark.parametrize("run", RUNS)
def test_the_threshold_is_the_lowest_reaching_the_target_on_validation_windows(tiny_run, run):
    import json

    cal = json.loads((tiny_run / f"results/calibration/{run}/CTCF.json").read_text())
    s, c = validation_scores(tiny_run, run)
    keep = c != 1
    s, bound = s[keep], c[keep] == 2
    all_sorted, bound_sorted = np.sort(s), np.sort(s[bound])

    def est_precision(t):
        n = len(s) - np.searchsorted(all_sorted, t, side="left")
        tp = len(bound_sorted) - np.searchsorted(bound_sorted, t, side="left")
        return tp / (n + 1), n, tp

    reaching = [t for t in np.unique(s) if est_precision(t)[0] >= TARGET - 1e-12]
    if not reaching:
        assert cal["threshold"] is None
        return
    t = min(reaching)
    assert cal["threshold"] == pytest.approx(t)
    prec, n, tp = est_precision(t)
    assert (cal["passing"], cal["bound"]) == (n, tp)
    assert cal["estimated_precision"] == pytest.approx(prec)


def test_calibration_table_measures_the_held_out_cell(tiny_run):
    df = pd.read_csv(tiny_run / "results/scores/calibration.tsv", sep="\t")
    assert df[["model", "feature_set"]].values.tolist() == [["baseline", "dnase_max"], ["catchitt", "dnase"]]
    labels = read_labels(tiny_run / "results/labels/CTCF.test.labels.tsv.gz", cells=["liver"])
    truth = read_narrowpeak(rl.chip_peaks_path(tiny_run / "resources/release", "CTCF", "liver", "conservative"))
    truth_bed = pybedtools.BedTool(
        "\n".join(f"{c}\t{a}\t{b}" for c, p in truth.items() for a, b in zip(p.start, p.end) if c in labels.chroms),
        from_string=True,
    )
    for r in df.itertuples(index=False):
        run = f"{r.model}/{r.feature_set}"
        pred = read_predictions(tiny_run / f"results/predictions/{run}/F.CTCF.liver.tab.gz")
        code = labels.column("liver")[labels.align(pred)]
        if pd.isna(r.threshold):
            assert r.peaks == 0
            continue
        hit = (pred.score >= r.threshold) & (code != 1)
        assert r.windows_passing == hit.sum()
        assert r.window_precision == pytest.approx((code[hit] == 2).mean(), abs=1e-6)
        assert r.promised_precision >= TARGET
        path = tiny_run / f"results/peaks/{run}/CTCF.liver.narrowPeak.gz"
        called = pybedtools.BedTool(str(path))
        assert r.peaks == len(called)
        assert r.peak_precision == pytest.approx(len(called.intersect(truth_bed, u=True)) / len(called), abs=1e-6)
        assert r.peak_recall == pytest.approx(len(truth_bed.intersect(called, u=True)) / len(truth_bed), abs=1e-6)
        # every peak passes the calibrated threshold, so its q-value is at most 1 - the target
        q = np.array([float(row[8]) for row in peak_rows(path)])
        assert (q >= -np.log10(1 - TARGET) - 1e-3).all()


def test_report_has_the_calibration_table_and_plot(tiny_run):
    summary = (tiny_run / "results/report/summary.md").read_text()
    assert "## Peak calibration" in summary and "| catchitt:dnase | CTCF | liver |" in summary
    assert (tiny_run / "results/report/calibration.png").stat().st_size > 10_000
