import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_fasta
from dreamtf.errors import DreamTFError
from dreamtf.io.bed import read_bed3
from dreamtf.io.chroms import check_same_chroms, chrom_sort_key, read_chrom_sizes
from dreamtf.io.fasta import fasta_sizes
from dreamtf.windows import count_hits, overlap_ranges, region_starts, window_grid


def test_window_grid_follows_the_official_rule():
    # first window at 600, last ends at or before len - 400
    g = window_grid(2000, 200, 50)
    assert g.tolist() == [600, 650, 700, 750, 800, 850, 900, 950, 1000, 1050, 1100, 1150, 1200, 1250, 1300, 1350, 1400]
    assert g[-1] + 200 <= 2000 - 400
    assert window_grid(1200, 200, 50).tolist() == [600]
    assert window_grid(1199, 200, 50).tolist() == []


@given(length=st.integers(0, 200_000), size=st.sampled_from([50, 100, 200]), step=st.sampled_from([10, 50]))
@settings(max_examples=200, deadline=None)
def test_window_grid_tiles_the_chromosome(length, size, step):
    g = window_grid(length, size, step)
    if len(g):
        assert g[0] == 600
        assert np.all(np.diff(g) == step)
        assert g[-1] + size <= length - 400
        assert g[-1] + step + size > length - 400  # no further window fits
    else:
        assert 600 + size > length - 400


def brute_overlap(starts, size, iv, m=1):
    out = np.zeros(len(starts), dtype=bool)
    for s, e in iv:
        ov = np.minimum(starts + size, e) - np.maximum(starts, s)
        out |= ov >= m
    return out


@given(
    iv=st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 800)), max_size=20),
    m=st.integers(1, 250),
)
@settings(max_examples=200, deadline=None)
def test_overlap_ranges_match_brute_force(iv, m):
    starts = np.arange(0, 6000, 50)
    arr = np.array([(s, s + w) for s, w in iv], dtype=np.int64).reshape(-1, 2)
    lo, hi = overlap_ranges(arr, 200, m)
    got = count_hits(starts, lo, hi) > 0
    assert np.array_equal(got, brute_overlap(starts, 200, arr, m))


def test_region_starts_drop_blacklisted_windows():
    bl = np.array([[1000, 1001], [5000, 6000]])
    r = region_starts(10_000, bl, 200, 50)
    grid = window_grid(10_000, 200, 50)
    assert np.array_equal(r, grid[~brute_overlap(grid, 200, bl)])
    assert 800 in r and 850 not in r and 1000 not in r and 1050 in r  # [800, 1000) touches but misses 1000


def test_chrom_sizes_and_errors(tmp_path):
    p = tmp_path / "g.sizes"
    p.write_text("chr1\t1000\nchr2\t2000\n")
    assert read_chrom_sizes(p) == {"chr1": 1000, "chr2": 2000}
    p.write_text("chr1\tabc\n")
    with pytest.raises(DreamTFError, match=r"g.sizes, line 1"):
        read_chrom_sizes(p)


def test_fasta_sizes_gz(tmp_path):
    f = write_fasta(tmp_path / "g.fa.gz", {"chr1": "ACGT" * 30, "chrX": "N" * 7})
    assert fasta_sizes(f) == {"chr1": 120, "chrX": 7}


def test_truncated_gzip_is_a_clear_error(tmp_path):
    f = write_fasta(tmp_path / "g.fa.gz", {"chr1": "ACGT" * 10000})
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(DreamTFError, match=r"g.fa.gz: truncated or corrupt gzip"):
        fasta_sizes(f)


def test_chromosome_name_mismatch_names_both_files():
    with pytest.raises(DreamTFError, match=r"DNASE.x.bigwig: chromosome '1' is not in genome.fa .*'chr' prefix"):
        check_same_chroms({"chr1": 10, "chr2": 10}, "genome.fa", ["1"], "DNASE.x.bigwig")


def test_natural_chromosome_order():
    names = ["chr10", "chr2", "chrX", "chr1", "chr21"]
    assert sorted(names, key=chrom_sort_key) == ["chr1", "chr2", "chr10", "chr21", "chrX"]


def test_read_bed3_rejects_bad_lines(tmp_path):
    p = tmp_path / "bl.bed"
    p.write_text("chr1\t10\t20\nchr1\tx\t30\n")
    with pytest.raises(DreamTFError, match=r"bl.bed, line 2"):
        read_bed3(p)
