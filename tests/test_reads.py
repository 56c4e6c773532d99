"""Cells given as reads: BAM and fragments readers, the cut sites, MACS3's signal and peaks, and
every bad input as one line naming the file (and line)."""

import gzip

import numpy as np
import pandas as pd
import pytest

from dreamtf import pseudobulk
from dreamtf.errors import DreamTFError
from dreamtf.io.bam import cut_sites, open_bam, write_bam
from dreamtf.io.cutsites import write_cut_sites
from dreamtf.io.files import atomic_write_text
from dreamtf.io.fragments import iter_fragments, read_clusters
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.reads import bam_cuts, call_accessibility, share_in_peaks

SIZES = {"chr1": 200_000, "chr2": 100_000}


def fragments_file(path, lines, header="# a header\n"):
    with gzip.open(path, "wt") as fh:
        fh.write(header + "".join(lines))
    return path


def test_a_malformed_fragment_line_is_named(tmp_path):
    good = [f"chr1\t{i * 100}\t{i * 100 + 150}\tAAA-1\t1\n" for i in range(5)]
    cases = {
        "4 columns, not 5": "chr1\t10\t20\tAAA-1\n",
        "are not all whole numbers": "chr1\tten\t20\tAAA-1\t1\n",
        "expected 0 <= start < end": "chr1\t30\t20\tAAA-1\t1\n",
        "count 0: expected 1 or more reads": "chr1\t10\t20\tAAA-1\t0\n",
    }
    for why, bad in cases.items():
        path = fragments_file(tmp_path / "f.tsv.gz", good[:3] + [bad] + good[3:])
        with pytest.raises(DreamTFError) as err:
            list(iter_fragments(path))
        # the header is line 1: the bad fragment is line 5
        assert str(err.value).startswith(f"{path}, line 5: ") and why in str(err.value), str(err.value)


def test_fragments_plain_or_gzipped_read_alike(tmp_path):
    lines = [f"chr1\t{i}\t{i + 60}\tB{i % 3}\t{1 + i % 2}\n" for i in range(0, 5000, 7)]
    gz = fragments_file(tmp_path / "f.tsv.gz", lines)
    plain = tmp_path / "f.tsv"
    plain.write_text("".join(lines))
    a = pd.concat(iter_fragments(gz, chunk=100))
    b = pd.concat(iter_fragments(plain))
    assert len(a) == len(lines) and a.reset_index(drop=True).equals(b.reset_index(drop=True))


def test_a_hash_inside_a_barcode_is_not_a_comment(tmp_path):
    """ArchR names barcodes Sample#AAAC-1: only the header's lines start with '#'."""
    lines = [f"chr1\t{i}\t{i + 60}\tS1#AAAC-{i}\t1\n" for i in range(0, 500, 50)]
    path = fragments_file(tmp_path / "f.tsv.gz", lines, header="# one\n# two\n")
    got = pd.concat(iter_fragments(path))
    assert list(got.barcode) == [f"S1#AAAC-{i}" for i in range(0, 500, 50)]


def test_cluster_tables_are_checked_line_by_line(tmp_path):
    t = tmp_path / "c.tsv"
    t.write_text("barcode\tcluster\nAAA-1\tT\nCCC-1,B\n")
    assert read_clusters(t) == {"AAA-1": "T", "CCC-1": "B"}
    t.write_text("cell_id,cell_type\nAAA-1,T\n")  # a header named otherwise is still one
    assert read_clusters(t) == {"AAA-1": "T"}
    for text, why in (
        ("AAA-1\tT\nCCC-1\n", "line 2: expected two columns"),
        ("AAA-1\tT cells\n", "line 1: cluster 'T cells' has characters"),
        ("AAA-1\tT\nAAA-1\tB\n", "line 2: barcode 'AAA-1' is in cluster 'T' and 'B'"),
    ):
        t.write_text(text)
        with pytest.raises(DreamTFError, match=why):
            read_clusters(t)


def clusters_and_fragments(tmp_path, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    (tmp_path / "clusters.tsv").write_text("".join(f"{c}{i}-1\t{c}\n" for c in "TB" for i in range(10)))
    start = np.sort(rng.integers(0, 190_000, n))
    barcodes = [f"{'TBX'[k]}{i}-1" for k, i in zip(rng.integers(0, 3, n), rng.integers(0, 10, n))]
    lines = [f"chr1\t{s}\t{s + 80}\t{b}\t2\n" for s, b in zip(start, barcodes)]
    lines.append("chrM\t10\t90\tT0-1\t1\n")  # a contig the genome has not: not read
    return fragments_file(tmp_path / "f.tsv.gz", lines), tmp_path / "clusters.tsv", start, barcodes


def test_fragments_split_into_clusters_as_both_ends_cut_sites(tmp_path):
    frags, clusters, start, barcodes = clusters_and_fragments(tmp_path)
    outs = {"T": tmp_path / "T.bed.gz", "B": tmp_path / "B.bed.gz"}
    stats = pseudobulk.split_fragments(frags, clusters, SIZES, outs)
    assert stats["fragments_in_file"] == len(start) + 1
    # an independent count: the X barcodes are in no cluster
    assert stats["fragments_unmatched"] == sum(b.startswith("X") for b in barcodes)
    for c in "TB":
        mine = start[[b.startswith(c) for b in barcodes]]
        cuts = pd.read_csv(outs[c], sep="\t", header=None)
        assert stats["clusters"][c]["fragments"] == len(mine)
        assert sorted(cuts[1]) == sorted(np.concatenate([mine, mine + 79]).tolist())
        assert (cuts[2] == cuts[1] + 1).all()
    counts = pseudobulk.fragment_counts(frags, clusters, tmp_path / "cache")
    assert counts == {c: stats["clusters"][c]["fragments"] + (c == "T") for c in "BT"}  # chrM counts there
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_fragments_that_match_no_cluster_or_another_build_are_one_line(tmp_path):
    frags, clusters, _, _ = clusters_and_fragments(tmp_path)
    (tmp_path / "other.tsv").write_text("GGG-1\tT\n")
    with pytest.raises(DreamTFError, match="none of its barcodes is in .*other.tsv"):
        pseudobulk.split_fragments(frags, tmp_path / "other.tsv", SIZES, {"T": tmp_path / "T.bed.gz"})
    with pytest.raises(DreamTFError, match="a fragment ends at .* on chr1, which is 1,000 bp in the genome"):
        pseudobulk.split_fragments(frags, clusters, {"chr1": 1_000}, {"T": tmp_path / "T.bed.gz"})
    assert not (tmp_path / "T.bed.gz").exists()  # nothing half-written


def test_small_clusters_are_named_and_skipped(tmp_path):
    frags, clusters, _, barcodes = clusters_and_fragments(tmp_path)
    cfg = {"cells": {"pbmc": {"fragments": str(frags), "clusters": str(clusters)}}, "tfs": {}}
    pseudobulk.expand_cells(cfg, "cfg", tmp_path)
    cells = cfg["cells"]
    assert sorted(cells) == ["pbmc_B", "pbmc_T"] and cells["pbmc_T"]["cluster"] == "T"
    n_b = sum(b.startswith("B") for b in barcodes)
    skipped = pseudobulk.small_clusters(cells, n_b + 2, tmp_path / "cache")
    assert set(skipped) == {"pbmc_B"} and f"{n_b:,} fragments, fewer than reads.min_fragments" in skipped["pbmc_B"]


def bam_reads(rng, n=400):
    """Single-end reads on chr1, sorted: some low MAPQ, marked duplicates, secondary."""
    start = np.sort(rng.integers(100, 150_000, n))
    flags = rng.choice([0, 0, 0, 0x400, 0x100], n)
    mapq = rng.choice([60, 60, 60, 5], n)
    reverse = rng.uniform(0, 1, n) < 0.5
    return [("chr1", int(s), 36, bool(r), int(q), int(f)) for s, r, q, f in zip(start, reverse, mapq, flags)]


def test_bam_cut_sites_keep_good_reads_with_the_tn5_shift(tmp_path):
    rng = np.random.default_rng(1)
    reads = bam_reads(rng)
    reads.append(reads[0][:5] + (0,))  # the same position and strand, unmarked: another fragment, kept
    reads.sort(key=lambda r: r[1])
    write_bam(tmp_path / "r.bam", SIZES, reads)
    kept = [(s + 35 - 5 if r else s + 4) for _, s, _, r, q, f in reads if q >= 30 and not f]
    with open_bam(tmp_path / "r.bam", SIZES) as bam:
        cuts, n = cut_sites(bam, "chr1", assay="ATAC-seq", min_mapq=30)
        assert n == len(reads)
        assert cuts.tolist() == sorted(kept) and len(kept) < len(reads)
        dnase, _ = cut_sites(bam, "chr1", assay="DNase-seq", min_mapq=30)
    assert dnase.tolist() == sorted((s + 35 if r else s) for _, s, _, r, q, f in reads if q >= 30 and not f)


def test_bad_bams_are_one_line(tmp_path):
    import pysam

    rng = np.random.default_rng(2)
    write_bam(tmp_path / "r.bam", SIZES, bam_reads(rng))
    with pytest.raises(DreamTFError, match="r.bam: chr1 is 200,000 bp in the BAM but 250,000 bp in the genome"):
        open_bam(tmp_path / "r.bam", {"chr1": 250_000})
    with pytest.raises(DreamTFError, match=r"none of its chromosomes \(chr1, chr2, ...\) is the genome's \(1, ...\)"):
        open_bam(tmp_path / "r.bam", {"1": 200_000})
    # a damaged block in the middle (its end-of-file marker intact): named, nothing written
    raw = bytearray((tmp_path / "r.bam").read_bytes())
    raw[len(raw) // 2 : len(raw) // 2 + 500] = bytes(500)
    (tmp_path / "d.bam").write_bytes(bytes(raw))
    (tmp_path / "d.bam.bai").write_bytes((tmp_path / "r.bam.bai").read_bytes())
    with pytest.raises(DreamTFError, match=r"d.bam: unreadable on chr1 after [\d,]+ reads"):
        bam_cuts(tmp_path / "d.bam", SIZES, tmp_path / "d.bed.gz", assay="DNase-seq", min_mapq=30)
    assert not (tmp_path / "d.bed.gz").exists()
    (tmp_path / "r.bam.bai").unlink()
    with pytest.raises(DreamTFError, match="r.bam: no index beside it"):
        open_bam(tmp_path / "r.bam", SIZES)
    header = {"HD": {"VN": "1.6", "SO": "unsorted"}, "SQ": [{"SN": "chr1", "LN": 200_000}]}
    with pysam.AlignmentFile(str(tmp_path / "u.bam"), "wb", header=header):
        pass
    with pytest.raises(DreamTFError, match="u.bam: not coordinate-sorted"):
        open_bam(tmp_path / "u.bam", SIZES)
    (tmp_path / "t.bam").write_text("not a bam\n")
    with pytest.raises(DreamTFError, match="t.bam: not a readable BAM file"):
        open_bam(tmp_path / "t.bam", SIZES)


def test_macs3_signal_and_peaks_find_the_open_sites(tmp_path):
    """Cut sites piled at known sites over a uniform background: MACS3's peaks are there, the
    fold change is high there and about 1 elsewhere, and conservative peaks are relaxed ones."""
    rng = np.random.default_rng(3)
    sites = np.arange(5_000, 195_000, 5_000)
    cuts = np.sort(
        np.concatenate(
            [rng.integers(0, 200_000, 20_000), np.repeat(sites, 60) + rng.integers(-50, 50, 60 * len(sites))]
        )
    )
    with atomic_write_text(tmp_path / "cuts.bed.gz") as fh:
        write_cut_sites(fh, "chr1", cuts)
    sizes = {"chr1": 200_000}
    got = call_accessibility(
        tmp_path / "cuts.bed.gz", sizes, signal=tmp_path / "s.bigwig", conservative=tmp_path / "c.np.gz",
        relaxed=tmp_path / "r.np.gz", log_to=open(tmp_path / "macs.log", "w"),
    )  # fmt: skip
    relaxed = read_narrowpeak(tmp_path / "r.np.gz", allow_empty=True)["chr1"]
    conservative = read_narrowpeak(tmp_path / "c.np.gz", allow_empty=True)["chr1"]
    assert got["relaxed_peaks"] == len(relaxed) and got["conservative_peaks"] == len(conservative)
    hit = [((relaxed.start <= s) & (relaxed.end > s)).any() for s in sites]
    assert all(hit)
    assert set(zip(conservative.start, conservative.end)) <= set(zip(relaxed.start, relaxed.end))
    import pyBigWig

    bw = pyBigWig.open(str(tmp_path / "s.bigwig"))
    at_sites = np.array([bw.values("chr1", int(s), int(s) + 1)[0] for s in sites])
    between = np.array([bw.values("chr1", int(s) + 2_500, int(s) + 2_501)[0] for s in sites])
    bw.close()
    # at a site: 60 cuts within 150 bp over a background of 0.1 a bp (15 in 150 bp), against the
    # 10 kb background, which holds the site: (60 + 15) / ((10_000 * 0.1 + 60) * 150 / 10_000) = 4.7
    assert 3.5 < at_sites.min() and at_sites.max() < 5.5
    assert 0.5 < np.nanmedian(between) < 1.5
    frip = share_in_peaks(tmp_path / "cuts.bed.gz", tmp_path / "c.np.gz")
    inside = sum(((conservative.start <= c) & (conservative.end > c)).any() for c in cuts)
    assert frip == pytest.approx(inside / len(cuts))


def test_config_forms_of_cells_of_your_own(tmp_path):
    from workflow_runs import ROOT

    from dreamtf.config import validate_config

    frags, clusters, _, _ = clusters_and_fragments(tmp_path)
    base = {"tfs": {"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["mine", "sc"]}}}
    good = {
        "mine": {"bam": "x.bam", "assay": "ATAC-seq"},
        "sc": {"fragments": str(frags), "clusters": str(clusters)},
    }
    cfg = validate_config(
        {**base, "cells": good}, ROOT / "schemas/config.schema.yaml", source="c.yaml", workdir=tmp_path
    )
    assert cfg["tfs"]["CTCF"]["predict_cells"] == ["mine", "sc_B", "sc_T"]
    assert cfg["cells"]["sc_T"]["assay"] == "ATAC-seq"
    bad = {
        "'cells.mine': bam needs assay": {"mine": {"bam": "x.bam"}},
        "'cells.mine': expected one of signal (with peaks), bam (with assay) or fragments (with clusters), "
        "got signal and bam": {"mine": {"bam": "x.bam", "assay": "ATAC-seq", "signal": "s.bw", "peaks": "p.gz"}},
        "'cells.sc': fragments needs clusters": {"sc": {"fragments": str(frags)}},
        "'cells.mine.peaks' goes with signal, not bam": {"mine": {"bam": "x.bam", "assay": "ATAC-seq", "peaks": "p"}},
        "'cells.sc.assay': fragments are ATAC-seq, not DNase-seq": {
            "sc": {"fragments": str(frags), "clusters": str(clusters), "assay": "DNase-seq"}
        },
        "'cells.sc': cluster cell 'sc_T' is also a cell of its own": {
            "sc": {"fragments": str(frags), "clusters": str(clusters)},
            "sc_T": {"bam": "x.bam", "assay": "DNase-seq"},
        },
        "'cells.sc.cluster': 'NK' is not a cluster of": {
            "sc": {"fragments": str(frags), "clusters": str(clusters), "cluster": "NK"}
        },
        "'cells.sc.rnaseq': every cluster of a fragments file would read the same RNA-seq": {
            "sc": {"fragments": str(frags), "clusters": str(clusters), "rnaseq": ["r.tsv"]}
        },
        "'cells.t': cluster 'T' of": {
            "sc": {"fragments": str(frags), "clusters": str(clusters)},
            "t": {"fragments": str(frags), "clusters": str(clusters), "cluster": "T"},
        },
        "'cells.sc.fragments': no file 'none.tsv.gz'": {"sc": {"fragments": "none.tsv.gz", "clusters": str(clusters)}},
    }
    for message, cells in bad.items():
        with pytest.raises(DreamTFError) as err:
            validate_config(
                {**base, "cells": cells}, ROOT / "schemas/config.schema.yaml", source="c.yaml", workdir=tmp_path
            )
        assert str(err.value) == f"c.yaml: {message}" or str(err.value).startswith(f"c.yaml: {message}"), str(err.value)


def test_reads_from_a_release_need_a_release_with_reads(tmp_path):
    from workflow_runs import ROOT

    from dreamtf.config import validate_config

    cfg = {
        "release": {"source": "synapse"},
        "accessibility": "reads",
        "tfs": {"CTCF": {"train_cells": ["HepG2"], "test_cells": ["liver"]}},
    }
    with pytest.raises(DreamTFError, match="'accessibility' is reads, but a release from synapse has no reads"):
        validate_config(cfg, ROOT / "schemas/config.schema.yaml", source="c.yaml", workdir=tmp_path)
    from dreamtf.release import check_release_bams

    with pytest.raises(DreamTFError, match=r"the release has no .*DNASE/bams/DNASE.liver.bam \(the reads of liver\)"):
        check_release_bams(["liver"], tmp_path, source="c.yaml")
