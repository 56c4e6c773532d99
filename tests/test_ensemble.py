"""The ensemble: the rank average of catchitt and factornet (DESIGN section 5)."""

import gzip

import numpy as np
import pytest
from scipy.stats import rankdata

from dreamtf.ensemble import rank_average, scaled_ranks
from dreamtf.errors import DreamTFError
from dreamtf.io.windowtable import read_predictions, read_regions, write_predictions, write_regions


def test_scaled_ranks_span_zero_to_one_and_average_ties():
    r = scaled_ranks(np.array([0.3, 0.9, 0.1, 0.3]))
    assert r.tolist() == [0.5, 1.0, 0.0, 0.5]  # the two 0.3s share ranks 2 and 3 of 1..4
    assert scaled_ranks(np.array([0.7])).tolist() == [1.0]


def _write(tmp_path, name, chroms_starts, scores=None):
    path = tmp_path / name
    items = []
    done = 0
    for chrom, starts in chroms_starts:
        starts = np.asarray(starts, np.int64)
        if scores is None:
            items.append((chrom, starts))
        else:
            items.append((chrom, starts, scores[done : done + len(starts)]))
        done += len(starts)
    if scores is None:
        write_regions(path, items, size=200)
    else:
        write_predictions(path, items, size=200)
    return path


def test_rank_average_is_the_mean_of_each_members_rank_whatever_its_scale(tmp_path):
    rng = np.random.default_rng(1)
    grid = [("chr1", 50 * np.arange(300)), ("chr8", 50 * np.arange(200))]
    regions = read_regions(_write(tmp_path, "test_regions.bed.gz", grid), size=200)
    a, b = rng.random(500), rng.normal(0, 5, 500)
    pa = read_predictions(_write(tmp_path, "a.tab.gz", grid, a), size=200)
    pb = read_predictions(_write(tmp_path, "b.tab.gz", grid, b), size=200)
    got = rank_average([pa, pb], regions)
    # scores are written with 6 decimals: rank what was written
    want = ((rankdata(pa.score) - 1) / 499 + (rankdata(pb.score) - 1) / 499) / 2
    assert np.allclose(got, want)
    # a monotone transform of a member's scores changes nothing
    pb2 = read_predictions(_write(tmp_path, "b2.tab.gz", grid, np.exp(pb.score / 5)), size=200)
    assert np.allclose(rank_average([pa, pb2], regions), got)
    # the window both members rank highest gets the highest ensemble score
    both = np.argmax(scaled_ranks(pa.score) + scaled_ranks(pb.score))
    assert np.argmax(got) == both and 0 <= got.min() and got.max() <= 1


def test_a_member_with_other_windows_is_one_line_naming_its_file_and_line(tmp_path):
    grid = [("chr1", 50 * np.arange(10))]
    regions = read_regions(_write(tmp_path, "test_regions.bed.gz", grid), size=200)
    good = read_predictions(_write(tmp_path, "good.tab.gz", grid, np.linspace(0, 1, 10)), size=200)
    shifted = [("chr1", 50 * np.arange(10) + np.r_[np.zeros(4, int), 50 * np.ones(6, int)])]
    bad = read_predictions(_write(tmp_path, "bad.tab.gz", shifted, np.linspace(0, 1, 10)), size=200)
    with pytest.raises(DreamTFError, match=r"bad\.tab\.gz, line 5: row chr1:250-450 does not match line 5"):
        rank_average([good, bad], regions)
    short = read_predictions(_write(tmp_path, "short.tab.gz", [("chr1", 50 * np.arange(9))], np.ones(9)), size=200)
    with pytest.raises(DreamTFError, match=r"short\.tab\.gz: 9 windows of 200 bp, but .*test_regions.bed.gz has 10"):
        rank_average([good, short], regions)
    with pytest.raises(DreamTFError, match="at least one member"):
        rank_average([], regions)
    assert gzip.open(tmp_path / "good.tab.gz", "rt").readline().count("\t") == 3
