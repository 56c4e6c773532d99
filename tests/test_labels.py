import gzip

import numpy as np
import pybedtools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_narrowpeak
from dreamtf.errors import DreamTFError
from dreamtf.io.narrowpeak import Peaks, empty_peaks, read_narrowpeak
from dreamtf.io.windowtable import read_labels, write_labels
from dreamtf.labels import derive_labels


def peaks(*rows):
    """rows of (start, end[, summit])"""
    s = np.array([r[0] for r in rows], dtype=np.int64)
    e = np.array([r[1] for r in rows], dtype=np.int64)
    sm = np.array([r[2] if len(r) > 2 else (r[0] + r[1]) // 2 for r in rows], dtype=np.int64)
    return Peaks(s, e, sm, np.ones(len(rows)))


STARTS = np.arange(0, 2000, 50)


def test_overlap_rule_by_hand():
    rel = peaks((900, 1300))
    cons = peaks((1000, 1240))
    lab = derive_labels(STARTS, cons, rel, size=200, rule="overlap")
    # windows [w, w+200) overlapping [1000, 1240): w in 850..1200 -> B
    b = STARTS[lab == 2].tolist()
    assert b == list(range(850, 1201, 50))
    # overlapping the relaxed [900, 1300) but not conservative: 750, 800, 1250 -> A
    assert STARTS[lab == 1].tolist() == [750, 800, 1250]
    assert (lab[(STARTS < 750) | (STARTS > 1250)] == 0).all()


def test_min_overlap_and_summit_rules():
    rel = peaks((900, 1300))
    cons = peaks((1000, 1240, 1120))
    lab = derive_labels(STARTS, cons, rel, size=200, rule="overlap", min_overlap=100)
    # overlap >= 100 bp with [1000, 1240): w in 900..1140
    assert STARTS[lab == 2].tolist() == [900, 950, 1000, 1050, 1100]
    lab = derive_labels(STARTS, cons, rel, size=200, rule="summit")
    # summit 1120 inside [w, w+200): w in 921..1120
    assert STARTS[lab == 2].tolist() == [950, 1000, 1050, 1100]


def test_conservative_outside_relaxed_is_unbound_under_overlap():
    lab = derive_labels(STARTS, peaks((100, 200)), empty_peaks(), size=200, rule="overlap")
    assert (lab == 0).all()


def test_challenge_rule_by_hand():
    # conservative [1000, 1240) (240 bp): opt when overlap >= 100 (half the window) or >= 120
    # (half the peak), i.e. overlap >= 100: w in 900..1140; relaxed [900, 1300) touches w in 750..1250
    lab = derive_labels(STARTS, peaks((1000, 1240)), peaks((900, 1300)), size=200, rule="challenge")
    assert STARTS[lab == 2].tolist() == [900, 950, 1000, 1050, 1100]
    assert STARTS[lab == 1].tolist() == [750, 800, 850, 1150, 1200, 1250]
    assert (lab[(STARTS < 750) | (STARTS > 1250)] == 0).all()


def test_challenge_rule_small_peak_and_no_relaxed_support():
    # a 60 bp conservative peak passes -F 0.5 with 30 bp of overlap: w in 830..1030
    lab = derive_labels(STARTS, peaks((1000, 1060)), peaks((800, 1400)), size=200, rule="challenge")
    assert STARTS[lab == 2].tolist() == [850, 900, 950, 1000]
    # conservative support without a relaxed peak: opt 1 != rel 0, so A, not U (the organisers' rule)
    lab = derive_labels(STARTS, peaks((1000, 1060)), empty_peaks(), size=200, rule="challenge")
    assert STARTS[lab == 1].tolist() == [850, 900, 950, 1000]
    assert (lab != 2).all()


def test_challenge_rule_merges_book_ended_peaks_and_two_hits_are_ambiguous():
    # [1000, 1100) and [1100, 1200) merge into one 200 bp interval (bedtools merge joins book-ended ones)
    lab = derive_labels(STARTS, peaks((1000, 1100), (1100, 1200)), peaks((1000, 1200)), size=200, rule="challenge")
    assert STARTS[lab == 2].tolist() == [900, 950, 1000, 1050, 1100]
    # two separate 60 bp peaks both inside one window: opt == rel == 2 -> "UBA"[2] = A
    cons = peaks((1010, 1070), (1120, 1180))
    lab = derive_labels(STARTS, cons, cons, size=200, rule="challenge")
    assert lab[STARTS.tolist().index(1000)] == 1
    assert lab[STARTS.tolist().index(1050)] == 1  # [1050, 1250) holds 20 bp of the first, all of the second


def test_unknown_rule():
    with pytest.raises(DreamTFError, match="unknown label rule 'nearest'"):
        derive_labels(STARTS, empty_peaks(), empty_peaks(), size=200, rule="nearest")


def _random_peaks(rng, n, length, wmin, wmax):
    s = np.sort(rng.integers(0, length - wmax, n))
    w = rng.integers(wmin, wmax, n)
    return [(int(a), int(a + b)) for a, b in zip(s, w)]


@given(seed=st.integers(0, 10_000), m=st.sampled_from([1, 50, 150]))
@settings(max_examples=25, deadline=None)
def test_numpy_labels_equal_a_pybedtools_intersect(seed, m):
    rng = np.random.default_rng(seed)
    length = 60_000
    rel_rows = _random_peaks(rng, 40, length, 100, 900)
    cons_rows = [r for r in rel_rows if rng.random() < 0.6] + _random_peaks(rng, 5, length, 50, 300)
    starts = np.arange(600, length - 600, 50)
    lab = derive_labels(starts, peaks(*cons_rows), peaks(*rel_rows), size=200, rule="overlap", min_overlap=m)

    win = pybedtools.BedTool("\n".join(f"chrT\t{s}\t{s + 200}\t{i}" for i, s in enumerate(starts)), from_string=True)
    rel = pybedtools.BedTool("\n".join(f"chrT\t{a}\t{b}" for a, b in rel_rows), from_string=True)
    cons = pybedtools.BedTool("\n".join(f"chrT\t{a}\t{b}" for a, b in cons_rows), from_string=True)
    in_rel = np.zeros(len(starts), bool)
    for f in win.intersect(rel, u=True):
        in_rel[int(f.name)] = True
    bound = np.zeros(len(starts), bool)
    for f in win.intersect(cons, wo=True):  # one line per overlapping pair, overlap bp last
        if int(f.fields[-1]) >= m:
            bound[int(f.fields[3])] = True
    expected = np.where(in_rel, np.where(bound, 2, 1), 0)
    assert np.array_equal(lab, expected)


def _bed(rows):
    return pybedtools.BedTool("\n".join(f"chrT\t{a}\t{b}" for a, b in sorted(rows)), from_string=True)


@given(seed=st.integers(0, 10_000), size=st.sampled_from([200, 150]))
@settings(max_examples=25, deadline=None)
def test_challenge_labels_equal_the_organisers_bedtools_pipeline(seed, size):
    """The organisers' build_region_labels.py, run through pybedtools with their exact options."""
    rng = np.random.default_rng(seed)
    length = 60_000
    rel_rows = _random_peaks(rng, 60, length, 20, 900)  # overlapping and book-ended peaks included
    rel_rows += [(b, b + int(rng.integers(10, 300))) for _, b in rel_rows[:5]]
    cons_rows = [r for r in rel_rows if rng.random() < 0.6] + _random_peaks(rng, 8, length, 15, 300)
    starts = np.arange(600, length - 600, 50)
    cons_p = peaks(*sorted(cons_rows))
    rel_p = peaks(*sorted(rel_rows))
    lab = derive_labels(starts, cons_p, rel_p, size=size, rule="challenge")

    win = pybedtools.BedTool("\n".join(f"chrT\t{s}\t{s + size}" for s in starts), from_string=True)
    opt = np.array(
        [int(f.fields[-1]) for f in win.intersect(_bed(cons_rows).sort().merge(), c=True, f=0.5, F=0.5, e=True)]
    )
    rel = np.array(
        [int(f.fields[-1]) for f in win.intersect(_bed(rel_rows).sort().merge(), c=True, f=1e-6, F=1e-6, e=True)]
    )
    ucode = {0: 0, 1: 2}  # "UBA"[opt] where opt == rel: 0 -> U, 1 -> B, >= 2 -> A; A where they differ
    expected = np.array([ucode.get(o, 1) if o == r else 1 for o, r in zip(opt, rel)], dtype=np.uint8)
    assert np.array_equal(lab, expected)


def test_label_tsv_roundtrip(tmp_path):
    p = tmp_path / "TF.train.labels.tsv.gz"
    starts = np.array([600, 650, 700])
    codes = np.array([[0, 2], [1, 0], [2, 2]], dtype=np.uint8)
    n = write_labels(p, ["A549", "K562"], iter([("chr2", starts, codes), ("chr10", starts, codes[::-1])]), size=200)
    assert n == 6
    text = gzip.open(p, "rt").read().splitlines()
    assert text[0] == "chr\tstart\tstop\tA549\tK562"
    assert text[1] == "chr2\t600\t800\tU\tB"
    assert text[4] == "chr10\t600\t800\tB\tB"
    t = read_labels(p, cells=["K562"])
    assert t.chroms == ["chr2", "chr10"]
    assert t.column("K562").tolist() == [2, 0, 2, 2, 0, 2]
    t = read_labels(p, chroms=["chr10"])
    assert t.start.tolist() == [600, 650, 700] and t.cells == ["A549", "K562"]


def test_label_tsv_errors(tmp_path):
    p = tmp_path / "bad.tsv"
    p.write_text("chrom\tstart\tend\tK562\nchr1\t600\t800\tU\n")
    with pytest.raises(DreamTFError, match=r"bad.tsv, line 1: expected the header 'chr<TAB>start<TAB>stop"):
        read_labels(p)
    p.write_text("chr\tstart\tstop\tK562\nchr1\t600\t800\tU\nchr1\t650\t850\tX\n")
    with pytest.raises(DreamTFError, match=r"bad.tsv, line 3: label 'X' in column 'K562'; expected U, A or B"):
        read_labels(p)
    p.write_text("chr\tstart\tstop\tK562\nchr1\t600\t800\tU\n")
    with pytest.raises(DreamTFError, match=r"no column for cell type 'liver'"):
        read_labels(p, cells=["liver"])
    p.write_text("chr\tstart\tstop\tK562\nchr1\t600\t800\tU\nchr1\tNA\t850\tU\n")
    with pytest.raises(DreamTFError, match=r"bad.tsv"):
        read_labels(p)
    p.write_text("chr\tstart\tstop\tK562\nchr1\t600\t800\tU\nchr1\t650\t850\t\n")
    with pytest.raises(DreamTFError, match=r"bad.tsv, line 3: label '' in column 'K562'"):
        read_labels(p)
    p.write_text("chr\tstart\tstop\tK562\nchr1\t600\t800\tU\nchr1\t650\t750\tU\n")
    with pytest.raises(DreamTFError, match=r"bad.tsv, line 3: window 650-750 is 100 bp, expected 200 bp"):
        read_labels(p)
    p.write_text("chr\tstart\tstop\tK562\nchr1\t600\t700\tU\n")
    with pytest.raises(DreamTFError, match=r"bad.tsv, line 2: window 600-700 is 100 bp, expected 200 bp"):
        read_labels(p, size=200)


def test_truncated_label_file(tmp_path):
    p = tmp_path / "t.labels.tsv.gz"
    starts = np.arange(600, 600 + 50 * 200_000, 50)
    write_labels(p, ["K562"], iter([("chr2", starts, np.zeros(len(starts), np.uint8))]), size=200)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 200])
    with pytest.raises(DreamTFError, match=r"t.labels.tsv.gz"):
        read_labels(p)


def test_read_narrowpeak_summits_and_idr_columns(tmp_path):
    p = write_narrowpeak(
        tmp_path / "p.narrowPeak.gz", [("chr1", 100, 340, 120), ("chr1", 10, 50, -1), ("chr2", 5, 9, 4)]
    )
    got = read_narrowpeak(p)
    assert got["chr1"].start.tolist() == [10, 100]
    assert got["chr1"].summit.tolist() == [30, 220]
    assert got["chr2"].summit.tolist() == [8]  # offset == width: clamped onto the last base
    q = tmp_path / "idr.narrowPeak"
    q.write_text("chr1\t0\t100\t.\t1000\t.\t5\t-1\t3\t40\t5.0\t5.0\t1\t99\t10\t50\t1\t99\t10\t50\n")
    assert read_narrowpeak(q)["chr1"].summit.tolist() == [40]
    q.write_text("chr1\t0\t100\t.\n")
    with pytest.raises(DreamTFError, match=r"idr.narrowPeak, line 1: expected at least 10"):
        read_narrowpeak(q)
