"""FactorNet: strand symmetry, inputs gathered from memory maps, learning, reloading, backends."""

import numpy as np
import pytest

from conftest import TINY_TFS
from dreamtf import config
from dreamtf import factornet as fn
from dreamtf import factornet_predict as fp
from dreamtf import factornet_train as ft
from dreamtf import interpret as it
from dreamtf import release as rl
from dreamtf.errors import DreamTFError
from dreamtf.factornet_inputs import chrom_inputs, gather, write_dnase_cache
from dreamtf.io.fasta import GenomeCodes, reverse_complement_codes, write_genome_codes
from dreamtf.io.memmap import ChromArrays
from dreamtf.io.windowtable import WindowTable, read_regions

SMALL = {
    "kernels": 16,
    "lstm_units": 16,
    "dense_units": 32,
    "epochs": 12,
    "patience": 4,
    "bound_per_epoch": 1500,
    "negatives_per_bound": 2,
    "validation_windows": 1500,
    "seed": 5,
}


def random_inputs(n, length=1000, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, (n, length)).astype(np.uint8)  # N included
    return {"sequence": codes, "tracks": rng.gamma(0.3, 2.0, (n, length, 1)).astype(np.float16)}


def reverse_complement_inputs(inputs: dict) -> dict:
    """The reverse complement of model inputs: codes complemented (N stays N) and reversed, tracks reversed."""
    return {**inputs, "sequence": reverse_complement_codes(inputs["sequence"]), "tracks": inputs["tracks"][:, ::-1]}


def test_reverse_complement_by_hand():
    x = {"sequence": np.array([[0, 1, 3, 4]], np.uint8), "tracks": np.array([[[1], [2], [3], [4]]], np.float16)}
    rc = reverse_complement_inputs(x)
    assert rc["sequence"].tolist() == [[4, 0, 2, 3]]  # N A G T
    assert rc["tracks"][0, :, 0].tolist() == [4, 3, 2, 1]


def test_model_is_strand_symmetric():
    model = fn.build_model(1, **SMALL)
    x = random_inputs(16)
    p = model.predict(x, verbose=0)
    q = model.predict(reverse_complement_inputs(x), verbose=0)
    np.testing.assert_allclose(p, q, atol=1e-6)
    assert p.std() > 0  # not a constant


def test_meta_input_is_used():
    model = fn.build_model(1, n_meta=3, **SMALL)
    x = random_inputs(4)
    a = model.predict({**x, "cell_meta": np.zeros((4, 3), np.float32)}, verbose=0)
    b = model.predict({**x, "cell_meta": np.ones((4, 3), np.float32)}, verbose=0)
    assert not np.allclose(a, b)


def test_gather_equals_slicing_and_pads_off_the_chromosome():
    arr = np.arange(1, 101, dtype=np.uint8)
    starts = np.array([0, 37, 90, -5, 95, -3])
    got = gather(arr, starts, 10, 0)
    for row, s in zip(got, starts):
        expected = np.array([arr[p] if 0 <= p < 100 else 0 for p in range(s, s + 10)], np.uint8)
        assert np.array_equal(row, expected)
    assert gather(arr[:5], np.array([0]), 10, 4).tolist() == [[1, 2, 3, 4, 5, 4, 4, 4, 4, 4]]


@pytest.fixture(scope="module")
def genome(tiny_release, tmp_path_factory):
    d = tmp_path_factory.mktemp("genome")
    write_genome_codes(rl.fasta_path(tiny_release, "hg19.genome.fa.gz"), d / "g.u8", d / "g.json")
    return GenomeCodes(d / "g.u8", d / "g.json")


@pytest.fixture(scope="module")
def dnase(tiny_release, tmp_path_factory):
    """Every tiny cell's DNase channel, decoded once (as rule dnase_cache does)."""
    d = tmp_path_factory.mktemp("dnase")
    out = {}
    for cell in ("HepG2", "K562", "liver"):
        chroms = ["chr1", "chr2", "chr8", "chr11", "chr21"]
        bw = rl.dnase_bigwig_path(tiny_release, cell)
        norm = config.defaults("factornet", "dnase_norm")
        write_dnase_cache(bw, d / f"{cell}.f16", d / f"{cell}.json", chroms, norm=norm)
        out[cell] = ChromArrays(d / f"{cell}.f16", d / f"{cell}.json")
    return out


def test_window_inputs_match_the_fasta_and_the_bigwig(genome, dnase, tiny_release, tmp_path):
    from dreamtf.io.bigwig import BigWigTrack
    from dreamtf.io.fasta import iter_fasta, to_codes

    seq = dict(iter_fasta(rl.fasta_path(tiny_release, "hg19.genome.fa.gz")))["chr2"]
    starts = np.array([600, 650, 123_450, 50])  # the last runs off the chromosome's start
    x = chrom_inputs(genome, dnase["K562"], "chr2", starts - 400, 1000)
    assert x["sequence"].dtype == np.uint8 and x["tracks"].shape == (4, 1000, 1)
    assert np.array_equal(x["sequence"][2], to_codes(seq[123_050:124_050]))
    assert np.array_equal(x["sequence"][3, :350], np.full(350, 4)) and (x["tracks"][3, :350] == 0).all()
    bw = rl.dnase_bigwig_path(tiny_release, "K562")
    with BigWigTrack(bw) as t:
        whole = t.values("chr2", 0, t.sizes["chr2"])
    write_dnase_cache(bw, tmp_path / "l.f16", tmp_path / "l.json", ["chr2"], norm="log1p")
    np.testing.assert_allclose(ChromArrays(tmp_path / "l.f16", tmp_path / "l.json").chrom("chr2"), np.log1p(whole),
                               rtol=1e-3, atol=1e-3)  # fmt: skip
    # rank: 0 without signal, else the rank among the cell's open bins, in (0, 1], order kept
    ranked = dnase["K562"].chrom("chr2").astype(np.float32)
    assert np.array_equal(ranked == 0, whole == 0) and ranked.max() <= 1 and ranked.max() > 0.9
    order = np.argsort(whole[whole > 0], kind="stable")
    assert (np.diff(ranked[whole > 0][order]) >= -1e-3).all()


@pytest.fixture(scope="module")
def train_labels(tiny_release, tmp_path_factory):
    from dreamtf.io.narrowpeak import read_narrowpeak
    from dreamtf.io.windowtable import write_labels
    from dreamtf.labels import label_windows

    cells = TINY_TFS["CTCF"]["train_cells"]
    # The tiny genome holds about 20 CTCF peaks per cell: the challenge rule's 4-5 B windows per
    # peak are too few to learn from in seconds, so this test trains on the overlap rule's 8-9.
    d = tmp_path_factory.mktemp("labels")
    peaks = [
        tuple(read_narrowpeak(rl.chip_peaks_path(tiny_release, "CTCF", c, k)) for k in ("conservative", "relaxed"))
        for c in cells
    ]
    regions = read_regions(rl.regions_path(tiny_release, "train"))
    labels = d / "CTCF.train.labels.tsv.gz"
    write_labels(labels, cells, label_windows(regions.by_chrom(), peaks, size=200, rule="overlap"), size=200)
    return labels


@pytest.fixture(scope="module")
def trained(genome, dnase, train_labels, tmp_path_factory):
    cells = TINY_TFS["CTCF"]["train_cells"]
    labels = train_labels
    model, meta = ft.train(
        genome,
        {c: dnase[c] for c in cells},
        labels,
        train_chroms=["chr2"],
        valid_chroms=["chr11"],
        size=200,
        threads=2,
        params=SMALL,
    )
    path = tmp_path_factory.mktemp("model") / "CTCF.keras"
    fn.save(model, path, meta, path.with_suffix(".meta.json"))
    return model, meta, path


def test_tiny_training_learns_the_planted_motifs(trained):
    _, meta, _ = trained
    # the weighted validation sample stands for every chr11 window of both cells, 0.4 % bound
    # (chance: auPRC 0.004); the model must find motif + open chromatin
    val = meta["validation_sample"]
    assert val["n"] == 1500 and val["bound"] / val["stands_for"] < 0.01, val
    assert meta["valid_auprc"] > 0.15 and meta["valid_auprc"] == max(meta["val_auprc"]), meta
    assert meta["epochs_run"] >= 2 and meta["cells"] == ["HepG2", "K562"]


def test_scores_over_every_validation_window_are_the_models_own_and_rank_sites(trained, train_labels, genome, dnase):
    """Chromosome-wide inference over every chr11 window of each training cell, at the real class ratio."""
    from dreamtf.io.windowtable import read_labels
    from dreamtf.metrics import has_both_classes, score

    model, meta, _ = trained
    labels = read_labels(train_labels, cells=meta["cells"], chroms=["chr11"], size=200)
    got = {}
    for j, cell in enumerate(meta["cells"]):
        scored = fp.predict_regions(model, meta, genome, dnase[cell], labels, cell=cell, batch=500)
        pred = np.concatenate([s for _, _, s in scored])
        x = chrom_inputs(genome, dnase[cell], "chr11", labels.start - 400, 1000)
        np.testing.assert_allclose(pred, model.predict(x, verbose=0).ravel(), rtol=1e-4, atol=1e-5)
        assert has_both_classes(labels.codes[:, j]), cell
        got[cell] = score(labels.codes[:, j], pred, bootstrap=0)
    # the model found motif + open chromatin: chance is the bound share, under 0.01
    assert 0.15 < got["HepG2"]["auprc"] <= 1 and got["K562"]["auroc"] > 0.9, got


def test_reloaded_model_predicts_the_same_numbers_whatever_the_batch(trained, genome, dnase, tiny_release):
    model, meta, path = trained
    back, meta2 = fn.load(path, path.with_suffix(".meta.json"))
    assert meta2["valid_auprc"] == meta["valid_auprc"]
    reg = read_regions(rl.regions_path(tiny_release, "test"))
    first = next(fp.predict_regions(model, meta, genome, dnase["liver"], reg, cell="liver", batch=1000))
    again = next(fp.predict_regions(back, meta2, genome, dnase["liver"], reg, cell="liver", batch=377))
    assert first[0] == "chr1" and len(first[2]) == len(first[1])
    np.testing.assert_allclose(first[2], again[2], atol=1e-5)


def test_chromosome_wide_inference_equals_scoring_each_window_alone(trained, genome, dnase, tiny_release):
    """predict_regions computes the convolutions once per base; the scores must be the
    model's own on each window's input: at chromosome ends, across a gap in the regions,
    across stretch boundaries (batch 7) and on both strands."""
    model, meta, _ = trained
    reg = read_regions(rl.regions_path(tiny_release, "test"))
    chrom, starts = next(reg.by_chrom())
    keep = np.r_[0:40, 300:330, len(starts) - 25 : len(starts)]  # the ends and a gap
    sub = WindowTable(
        path=reg.path, chroms=reg.chroms, chrom=np.zeros(len(keep), np.int32), start=starts[keep], size=200
    )
    scored = fp.predict_regions(model, meta, genome, dnase["liver"], sub, cell="liver", batch=7)
    got = np.concatenate([s for _, _, s in scored])
    x = chrom_inputs(genome, dnase["liver"], chrom, starts[keep] - 400, 1000)
    want = model.predict(x, verbose=0).ravel()
    assert want.std() > 0
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    scored = fp.predict_regions(model, meta, genome, dnase["liver"], sub, cell="liver", batch=9, shared_trunk=False)
    np.testing.assert_allclose(np.concatenate([s for _, _, s in scored]), want, rtol=1e-4, atol=1e-5)


def test_both_inference_paths_agree_with_cell_metadata(genome, dnase, tiny_release):
    model = fn.build_model(1, 2, **SMALL)
    params = {**config.defaults("factornet"), **SMALL}
    meta = {"params": params, "window_size": 200, "meta_by_cell": {"liver": [0.5, -1.0]}}
    reg = read_regions(rl.regions_path(tiny_release, "test"))
    chrom, starts = next(reg.by_chrom())
    sub = WindowTable(path=reg.path, chroms=reg.chroms, chrom=np.zeros(60, np.int32), start=starts[:60], size=200)
    a, b = (
        np.concatenate([s for _, _, s in fp.predict_regions(model, meta, genome, dnase["liver"], sub, **kw)])
        for kw in ({"cell": "liver", "batch": 16}, {"cell": "liver", "batch": 16, "shared_trunk": False})
    )
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    with pytest.raises(DreamTFError, match="no expression metadata for cell 'PC-3'"):
        next(fp.predict_regions(model, meta, genome, dnase["liver"], sub, cell="PC-3", batch=16))


def test_same_weights_same_predictions_on_tensorflow_and_jax(trained, genome, dnase, tmp_path):
    """The saved model, reloaded on JAX in a fresh process, scores windows as TensorFlow does."""
    import subprocess
    import sys

    pytest.importorskip("jax")
    _, meta, path = trained
    x = chrom_inputs(genome, dnase["liver"], "chr1", np.arange(600, 600 + 50 * 64, 50) - 400, 1000)
    np.savez(tmp_path / "x.npz", **x)
    tf_scores = fn.load(path, path.with_suffix(".meta.json"))[0].predict(x, verbose=0).ravel()
    code = (
        "import sys, numpy as np\n"
        "from dreamtf import backends, factornet as fn\n"
        "print(backends.setup('jax', gpu=False, threads=1))\n"
        "m, _ = fn.load(sys.argv[1], sys.argv[2])\n"
        "x = dict(np.load(sys.argv[3]))\n"
        "np.save(sys.argv[4], np.asarray(m.predict(x, verbose=0)).ravel())\n"
    )
    args = [str(path), str(path.with_suffix(".meta.json")), str(tmp_path / "x.npz"), str(tmp_path / "jax.npy")]
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "jax on CPU"
    np.testing.assert_allclose(np.load(tmp_path / "jax.npy"), tf_scores, atol=1e-5)
    assert tf_scores.std() > 0


def test_motif_seeded_kernel_scores_the_motif():
    from dreamtf.motifs import load_jaspar, score_instance

    model = fn.build_model(1, **SMALL)
    motif = load_jaspar("CTCF")
    assert fn.seed_motif_kernels(model, [motif]) == 1
    kernel, bias = (np.asarray(w) for w in fn.parts(model).conv.get_weights())
    assert np.all(kernel[:, 4, 0] == 0)  # no DNase weight at the start
    best = np.argmax(motif.probs, axis=1)
    off = (kernel.shape[0] - len(motif)) // 2
    onehot = np.zeros((kernel.shape[0], 5))
    onehot[off + np.arange(len(motif)), best] = 1
    assert np.isclose((onehot * kernel[:, :, 0]).sum() + bias[0], 1.0, atol=1e-5)  # a perfect match gives 1
    assert score_instance(motif, best[None])[0] > 0
    # copies: the same start in as many kernels, the rest left random
    model = fn.build_model(1, **SMALL)
    assert fn.seed_motif_kernels(model, [motif], copies=3) == 3
    k3 = np.asarray(fn.parts(model).conv.get_weights()[0])
    assert np.array_equal(k3[:, :, 0], kernel[:, :, 0]) and np.array_equal(k3[:, :, 2], kernel[:, :, 0])
    assert not np.allclose(k3[:, :, 3], kernel[:, :, 0])


def test_tensorflow_threads_are_capped_to_the_rule_threads():
    import subprocess
    import sys

    code = (
        "from dreamtf import backends\n"
        "backends.setup('tensorflow', gpu=False, threads=1)\n"
        "import tensorflow as tf\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads(),"
        " tf.config.threading.get_inter_op_parallelism_threads())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "1"]


def test_running_max_equals_the_maximum_of_each_stretch():
    a = np.random.default_rng(1).random((300, 3)).astype(np.float32)
    for width in (1, 2, 3, 8, 13, 16):
        want = np.array([a[j : j + width].max(axis=0) for j in range(len(a) - width + 1)])
        np.testing.assert_array_equal(fp._running_max(a, width), want)


def test_stretches_hold_a_batch_of_windows_on_a_regular_grid_and_no_more_bases():
    def table(starts, chrom=None):
        chrom = np.zeros(len(starts), np.int32) if chrom is None else np.asarray(chrom, np.int32)
        return WindowTable("r.bed", ["chr1", "chr2"], chrom, np.asarray(starts, np.int64), 200)

    grid = table(np.r_[0:5000:50, 9000:12000:50])  # a 50 bp grid with one gap
    span = fp._span(grid, 16, 1000)
    assert span == 15 * 50 + 1000
    sizes = [sl.stop - sl.start for sl in fp._chunks(grid.start, 16, span, 1000)]
    assert sizes[:6] == [16] * 6 and sum(sizes) == len(grid)
    # the gap between chromosomes is no spacing; sparse windows count as 64 bp apart; one window
    assert fp._span(table([0, 50, 100, 0, 50], [0, 0, 0, 1, 1]), 4, 1000) == 3 * 50 + 1000
    assert fp._span(table(np.arange(0, 10**6, 5000)), 8, 1000) == 7 * 64 + 1000
    assert fp._span(table([700]), 8, 1000) == 7 + 1000


def test_network_learns_a_motif_planted_mid_input():
    """A 12-mer planted at 400-600 bp in a third of random inputs, no DNase: FactorNet must find it.

    The head reads every BiLSTM step, so a motif mid-input reaches the dense layer.
    """
    from sklearn.metrics import roc_auc_score

    from dreamtf import backends

    backends.setup("tensorflow", gpu=False, threads=2)
    backends.set_seed(3)
    rng = np.random.default_rng(0)
    n = 4000
    seq = rng.integers(0, 4, (n, 1000)).astype(np.uint8)
    y = (rng.random(n) < 0.33).astype(np.float32)
    site = np.array([0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3], np.uint8)
    for i, p in zip(np.flatnonzero(y == 1), rng.integers(400, 588, n)):
        seq[i, p : p + 12] = site
    x = {"sequence": seq, "tracks": np.zeros((n, 1000, 1), np.float16)}
    model = fn.build_model(1, **SMALL)
    train, test = slice(0, 3000), slice(3000, n)
    model.fit({k: v[train] for k, v in x.items()}, y[train], batch_size=100, epochs=6, verbose=0)
    auc = roc_auc_score(y[test], model.predict({k: v[test] for k, v in x.items()}, verbose=0).ravel())
    assert auc > 0.9, auc


def test_a_model_of_an_older_architecture_is_one_clear_error():
    import keras

    x = keras.Input((10, 4))
    old = keras.Model(x, keras.layers.Dense(1, name="output")(keras.layers.Conv1D(2, 3, name="conv")(x)))
    for get in (fn.parts, fp.stretch_model):
        with pytest.raises(DreamTFError, match="not a FactorNet of named parts .*train it again"):
            get(old)


def test_parts_give_the_geometry_of_the_default_architecture():
    pt = fn.parts(fn.build_model(1, **SMALL))
    assert (pt.receptive_field, pt.pool_width, pt.steps, pt.channels, pt.n_meta) == (26, 13, (1000 - 25) // 13, 5, 0)
    assert fn.parts(fn.build_model(1, 3, **SMALL)).n_meta == 3
    with pytest.raises(DreamTFError, match="factornet.input_length: 200 bp leave no pooled step after 8 convolution"):
        fn.build_model(1, input_length=200, conv_layers=8)


#: a second architecture, by settings alone: two convolutions, another kernel and pool width
SECOND = {**SMALL, "conv_layers": 2, "kernel_width": 9, "pool_width": 5, "epochs": 1, "min_epochs": 0}


@pytest.fixture(scope="module")
def second(genome, dnase, train_labels, tmp_path_factory):
    cells = TINY_TFS["CTCF"]["train_cells"]
    params = {**SECOND, "bound_per_epoch": 300, "validation_windows": 300}
    model, meta = ft.train(
        genome, {c: dnase[c] for c in cells}, train_labels, train_chroms=["chr2"], valid_chroms=["chr11"], size=200,
        threads=2, params=params,
    )  # fmt: skip
    path = tmp_path_factory.mktemp("second") / "CTCF.keras"
    fn.save(model, path, meta, path.with_suffix(".meta.json"))
    return fn.load(path, path.with_suffix(".meta.json"))


def test_a_second_architecture_trains_and_scores_chromosomes_as_each_window_alone(second, genome, dnase, tiny_release):
    model, meta = second
    assert meta["epochs_run"] == 1 and meta["params"]["conv_layers"] == 2
    pt = fn.parts(model)
    assert (pt.receptive_field, pt.pool_width, pt.steps) == (17, 5, (1000 - 16) // 5)
    reg = read_regions(rl.regions_path(tiny_release, "test"))
    chrom, starts = next(reg.by_chrom())
    keep = np.r_[0:30, 300:320, len(starts) - 20 : len(starts)]  # the ends and a gap
    sub = WindowTable(reg.path, reg.chroms, np.zeros(len(keep), np.int32), starts[keep], 200)
    x = chrom_inputs(genome, dnase["liver"], chrom, starts[keep] - 400, 1000)
    want = model.predict(x, verbose=0).ravel()
    assert want.std() > 0
    for kw in ({"batch": 7}, {"batch": 9, "shared_trunk": False}):
        scored = fp.predict_regions(model, meta, genome, dnase["liver"], sub, cell="liver", **kw)
        np.testing.assert_allclose(np.concatenate([s for _, _, s in scored]), want, rtol=1e-4, atol=1e-5)
    # attributions: the strand logits behind the scores, and gradients over the whole input
    enc = it.encode(model, x)
    logits = np.asarray(it.strand_logits(model).predict(enc, verbose=0))
    np.testing.assert_allclose((1 / (1 + np.exp(-logits))).mean(axis=1), want, atol=1e-5)
    onehot, hyp = it.attributions(model, enc[:8])
    assert onehot.shape == hyp.shape == (8, 1000, 4) and np.abs(hyp).max() > 0
