"""FactorNet's training windows: bound repeats, negatives from each pool, the weighted validation sample."""

import numpy as np
import pytest

from dreamtf.errors import DreamTFError
from dreamtf.factornet_inputs import TrainingWindows


def _label_table(codes_by_chrom):
    """A label WindowTable over 20 windows per chromosome, one cell."""
    from dreamtf.io.windowtable import WindowTable

    chroms = list(codes_by_chrom)
    codes = np.concatenate([np.asarray(c, np.uint8) for c in codes_by_chrom.values()])[:, None]
    chrom = np.repeat(np.arange(len(chroms), dtype=np.int32), [len(c) for c in codes_by_chrom.values()])
    start = np.concatenate([600 + 50 * np.arange(len(c)) for c in codes_by_chrom.values()]).astype(np.int64)
    return WindowTable("labels.tsv", chroms, chrom, start, 200, ["K562"], codes)


def test_all_negatives_from_open_chromatin():
    # factornet.open_negatives: 1 leaves no random negatives to draw, an empty draw to concatenate
    lab = _label_table({"chr2": [2, 2, 0, 0, 0, 0, 0, 0, 0, 0]})
    open_mask = np.zeros((10, 1), bool)
    open_mask[2:8] = True
    masks = {"open": open_mask}
    w = TrainingWindows(lab, ["K562"], ["chr2"], np.random.default_rng(0), masks, where="training chromosomes")
    chrom, starts, cell, y = w.sample(None, 2, 0, {"open": 1.0})
    assert y.tolist().count(1) == 2 and len(y) == 6
    assert set(((starts[y == 0] - 600) // 50).tolist()) <= set(range(2, 8))
    # more negatives asked for than open windows: the rest are drawn at random
    _, _, _, y = w.sample(None, 5, 0, {"open": 1.0})
    assert len(y) == 12


def test_negatives_come_from_each_pool_in_its_share():
    lab = _label_table({"chr2": [2] * 10 + [0] * 1000})
    open_mask = np.zeros((1010, 1), bool)
    open_mask[10:110] = True
    motif_mask = np.zeros(1010, bool)  # one flag per window, whatever the cell
    motif_mask[200:300] = True
    masks = {"open": open_mask, "motif": motif_mask}
    w = TrainingWindows(lab, ["K562"], ["chr2"], np.random.default_rng(0), masks, where="training chromosomes")
    _, starts, _, y = w.sample(None, 5, 0, {"open": 0.4, "motif": 0.2})
    idx = (starts[y == 0] - 600) // 50
    assert len(idx) == 50
    assert np.count_nonzero((idx >= 10) & (idx < 110)) >= 20  # random draws may add a few more
    assert np.count_nonzero((idx >= 200) & (idx < 300)) >= 10


def test_a_small_bound_pool_is_repeated_up_to_the_epoch_size_in_training_only():
    lab = _label_table({"chr2": [2] * 10 + [0] * 1000})
    w = TrainingWindows(lab, ["K562"], ["chr2"], np.random.default_rng(0), {}, where="training chromosomes")
    _, starts, _, y = w.sample(35, 1, 20, repeat=True)
    bound = starts[y == 1]
    assert len(bound) == 35 and len(y) == 70
    window = (bound - 600 + 25) // 50  # each jittered copy still falls back on its own window
    assert set(window) == set(range(10))  # every bound window at least once
    assert len(set(bound)) > 10  # repeats carry their own jitter
    _, _, _, y = w.sample(35, 1, 0)  # validation: no repeats
    assert (y == 1).sum() == 10


def test_motif_window_mask_flags_windows_with_an_instance_as_strong_as_bound_ones():
    from dreamtf.factornet_inputs import motif_window_mask
    from dreamtf.motifs import Motif

    rng = np.random.default_rng(0)
    seq = rng.integers(0, 4, 600 + 50 * 40 + 400).astype(np.uint8)
    site = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], np.uint8)  # AAACCCGGGTTT
    probs = np.full((12, 4), 0.01)
    probs[np.arange(12), site] = 0.97
    motif = Motif("X", "X.1", probs)
    for w in (3, 20, 30):  # planted inside windows 3, 20 and 30; 3 and 20 bound
        seq[600 + 50 * w + 90 : 600 + 50 * w + 102] = site

    class Genome:
        def chrom(self, name):
            return seq

    codes = [0] * 40
    codes[3] = codes[20] = 2
    lab = _label_table({"chr2": codes})
    mask = motif_window_mask(Genome(), lab, motif, ["chr2"])
    hit = set(np.flatnonzero(mask).tolist())
    assert {3, 20, 30} <= hit  # windows 50 bp apart overlap: neighbours hold the site too
    assert all(any(abs(h - w) <= 3 for w in (3, 20, 30)) for h in hit)


def test_sampler_without_unbound_windows_is_an_error_naming_its_chromosomes():
    # rejection sampling without a U window to find would never end; the error names the chromosomes sampled
    lab = _label_table({"chr2": [2, 0, 0, 1], "chr11": [2, 1, 1, 2]})
    w = TrainingWindows(lab, ["K562"], ["chr11"], np.random.default_rng(0), where="validation chromosomes (chr11)")
    with pytest.raises(DreamTFError, match=r"no unbound \(U\) window of K562 on the validation chromosomes \(chr11\)"):
        w.sample(None, 2, 0)
    w = TrainingWindows(lab, ["K562"], ["chr5"], np.random.default_rng(0), where="training chromosomes")
    with pytest.raises(DreamTFError, match=r"no bound \(B\) window of K562 on the training chromosomes"):
        w.sample(None, 2, 0)


def test_weighted_validation_sample_stands_for_every_window():
    # early stopping watches the sample's weighted auPRC: it must estimate the auPRC over
    # every window at the real class ratio, which a balanced sample overstates many times
    from sklearn.metrics import average_precision_score

    from dreamtf.metrics import score

    rng = np.random.default_rng(3)
    n = 60_000
    codes = np.zeros(n, np.uint8)
    codes[rng.choice(n, 60, replace=False)] = 2
    codes[rng.choice(np.flatnonzero(codes == 0), 200, replace=False)] = 1  # A windows are never drawn
    open_mask = np.zeros((n, 1), bool)
    open_mask[rng.choice(n, 3000, replace=False)] = True
    lab = _label_table({"chr11": codes})
    # a score that ranks bound windows high, open ones next, everything else low
    truth = np.where(
        codes == 2, rng.normal(2.0, 1.0, n), np.where(open_mask[:, 0], rng.normal(1.0, 1.0, n), rng.normal(-1, 1, n))
    )
    w = TrainingWindows(lab, ["K562"], ["chr11"], np.random.default_rng(0), {"open": open_mask}, where="validation")
    chrom, starts, cell, y, weight = w.stratified(1500)
    assert len(y) == 1500 and y.sum() == 60 and (cell == 0).all()
    idx = (starts - 600) // 50
    assert (codes[idx] == 2).sum() == 60 and (codes[idx] == 1).sum() == 0
    assert (y == (codes[idx] == 2)).all()
    assert len(set(idx.tolist())) == 1500  # no window twice
    # each stratum's weights add up to its size: the sample stands for every B and U window
    u = codes == 0
    assert np.isclose(weight[y == 1].sum(), 60)
    assert np.isclose(weight[open_mask[idx, 0] & (y == 0)].sum(), (u & open_mask[:, 0]).sum())
    assert np.isclose(weight.sum(), 60 + u.sum())
    full = score(codes, truth, bootstrap=0)["auprc"]
    est = average_precision_score(y, truth[idx], sample_weight=weight)
    balanced = average_precision_score(y, truth[idx])
    assert abs(est - full) < 0.1 * full, (est, full)
    assert balanced > 2 * full  # what an unweighted sample would have said


def test_a_stratum_smaller_than_its_share_passes_the_rest_on():
    lab = _label_table({"chr11": [2] * 5 + [0] * 95})
    open_mask = np.zeros((100, 1), bool)
    open_mask[5:15] = True
    w = TrainingWindows(lab, ["K562"], ["chr11"], np.random.default_rng(0), {"open": open_mask}, where="validation")
    _, starts, _, y, weight = w.stratified(60)
    idx = (starts - 600) // 50
    # 5 B and all 10 open U windows (weight 1), 45 of the other 85 U windows (weight 85/45)
    assert len(y) == 60 and y.sum() == 5
    assert (weight[idx < 15] == 1).all()
    assert np.allclose(weight[idx >= 15], 85 / 45)
    w = TrainingWindows(lab, ["K562"], ["chr5"], np.random.default_rng(0), where="validation chromosomes (chr5)")
    with pytest.raises(DreamTFError, match=r"no bound \(B\) window of K562 on the validation chromosomes \(chr5\)"):
        w.stratified(60)
