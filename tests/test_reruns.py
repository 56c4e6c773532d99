"""Reruns touch only what changed: a TF's label check, a held-out cell's genome-wide files and one
variant's settings each plan their own jobs and those that gather every run (real Snakemake runs)."""

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from workflow_runs import ROOT, TINY_CONFIG, planned_jobs, snakemake

from conftest import write_fasta
from dreamtf.errors import DreamTFError
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.io.windowtable import read_predictions, read_regions, write_labels

#: the jobs that read every run of every TF and model: rerun by any change of runs
GATHER = {"collect_scores", "collect_calibration", "plot_report", "html_report", "all"}
TINY = TINY_CONFIG.read_text()
REST = "tfs:\n  REST:\n    train_cells: [HepG2]\n    test_cells: [liver]\n"
VARIANT = """models: [baseline, catchitt, catchitt_deep]
variants:
  catchitt_deep: {family: catchitt, xgboost: {max_depth: 4}}
"""


def plan(work: Path, cfg: Path, text: str) -> list[dict]:
    cfg.write_text(text)
    r = snakemake(work, "--configfile", str(cfg), "-n")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return planned_jobs(r)


def copy_run(run: Path, dst: Path) -> Path:
    """A finished run to change (modification times and Snakemake's records kept): the shared one stays as it is."""
    shutil.copytree(run, dst, symlinks=True)
    return dst


def test_label_check_names_the_file_and_what_was_expected(tmp_path):
    from dreamtf.release import check_labels

    lab = tmp_path / "TF.train.labels.tsv.gz"
    codes = np.zeros((3, 2), dtype=np.uint8)
    write_labels(lab, ["HepG2", "K562"], iter([("chr1", np.array([0, 50, 100]), codes)]), size=200)
    record = check_labels(lab, ["K562"], sizes={"chr1": 300, "chr2": 500}, size=200, genome="g.sizes")
    assert record == {"labels": str(lab), "cells": ["K562"], "chromosomes": ["chr1"], "windows": 3}
    with pytest.raises(DreamTFError, match=r"TF.train.labels.tsv.gz: no column for cell type 'liver'"):
        check_labels(lab, ["liver"], sizes={"chr1": 300}, size=200)
    with pytest.raises(DreamTFError, match=r"window chr1:100-300 runs past the end of chr1 \(299 bp in g.sizes\)"):
        check_labels(lab, ["K562"], sizes={"chr1": 299}, size=200, genome="g.sizes")
    with pytest.raises(DreamTFError, match=r"chromosome 'chr1' is not in g.sizes .*'chr' prefix"):
        check_labels(lab, ["K562"], sizes={"1": 300}, size=200, genome="g.sizes")
    # check_release still checks label files it is given, with the same lines
    from dreamtf.release import check_release

    fasta = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 75})
    regions = tmp_path / "test.bed"
    regions.write_text("chr1\t0\t200\n")
    with pytest.raises(DreamTFError, match=r"no column for cell type 'liver'"):
        check_release(
            fasta=fasta,
            regions={"test": regions},
            labels={lab: ["liver"]},
            size=200,
            test_chroms=["chr1"],
            valid_chroms=[],
        )


def test_a_models_settings_read_the_same_however_the_config_spells_them(tmp_path):
    # Snakemake compares params as text: a variant's settings must not change with its family's
    # section when the variant sets the key itself, nor with the order a file wrote keys in
    from dreamtf import registry
    from dreamtf.config import load_configs, schema

    def settings(text):
        (tmp_path / "c.yaml").write_text(text)
        cfg, _ = load_configs([tmp_path / "c.yaml"], ROOT / "schemas" / "config.schema.yaml")
        return {name: repr(m.settings) for name, m in registry.models(cfg, schema()).items()}, cfg

    base = TINY.replace("models: [baseline, catchitt]\n", VARIANT)
    plain, cfg = settings(base)
    assert cfg["catchitt"]["xgboost"]["objective"] == "binary:logistic"
    family, cfg = settings(base.replace("catchitt:\n", "catchitt:\n  xgboost: {max_depth: 3}\n"))
    assert cfg["catchitt"]["xgboost"]["objective"] == "binary:logistic"  # the keys left out keep the default's
    assert family["catchitt_deep"] == plain["catchitt_deep"] and family["catchitt"] != plain["catchitt"]
    swapped, _ = settings(base.replace("  rounds: 2\n  num_boost_round: 60\n", "  num_boost_round: 60\n  rounds: 2\n"))
    assert swapped == plain


@pytest.mark.slow
def test_adding_a_tf_plans_no_job_of_the_other_tf_nor_the_release_check(tiny_run, tmp_path):
    jobs = plan(tiny_run, tmp_path / "rest.yaml", TINY.replace("tfs:\n", REST))
    rules = Counter(j["rule"] for j in jobs)
    assert not {"simulate_release", "check_release", "check_cell", "features_dnase", "features_dnase_peaks"} & set(
        rules
    )
    for job in jobs:
        if "tf" in job["wildcards"]:
            assert job["wildcards"]["tf"] == "REST", job
        else:
            assert job["rule"] in GATHER, job
    assert not [j for j in jobs if any("CTCF" in o for o in j["output"])]
    assert rules["check_labels"] == 1 and rules["train_catchitt"] == 1  # REST's training labels, its one cell
    assert len(jobs) == 23


@pytest.mark.slow
def test_held_out_cells_genome_wide_beside_their_scored_files(tiny_run, tmp_path):
    work = copy_run(tiny_run, tmp_path / "work")
    cfg = tmp_path / "genome.yaml"
    jobs = plan(work, cfg, TINY + "predict:\n  held_out: genome\n")
    assert Counter(j["rule"] for j in jobs) == {
        "predict_regions": 1,
        "predict_baseline": 1,
        "predict_catchitt": 1,
        "call_peaks_genome_wide": 2,
        "score_track_genome_wide": 2,
        "plot_report": 1,
        "html_report": 1,
        "all": 1,
    }  # nothing trains, nothing is scored again
    runs = ("baseline/dnase_max", "catchitt/dnase")
    files = (
        ("predictions", "F.CTCF.liver.tab.gz"),
        ("peaks", "CTCF.liver.narrowPeak.gz"),
        ("tracks", "CTCF.liver.bigWig"),
    )
    scored = [f"results/{d}/{run}/{f}" for run in runs for d, f in files]
    scored.append("results/scores/parts/catchitt/dnase/CTCF.liver.json")
    before = {p: ((work / p).read_bytes(), (work / p).stat().st_mtime_ns) for p in scored}
    r = snakemake(work, "--configfile", str(cfg))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert {p: ((work / p).read_bytes(), (work / p).stat().st_mtime_ns) for p in scored} == before
    rel = work / "resources/release/annotations"
    regions = [read_regions(rel / f"{s}_regions.blacklistfiltered.bed.gz") for s in ("train", "test")]
    for run in runs:
        wide = read_predictions(work / f"results/genome_wide/{run}/F.CTCF.liver.tab.gz")
        assert len(wide) == sum(len(t) for t in regions)
        assert set(wide.chroms) == {c for t in regions for c in t.chroms}
        # on the test chromosomes, the same score for every window as the scored file
        test = read_predictions(work / f"results/predictions/{run}/F.CTCF.liver.tab.gz")
        on_test = np.isin(np.asarray(wide.chroms)[wide.chrom], test.chroms)
        assert np.array_equal(wide.start[on_test], test.start) and np.array_equal(wide.score[on_test], test.score)
        assert (work / f"results/tracks/{run}/CTCF.liver.genome_wide.bigWig").stat().st_size > 1000
        # the same threshold: on the test chromosomes the very peaks of the scored list, and more elsewhere
        wide_peaks = read_narrowpeak(work / f"results/peaks/{run}/CTCF.liver.genome_wide.narrowPeak.gz")
        test_peaks = read_narrowpeak(work / f"results/peaks/{run}/CTCF.liver.narrowPeak.gz")
        assert set(wide_peaks) > set(test_peaks) and len(test_peaks) == len(test.chroms)
        for chrom, p in test_peaks.items():
            assert np.array_equal(wide_peaks[chrom].start, p.start) and np.array_equal(wide_peaks[chrom].end, p.end)
    summary = (work / "results/report/summary.md").read_text()
    assert "| CTCF | liver (held out, genome-wide) | catchitt:dnase |" in summary


@pytest.mark.slow
def test_changing_one_variant_reruns_that_variant_alone(tiny_run, tmp_path):
    work = copy_run(tiny_run, tmp_path / "work")
    cfg = tmp_path / "variants.yaml"
    cfg.write_text(TINY.replace("models: [baseline, catchitt]\n", VARIANT))
    r = snakemake(work, "--configfile", str(cfg))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    deeper = plan(work, tmp_path / "deeper.yaml", cfg.read_text().replace("max_depth: 4", "max_depth: 5"))
    for job in deeper:
        assert job["wildcards"].get("model") == "catchitt_deep" or job["rule"] in GATHER, job
    assert Counter(j["rule"] for j in deeper) == {
        "train_catchitt": 2,
        "explain_catchitt": 2,
        "predict_catchitt": 3,  # two training cells' validation chromosomes, the held-out cell
        "calibrate": 1,
        "call_peaks": 1,
        "evaluate_peaks": 1,
        "score_predictions": 1,
        "score_track": 1,
        **dict.fromkeys(GATHER, 1),
    }
    # the family's section: a setting the variant sets itself reruns the family's own model alone
    family = cfg.read_text().replace("catchitt:\n  rounds: 2\n", "catchitt:\n  xgboost: {max_depth: 3}\n  rounds: 2\n")
    shallower = plan(work, tmp_path / "family.yaml", family)
    assert {j["wildcards"].get("model") for j in shallower if j["rule"] not in GATHER} == {"catchitt"}
    assert len(shallower) == len(deeper)
