"""The simulated release: layout, reproducibility and realism (the benchmark must mean something)."""

import gzip
import hashlib

import numpy as np
import pytest

from conftest import SIM, TINY_SIZES, TINY_TFS
from dreamtf import release as rl
from dreamtf.io.bigwig import open_bigwig
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.io.windowtable import read_labels, read_regions
from dreamtf.release import check_release
from dreamtf.simcheck import composition, dnase_stats, dnase_vs_motif
from dreamtf.simrelease import write_simulated_release
from dreamtf.simulate import DEFAULT_TFS


def digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_layout_is_complete_and_consistent(tiny_release):
    files = rl.release_files(tiny_release, fasta="hg19.genome.fa.gz", tfs=TINY_TFS)
    assert all(p.is_file() for p in files), [p for p in files if not p.is_file()]
    cells = rl.cells_of(TINY_TFS)
    sizes = check_release(
        fasta=rl.fasta_path(tiny_release, "hg19.genome.fa.gz"),
        bigwigs={c: rl.dnase_bigwig_path(tiny_release, c) for c in cells},
        regions={s: rl.regions_path(tiny_release, s) for s in ("train", "test")},
        labels={rl.labels_path(tiny_release, tf): spec["train_cells"] for tf, spec in TINY_TFS.items()},
        size=200,
        test_chroms=["chr1", "chr8", "chr21"],
        valid_chroms=["chr11"],
    )
    assert sizes == TINY_SIZES
    assert not list(tiny_release.parent.glob(".*partial*"))  # no scratch folder left behind


def test_same_seed_same_bytes_other_seed_other_bytes(tiny_release, tmp_path):
    again = tmp_path / "again"
    write_simulated_release(again, seed=7, chrom_sizes=TINY_SIZES, tfs=TINY_TFS, **SIM)
    assert digest(again) == digest(tiny_release)
    other = tmp_path / "other"
    write_simulated_release(other, seed=8, chrom_sizes=TINY_SIZES, tfs=TINY_TFS, **SIM)
    d1, d2 = digest(other), digest(tiny_release)
    assert d1.keys() == d2.keys() and all(d1[k] != d2[k] for k in d1 if "labels" in k or "bigwig" in k)


def test_held_out_chromosomes_absent_from_training_files(tiny_release):
    test = {"chr1", "chr8", "chr21"}
    lab = read_labels(rl.labels_path(tiny_release, "CTCF"))
    assert not test & set(lab.chroms) and lab.cells == ["HepG2", "K562"]
    for cell in ("HepG2", "K562"):
        for kind in ("conservative", "relaxed"):
            assert not test & set(read_narrowpeak(rl.chip_peaks_path(tiny_release, "CTCF", cell, kind)))
    # the held-out cell's peaks cover the held-out chromosomes (they stand in for the final-round truth)
    assert test <= set(read_narrowpeak(rl.chip_peaks_path(tiny_release, "CTCF", "liver", "conservative")))
    assert set(read_regions(rl.regions_path(tiny_release, "test")).chroms) == test
    assert not test & set(read_regions(rl.regions_path(tiny_release, "train")).chroms)


def test_region_files_follow_the_official_grid(tiny_release):
    reg = read_regions(rl.regions_path(tiny_release, "train"))
    for chrom, starts in reg.by_chrom():
        assert starts[0] >= 600 and (starts - 600).min() % 50 == 0
        assert starts[-1] + 200 <= TINY_SIZES[chrom] - 400


def test_labels_agree_with_peaks(tiny_release):
    from dreamtf.simcheck import derived_codes

    reg = read_regions(rl.regions_path(tiny_release, "train"))
    lab = read_labels(rl.labels_path(tiny_release, "CTCF"))
    assert np.array_equal(lab.start, reg.start)
    assert np.array_equal(lab.column("K562"), derived_codes(tiny_release, "CTCF", "K562", reg))


def test_rnaseq_and_gtf(tiny_release):
    header = rl.rnaseq_path(tiny_release, "liver", 1).read_text().splitlines()[0]
    assert header == "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM"
    gtf = gzip.open(rl.gtf_path(tiny_release), "rt").read().splitlines()
    genes = [line.split("\t") for line in gtf if not line.startswith("#") and line.split("\t")[2] == "gene"]
    assert any('gene_name "CTCF"' in g[8] for g in genes)
    assert all(int(g[3]) >= 1 and int(g[4]) >= int(g[3]) for g in genes)


def test_gencode_file_is_named_for_the_builds_gencode_release():
    assert rl.gtf_path("rel").name == "gencode.v19.annotation.gtf.gz"  # the challenge's own name
    assert rl.gtf_path("rel", "GRCh38").name == "gencode.v29.annotation.gtf.gz"
    cfg = {"genome": "GRCh38", "annotations": {}, "fasta": "genome.fa.gz", "encode": {}}
    assert "annotations/gencode.v29.annotation.gtf.gz" in rl.encode_files(cfg, {})
    with pytest.raises(Exception, match="unknown genome build 'mm10'; expected one of hg19, GRCh38"):
        rl.gtf_name("mm10")


def test_bigwig_is_zero_in_most_places(tiny_release):
    bw = open_bigwig(rl.dnase_bigwig_path(tiny_release, "liver"))
    vals = np.nan_to_num(bw.values("chr2", 0, TINY_SIZES["chr2"], numpy=True))
    bw.close()
    assert 0.01 < np.mean(vals > 0) < 0.15 and vals.max() > 30


@pytest.fixture(scope="module")
def demo_stats(demo_release):
    return {
        "composition": composition(rl.fasta_path(demo_release, "hg19.genome.fa.gz")),
        "dnase": {
            (tf, c): dnase_stats(demo_release, "hg19.genome.fa.gz", tf, c)
            for tf in ("CTCF", "REST")
            for c in DEFAULT_TFS[tf]["train_cells"]
        },
    }


def test_sequence_composition_is_human_like(demo_stats):
    c = demo_stats["composition"]
    assert 0.39 <= c["gc"] <= 0.43  # hg19: 40.9 %
    assert 0.15 <= c["cpg_oe"] <= 0.32  # hg19: about 0.24 (CpG depletion), islands included


def test_dnase_statistics_match_the_real_release(demo_stats):
    for key, d in demo_stats["dnase"].items():
        assert d["u_zero_fraction"] >= 0.93, key  # real: about 97 %
        assert 0.4 <= d["u_mean_fc"] <= 3, key  # real: about 1-2
        assert 30 <= d["b_mean_fc"] <= 150, key  # real: about 30-150
        assert 0.0005 <= d["b_fraction"] <= 0.03, key


def test_motif_adds_to_dnase(demo_release):
    """Labels are learnable but not trivial: DNase alone scores clearly below DNase plus motif."""
    for tf in ("CTCF", "REST"):
        res = dnase_vs_motif(
            demo_release, "hg19.genome.fa.gz", tf, DEFAULT_TFS[tf]["train_cells"], DEFAULT_TFS[tf]["test_cells"]
        )
        for cell, r in res.items():
            assert r["n_bound"] > 200, (tf, cell)
            assert r["dnase_auprc"] < 0.6, (tf, cell)
            assert r["dnase_motif_auprc"] > r["dnase_auprc"] + 0.08, (tf, cell, r)
