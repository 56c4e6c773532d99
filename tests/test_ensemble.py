"""The ensemble: the weighted average of its members' scores placed in their reference
distributions, its weights and references keyed by member name."""

import gzip
import json

import numpy as np
import pytest
from scipy.stats import rankdata

from dreamtf.ensemble import (
    REFERENCE_KNOTS,
    check_member_files,
    choose_weights,
    equal_weights,
    member_name,
    name_weights,
    place,
    read_references,
    read_weights,
    reference,
    reference_average,
    weight_grid,
)
from dreamtf.errors import DreamTFError
from dreamtf.io.windowtable import read_predictions, write_predictions, write_regions


def test_a_reference_places_each_validation_score_at_its_mid_rank_as_scipy_ranks_it():
    rng = np.random.default_rng(3)
    for n in (2, 3, 50, 900):
        x = rng.integers(0, max(2, n // 4), n).astype(np.float32) / 7  # many ties
        cells = [x[: n // 2], x[n // 2 :]]  # pooled over the training cells
        want = (rankdata(x, method="average") - 0.5) / n
        assert np.allclose(place(x, reference(cells)), want, rtol=0, atol=1e-12)
    r = reference([np.array([0.3, 0.9, 0.1, 0.3])])
    assert place(np.array([0.3, 0.9, 0.1]), r).tolist() == [
        0.5,
        0.875,
        0.125,
    ]  # the two 0.3s share ranks 2 and 3 of 1..4
    assert place(np.array([0.7]), reference([np.array([0.7, 0.7])])).tolist() == [0.5]
    with pytest.raises(DreamTFError, match="has none"):
        reference([np.array([np.nan])])


def test_a_thinned_reference_is_within_one_knot_of_the_exact_rank_and_keeps_every_order():
    rng = np.random.default_rng(4)
    x = np.round(rng.normal(0, 1, 200_000), 6)
    ref = reference([x])
    assert len(ref["scores"]) <= REFERENCE_KNOTS + 2 and np.all(np.diff(ref["scores"]) > 0)
    exact = (rankdata(x) - 0.5) / len(x)
    assert np.abs(place(x, ref) - exact).max() <= 1 / (REFERENCE_KNOTS - 1)
    y = np.sort(rng.normal(0, 3, 5000))  # many beyond the validation range on either side
    placed = place(y, ref)
    inside = (y > ref["scores"][0]) & (y < ref["scores"][-1])
    assert np.all(np.diff(placed[inside]) > 0) and placed.min() >= 0 and placed.max() <= 1
    above = y[(y > x.max()) & inside]
    assert len(above) > 1 and np.all(np.diff(place(above, ref)) > 0)  # outscoring every validation window keeps order


def _avg(paths, regions, weights=None, refs=None, **kwargs) -> np.ndarray:
    """The ensemble's scores of every window, in the region file's order (references from the members' own scores)."""
    if refs is None:
        refs = [reference([read_predictions(p).score]) for p in paths]
    return np.concatenate([s for _, _, s in reference_average(paths, regions, refs, weights, **kwargs)])


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


def test_the_average_of_reference_ranks_whatever_each_members_scale(tmp_path):
    rng = np.random.default_rng(1)
    grid = [("chr1", 50 * np.arange(300)), ("chr8", 50 * np.arange(200))]
    regions = _write(tmp_path, "test_regions.bed.gz", grid)
    a, b = rng.random(500), rng.normal(0, 5, 500)
    fa, fb = _write(tmp_path, "a.tab.gz", grid, a), _write(tmp_path, "b.tab.gz", grid, b)
    pa, pb = read_predictions(fa, size=200), read_predictions(fb, size=200)
    # references from other (validation) windows, each on its member's own scale
    refs = [reference([rng.random(3000)]), reference([rng.normal(0, 5, 3000)])]
    got = _avg([fa, fb], regions, refs=refs, size=200)
    assert np.allclose(got, (place(pa.score, refs[0]) + place(pb.score, refs[1])) / 2, rtol=0, atol=1e-12)
    # the same monotone transform of a member's scores and of its reference changes (almost) nothing
    fb2 = _write(tmp_path, "b2.tab.gz", grid, np.exp(pb.score / 5))
    ref2 = {"scores": np.exp(np.array(refs[1]["scores"]) / 5).tolist(), "ranks": refs[1]["ranks"]}
    assert np.allclose(_avg([fa, fb2], regions, refs=[refs[0], ref2]), got, atol=2e-3)
    assert 0 <= got.min() and got.max() <= 1


def test_a_windows_score_depends_on_that_window_alone(tmp_path):
    """Genome-wide equals scored: the ensemble of one chromosome's windows is, window for window,
    that chromosome's part of the ensemble of every window."""
    rng = np.random.default_rng(2)
    grid = [("chr1", 50 * np.arange(300)), ("chr8", 50 * np.arange(200))]
    regions = _write(tmp_path, "test_regions.bed.gz", grid)
    a, b = rng.random(500), rng.normal(0, 5, 500)
    refs = [reference([rng.random(2000)]), reference([rng.normal(1, 5, 2000)])]
    files = [_write(tmp_path, f"{n}.tab.gz", grid, s) for n, s in (("a", a), ("b", b))]
    whole = _avg(files, regions, [0.3, 0.7], refs)
    only8 = [_write(tmp_path, f"{n}.chr8.tab.gz", grid[1:], s[300:]) for n, s in (("a", a), ("b", b))]
    assert np.array_equal(_avg(only8, regions, [0.3, 0.7], refs, chroms=["chr8"]), whole[300:])
    with pytest.raises(DreamTFError, match=r"test_regions\.bed\.gz: no windows on chrX"):
        _avg(only8, regions, refs=refs, chroms=["chrX"])


def test_a_member_with_other_windows_is_one_line_naming_its_file_and_line(tmp_path):
    grid = [("chr1", 50 * np.arange(10))]
    regions = _write(tmp_path, "test_regions.bed.gz", grid)
    good = _write(tmp_path, "good.tab.gz", grid, np.linspace(0, 1, 10))
    shifted = [("chr1", 50 * np.arange(10) + np.r_[np.zeros(4, int), 50 * np.ones(6, int)])]
    bad = _write(tmp_path, "bad.tab.gz", shifted, np.linspace(0, 1, 10))
    with pytest.raises(DreamTFError, match=r"bad\.tab\.gz, line 5: row chr1:250-450 does not match line 5"):
        _avg([good, bad], regions, size=200)
    short = _write(tmp_path, "short.tab.gz", [("chr1", 50 * np.arange(9))], np.ones(9))
    with pytest.raises(DreamTFError, match=r"short\.tab\.gz: 9 windows of 200 bp, but .*test_regions.bed.gz has 10"):
        _avg([good, short], regions, size=200)
    longer = _write(tmp_path, "long.tab.gz", [("chr1", 50 * np.arange(11))], np.ones(11))
    with pytest.raises(DreamTFError, match=r"long\.tab\.gz: 11 windows of 200 bp, but .*test_regions.bed.gz has 10"):
        _avg([good, longer], regions, size=200)
    with pytest.raises(DreamTFError, match="at least one member"):
        _avg([], regions)
    assert gzip.open(tmp_path / "good.tab.gz", "rt").readline().count("\t") == 3


def test_weights_scale_each_members_rank(tmp_path):
    grid = [("chr1", 50 * np.arange(100))]
    regions = _write(tmp_path, "test_regions.bed.gz", grid)
    rng = np.random.default_rng(3)
    fa, fb = _write(tmp_path, "a.tab.gz", grid, rng.random(100)), _write(tmp_path, "b.tab.gz", grid, rng.random(100))
    pa, pb = read_predictions(fa), read_predictions(fb)
    refs = [reference([pa.score]), reference([pb.score])]
    got = _avg([fa, fb], regions, [0.8, 0.2], refs)
    assert np.allclose(got, 0.8 * place(pa.score, refs[0]) + 0.2 * place(pb.score, refs[1]))
    assert np.allclose(_avg([fa, fb], regions, [1.0, 0.0], refs), place(pa.score, refs[0]))
    for bad in ([0.5, 0.6], [1.2, -0.2], [1.0]):
        with pytest.raises(DreamTFError, match="expected one non-negative weight per member, sum 1"):
            _avg([fa, fb], regions, bad, refs)


def test_weight_grid_covers_the_simplex_in_steps():
    two = weight_grid(2, 0.05)
    assert len(two) == 21 and np.allclose(two.sum(axis=1), 1) and [0.0, 1.0] in two.tolist()
    three = weight_grid(3, 0.25)
    assert len(three) == 15 and np.allclose(three.sum(axis=1), 1) and (three >= 0).all()


def _cells(rng, n_cells=2, n=4000, bound=60):
    """Label codes with a member that knows the bound windows and one that is noise."""
    out = []
    for _ in range(n_cells):
        codes = np.zeros(n, np.int8)
        codes[rng.choice(n, bound, replace=False)] = 2
        good = (codes == 2) + rng.normal(0, 0.6, n)
        out.append((codes, [rng.random(n), good]))
    return out


def test_validation_weights_favour_the_member_that_ranks_bound_windows_first():
    rng = np.random.default_rng(5)
    got = choose_weights(_cells(rng))
    w_noise, w_good = got["weights"]
    assert w_good > 0.8 and np.isclose(w_noise + w_good, 1)
    assert got["validation_auprc"] > got["equal_auprc"] and got["cells_used"] == 2


def test_equally_good_members_get_equal_weights_and_cells_without_both_classes_are_left_out():
    rng = np.random.default_rng(6)
    codes, (_, good) = _cells(rng, n_cells=1)[0]
    same = [(codes, [good, good.copy()]), (np.zeros(50, np.int8), [rng.random(50), rng.random(50)])]
    got = choose_weights(same)
    assert got["weights"] == [0.5, 0.5] and got["cells_used"] == 1
    none = choose_weights([(np.zeros(50, np.int8), [rng.random(50), rng.random(50)])])
    assert none["weights"] == [0.5, 0.5] and none["validation_auprc"] is None


MEMBERS = ["catchitt/dnase", "factornet/seq_dnase"]


def test_weights_file_is_read_by_member_name(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"weights": {"factornet/seq_dnase": 0.75, "catchitt/dnase": 0.25}}')
    assert read_weights(path, MEMBERS) == [0.25, 0.75]  # in the order of the run's members, not the file's
    assert read_weights(path, MEMBERS[::-1]) == [0.75, 0.25]
    path.write_text('{"weights": {"catchitt/dnase": 0.25, "factornet/seq_dnase": 0.25}}')
    with pytest.raises(DreamTFError, match=r"w\.json: expected 2 non-negative weights summing to 1"):
        read_weights(path, MEMBERS)
    path.write_text("{not json")
    with pytest.raises(DreamTFError, match=r"w\.json: not an ensemble weights file"):
        read_weights(path, MEMBERS)
    path.write_text('{"weights": [0.25, 0.75]}')  # by list position: refused
    with pytest.raises(DreamTFError, match=r"w\.json: not an ensemble weights file of weights keyed by member name"):
        read_weights(path, MEMBERS)


def test_weights_file_of_other_members_is_refused_naming_both_lists(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"weights": {"catchitt/dnase_motif": 0.5, "factornet/seq_dnase": 0.5}}')
    with pytest.raises(DreamTFError) as err:
        read_weights(path, MEMBERS)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path))
    assert "catchitt/dnase_motif, factornet/seq_dnase" in msg and "catchitt/dnase, factornet/seq_dnase" in msg
    path.write_text('{"weights": {"catchitt/dnase": 1.0}}')
    with pytest.raises(DreamTFError, match="weights for members catchitt/dnase, but this ensemble's members are"):
        read_weights(path, MEMBERS)


def test_weights_are_named_in_member_order_and_equal_weights_sum_to_one():
    assert name_weights(MEMBERS, [0.3, 0.7]) == {"catchitt/dnase": 0.3, "factornet/seq_dnase": 0.7}
    assert list(name_weights(MEMBERS[::-1], [0.3, 0.7])) == MEMBERS[::-1]
    with pytest.raises(DreamTFError, match="1 weights for the 2 members"):
        name_weights(MEMBERS, [1.0])
    assert equal_weights(2).tolist() == [0.5, 0.5] and equal_weights(4).sum() == 1 and len(equal_weights(0)) == 0


def test_each_prediction_file_is_matched_to_its_member_by_name():
    paths = [f"results/predictions/{m}/F.CTCF.liver.tab.gz" for m in MEMBERS]
    assert [member_name(p) for p in paths] == MEMBERS
    check_member_files(MEMBERS, paths)
    with pytest.raises(
        DreamTFError,
        match=r"factornet/seq_dnase/F\.CTCF\.liver\.tab\.gz: the predictions of "
        r"factornet/seq_dnase, but in the place of member catchitt/dnase",
    ):
        check_member_files(MEMBERS, paths[::-1])
    with pytest.raises(DreamTFError, match="1 prediction files for the 2 ensemble members"):
        check_member_files(MEMBERS, paths[:1])
    # cell-major, as rule ensemble_weights lists them: each cell's members in order
    per_cell = [f"results/validation/{m}/F.CTCF.{c}.tab.gz" for c in ("HepG2", "K562") for m in MEMBERS]
    check_member_files(MEMBERS, per_cell, per=2)
    with pytest.raises(DreamTFError, match="in the place of member"):
        check_member_files(MEMBERS, per_cell[:2] + per_cell[2:][::-1], per=2)


def test_references_are_read_by_member_name_and_checked(tmp_path):
    path = tmp_path / "w.json"
    refs = {m: reference([np.arange(10.0) * (i + 1)]) for i, m in enumerate(MEMBERS)}
    path.write_text(json.dumps({"references": refs}))
    assert read_references(path, MEMBERS[::-1]) == [refs[MEMBERS[1]], refs[MEMBERS[0]]]
    path.write_text(json.dumps({"weights": {m: 0.5 for m in MEMBERS}}))
    with pytest.raises(DreamTFError, match=r"w\.json: no reference distribution for 'references': .*rerun rule"):
        read_references(path, MEMBERS)
    path.write_text(json.dumps({"references": {MEMBERS[0]: refs[MEMBERS[0]]}}))
    with pytest.raises(DreamTFError, match=r"no reference distribution for 'factornet/seq_dnase'"):
        read_references(path, MEMBERS)
    bad = dict(refs, **{MEMBERS[1]: {"scores": [0.0, 0.5, 0.4], "ranks": [0.0, 0.5, 1.0]}})
    path.write_text(json.dumps({"references": bad}))
    with pytest.raises(DreamTFError, match="the reference of factornet/seq_dnase is not rising score knots"):
        read_references(path, MEMBERS)
