"""ENCODE releases (release.source: encode): real runs against a loopback portal (tests/http_server.py)
holding the simulated release's files under accessions."""

import gzip
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from http_server import add_portal_file, serve
from workflow_runs import ROOT, job_counts, snakemake

from dreamtf import release as rl
from dreamtf.io.windowtable import read_regions

pytestmark = pytest.mark.slow

PEAKS = {"file_format": "bed", "file_type": "bed narrowPeak", "assay_term_name": "TF ChIP-seq"}


class Portal:
    """A portal folder filling with the simulated release's files, one accession each."""

    def __init__(self, root: Path, rel: Path):
        self.root, self.rel, self.n = root, rel, 100

    def add(self, data: bytes, ext: str, **meta) -> str:
        acc = f"ENCFF{self.n:03d}AAA"
        self.n += 1
        add_portal_file(self.root, acc, data, ext, **meta)
        return acc

    def chip(self, tf: str, cell: str) -> dict:
        return {k: self.add(rl.chip_peaks_path(self.rel, tf, cell, k).read_bytes(), "bed.gz", **PEAKS)
                for k in ("conservative", "relaxed")}  # fmt: skip

    def accessibility(self, cell: str, assay: str = "DNase-seq") -> dict:
        data = rl.dnase_bigwig_path(self.rel, cell).read_bytes()
        spec = {"assay": assay, "signal": self.add(data, "bigWig", file_format="bigWig", assay_term_name=assay)}
        for kind in ("conservative", "relaxed"):
            data = rl.dnase_peaks_path(self.rel, cell, kind).read_bytes()
            spec[kind] = self.add(data, "bed.gz", **{**PEAKS, "assay_term_name": assay})
        return spec


@pytest.fixture(scope="module")
def encode_run(tiny_run, tmp_path_factory):
    """The tests' run (tests/config.yaml) on an ENCODE release of the simulated release's files; the
    portal stays up for the module's tests, and PC-3's accessibility is on it (no ChIP-seq)."""
    tmp = tmp_path_factory.mktemp("encode")
    rel = tiny_run / "resources/release"
    portal = Portal(tmp / "portal", rel)
    cells = ("HepG2", "K562", "liver")
    chip = {c: portal.chip("CTCF", c) for c in cells}
    access = {c: portal.accessibility(c) for c in cells}
    (portal.root / "genome").mkdir()
    shutil.copy(rl.fasta_path(rel, "hg19.genome.fa.gz"), portal.root / "genome" / "hg19.fa.gz")
    shutil.copy(rl.blacklist_path(rel), portal.root / "genome" / "blacklist.bed.gz")
    cfg = yaml.safe_load((ROOT / "tests" / "config.yaml").read_text())
    assert cfg["tfs"] == {"CTCF": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]}}
    with serve(portal.root) as srv:
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
        (tmp / "encode.yaml").write_text(yaml.safe_dump(cfg))
        work = tmp / "work"
        r = snakemake(work, "--configfile", str(tmp / "encode.yaml"))
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        pc3 = portal.accessibility("PC-3", assay="ATAC-seq")
        yield SimpleNamespace(work=work, tmp=tmp, cfg=cfg, srv=srv, pc3=pc3, first_hits=dict(srv.hits))


def test_encode_release_builds_regions_and_labels_and_scores_as_the_challenge_layout(tiny_run, encode_run):
    """The workflow writes the layout, builds the region files from the FASTA and blacklist, derives
    every label, and scores as the simulated release."""
    work, rel = encode_run.work, tiny_run / "resources/release"
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


def test_prediction_cells_by_accession_and_of_your_own_add_to_an_encode_run(tiny_run, encode_run):
    """PC-3 by accession (accessibility only) and mycell from files of your own, holding PC-3's same
    bytes, added to the finished run: PC-3's three files are downloaded and nothing else, mycell's
    are read where they are, both are checked and predicted alike, and nothing trained reruns."""
    work, cfg = encode_run.work, encode_run.cfg
    own = encode_run.tmp / "own"
    own.mkdir()
    rel = tiny_run / "resources/release"
    shutil.copy(rl.dnase_bigwig_path(rel, "PC-3"), own / "mycell.bw")
    for kind in ("conservative", "relaxed"):
        shutil.copy(rl.dnase_peaks_path(rel, "PC-3", kind), own / f"mycell.{kind}.narrowPeak.gz")
    cfg = {
        **cfg,
        "release": {**cfg["release"], "encode": {**cfg["release"]["encode"]}},
        "tfs": {"CTCF": {**cfg["tfs"]["CTCF"], "predict_cells": ["PC-3", "mycell"]}},
        "cells": {
            "mycell": {
                "signal": str(own / "mycell.bw"),
                "peaks": {k: str(own / f"mycell.{k}.narrowPeak.gz") for k in ("conservative", "relaxed")},
                "assay": "ATAC-seq",
            }
        },
        "predict": {"chromosomes": ["chr22"]},
    }
    cfg["release"]["encode"]["accessibility"] = {**cfg["release"]["encode"]["accessibility"], "PC-3": encode_run.pc3}
    config = encode_run.tmp / "predict.yaml"
    config.write_text(yaml.safe_dump(cfg))
    r = snakemake(work, "--configfile", str(config), "-n", "--quiet", "rules")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    counts = job_counts(r)
    assert counts["download_release_file"] == 3 and counts["check_cell"] == 2
    assert not counts.keys() & {"encode_regions", "check_release", "derive_labels", "train_catchitt", "calibrate"}
    assert counts["predict_catchitt"] == counts["predict_baseline"] == 2  # the two new cells, nothing else
    r = snakemake(work, "--configfile", str(config))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    hits = {p: n - encode_run.first_hits.get(p, 0) for p, n in encode_run.srv.hits.items()}
    fetched = {p.split("/")[1] for p, n in hits.items() if n}
    assert fetched == {encode_run.pc3[k] for k in ("signal", "conservative", "relaxed")}
    fetched = {p.relative_to(work / "resources/release").as_posix() for p in (work / "resources/release").rglob("*")}
    assert not [p for p in fetched if "mycell" in p or ("PC-3" in p and not p.startswith("DNASE/"))]
    checked = {c: json.loads((work / f"results/release/cells/{c}.json").read_text()) for c in ("PC-3", "mycell")}
    assert checked["mycell"]["signal"] == str(own / "mycell.bw")
    assert checked["PC-3"]["signal"] == str(rl.dnase_bigwig_path("resources/release", "PC-3"))
    assert sorted(checked["PC-3"]["peaks"].values()) == sorted(checked["mycell"]["peaks"].values())
    for run in ("baseline/dnase_max", "catchitt/dnase"):
        pc3 = gzip.open(work / f"results/predictions/{run}/F.CTCF.PC-3.tab.gz").read()
        mine = gzip.open(work / f"results/predictions/{run}/F.CTCF.mycell.tab.gz").read()
        assert pc3 == mine and pc3.startswith(b"chr22\t"), run  # the same bytes, downloaded or your own
        assert (work / f"results/peaks/{run}/CTCF.PC-3.narrowPeak.gz").is_file()
    assert not list(work.glob("results/labels/*PC-3*")) and not list(work.glob("results/scores/*PC-3*"))
    record = json.loads((work / "resources/release/encode.json").read_text())
    assert record["accessibility_assays"]["PC-3"] == "ATAC-seq" and "mycell" not in record["accessibility_assays"]
