"""Train once, predict anywhere: a run exports its models, a second run in a fresh folder predicts
held-out and new cells with them (training nothing), and reruns do only what a change asks for."""

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workflow_runs import TINY_CONFIG, job_counts, snakemake

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.windowtable import read_labels, read_predictions, read_regions

pytestmark = pytest.mark.slow

DNASE = "resources/release/DNASE"
PREDICT = """release:
  source: simulate
  seed: 3
tfs:
  CTCF:
    test_cells: [liver]
    predict_cells: [PC-3, mycell, scaled]
cells:
  mycell:
    signal: {dnase}/fold_coverage_wiggles/DNASE.PC-3.fc.signal.bigwig
    peaks:
      conservative: {dnase}/peaks/conservative/DNASE.PC-3.conservative.narrowPeak.gz
      relaxed: {dnase}/peaks/relaxed/DNASE.PC-3.relaxed.narrowPeak.gz
    assay: ATAC-seq
  scaled:
    signal: {scaled}
    peaks:
      conservative: {dnase}/peaks/conservative/DNASE.PC-3.conservative.narrowPeak.gz
      relaxed: {dnase}/peaks/relaxed/DNASE.PC-3.relaxed.narrowPeak.gz
models_from: {bundle}
peaks:
  precision: 0.6
"""
RUNS = ("baseline/dnase_max", "catchitt/dnase")


def dreamtf(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("dreamtf")), *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def bundle(tiny_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "tiny.zip"
    r = dreamtf("export", str(tiny_run), str(out), "--config", str(TINY_CONFIG))
    assert r.returncode == 0, r.stderr
    return out


def scaled_track(src: Path, out: Path, factor: float) -> None:
    """``src`` with every value times ``factor``: a CPM track against a fold-change one."""
    import pyBigWig

    bw, new = pyBigWig.open(str(src)), pyBigWig.open(str(out), "w")
    new.addHeader(list(bw.chroms().items()))
    for chrom in bw.chroms():
        rows = bw.intervals(chrom) or []
        if rows:
            new.addEntries(
                [chrom] * len(rows),
                [r[0] for r in rows],
                ends=[r[1] for r in rows],
                values=[r[2] * factor for r in rows],
            )
    bw.close()
    new.close()


@pytest.fixture(scope="module")
def predicting(bundle, tiny_run, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("predict")
    (work / "predict.yaml").write_text(PREDICT.format(dnase=DNASE, bundle=bundle, scaled=work / "scaled.bigwig"))
    # times 4: a power of two, so every value and sum scales exactly and any difference is the models'
    scaled_track(tiny_run / DNASE / "fold_coverage_wiggles/DNASE.PC-3.fc.signal.bigwig", work / "scaled.bigwig", 4.0)
    r = snakemake(work, "--configfile", str(work / "predict.yaml"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return work


def dry_run(work: Path, text: str) -> dict[str, int]:
    cfg = work / "changed.yaml"
    cfg.write_text(text)
    r = snakemake(work, "--configfile", str(cfg), "-n", "--quiet", "rules")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return job_counts(r)


def test_predicting_run_trains_nothing(predicting):
    logs = {p.name for p in (predicting / "logs").iterdir()}
    assert "install_models" in logs
    assert not logs & {"train_catchitt", "calibrate", "ensemble_weights", "train_factornet", "explain_catchitt"}


def test_bundle_predictions_equal_the_training_runs(tiny_run, predicting):
    for run in RUNS:
        ours = gzip.open(predicting / f"results/predictions/{run}/F.CTCF.liver.tab.gz").read()
        theirs = gzip.open(tiny_run / f"results/predictions/{run}/F.CTCF.liver.tab.gz").read()
        assert ours == theirs, run  # to the last digit
    cols = ["model", "feature_set", "tf", "cell_type", "auroc", "auprc", "n_bound"]
    a = pd.read_csv(tiny_run / "results/scores/scores.tsv", sep="\t")[cols]
    b = pd.read_csv(predicting / "results/scores/scores.tsv", sep="\t")[cols]
    pd.testing.assert_frame_equal(a, b)  # the prediction cells are not scored


def test_prediction_cells_are_predicted_genome_wide_with_peaks_and_tracks(predicting):
    rel = predicting / "resources/release/annotations"
    regions = [read_regions(rel / f"{s}_regions.blacklistfiltered.bed.gz") for s in ("train", "test")]
    n_windows = sum(len(t) for t in regions)
    for run in RUNS:
        pred = read_predictions(predicting / f"results/predictions/{run}/F.CTCF.PC-3.tab.gz")
        assert len(pred) == n_windows and set(pred.chroms) == {c for t in regions for c in t.chroms}
        mine = read_predictions(predicting / f"results/predictions/{run}/F.CTCF.mycell.tab.gz")
        assert np.array_equal(mine.score, pred.score)  # your own files, the same data: the same scores
        # the signal times 4 (a CPM track against a fold-change one): the same scores and peaks, baseline included
        scaled = read_predictions(predicting / f"results/predictions/{run}/F.CTCF.scaled.tab.gz")
        assert np.array_equal(scaled.score, pred.score), run
        peaks = [
            gzip.open(predicting / f"results/peaks/{run}/CTCF.{c}.narrowPeak.gz", "rt").read()
            for c in ("PC-3", "scaled")
        ]
        assert peaks[0].replace(":PC-3:", ":scaled:") == peaks[1], run
        for cell in ("PC-3", "mycell"):
            assert (predicting / f"results/tracks/{run}/CTCF.{cell}.bigWig").stat().st_size > 1000
            assert (predicting / f"results/peaks/{run}/CTCF.{cell}.narrowPeak.gz").is_file()
    summary = (predicting / "results/report/summary.md").read_text()
    assert "## Prediction cells (not scored)" in summary and "| CTCF | mycell | catchitt:dnase |" in summary
    assert read_labels(predicting / "results/labels/CTCF.test.labels.tsv.gz").cells == ["liver"]
    assert (predicting / "results/report/report.html").stat().st_size > 100_000


def test_adding_or_removing_a_cell_trains_nothing_and_leaves_other_cells_alone(predicting, tiny_run):
    base = (predicting / "predict.yaml").read_text()
    added = dry_run(
        predicting, base.replace("predict_cells: [PC-3, mycell, scaled]", "predict_cells: [PC-3, mycell, scaled, A549]")
    )
    assert added["check_cell"] == 1 and added["features_dnase"] == 1 and added["features_dnase_peaks"] == 1
    assert added["predict_catchitt"] == 1 and added["predict_baseline"] == 1
    assert not {"train_catchitt", "calibrate", "install_models", "simulate_release", "check_release"} & set(added)
    removed = dry_run(predicting, base.replace("predict_cells: [PC-3, mycell, scaled]", "predict_cells: [PC-3]"))
    assert set(removed) == {"plot_report", "html_report", "all"}
    # in the training run: a held-out cell more retrains nothing and recomputes no other cell
    tiny = TINY_CONFIG.read_text()
    held = dry_run(tiny_run, tiny.replace("test_cells: [liver]", "test_cells: [liver, PC-3]"))
    assert held["features_dnase"] == 1 and held["check_cell"] == 1
    assert not {"train_catchitt", "simulate_release", "check_release"} & set(held)
    # another TF of the preset re-simulates nothing: the release holds every TF of its preset
    rest = "tfs:\n  REST:\n    train_cells: [HepG2]\n    test_cells: [liver]\n"
    more = dry_run(tiny_run, tiny.replace("tfs:\n", rest))
    assert "simulate_release" not in more and more["train_catchitt"] >= 1


def test_a_parameter_change_reruns_only_its_readers(predicting):
    base = (predicting / "predict.yaml").read_text()
    precision = dry_run(predicting, base.replace("precision: 0.6", "precision: 0.55"))
    readers = {"call_peaks", "evaluate_peaks", "collect_calibration", "plot_report", "html_report", "all"}
    assert set(precision) == readers
    assert precision["call_peaks"] == 2 * 4  # two models, four cells


def test_a_bundle_that_does_not_fit_the_run_is_one_line(predicting, tmp_path):
    base = (predicting / "predict.yaml").read_text()
    cfg = tmp_path / "step.yaml"
    cfg.write_text(base + "windows:\n  step: 100\n")
    r = snakemake(tmp_path, "--configfile", str(cfg), "-n")
    assert r.returncode != 0
    assert "windows.step is 50 in the bundle but 100 in this run" in r.stdout + r.stderr
    cfg.write_text(base.replace("models_from: ", "models_from: /nowhere/"))
    r = snakemake(tmp_path, "--configfile", str(cfg), "-n")
    assert r.returncode != 0 and "'models_from': no file /nowhere/" in r.stdout + r.stderr


def test_a_bad_cell_of_your_own_stops_the_run_in_one_line(predicting, tmp_path):
    import pyBigWig

    bw = pyBigWig.open(str(tmp_path / "other.bw"), "w")
    bw.addHeader([("1", 1_000_000)])
    bw.addEntries(["1"], [0], ends=[100], values=[1.0])
    bw.close()
    base = (predicting / "predict.yaml").read_text()
    cfg = tmp_path / "bad.yaml"
    signal = f"{DNASE}/fold_coverage_wiggles/DNASE.PC-3.fc.signal.bigwig"
    cfg.write_text(base.replace(signal, str(tmp_path / "other.bw")))
    r = snakemake(tmp_path, "results/release/cells/mycell.json", "--configfile", str(cfg))
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "other.bw: chromosome '1' is not in the genome" in out and "(the files disagree on the 'chr' prefix)" in out
    assert "Traceback" not in out


SHIFT = 5_000  # a multiple of the window step: the two builds' grids align


@pytest.fixture(scope="module")
def shifted(tiny_run, tmp_path_factory) -> Path:
    """The tiny run's release on a second build, every chromosome 5 kb longer at its start."""
    from dreamtf.simshift import write_shifted_build

    out = tmp_path_factory.mktemp("shifted") / "release"
    write_shifted_build(tiny_run / "resources/release", out, SHIFT)
    return out


def predict_command(bundle: Path, release: Path, out: Path, *extra: str) -> list[str]:
    dnase = release / "DNASE"
    return [
        "predict",
        "--models",
        str(bundle),
        "--genome",
        str(release / "annotations/hg19.genome.fa.gz"),
        "--blacklist",
        str(release / "annotations/blacklist.bed.gz"),
        "--tf",
        "CTCF",
        "--cell",
        f"PC-3={dnase}/fold_coverage_wiggles/DNASE.PC-3.fc.signal.bigwig",
        "--peaks",
        f"PC-3={dnase}/peaks/conservative/DNASE.PC-3.conservative.narrowPeak.gz,"
        f"{dnase}/peaks/relaxed/DNASE.PC-3.relaxed.narrowPeak.gz",
        "--out",
        str(out),
        "--cores",
        "2",
        *extra,
    ]


def test_dreamtf_predict_on_another_build_equals_the_first_builds_predictions(bundle, shifted, predicting, tmp_path):
    """One command, a genome alone (FASTA and blacklist, no release), a build the models were not
    trained on: every model's scores agree with the first build's at the shifted windows."""
    from scipy.stats import spearmanr

    out = tmp_path / "run"
    r = dreamtf(*predict_command(bundle, shifted, out))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"report:      {out}/results/report/report.html" in r.stdout
    assert "steps (100%) done" in r.stdout + r.stderr  # Snakemake's progress
    logs = {p.name for p in (out / "logs").iterdir()}
    assert "genome_regions" in logs and not logs & {"train_catchitt", "simulate_release"}
    summary = (out / "results/report/summary.md").read_text()
    assert "build a genome of your own (the bundle: hg19)" in summary
    assert f"7 chromosomes of other lengths (chr1 {6_000_000 + SHIFT} bp, 6000000 there" in summary
    for run in RUNS:
        first = read_predictions(predicting / f"results/predictions/{run}/F.CTCF.PC-3.tab.gz")
        second = read_predictions(out / f"results/predictions/{run}/F.CTCF.PC-3.tab.gz")
        assert len(second) > len(first)  # the stretch adds windows of its own
        ends = read_chrom_sizes(predicting / "results/release/chrom.sizes")
        a, b = [], []
        for chrom, length in ends.items():
            rows, there = first.chrom_rows(chrom), second.chrom_rows(chrom)
            at = {int(x): k for k, x in zip(there, second.start[there])}
            # away from the chromosome ends, where the stretch gives the features a flank the first build lacked
            inner = rows[(first.start[rows] >= 5_000) & (first.start[rows] <= length - 5_000)]
            a.append(first.score[inner])
            b.append(second.score[[at[int(x) + SHIFT] for x in first.start[inner]]])
        a, b = np.concatenate(a), np.concatenate(b)
        rho = spearmanr(a, b).statistic
        assert rho >= 0.999, (run, rho)


def test_dreamtf_predict_refuses_bad_input_in_one_line(bundle, shifted, tmp_path):
    out = tmp_path / "run"
    base = predict_command(bundle, shifted, out)
    cell = base.index("--cell") + 1
    no_peaks = base[: base.index("--peaks")] + base[base.index("--peaks") + 2 :]
    bam, fragments, bam_with_peaks = no_peaks.copy(), no_peaks.copy(), base.copy()
    bam[cell] = bam_with_peaks[cell] = f"PC-3={tmp_path / 'reads.bam'}"
    fragments[cell] = f"PC-3={tmp_path / 'fragments.tsv.gz'}"
    other_blacklist = tmp_path / "other.bed"
    other_blacklist.write_text("1\t100\t200\n")
    cases = {
        "a BAM needs its assay (ATAC-seq reads get the Tn5 shift): --assay PC-3=...": bam,
        "a fragments file needs its clusters: --clusters PC-3=TABLE": fragments,
        "reads.bam is not a signal bigWig, which --peaks goes with": bam_with_peaks,
        "a signal bigWig needs its peaks: --peaks PC-3=PATH": no_peaks,
        "--models: no file": base[:2] + ["/nowhere.zip"] + base[3:],
    }
    for message, argv in cases.items():
        r = dreamtf(*argv)
        assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    # a blacklist of another naming (1 against chr1): the genome's check names both files, in one line
    argv = base.copy()
    argv[argv.index("--blacklist") + 1] = str(other_blacklist)
    r = dreamtf(*argv)
    assert r.returncode == 1 and "other.bed" in r.stdout + r.stderr and "Traceback" not in r.stdout + r.stderr
