"""Window tables one chromosome at a time: the same rows and checks as the whole-file reader, in bounded memory."""

import gzip

import numpy as np
import pytest

from dreamtf.errors import DreamTFError
from dreamtf.io.windowstream import check_same_window_stream, iter_predictions, iter_regions
from dreamtf.io.windowtable import read_predictions, write_predictions, write_regions


def _write(path, items):
    write_predictions(path, items, size=200)
    return path


def _items(rng, chroms=("chr2", "chr1", "chr10"), n=(300, 200, 250)):
    return [(c, 600 + 50 * np.arange(k), rng.random(k).round(6)) for c, k in zip(chroms, n)]


@pytest.mark.parametrize("block_size", [1 << 24, 700])  # one batch; many batches, chromosomes split across them
def test_each_chromosome_once_in_file_order_with_the_whole_readers_rows(tmp_path, rng, block_size):
    path = _write(tmp_path / "p.tab.gz", _items(rng))
    whole = read_predictions(path, size=200)
    got = list(iter_predictions(path, size=200) if block_size == 1 << 24 else _stream(path, block_size))
    assert [t.chroms for t in got] == [["chr2"], ["chr1"], ["chr10"]]
    assert all((t.chrom == 0).all() and t.size == 200 and t.path == str(path) for t in got)
    np.testing.assert_array_equal(np.concatenate([t.start for t in got]), whole.start)
    np.testing.assert_array_equal(np.concatenate([t.score for t in got]), whole.score)


def _stream(path, block_size):
    from dreamtf.io.windowstream import iter_window_chroms

    return iter_window_chroms(
        path, header=False, value_columns=["score"], value_kind="score", size=200, block_size=block_size
    )


def test_a_chromosome_split_by_another_names_its_line(tmp_path, rng):
    a, b = 600 + 50 * np.arange(3), 600 + 50 * np.arange(3, 5)
    path = _write(tmp_path / "p.tab.gz", [("chr1", a, np.ones(3)), ("chr2", a, np.ones(3)), ("chr1", b, np.ones(2))])
    with pytest.raises(DreamTFError, match=r"p\.tab\.gz, line 7: chr1 again after other chromosomes"):
        list(iter_predictions(path, size=200))


def test_bad_rows_and_empty_files_are_one_line(tmp_path):
    bad = tmp_path / "bad.tab"
    bad.write_text("chr1\t600\t800\t0.5\nchr1\t650\t850\tnan\n")
    with pytest.raises(DreamTFError, match=r"bad\.tab, line 2: score is not a finite number"):
        list(iter_predictions(bad, size=200))
    wide = tmp_path / "wide.tab"
    wide.write_text("chr1\t600\t800\t0.5\nchr1\t650\t900\t0.5\n")
    with pytest.raises(DreamTFError, match=r"wide\.tab, line 2: window 650-900 is 250 bp, expected 200 bp"):
        list(iter_predictions(wide, size=200))
    empty = tmp_path / "empty.tab.gz"
    with gzip.open(empty, "wt"):
        pass
    with pytest.raises(DreamTFError, match=r"empty\.tab\.gz: .*expected a predictions file") as streamed:
        list(iter_predictions(empty, size=200))
    with pytest.raises(DreamTFError) as whole:
        read_predictions(empty, size=200)
    assert str(streamed.value) == str(whole.value)


def test_region_stream_checks_order_within_a_chromosome(tmp_path):
    path = tmp_path / "r.bed.gz"
    write_regions(path, [("chr1", np.array([600, 700, 650]))], size=200)
    with pytest.raises(DreamTFError, match=r"r\.bed\.gz: window chr1:650-850 is out of order"):
        list(iter_regions(path, size=200))


def _check(tmp_path, pred_items, region_items):
    p = _write(tmp_path / "p.tab.gz", pred_items)
    r = tmp_path / "r.bed.gz"
    write_regions(r, [(c, s) for c, s, *_ in region_items], size=200)
    return list(check_same_window_stream(iter_predictions(p, size=200), iter_regions(r, size=200)))


def test_matching_windows_pass_through_unchanged(tmp_path, rng):
    items = _items(rng)
    got = _check(tmp_path, items, items)
    assert [t.chroms[0] for t in got] == ["chr2", "chr1", "chr10"]
    np.testing.assert_array_equal(got[1].score, items[1][2])


@pytest.mark.parametrize(
    "change, message",
    [
        # a start that differs, on the second chromosome: line 300 + 5 + 1
        (
            lambda it: it[1][1].__setitem__(5, 10_000),
            r"p\.tab\.gz, line 306: row chr1:10000-10200 does not match "
            r"line 306 of .*r\.bed\.gz \(chr1:850-1050\)",
        ),
        # chr1 one window short: its next line is chr10's first, where the regions still have chr1
        (
            lambda it: it.__setitem__(1, ("chr1", it[1][1][:-1], it[1][2][:-1])),
            r"line 500: row chr10:600-800 does not match line 500 of .*\(chr1:10550-10750\)",
        ),
        # the last chromosome one window short: the predictions end first
        (
            lambda it: it.__setitem__(2, ("chr10", it[2][1][:-1], it[2][2][:-1])),
            r"p\.tab\.gz: 749 windows of 200 bp, but .*r\.bed\.gz has 750 of 200 bp",
        ),
        # a chromosome the regions lack, after all of theirs: the regions end first
        (
            lambda it: it.append(("chr3", 600 + 50 * np.arange(4), np.ones(4))),
            r"p\.tab\.gz: 754 windows of 200 bp, but .*r\.bed\.gz has 750 of 200 bp",
        ),
    ],
)
def test_a_mismatch_names_the_line_or_the_counts(tmp_path, rng, change, message):
    regions = _items(rng)
    pred = [(c, s.copy(), v) for c, s, v in regions]
    change(pred)
    with pytest.raises(DreamTFError, match=message):
        _check(tmp_path, pred, regions)


def test_the_stream_check_agrees_with_the_whole_table_check(tmp_path, rng):
    regions = _items(rng)
    pred = [(c, s.copy(), v) for c, s, v in regions]
    pred[0][1][17] += 25
    p = _write(tmp_path / "p.tab.gz", pred)
    r = tmp_path / "r.bed.gz"
    write_regions(r, [(c, s) for c, s, _ in regions], size=200)
    from dreamtf.io.windowtable import read_regions

    with pytest.raises(DreamTFError) as whole:
        read_predictions(p, size=200).check_same_windows(read_regions(r, size=200))
    with pytest.raises(DreamTFError) as streamed:
        list(check_same_window_stream(iter_predictions(p, size=200), iter_regions(r, size=200)))
    assert str(streamed.value) == str(whole.value)
