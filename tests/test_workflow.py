"""The workflow end to end on a tiny config, and its answers to bad input (real Snakemake runs)."""

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xgboost
from http_server import add_portal_file, serve
from workflow_runs import ROOT, SNAKEMAKE, snakemake

from dreamtf import release as rl
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
    # after the run, `snakemake --report` (as `make demo` does) builds one self-contained HTML file
    out = tiny_run / "results/report/report.html"
    r = snakemake(tiny_run, "--configfile", str(ROOT / "tests" / "config.yaml"), "--report", str(out))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    html = out.read_text()
    assert len(html) > 100_000  # the plots are embedded
    for text in ("ENCODE-DREAM", "Feature importance", "auPRC on the held-out chromosomes", "Precision-recall curves"):
        assert text in html, text


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
    jobs = dict(
        line.split()[:2] for line in r.stdout.splitlines() if len(line.split()) == 2 and line.split()[1].isdigit()
    )
    assert "features_dnase" not in jobs and "features_dnase_peaks" not in jobs and "simulate_release" not in jobs
    assert jobs["features_motif"] == "1" and jobs["features_sequence"] == "1"
    assert jobs["train_catchitt"] == "2"  # the new set's models only


def test_unknown_config_key_is_one_clear_line(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text((ROOT / "tests" / "config.yaml").read_text() + "windws:\n  size: 100\n")
    r = snakemake(tmp_path, "--configfile", str(cfg), "-n")
    assert r.returncode != 0
    assert "unknown key 'windws' at the top level (allowed: " in r.stdout + r.stderr


def _local_config(tmp_path, release: Path) -> Path:
    cfg = tmp_path / "local.yaml"
    text = (ROOT / "tests" / "config.yaml").read_text()
    cfg.write_text(
        text.replace("source: simulate", "source: local").replace("path: resources/release", f"path: {release}")
    )
    return cfg


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


def test_encode_release_builds_regions_and_labels_and_scores_as_the_challenge_layout(tiny_run, tmp_path):
    """ENCODE accessions from a loopback portal: the workflow writes the layout, builds the region
    files from the FASTA and blacklist, derives every label, and scores as the simulated release."""
    import yaml

    rel = tiny_run / "resources/release"
    portal = tmp_path / "portal"
    chip, access, n = {}, {}, 100
    tfs = {"CTCF": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]}}
    peaks = {"file_format": "bed", "file_type": "bed narrowPeak", "assay_term_name": "TF ChIP-seq"}
    for cell in ("HepG2", "K562", "liver"):
        for kind in ("conservative", "relaxed"):
            acc = f"ENCFF{n:03d}AAA"
            n += 1
            add_portal_file(portal, acc, rl.chip_peaks_path(rel, "CTCF", cell, kind).read_bytes(), "bed.gz", **peaks)
            chip.setdefault(cell, {})[kind] = acc
        acc = f"ENCFF{n:03d}AAA"
        n += 1
        data = rl.dnase_bigwig_path(rel, cell).read_bytes()
        add_portal_file(portal, acc, data, "bigWig", file_format="bigWig", assay_term_name="DNase-seq")
        access[cell] = {"assay": "DNase-seq", "signal": acc}
        for kind in ("conservative", "relaxed"):
            acc = f"ENCFF{n:03d}AAA"
            n += 1
            data = rl.dnase_peaks_path(rel, cell, kind).read_bytes()
            add_portal_file(portal, acc, data, "bed.gz", **{**peaks, "assay_term_name": "DNase-seq"})
            access[cell][kind] = acc
    (portal / "genome").mkdir()
    shutil.copy(rl.fasta_path(rel, "hg19.genome.fa.gz"), portal / "genome" / "hg19.fa.gz")
    shutil.copy(rl.blacklist_path(rel), portal / "genome" / "blacklist.bed.gz")
    cfg = yaml.safe_load((ROOT / "tests" / "config.yaml").read_text())
    assert cfg["tfs"] == tfs
    with serve(portal) as srv:
        cfg["release"] = {
            "source": "encode",
            "portal": srv.url,
            "chromosomes": ["chr1", "chr2", "chr8", "chr11", "chr21", "chr22", "chrX"],
            "annotations": {
                "fasta": {"url": f"{srv.url}/genome/hg19.fa.gz"},
                "blacklist": {"url": f"{srv.url}/genome/blacklist.bed.gz"},
            },
            "encode": {"chip": {"CTCF": chip}, "accessibility": access},
        }
        (tmp_path / "encode.yaml").write_text(yaml.safe_dump(cfg))
        work = tmp_path / "work"
        r = snakemake(work, "--configfile", str(tmp_path / "encode.yaml"))
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    got = pd.read_csv(work / "results/scores/scores.tsv", sep="\t")
    want = pd.read_csv(tiny_run / "results/scores/scores.tsv", sep="\t")
    pd.testing.assert_frame_equal(got, want)
    for split in ("train", "test"):  # the challenge's window rule, built here, gives the release's own files
        built = read_regions(rl.regions_path(work / "resources/release", split))
        shipped = read_regions(rl.regions_path(rel, split))
        assert built.chroms == shipped.chroms and (built.start == shipped.start).all()
    assert (work / "results/labels/CTCF.train.labels.tsv.gz").is_file()  # derived, not shipped
    record = json.loads((work / "resources/release/encode.json").read_text())
    assert record["accessibility_assays"] == {"HepG2": "DNase-seq", "K562": "DNase-seq", "liver": "DNase-seq"}
    assert not (work / "resources/release/annotations/gencode.v19.annotation.gtf.gz").exists()


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
    counts = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    assert counts["predict_factornet"] == 13 and counts["predict_baseline"] == 13
    assert counts["train_factornet"] == 12 and counts["features_motif"] == 12
    assert counts["dnase_cache"] == 14  # every training and held-out cell type
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
    # Snakemake 9: --configfile replaces config.yaml (no merge), so the demo's TFs stay out of the run
    r = snakemake(tmp_path, "--configfile", str(ROOT / "tests" / "config.yaml"), "-n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "F.CTCF.liver" in r.stdout and "FOXA1" not in r.stdout and "factornet" not in r.stdout


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
    cfg = _local_config(tmp_path, release)
    cfg.write_text(cfg.read_text().replace("dnase: [dnase, dnase_peaks]", "dnase: [dnase]"))
    work = tmp_path / "work"
    r = snakemake(work, "--configfile", str(cfg))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    scores = pd.read_csv(work / "results/scores/scores.tsv", sep="\t")
    assert set(scores["model"]) == {"baseline", "catchitt"} and (scores["n_bound"] > 0).all()
    assert not (work / "results/labels").exists()  # the shipped held-out labels were used as they are


def test_bigwig_with_other_chromosome_names_fails_clearly(tiny_run, tmp_path):
    import pyBigWig

    release = tmp_path / "rel"
    shutil.copytree(tiny_run / "resources/release", release)
    src = pyBigWig.open(str(rl.dnase_bigwig_path(tiny_run / "resources/release", "liver")))
    chroms = src.chroms()
    dst_path = rl.dnase_bigwig_path(release, "liver")
    dst = pyBigWig.open(str(dst_path), "w")
    dst.addHeader([(c.removeprefix("chr"), n) for c, n in chroms.items()])
    for c in chroms:
        iv = src.intervals(c) or []
        if iv:
            dst.addEntries(
                [c.removeprefix("chr")] * len(iv),
                [a for a, _, _ in iv],
                ends=[b for _, b, _ in iv],
                values=[v for _, _, v in iv],
            )
    dst.close()
    src.close()
    work = tmp_path / "work"
    r = snakemake(work, "--configfile", str(_local_config(tmp_path, release)))
    assert r.returncode != 0
    log = (work / "logs/check_release/check.log").read_text()
    assert "DNASE.liver.fc.signal.bigwig: chromosome '1' is not in hg19.genome.fa.gz" in log
    assert "'chr' prefix" in log
    assert not (work / "results/release/chrom.sizes").exists()


@pytest.mark.parametrize(
    "damage, expected",
    [
        ("header", "CTCF.train.labels.tsv.gz, line 1: expected the header 'chr<TAB>start<TAB>stop"),
        ("value", "label 'X' in column 'HepG2'; expected U, A or B"),
        ("truncate", "test_regions.blacklistfiltered.bed.gz"),
    ],
)
def test_damaged_release_files_fail_clearly(tiny_run, tmp_path, damage, expected):
    release = tmp_path / "rel"
    shutil.copytree(tiny_run / "resources/release", release)
    lp = rl.labels_path(release, "CTCF")
    if damage == "truncate":
        p = rl.regions_path(release, "test")
        p.write_bytes(p.read_bytes()[:-500])
    else:
        lines = gzip.open(lp, "rt").read().splitlines()
        if damage == "header":
            lines[0] = lines[0].replace("chr\tstart\tstop", "chrom\tstart\tend")
        else:
            lines[5] = lines[5].rsplit("\t", 2)[0] + "\tX\tU"
        with gzip.open(lp, "wt") as fh:
            fh.write("\n".join(lines) + "\n")
    work = tmp_path / "work"
    r = snakemake(work, "--configfile", str(_local_config(tmp_path, release)))
    assert r.returncode != 0
    log = (work / "logs/check_release/check.log").read_text()
    assert expected in log, log
    if damage == "value":
        assert "line 6" in log


def _rename_peak_chroms(path: Path) -> None:
    lines = gzip.open(path, "rt").read().splitlines()
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(line.removeprefix("chr") for line in lines) + "\n")


def _empty(path: Path) -> None:
    with gzip.open(path, "wt"):
        pass


def _bigwig_value(path: Path, value: float) -> None:
    import pyBigWig

    src = pyBigWig.open(str(path))
    chroms, entries = src.chroms(), {c: src.intervals(c) or [] for c in src.chroms()}
    src.close()
    dst = pyBigWig.open(str(path), "w")
    dst.addHeader(list(chroms.items()))
    for c, iv in entries.items():
        if iv:
            vals = [v for _, _, v in iv]
            if c == "chr1":
                vals[len(vals) // 2] = value
            dst.addEntries([c] * len(iv), [a for a, _, _ in iv], ends=[b for _, b, _ in iv], values=vals)
    dst.close()


@pytest.mark.parametrize(
    "damage, rule_log, expected",
    [
        (
            lambda r: _rename_peak_chroms(rl.dnase_peaks_path(r, "liver", "relaxed")),
            "features_dnase_peaks/liver.log",
            "DNASE.liver.relaxed.narrowPeak.gz: chromosome '1' is not in the genome",
        ),
        (
            lambda r: _empty(rl.dnase_peaks_path(r, "K562", "conservative")),
            "features_dnase_peaks/K562.log",
            "DNASE.K562.conservative.narrowPeak.gz: no peaks (an empty narrowPeak file)",
        ),
        (
            lambda r: _empty(rl.chip_peaks_path(r, "CTCF", "liver", "conservative")),
            "derive_labels/CTCF.test.log",
            "ChIPseq.liver.CTCF.conservative.train.narrowPeak.gz: no peaks",
        ),
        (
            lambda r: _bigwig_value(rl.dnase_bigwig_path(r, "liver"), -5.0),
            "check_release/check.log",
            "DNASE.liver.fc.signal.bigwig: value -5.0 at chr1:",
        ),
        (
            lambda r: _bigwig_value(rl.dnase_bigwig_path(r, "HepG2"), float("inf")),
            "check_release/check.log",
            "DNASE.HepG2.fc.signal.bigwig: value inf at chr1:",
        ),
        ("test: [chr1, chr5]", "check_release/check.log", "config: chromosomes.test: chromosome 'chr5' is not in"),
    ],
    ids=["dnase-peak-names", "empty-dnase-peaks", "empty-chip-peaks", "negative-signal", "infinite-signal", "chr5"],
)
def test_bad_release_input_stops_the_run_with_one_line(tiny_run, tmp_path, damage, rule_log, expected):
    release = tmp_path / "rel"
    shutil.copytree(tiny_run / "resources/release", release)
    cfg = _local_config(tmp_path, release)
    if isinstance(damage, str):
        cfg.write_text(cfg.read_text() + f"chromosomes:\n  {damage}\n")
    else:
        damage(release)
    work = tmp_path / "work"
    r = snakemake(work, "--configfile", str(cfg))
    assert r.returncode != 0
    log = (work / "logs" / rule_log).read_text()
    errors = [line for line in log.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and expected in errors[0], log[-2000:]
    assert "Traceback" not in log
    assert not (work / "results/scores/scores.tsv").exists()


def test_demo_config_meets_the_acceptance_criteria(tmp_path):
    """`make demo`'s workflow: catchitt with DNase + motif beats the baseline and DNase alone, and
    factornet beats the baseline, in mean auPRC; every model has its rows in scores.tsv."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    # the whole demo: 29 min on 2 cores here (10 min is the target of #10); room for a slower CI machine
    r = snakemake(tmp_path, timeout=3600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    df = pd.read_csv(tmp_path / "results/scores/scores.tsv", sep="\t")
    mean = df.groupby(["model", "feature_set"])["auprc"].mean()
    # four (TF, held-out cell) pairs; baseline, two catchitt sets, factornet, two ensembles
    assert len(df) == 4 * 6
    assert mean[("catchitt", "dnase_motif")] > mean[("baseline", "dnase_max")] + 0.1
    assert mean[("catchitt", "dnase_motif")] > mean[("catchitt", "dnase")] + 0.1
    assert mean[("factornet", "seq_dnase")] > mean[("baseline", "dnase_max")]
    # the sequence branch learns (#10): factornet above catchitt on DNase alone on every pair
    pair = df.set_index(["model", "feature_set", "tf", "cell_type"])["auprc"]
    for tf, cell in df[["tf", "cell_type"]].drop_duplicates().itertuples(index=False):
        assert pair[("factornet", "seq_dnase", tf, cell)] > pair[("catchitt", "dnase", tf, cell)], (tf, cell)
    # the ensemble (#12) of catchitt on DNase alone and factornet beats both members; with
    # catchitt's motif features it beats factornet (demo: 0.595 vs 0.322 and 0.527; 0.720 vs 0.527)
    assert mean[("ensemble", "dnase")] > max(mean[("catchitt", "dnase")], mean[("factornet", "seq_dnase")])
    assert mean[("ensemble", "dnase_motif")] > mean[("factornet", "seq_dnase")]
    for tf in ("CTCF", "FOXA1", "REST"):
        card = json.loads((tmp_path / f"results/models/factornet/{tf}.card.json").read_text())
        assert card["held_out_check"]["passed"] and card["chromosomes"]["early_stopping_on"] == ["chr11"]
    assert (tmp_path / "results/tracks/ensemble/dnase_motif/REST.liver.bigWig").stat().st_size > 10_000
    # calibrated peaks (#12): catchitt with motifs reaches precision 0.9 on chr11 of the training
    # cells for every TF, and the held-out windows keep most of it (demo: 0.76-0.96 at 0.90-0.92)
    cal = pd.read_csv(tmp_path / "results/scores/calibration.tsv", sep="\t")
    assert len(cal) == 4 * 6
    motif = cal[(cal["model"] == "catchitt") & (cal["feature_set"] == "dnase_motif")]
    assert motif["threshold"].notna().all() and (motif["promised_precision"] >= 0.9).all()
    assert (motif["window_precision"] > 0.7).all(), motif
    # what FactorNet learned (#12): its top TF-MoDISco motif is the TF's own JASPAR matrix
    # (demo: CTCF MA0139.2 q 8e-11, REST MA0138.3 q 4e-8, FOXA1 MA0148.5 q 3e-4)
    for tf in ("CTCF", "REST"):
        top = json.loads((tmp_path / f"results/interpret/factornet/{tf}/summary.json").read_text())["motifs"][0]
        assert top["name"].upper() == tf and top["q_value"] < 0.05, top
    train_s = sum(
        float((tmp_path / f"benchmarks/train_factornet/{tf}.tsv").read_text().splitlines()[1].split()[0])
        for tf in ("CTCF", "FOXA1", "REST")
    )
    # 9 min 2 s on a 2-core laptop since every TF's epoch has 6,000 windows (#10 sets 3 min
    # per TF); slack for a CI machine that has run 1.3-1.5x slower
    assert train_s < 560 * 1.6, train_s
