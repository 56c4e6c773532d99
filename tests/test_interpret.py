"""What FactorNet learned: strand logits, gradients, TF-MoDISco on planted motifs, TOMTOM against JASPAR."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.stats

from dreamtf import factornet as fn
from dreamtf import interpret as it
from dreamtf.backends import input_gradients
from dreamtf.errors import DreamTFError
from dreamtf.io.motiffile import read_motif_counts, write_meme
from dreamtf.motifs import load_jaspar

SMALL = {"kernels": 8, "lstm_units": 8, "dense_units": 16, "input_length": 300, "seed": 2}


def random_inputs(n, length=300, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, (n, length)).astype(np.uint8)
    return {"sequence": codes, "tracks": rng.gamma(0.3, 2.0, (n, length, 1)).astype(np.float32)}


@pytest.fixture(scope="module")
def small_model():
    import keras

    keras.utils.set_random_seed(2)
    return fn.build_model(1, **SMALL)


def test_strand_logits_give_the_models_scores(small_model):
    x = random_inputs(16)
    logits = np.asarray(it.strand_logits(small_model).predict(it.encode(small_model, x), verbose=0))
    assert logits.shape == (16, 2)
    want = small_model.predict(x, verbose=0).ravel()
    np.testing.assert_allclose((1 / (1 + np.exp(-logits))).mean(axis=1), want, atol=1e-5)


def test_strand_logits_of_another_architecture_give_its_scores():
    """Two convolutions and another pool width: attribution reads the architecture from the model's parts."""
    model = fn.build_model(1, **SMALL, conv_layers=2, kernel_width=7, pool_width=4)
    x = random_inputs(8, seed=3)
    logits = np.asarray(it.strand_logits(model).predict(it.encode(model, x), verbose=0))
    want = model.predict(x, verbose=0).ravel()
    np.testing.assert_allclose((1 / (1 + np.exp(-logits))).mean(axis=1), want, atol=1e-5)


def test_attributions_are_refused_for_a_model_with_cell_metadata():
    with pytest.raises(DreamTFError, match="without expression metadata"):
        it.strand_logits(fn.build_model(1, 2, **SMALL))


def test_gradients_equal_finite_differences(small_model):
    enc = it.encode(small_model, random_inputs(2, seed=1)).astype(np.float64)
    att = it.attribution_model(small_model)
    grad = input_gradients(att, enc)
    assert grad.shape == enc.shape
    rng = np.random.default_rng(0)

    def f(v, i):  # window i's logit alone: the others do not move
        return float(np.asarray(att.predict(v[i : i + 1].astype(np.float32), verbose=0)).sum())

    checked = 0
    for i, pos, ch in zip(rng.integers(0, 2, 300), rng.integers(0, 300, 300), rng.integers(0, 5, 300)):
        if abs(grad[i, pos, ch]) < 1e-3:
            continue
        up, down = enc.copy(), enc.copy()
        up[i, pos, ch] += 1e-3
        down[i, pos, ch] -= 1e-3
        fd = (f(up, i) - f(down, i)) / 2e-3
        assert fd == pytest.approx(grad[i, pos, ch], rel=0.05, abs=2e-5), (i, pos, ch)
        checked += 1
        if checked == 12:
            break
    assert checked >= 6


def test_gradients_are_the_same_on_tensorflow_and_jax(small_model, tmp_path):
    """JAX's autodiff, in a fresh process, gives TensorFlow's gradients for the same weights."""
    pytest.importorskip("jax")
    path = tmp_path / "m.keras"
    small_model.save(path)
    enc = it.encode(small_model, random_inputs(3, seed=4))
    np.save(tmp_path / "x.npy", enc)
    tf_grad = input_gradients(it.attribution_model(small_model), enc)
    code = (
        "import sys, numpy as np\n"
        "from dreamtf import backends\n"
        "backends.setup('jax', gpu=False, threads=1)\n"
        "import keras\n"
        "from dreamtf import interpret as it\n"
        "from dreamtf import keras_parts  # registers the custom layers\n"
        "m = keras.models.load_model(sys.argv[1])\n"
        "np.save(sys.argv[3], backends.input_gradients(it.attribution_model(m), np.load(sys.argv[2])))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tmp_path / "x.npy"), str(tmp_path / "g.npy")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    np.testing.assert_allclose(np.load(tmp_path / "g.npy"), tf_grad, atol=1e-5)
    assert np.abs(tf_grad).max() > 0


def test_bh_qvalues_equal_scipys():
    p = np.random.default_rng(3).uniform(size=(4, 300)) ** 3
    np.testing.assert_allclose(it.bh_qvalues(p), scipy.stats.false_discovery_control(p, axis=1), rtol=1e-12)


def test_meme_file_round_trip(tmp_path):
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=9)
    write_meme(tmp_path / "m.meme", [("factornet_CTCF_1", "CTCF", probs, 120), ("x_2", "X", probs[:5], 30)])
    mid, counts = read_motif_counts(tmp_path / "m.meme", "factornet_CTCF_1")
    assert mid == "factornet_CTCF_1"
    np.testing.assert_allclose(counts / 100, probs, atol=1e-6)
    assert "nsites= 120" in (tmp_path / "m.meme").read_text()


def test_trim_span_keeps_the_strong_positions():
    cwm = np.zeros((12, 4))
    cwm[[3, 5, 8], 0] = [0.5, 1.0, -0.31]
    assert it.trim_span(cwm) == slice(3, 9)


@pytest.fixture(scope="module")
def jaspar():
    return it.jaspar_targets()


@pytest.mark.parametrize("tf", ["CTCF", "REST", "FOXA1"])
def test_tomtom_finds_the_jaspar_matrix_of_a_noisy_copy(jaspar, tf):
    targets, mats = jaspar
    assert len(targets) > 800  # every CORE vertebrate matrix, not a hand-picked few
    probs = load_jaspar(tf).probs
    rng = np.random.default_rng(1)
    noisy = np.array([rng.dirichlet(200 * p + 0.5) for p in probs])
    for query, strand in ((noisy, "+"), (noisy[::-1, ::-1], "-")):
        res = it.match_motifs([query], targets, mats, top=3)
        best = res[res["rank"] == 1].iloc[0]
        assert best["name"].upper() == tf and best["q_value"] < 0.05, res
        assert best["strand"] == strand


@pytest.mark.slow
def test_modisco_recovers_a_planted_motif_from_its_attributions(jaspar):
    """Attributions that light up planted CTCF sites give a TF-MoDISco motif that TOMTOM calls CTCF."""
    rng = np.random.default_rng(5)
    n, length = 400, 200
    probs = load_jaspar("CTCF").probs
    lo = np.log2(probs / 0.25)
    codes = rng.integers(0, 4, (n, length))
    hyp = rng.normal(0, 0.02, (n, length, 4))
    for i in range(n):
        site = np.array([rng.choice(4, p=p) for p in probs])
        at = rng.integers(10, length - len(probs) - 10)
        fwd = rng.random() < 0.5
        codes[i, at : at + len(probs)] = site if fwd else (3 - site)[::-1]
        hyp[i, at : at + len(probs)] += lo if fwd else lo[::-1, ::-1]
    onehot = np.eye(4)[codes]
    hyp = hyp - hyp.mean(axis=-1, keepdims=True)
    motifs = it.discover_motifs(onehot, hyp, max_seqlets=1000, n_leiden_runs=2)
    assert motifs and motifs[0]["seqlets"] > 200
    targets, mats = jaspar
    res = it.match_motifs([motifs[0]["ppm"]], targets, mats)
    best = res[res["rank"] == 1].iloc[0]
    assert best["name"].upper() == "CTCF" and best["q_value"] < 0.05, res


def test_warm_up_leaves_tomtom_compiled_for_the_next_process(capsys):
    from dreamtf import cli

    assert cli.main(["warm-up"]) == 0
    assert "TOMTOM's JIT code compiled and cached" in capsys.readouterr().out
    # a new process, a motif of another length: TOMTOM's kernel comes from the cache
    code = """
import sys
import numpy as np
from dreamtf import interpret as it
targets, mats = it.jaspar_targets()
it.match_motifs([np.full((13, 4), 0.25)], targets, mats)
kernel = sys.modules["memelite.tomtom"]._tomtom
print(sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "0"]


def test_each_learned_motif_is_set_beside_the_seed_its_kernels_started_as(jaspar):
    """Seeded kernels: the summary says so and ranks the seed among each motif's matches, so an
    echo of the seed is told from a motif learned; a seed outside JASPAR is matched too."""
    targets, mats = jaspar
    ctcf, rest = load_jaspar("CTCF"), load_jaspar("REST")
    rng = np.random.default_rng(4)
    echo = np.array([rng.dirichlet(200 * p + 0.5) for p in ctcf.probs])
    other = np.array([rng.dirichlet(200 * p + 0.5) for p in rest.probs])
    seed = {"matrix_id": ctcf.matrix_id, "name": ctcf.name, "probs": ctcf.probs.tolist()}
    t2, m2 = it.with_seeds(targets, mats, [seed])
    assert len(t2) == len(targets)  # CTCF's matrix is in JASPAR already
    ranked = it.match_motifs([echo, other], t2, m2, top=len(t2))
    near = it.seed_ranks(ranked, 2, [seed])
    assert near[0]["matrix_id"] == ctcf.matrix_id and near[0]["rank"] == 1
    assert near[1]["rank"] > 20 and near[1]["p_value"] > near[0]["p_value"]
    assert it.seed_ranks(ranked, 2, []) == [None, None]
    # a seed of the user's own, absent from JASPAR, joins the targets under its own name
    own = {"matrix_id": "my_ctcf", "name": "CTCF", "probs": np.roll(ctcf.probs, 1, axis=1).tolist()}
    t3, m3 = it.with_seeds(targets, mats, [own])
    assert len(t3) == len(targets) + 1 and t3["name"].iloc[-1] == "CTCF (seed)" and len(m3) == len(t3)
    near = it.seed_ranks(it.match_motifs([np.roll(echo, 1, axis=1)], t3, m3, top=len(t3)), 1, [own])
    assert near[0]["matrix_id"] == "my_ctcf" and near[0]["rank"] == 1
