"""Where a release comes from: a local folder, a loopback HTTP server, Synapse, the challenge's
config (real Snakemake runs; ENCODE's files in test_workflow_encode.py)."""

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from http_server import serve
from workflow_runs import ROOT, SNAKEMAKE, job_counts, local_config, snakemake

from dreamtf import release as rl

pytestmark = pytest.mark.slow


def test_unknown_config_key_is_one_clear_line(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text((ROOT / "tests" / "config.yaml").read_text() + "windws:\n  size: 100\n")
    r = snakemake(tmp_path, "--configfile", str(cfg), "-n")
    assert r.returncode != 0
    assert "unknown key 'windws' at the top level (allowed: " in r.stdout + r.stderr


def _http_config(tmp_path, url: str, retries: int = 3) -> Path:
    cfg = tmp_path / "http.yaml"
    text = (ROOT / "tests" / "config.yaml").read_text()
    cfg.write_text(text.replace("source: simulate", f"source: http\n  url: {url}\n  retries: {retries}"))
    return cfg


def test_http_release_gives_the_scores_of_the_same_files_read_locally(tiny_run, tmp_path):
    """Acceptance of the downloads: a loopback server holding a release and its manifest."""
    served = tmp_path / "served"
    shutil.copytree(tiny_run / "resources/release", served)
    r = subprocess.run([str(SNAKEMAKE.with_name("dreamtf")), "manifest", str(served)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with serve(served) as srv:
        work = tmp_path / "work"
        r = snakemake(work, "--configfile", str(_http_config(tmp_path, srv.url)))
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        hits = dict(srv.hits)
    # tiny_run read these same bytes from its folder (source simulate reads it as source local does)
    got = pd.read_csv(work / "results/scores/scores.tsv", sep="\t")
    want = pd.read_csv(tiny_run / "results/scores/scores.tsv", sep="\t")
    pd.testing.assert_frame_equal(got, want)
    # only what the run needs, each file once, every one logged
    fetched = {p.relative_to(work / "resources/release").as_posix() for p in (work / "resources/release").rglob("*")}
    fetched = {p for p in fetched if (served / p).is_file()}
    assert set(hits) == fetched | {"manifest.tsv"} and set(hits.values()) == {1}
    assert "annotations/gencode.v19.annotation.gtf.gz" not in fetched
    assert not any(p.startswith("RNAseq/") or "ladder" in p or "FOXA1" in p for p in fetched)
    assert "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig" in fetched
    for p in fetched - {"manifest.tsv"}:
        assert (work / "resources/release" / p).read_bytes() == (served / p).read_bytes()
        log = (work / "logs/download_release_file" / f"{p}.log").read_text()
        assert "size and md5 verified" in log


def test_synapse_source_schedules_a_download_for_each_needed_file(tmp_path):
    """The Synapse listing kept from an earlier run (synapse.tsv) drives the DAG; no token for a dry run."""
    tfs = {"CTCF": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]}}
    rel = tmp_path / "resources/release"
    paths = [p.relative_to(rel).as_posix() for p in rl.release_files(rel, fasta="hg19.genome.fa.gz", tfs=tfs)]
    paths.append("ChIPseq/labels/CTCF.test.labels.tsv.gz")  # the final round's labels
    rel.mkdir(parents=True)
    lines = ["path\tsynapse_id"] + [f"{p}\tsyn{9000 + i}" for i, p in enumerate(paths)]
    (rel / "synapse.tsv").write_text("\n".join(lines) + "\n")
    cfg = tmp_path / "syn.yaml"
    cfg.write_text((ROOT / "tests" / "config.yaml").read_text().replace("source: simulate", "source: synapse"))
    env = {k: v for k, v in os.environ.items() if k != "SYNAPSE_AUTH_TOKEN"}
    cmd = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "--configfile", str(cfg), "-n"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    fetched, rule = set(), None
    for line in r.stdout.splitlines():
        if line.startswith("rule "):
            rule = line[5:].rstrip(":")
        elif rule == "download_release_file" and line.strip().startswith("output: "):
            fetched.add(line.split("resources/release/", 1)[1])
    cells = ["HepG2", "K562", "liver"]
    assert fetched == {
        "annotations/hg19.genome.fa.gz",
        "annotations/train_regions.blacklistfiltered.bed.gz",
        "annotations/test_regions.blacklistfiltered.bed.gz",
        "ChIPseq/labels/CTCF.train.labels.tsv.gz",
        "ChIPseq/labels/CTCF.test.labels.tsv.gz",  # shipped: no held-out peaks, no derive_labels
        *(f"DNASE/fold_coverage_wiggles/DNASE.{c}.fc.signal.bigwig" for c in cells),
        *(f"DNASE/peaks/{k}/DNASE.{c}.{k}.narrowPeak.gz" for c in cells for k in ("conservative", "relaxed")),
        # listed, so the peak lists' check against the held-out cell's ChIP-seq peaks reads them
        "ChIPseq/peaks/conservative/ChIPseq.liver.CTCF.conservative.train.narrowPeak.gz",
    }
    assert "rule derive_labels:" not in r.stdout


def test_challenge_config_plans_the_final_round_from_synapse(tmp_path):
    """challenge.yaml, with a Synapse listing of the real release's names: the 13 pairs are planned
    with the shipped training and final-round labels (no label is derived)."""
    import yaml

    tfs = yaml.safe_load((ROOT / "challenge.yaml").read_text())["tfs"]
    rel = tmp_path / "resources/release"
    paths = [p.relative_to(rel).as_posix() for p in rl.release_files(rel, fasta="hg19.genome.fa.gz", tfs=tfs)]
    paths += [f"ChIPseq/labels/{tf}.test.labels.tsv.gz" for tf in tfs]
    rel.mkdir(parents=True)
    lines = ["path\tsynapse_id"] + [f"{p}\tsyn{9000 + i}" for i, p in enumerate(paths)]
    (rel / "synapse.tsv").write_text("\n".join(lines) + "\n")
    r = snakemake(tmp_path, "--configfile", str(ROOT / "challenge.yaml"), "-n", "--quiet", "rules", timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    counts = job_counts(r)
    # each model predicts the 13 held-out pairs and, for its peak thresholds, the validation
    # chromosome of every training cell of each TF
    held_out = sum(len(spec["test_cells"]) for spec in tfs.values())
    validation = sum(len(spec["train_cells"]) for spec in tfs.values())
    assert held_out == 13 and validation == 48
    assert counts["predict_factornet"] == held_out + validation and counts["predict_baseline"] == held_out + validation
    assert counts["train_factornet"] == 12 and counts["features_motif"] == 12
    assert counts["dnase_cache"] == 14 and counts["check_cell"] == 14  # every training and held-out cell type
    assert counts["check_labels"] == 24  # each TF's training and final-round label files, a job each
    assert counts["download_release_file"] == 111 and sum(counts.values()) == 1216
    assert "derive_labels" not in counts


def test_unreachable_release_url_is_one_line(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    r = snakemake(tmp_path, "--configfile", str(_http_config(tmp_path, url, retries=0)), "-n")
    assert r.returncode != 0
    assert f"release.url: {url}/manifest.tsv: transfer failed (ConnectionError" in r.stdout + r.stderr


def test_configfile_replaces_the_default_config(tmp_path):
    # --configfile replaces config.yaml (no merge), so the demo's TFs and models stay out of the
    # run (the simulated release still holds every TF of its preset)
    r = snakemake(tmp_path, "--configfile", str(ROOT / "tests" / "config.yaml"), "-n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "F.CTCF.liver" in r.stdout and "F.FOXA1" not in r.stdout and "rule train_factornet" not in r.stdout


def test_a_release_without_the_files_a_run_does_not_use_runs(tiny_run, tmp_path):
    """No ladder regions, GTF, RNA-seq or DNase peaks, and held-out labels as a TSV without peaks."""
    release = tmp_path / "rel"
    shutil.copytree(tiny_run / "resources/release", release)
    rl.regions_path(release, "ladder").unlink()
    rl.gtf_path(release).unlink()
    shutil.rmtree(release / "RNAseq")
    shutil.rmtree(release / "DNASE" / "peaks")
    for kind in ("conservative", "relaxed"):
        rl.chip_peaks_path(release, "CTCF", "liver", kind).unlink()
    shutil.copy(tiny_run / "results/labels/CTCF.test.labels.tsv.gz", rl.labels_path(release, "CTCF", "test"))
    cfg = local_config(tmp_path, release)
    cfg.write_text(cfg.read_text().replace("dnase: [dnase, dnase_peaks]", "dnase: [dnase]"))
    work = tmp_path / "work"
    r = snakemake(work, "--configfile", str(cfg))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    scores = pd.read_csv(work / "results/scores/scores.tsv", sep="\t")
    assert set(scores["model"]) == {"baseline", "catchitt"} and (scores["n_bound"] > 0).all()
    assert not (work / "results/labels").exists()  # the shipped held-out labels were used as they are
