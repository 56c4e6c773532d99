"""Feature groups on small literal inputs, the fast motif scan, and the feature cache files."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_bigwig
from dreamtf import features as ft
from dreamtf.errors import DreamTFError
from dreamtf.featurestore import FeatureSet
from dreamtf.io.bigwig import BigWigTrack
from dreamtf.io.featurefile import FeatureFile, write_feature_file
from dreamtf.io.narrowpeak import Peaks
from dreamtf.motifs import Motif, counts_to_probs, load_jaspar, read_motif_file, scan, scan_reference


@given(seed=st.integers(0, 10_000), n=st.integers(30, 400), tf=st.sampled_from(["CTCF", "REST", "FOXA1"]))
@settings(max_examples=40, deadline=None)
def test_fast_scan_equals_the_plain_scan(seed, n, tf):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, n).astype(np.uint8)  # N included
    m = load_jaspar(tf)
    np.testing.assert_allclose(scan(m, codes), scan_reference(m, codes), atol=1e-4)


def test_scan_scores_both_strands_by_hand():
    # a 2-bp motif that wants "AC": log2(p/bg) with p = 1 for the wanted base (pseudocounts aside)
    m = Motif("X", "X1", counts_to_probs(np.array([[100, 0, 0, 0], [0, 100, 0, 0]]), pseudocount=0.0001))
    codes = np.array([0, 1, 2, 3], dtype=np.uint8)  # A C G T: "AC" forward at 0, "GT" = revcomp of "AC" at 2
    s = scan(m, codes)
    assert s[0] == pytest.approx(s[2], abs=1e-4) and s[0] > 3 and s[1] < 0


def test_motif_files(tmp_path):
    j = tmp_path / "m.jaspar"
    j.write_text(">MA9999.1 MYTF\nA [ 10 0 0 ]\nC [ 0 10 0 ]\nG [ 0 0 10 ]\nT [ 0 0 0 ]\n")
    m = read_motif_file(j, "MYTF")
    assert m.matrix_id == "MA9999.1" and m.probs.shape == (3, 4) and m.probs[0, 0] > 0.9
    meme = tmp_path / "m.meme"
    meme.write_text(
        "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 OTHER\nletter-probability matrix: alength= 4 w= 2\n"
        " 0.1 0.7 0.1 0.1\n 0.25 0.25 0.25 0.25\n\nMOTIF M2 MYTF\nletter-probability matrix: alength= 4 "
        "w= 1\n 0.0 0.0 1.0 0.0\n"
    )
    assert read_motif_file(meme, "MYTF").matrix_id == "M2"
    bad = tmp_path / "bad.jaspar"
    bad.write_text(">MA1 X\nA [ 1 2 ]\nC [ 1 ]\nG [ 1 2 ]\nT [ 1 2 ]\n")
    with pytest.raises(DreamTFError, match="bad.jaspar: motif MA1 needs A, C, G and T rows of equal length"):
        read_motif_file(bad, "X")


def test_dnase_bin_stats_by_hand():
    v = np.zeros(100, dtype=np.float32)
    v[0:50] = np.r_[np.zeros(10), np.arange(1, 6), np.full(5, 5), np.arange(4, -1, -1), np.zeros(25)]
    s = ft.dnase_bin_stats(v)
    mn, med, mx, mean, changes, rise, fall = s[0]
    assert (mn, med, mx) == (0, 0, 5) and mean == pytest.approx(v[:50].mean())
    assert changes == 10  # 5 steps up (0->1 ... 4->5), 5 steps down (5->4 ... 1->0)
    assert rise == 5 and fall == 5
    assert s[1].tolist() == [0, 0, 0, 0, 0, 0, 0]


def test_mid_rank_and_rolling():
    sample = np.sort(np.array([0, 0, 0, 0, 1, 2, 3, 4, 5, 6], dtype=np.float32))
    np.testing.assert_allclose(ft.mid_rank(sample, np.array([0, 2, 10])), [0.2, 0.55, 1.0])
    a = np.array([1, 5, 2, 0, 3], dtype=np.float32)
    assert ft._rolling(a, 2, "max").tolist() == [0, 1, 5, 5, 2]
    assert ft._rolling(a, 2, "min").tolist() == [0, 1, 1, 2, 0]


def test_dnase_features_from_a_bigwig(tmp_path):
    path = write_bigwig(tmp_path / "d.bw", {"chr2": 10_000}, {"chr2": [(1000, 1050, 8.0), (3000, 3010, 2.0)]})
    starts = np.arange(600, 5000, 50)
    ranks = ft.RankReference(np.array([2.0, 8.0], np.float32), np.array([5, 5]))  # bins with signal only
    with BigWigTrack(path) as track:
        x, cols = ft.dnase_features(track, "chr2", starts, 200, ranks, flank=1)
    assert x.shape == (len(starts), 6 * 7 + 4) and len(cols) == x.shape[1]
    row = dict(zip(cols, x[list(starts).index(1000)]))
    assert row["dnase.b+0.max"] == pytest.approx(0.75)  # mid-rank of 8 among the bins with signal
    assert row["dnase.b+1.max"] == 0  # a bin without signal
    assert row["dnase.before1kb.max"] == 0 and row["dnase.after1kb.max"] == 0
    row = dict(zip(cols, x[list(starts).index(1600)]))  # [1600, 1800): the 8s lie within 1 kb before
    assert row["dnase.before1kb.max"] == pytest.approx(0.75)


def test_the_rank_reference_is_every_bin_with_signal_wherever_it_lies(tmp_path):
    """Every bin's maximum, zeros left out: the same track on a build with 5 kb more at each
    chromosome's start (or with gaps of its own) has the same reference and the same ranks."""
    rng = np.random.default_rng(2)
    sizes = {"chr1": 400_000, "chr2": 250_000}
    rows = {
        c: [
            (int(s), int(s) + 30, float(v))
            for s, v in zip(np.sort(rng.choice(n // 50, 300, replace=False)) * 50, rng.gamma(2, 2, 300).round(2))
        ]
        for c, n in sizes.items()
    }
    a = write_bigwig(tmp_path / "a.bw", sizes, rows)
    shifted = {c: [(s + 5000, e + 5000, v) for s, e, v in r] for c, r in rows.items()}
    b = write_bigwig(tmp_path / "b.bw", {c: n + 5000 for c, n in sizes.items()}, shifted)
    with BigWigTrack(a) as ta, BigWigTrack(b) as tb:
        ra, rb = ft.dnase_rank_reference(ta, list(sizes)), ft.dnase_rank_reference(tb, list(sizes))
        assert np.array_equal(ra.values, rb.values) and np.array_equal(ra.counts, rb.counts)
        assert ra.total == 600 and ra.values.min() > 0  # one bin per interval (each inside one bin)
        starts = np.arange(600, 390_000, 50)
        xa, _ = ft.dnase_features(ta, "chr1", starts, 200, ra)
        xb, _ = ft.dnase_features(tb, "chr1", starts + 5000, 200, rb)
    assert np.array_equal(xa[5:-30], xb[5:-30])  # away from the ends, where the flanks differ
    assert ra.mid_rank(np.array([0.0, ra.values.max() + 1])).tolist() == [0.0, 1.0]


def test_sequence_features_by_hand():
    seq = np.zeros(3000, dtype=np.uint8)  # all A
    seq[1000:1200] = np.tile(np.array([1, 2], dtype=np.uint8), 100)  # CGCG... : GC 1, CpG o/e = 100*200/(100*100)
    x, cols = ft.sequence_features(seq, np.array([1000, 1200]), 200)
    assert x[0, 0] == pytest.approx(1.0) and x[0, 1] == pytest.approx(2.0)
    assert x[1, 0] == 0 and x[1, 1] == 0
    assert x[0, 2] == pytest.approx(200 / 1000)  # 1 kb context around the window


def test_peak_and_expression_features_by_hand():
    p = Peaks(np.array([1000]), np.array([1240]), np.array([1120]), np.array([7.0]))
    signals = np.array([1.0, 7.0, 7.0, 9.0])  # 7.0 sits at mid-rank 0.5
    x, _ = ft.dnase_peak_features(p, p, np.array([600, 900, 1300]), 200, signals)
    assert x[:, 0].tolist() == [0, 1, 0] and x[:, 2].tolist() == [0, 0.5, 0]
    assert x[1, 3] == pytest.approx(np.log10(1 + 120))
    x, _ = ft.expression_features(np.array([5000, 100_000]), np.array([9.0, 1.0]), np.array([600, 90_000]), 200)
    assert x[:, 0].tolist() == pytest.approx([np.log1p(9.0), np.log1p(1.0)])


def test_feature_file_roundtrip_and_sets(tmp_path):
    s = np.array([600, 650])
    write_feature_file(
        tmp_path / "a.npz",
        iter([("chr1", s, np.ones((2, 2)), ["a1", "a2"]), ("chr2", s, np.zeros((2, 2)), ["a1", "a2"])]),
    )
    write_feature_file(tmp_path / "b.npz", iter([("chr1", s, np.full((2, 1), 3.0), ["b1"])]))
    f = FeatureFile(tmp_path / "a.npz")
    assert f.chroms == ["chr1", "chr2"] and f.columns == ["a1", "a2"]
    with FeatureSet([tmp_path / "a.npz", tmp_path / "b.npz"], tf_log_tpm=2.5) as fs:
        starts, x = fs.load("chr1")
        assert fs.columns == ["a1", "a2", "b1", "expr.tf_log_tpm"]
        assert x.tolist() == [[1, 1, 3, 2.5], [1, 1, 3, 2.5]]
        with pytest.raises(DreamTFError, match="b.npz: no features for chr2"):
            fs.load("chr2")
    write_feature_file(tmp_path / "c.npz", iter([("chr1", s + 50, np.ones((2, 1)), ["c1"])]))
    with FeatureSet([tmp_path / "a.npz", tmp_path / "c.npz"]) as fs, pytest.raises(DreamTFError, match="differ"):
        fs.load("chr1")
    (tmp_path / "junk.npz").write_text("x")
    with pytest.raises(DreamTFError, match="junk.npz: not a dreamtf feature file"):
        FeatureFile(tmp_path / "junk.npz")


def test_chunked_motif_bins_equal_one_pass(rng):
    m = load_jaspar("CTCF")
    codes = rng.integers(0, 4, 50 * 1000 + 7).astype(np.uint8)
    whole = ft.motif_bin_stats(m, codes, chunk_bins=10_000)
    for chunk in (1, 33, 999):
        np.testing.assert_allclose(ft.motif_bin_stats(m, codes, chunk_bins=chunk), whole, atol=1e-5)
    s = scan_reference(m, codes)
    assert whole[3, 0] == pytest.approx(s[150:200].max(), abs=1e-4)
    # the last bin (starts 49950-49999) holds instances up to the last full one, which starts at n - 15
    assert whole[-1, 0] == pytest.approx(s[49950:].max(), abs=1e-4)


def test_expression_matches_an_rnaseq_table_by_gene_id_or_by_name(tmp_path):
    """A table quantified against another annotation, naming genes, meets the GTF by gene_name;
    a table naming none of the GTF's genes is one line naming both files."""
    from dreamtf.featurestore import build_expression
    from dreamtf.io.featurefile import FeatureFile
    from dreamtf.io.windowtable import write_regions

    # names may hold dots: only an Ensembl id's version is dropped
    genes = [
        ("ENSG00000000001.5", "AAA", 1_000, "+"),
        ("ENSG00000000002.1", "RP11-34P13.3", 8_000, "-"),
        ("ENSG00000000003.2", "RP11-34P13.7", 20_000, "+"),
    ]
    gtf = tmp_path / "g.gtf"
    gtf.write_text(
        "".join(
            f'chr1\tHAVANA\tgene\t{t}\t{t + 500}\t.\t{s}\t.\tgene_id "{i}"; gene_name "{n}";\n' for i, n, t, s in genes
        )
    )
    write_regions(tmp_path / "r.bed.gz", [("chr1", np.arange(0, 30_000, 50))], size=200)
    tpm = [5.0, 50.0, 0.5]
    by_id, by_name, other = tmp_path / "id.tsv", tmp_path / "name.tsv", tmp_path / "other.tsv"
    by_id.write_text("gene_id\tTPM\n" + "".join(f"{i}\t{v}\n" for (i, *_), v in zip(genes, tpm)))
    by_name.write_text("gene_id\tTPM\n" + "".join(f"{n}\t{v}\n" for (_, n, *_), v in zip(genes, tpm)))
    other.write_text("gene_id\tTPM\nENSMUSG1\t3\nENSMUSG2\t4\n")
    build_expression(gtf, [by_id], [tmp_path / "r.bed.gz"], tmp_path / "id.npz", size=200)
    build_expression(gtf, [by_name], [tmp_path / "r.bed.gz"], tmp_path / "name.npz", size=200)
    a, b = FeatureFile(tmp_path / "id.npz").load("chr1"), FeatureFile(tmp_path / "name.npz").load("chr1")
    assert np.array_equal(a[1], b[1]) and a[1].max() > 0
    with pytest.raises(DreamTFError, match=r"other.tsv: none of its genes \(ENSMUSG1, ENSMUSG2, ...\) is a gene_id"):
        build_expression(gtf, [other], [tmp_path / "r.bed.gz"], tmp_path / "o.npz", size=200)
