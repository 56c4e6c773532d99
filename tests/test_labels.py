import gzip

import numpy as np
import pybedtools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_narrowpeak
from dreamtf.errors import DreamTFError
from dreamtf.labels import derive_labels, read_labels, write_labels
from dreamtf.peaks import Peaks, empty_peaks, read_narrowpeak


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
    lab = derive_labels(STARTS, cons, rel)
    # windows [w, w+200) overlapping [1000, 1240): w in 850..1200 -> B
    b = STARTS[lab == 2].tolist()
    assert b == list(range(850, 1201, 50))
    # overlapping the relaxed [900, 1300) but not conservative: 750, 800, 1250 -> A
    assert STARTS[lab == 1].tolist() == [750, 800, 1250]
    assert (lab[(STARTS < 750) | (STARTS > 1250)] == 0).all()


def test_min_overlap_and_summit_rules():
    rel = peaks((900, 1300))
    cons = peaks((1000, 1240, 1120))
    lab = derive_labels(STARTS, cons, rel, rule="overlap", min_overlap=100)
    # overlap >= 100 bp with [1000, 1240): w in 900..1140
    assert STARTS[lab == 2].tolist() == [900, 950, 1000, 1050, 1100]
    lab = derive_labels(STARTS, cons, rel, rule="summit")
    # summit 1120 inside [w, w+200): w in 921..1120
    assert STARTS[lab == 2].tolist() == [950, 1000, 1050, 1100]


def test_conservative_outside_relaxed_stays_unbound():
    # DESIGN: a window overlapping no relaxed peak is U
    lab = derive_labels(STARTS, peaks((100, 200)), empty_peaks())
    assert (lab == 0).all()


def test_unknown_rule():
    with pytest.raises(DreamTFError, match="unknown label rule 'nearest'"):
        derive_labels(STARTS, empty_peaks(), empty_peaks(), rule="nearest")


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
    lab = derive_labels(starts, peaks(*cons_rows), peaks(*rel_rows), rule="overlap", min_overlap=m)

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


def test_label_tsv_roundtrip(tmp_path):
    p = tmp_path / "TF.train.labels.tsv.gz"
    starts = np.array([600, 650, 700])
    codes = np.array([[0, 2], [1, 0], [2, 2]], dtype=np.uint8)
    n = write_labels(p, ["A549", "K562"], iter([("chr2", starts, codes), ("chr10", starts, codes[::-1])]))
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


def test_truncated_label_file(tmp_path):
    p = tmp_path / "t.labels.tsv.gz"
    starts = np.arange(600, 600 + 50 * 200_000, 50)
    write_labels(p, ["K562"], iter([("chr2", starts, np.zeros(len(starts), np.uint8))]))
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
