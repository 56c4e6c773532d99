"""The workflow end to end on a tiny config: its outputs, logs, tracks, report and reruns (real Snakemake runs)."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xgboost
from workflow_runs import ROOT, job_counts, snakemake

from dreamtf.io.windowtable import read_labels, read_predictions, read_regions
from dreamtf.report import COLUMNS

pytestmark = pytest.mark.slow


def test_outputs_exist_with_logs(tiny_run):
    for p in [
        "results/scores/scores.tsv",
        "results/labels/CTCF.test.labels.tsv.gz",
        "results/predictions/baseline/dnase_max/F.CTCF.liver.tab.gz",
        "results/peaks/baseline/dnase_max/CTCF.liver.narrowPeak.gz",
        "results/report/summary.md",
        "results/report/auprc.png",
        "results/report/pr_curves.png",
        "results/release/chrom.sizes",
    ]:
        assert (tiny_run / p).is_file(), p
    logs = {p.parent.name for p in (tiny_run / "logs").rglob("*.log")}
    assert logs >= {
        "simulate_release",
        "check_release",
        "derive_labels",
        "predict_baseline",
        "call_peaks",
        "score_predictions",
        "collect_scores",
        "plot_report",
        "score_track",
    }


def test_every_prediction_has_its_browser_track(tiny_run):
    import pyBigWig

    for run in ("baseline/dnase_max", "catchitt/dnase"):
        pred = read_predictions(tiny_run / f"results/predictions/{run}/F.CTCF.liver.tab.gz", size=200)
        bw = pyBigWig.open(str(tiny_run / f"results/tracks/{run}/CTCF.liver.bigWig"))
        got = np.concatenate([[e[2] for e in bw.intervals(c)] for c in pred.chroms])
        assert np.allclose(got, pred.score, atol=1e-6)  # every window's score, in region order
        bw.close()


def test_html_report_holds_the_plots_with_their_captions(tiny_run):
    # the run itself writes Snakemake's self-contained report: no second command
    html = (tiny_run / "results/report/report.html").read_text()
    assert len(html) > 100_000  # the plots are embedded
    for text in ("ENCODE-DREAM", "Feature importance", "auPRC on the held-out chromosomes", "Precision-recall curves"):
        assert text in html, text


def test_report_is_rebuilt_when_what_it_shows_changes(tiny_run, tmp_path):
    cfg = tmp_path / "precision.yaml"
    cfg.write_text((ROOT / "tests" / "config.yaml").read_text().replace("precision: 0.6", "precision: 0.55"))
    r = snakemake(tiny_run, "--configfile", str(cfg), "-n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "rule html_report:" in r.stdout and "rule call_peaks:" in r.stdout
    assert "rule train_catchitt:" not in r.stdout  # the peak threshold changes no model


def test_submission_is_in_region_file_order(tiny_run):
    reg = read_regions(tiny_run / "resources/release/annotations/test_regions.blacklistfiltered.bed.gz")
    pred = read_predictions(tiny_run / "results/predictions/baseline/dnase_max/F.CTCF.liver.tab.gz")
    assert pred.chroms == reg.chroms
    assert np.array_equal(pred.chrom, reg.chrom) and np.array_equal(pred.start, reg.start)
    first = gzip.open(tiny_run / "results/predictions/baseline/dnase_max/F.CTCF.liver.tab.gz", "rt").readline()
    assert first.count("\t") == 3 and first.startswith("chr1\t600\t800\t")


def test_scores_table_matches_the_cli(tiny_run):
    df = pd.read_csv(tiny_run / "results/scores/scores.tsv", sep="\t")
    assert list(df.columns) == COLUMNS
    assert df[["model", "feature_set", "tf", "cell_type"]].values.tolist() == [
        ["baseline", "dnase_max", "CTCF", "liver"],
        ["catchitt", "dnase", "CTCF", "liver"],
    ]
    r = subprocess.run(
        [
            str(Path(sys.executable).with_name("dreamtf")),
            "score",
            "--labels",
            str(tiny_run / "results/labels/CTCF.test.labels.tsv.gz"),
            "--cell",
            "liver",
            "--predictions",
            str(tiny_run / "results/predictions/baseline/dnase_max/F.CTCF.liver.tab.gz"),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    cli = json.loads(r.stdout)
    row = df.iloc[0]
    for k in ("auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr"):
        assert row[k] == pytest.approx(cli[k], abs=1e-6)
    assert row["auprc_lower"] <= row["auprc"] <= row["auprc_upper"]
    assert 0.05 < row["auprc"] < 0.9 and row["auroc"] > 0.8


def test_derived_test_labels_cover_the_test_regions(tiny_run):
    lab = read_labels(tiny_run / "results/labels/CTCF.test.labels.tsv.gz")
    reg = read_regions(tiny_run / "resources/release/annotations/test_regions.blacklistfiltered.bed.gz")
    assert lab.cells == ["liver"] and np.array_equal(lab.start, reg.start)
    assert 0.001 < np.mean(lab.column("liver") == 2) < 0.05


def test_rerun_is_a_no_op(tiny_run):
    r = snakemake(tiny_run, "--configfile", str(ROOT / "tests" / "config.yaml"), "-n")
    assert r.returncode == 0 and "Nothing to be done" in r.stdout + r.stderr


def test_catchitt_outputs(tiny_run):
    for cell in ("HepG2", "K562"):
        assert (tiny_run / f"results/models/catchitt/dnase/CTCF.{cell}.zip").is_file()
        imp = pd.read_csv(tiny_run / f"results/models/catchitt/dnase/CTCF.{cell}.importance.tsv", sep="\t")
        assert list(imp.columns) == ["feature", "gain", "mean_abs_shap"] and imp["mean_abs_shap"].iloc[0] > 0
        assert (tiny_run / f"results/models/catchitt/dnase/CTCF.{cell}.importance.png").stat().st_size > 5000
        card = json.loads((tiny_run / f"results/models/catchitt/dnase/CTCF.{cell}.card.json").read_text())
        assert card["training_cells"] == [cell] and card["held_out_check"]["passed"]
        # the tiny release has chr1, chr2, chr8, chr11, chr21, chr22, chrX; chr1, chr8, chr21 held out
        assert card["chromosomes"] == {
            "trained_on": ["chr2", "chr22", "chrX"],
            "early_stopping_on": ["chr11"],
            "held_out": ["chr1", "chr21", "chr8"],
        }
        assert card["versions"]["xgboost"] == xgboost.__version__ and card["seed"] == 1
        assert card["windows"]["rounds"][0]["train_bound"] > 0
    pred = read_predictions(tiny_run / "results/predictions/catchitt/dnase/F.CTCF.liver.tab.gz")
    assert pred.score.min() >= 0 and pred.score.max() <= 1


def test_adding_a_feature_set_recomputes_no_cached_feature(tiny_run, tmp_path):
    cfg = tmp_path / "more.yaml"
    cfg.write_text(
        (ROOT / "tests" / "config.yaml")
        .read_text()
        .replace(
            "  dnase: [dnase, dnase_peaks]\n",
            "  dnase: [dnase, dnase_peaks]\n  dnase_motif: [dnase, motif, sequence]\n",
        )
    )
    r = snakemake(tiny_run, "--configfile", str(cfg), "-n")
    assert r.returncode == 0, r.stderr[-2000:]
    jobs = job_counts(r)
    assert "features_dnase" not in jobs and "features_dnase_peaks" not in jobs and "simulate_release" not in jobs
    assert jobs["features_motif"] == 1 and jobs["features_sequence"] == 1
    assert jobs["train_catchitt"] == 2  # the new set's models only
