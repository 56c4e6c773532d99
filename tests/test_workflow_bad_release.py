"""A damaged release stops the workflow with one clear line and no half outputs (real Snakemake runs)."""

import gzip
import shutil
from pathlib import Path

import pytest
from workflow_runs import local_config, snakemake

from dreamtf import release as rl

pytestmark = pytest.mark.slow


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
    r = snakemake(work, "--configfile", str(local_config(tmp_path, release)))
    assert r.returncode != 0
    # each cell is checked by its own job, before any job reads the cell
    log = (work / "logs/check_cell/liver.log").read_text()
    assert "DNASE.liver.fc.signal.bigwig: chromosome '1' is not in the genome (results/release/chrom.sizes)" in log
    assert "'chr' prefix" in log
    assert not (work / "results/release/cells/liver.json").exists()
    assert not (work / "results/features/dnase/liver.npz").exists()


@pytest.mark.parametrize(
    "damage, rule_log, expected",
    [
        # each label file is checked by a job of its own (TF and split), the genome and regions by check_release
        (
            "header",
            "check_labels/CTCF.train.log",
            "CTCF.train.labels.tsv.gz, line 1: expected the header 'chr<TAB>start",
        ),
        ("value", "check_labels/CTCF.train.log", "label 'X' in column 'HepG2'; expected U, A or B"),
        ("truncate", "check_release/check.log", "test_regions.blacklistfiltered.bed.gz"),
    ],
)
def test_damaged_release_files_fail_clearly(tiny_run, tmp_path, damage, rule_log, expected):
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
    r = snakemake(work, "--configfile", str(local_config(tmp_path, release)))
    assert r.returncode != 0
    log = (work / "logs" / rule_log).read_text()
    assert expected in log, log
    if damage == "value":
        assert "line 6" in log
    if damage != "truncate":
        assert not (work / "results/release/labels/CTCF.train.json").exists()
        assert not list((work / "results/models").rglob("*.zip"))  # no model trained on bad labels


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
            "check_cell/liver.log",
            "DNASE.liver.relaxed.narrowPeak.gz: chromosome '1' is not in the genome",
        ),
        (
            lambda r: _empty(rl.dnase_peaks_path(r, "K562", "conservative")),
            "check_cell/K562.log",
            "DNASE.K562.conservative.narrowPeak.gz: no peaks (an empty narrowPeak file)",
        ),
        (
            lambda r: _empty(rl.chip_peaks_path(r, "CTCF", "liver", "conservative")),
            "derive_labels/CTCF.test.log",
            "ChIPseq.liver.CTCF.conservative.train.narrowPeak.gz: no peaks",
        ),
        (
            lambda r: _bigwig_value(rl.dnase_bigwig_path(r, "liver"), -5.0),
            "check_cell/liver.log",
            "DNASE.liver.fc.signal.bigwig: value -5.0 at chr1:",
        ),
        (
            lambda r: _bigwig_value(rl.dnase_bigwig_path(r, "HepG2"), float("inf")),
            "check_cell/HepG2.log",
            "DNASE.HepG2.fc.signal.bigwig: value inf at chr1:",
        ),
        ("test: [chr1, chr5]", "check_release/check.log", "config: chromosomes.test: chromosome 'chr5' is not in"),
    ],
    ids=["dnase-peak-names", "empty-dnase-peaks", "empty-chip-peaks", "negative-signal", "infinite-signal", "chr5"],
)
def test_bad_release_input_stops_the_run_with_one_line(tiny_run, tmp_path, damage, rule_log, expected):
    release = tmp_path / "rel"
    shutil.copytree(tiny_run / "resources/release", release)
    cfg = local_config(tmp_path, release)
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
