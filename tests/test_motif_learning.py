"""Motifs learned from the training cells: the windows they come from, the MEME file, the feature group."""

import numpy as np
import pytest

from dreamtf import features as ft
from dreamtf.errors import DreamTFError
from dreamtf.io.motiffile import write_meme
from dreamtf.io.windowtable import WindowTable
from dreamtf.motif_learning import consensus, discovery_windows, one_hot, window_codes
from dreamtf.motifs import counts_to_probs, read_motifs

SETTINGS = {"bound_windows": 1000, "unbound_per_bound": 2}


def label_table(codes, chroms=("chr2",), step=50):
    codes = np.asarray(codes, dtype=np.uint8)
    n = len(codes)
    return WindowTable(
        path="labels.tsv",
        chroms=list(chroms),
        chrom=np.zeros(n, dtype=np.int64),
        start=np.arange(n, dtype=np.int64) * step,
        size=200,
        columns=[f"cell{j}" for j in range(codes.shape[1])],
        values=codes,
    )


def test_bound_in_any_cell_against_unbound_in_every_cell():
    rng = np.random.default_rng(0)
    codes = rng.choice([0, 0, 0, 0, 1, 2], (3000, 2))
    t = label_table(codes)
    w = discovery_windows(t, {}, SETTINGS, rng)
    rows = w["start"] // 50
    pos, neg = rows[w["y"] == 1], rows[w["y"] == 0]
    assert set(pos) == set(np.flatnonzero((codes == 2).any(axis=1)))  # every bound window, each once
    assert len(pos) == len(set(pos))
    assert (codes[neg] == 0).all() and len(neg) == len(set(neg))  # never ambiguous in any cell
    assert len(neg) == min(2 * len(pos), int((codes == 0).all(axis=1).sum()))


def test_negatives_come_from_the_pools_in_their_shares():
    rng = np.random.default_rng(1)
    codes = np.zeros((4000, 1), dtype=np.uint8)
    codes[:200] = 2
    t = label_table(codes)
    core = np.zeros(4000, dtype=bool)
    core[1000:1100] = True  # 100 unbound windows hold the core: fewer than their share asks
    opened = np.zeros(4000, dtype=bool)
    opened[2000:3000] = True
    w = discovery_windows(t, {"core_match": (core, 0.4), "open": (opened, 0.3)}, SETTINGS, rng)
    rows, pool = w["start"] // 50, w["pool"]
    assert (pool == "core_match").sum() == 100 and core[rows[pool == "core_match"]].all()
    assert (pool == "open").sum() == 120 and opened[rows[pool == "open"]].all()
    assert (pool == "random").sum() == 400 - 220 and (w["y"] == 0).sum() == 400
    assert len(set(rows[w["y"] == 0])) == 400  # a window drawn by one pool is not drawn again


def test_at_most_the_configured_bound_windows():
    codes = np.zeros((5000, 1), dtype=np.uint8)
    codes[::3] = 2
    w = discovery_windows(
        label_table(codes), {}, {"bound_windows": 100, "unbound_per_bound": 1}, np.random.default_rng(2)
    )
    assert (w["y"] == 1).sum() == 100 and (w["y"] == 0).sum() == 100


def test_no_bound_window_is_one_line():
    with pytest.raises(DreamTFError, match="no bound .B. window of cell0 on the training chromosomes"):
        discovery_windows(label_table(np.zeros((50, 1))), {}, SETTINGS, np.random.default_rng(0))


def test_window_sequences_are_centred_and_padded_with_n():
    class Genome:
        def chrom(self, name):
            return np.arange(1000, dtype=np.uint8) % 4

    codes = window_codes(Genome(), ["chr2"], np.array([0, 0]), np.array([0, 800]), 200, 300)
    assert codes.shape == (2, 300)
    assert (codes[0, :50] == 4).all() and np.array_equal(codes[0, 50:], np.arange(250) % 4)
    assert np.array_equal(codes[1, :250], np.arange(750, 1000) % 4) and (codes[1, 250:] == 4).all()
    x = one_hot(codes)
    assert x.shape == (2, 300, 4) and x[0, :50].sum() == 0 and (x[0, 50:].sum(axis=1) == 1).all()
    # reversing both axes of the one-hot is the reverse complement (A<->T, C<->G)
    rc = x[:, ::-1, ::-1]
    assert np.array_equal(rc[1, 50:].argmax(axis=1), 3 - (np.arange(750, 1000) % 4)[::-1])


def test_learned_motif_group_scans_every_motif_of_the_file(tmp_path):
    rng = np.random.default_rng(3)
    a = rng.dirichlet(np.ones(4) * 0.3, 8)
    b = rng.dirichlet(np.ones(4) * 0.3, 12)
    path = tmp_path / "CTCF.meme"
    write_meme(path, [("CTCF_learned_1", "CTCF", a, 40), ("CTCF_learned_2", "CTCF", b, 12)])
    motifs = read_motifs(path)
    assert [m.matrix_id for m in motifs] == ["CTCF_learned_1", "CTCF_learned_2"]
    assert np.allclose(motifs[1].probs, counts_to_probs(b / b.sum(axis=1, keepdims=True) * 100), atol=1e-5)
    seq = rng.integers(0, 4, 20_000).astype(np.uint8)
    starts = np.arange(0, 19_000, 50)
    x, cols = ft.learned_motif_features(motifs, seq, starts, 200, flank=1)
    assert x.shape == (len(starts), 2 * 6 * 2) and len(cols) == x.shape[1]
    assert cols[0] == "motif_learned.CTCF_learned_1.b-1.max" and cols[12].startswith("motif_learned.CTCF_learned_2.")
    one, _ = ft.motif_features(motifs[1], seq, starts, 200, flank=1)
    assert np.array_equal(x[:, 12:], one)  # each motif's columns are the motif group's for that matrix


def test_a_finder_that_found_nothing_gives_no_column(tmp_path):
    path = tmp_path / "REST.meme"
    write_meme(path, [])
    assert read_motifs(path) == []
    x, cols = ft.learned_motif_features([], np.zeros(1000, np.uint8), np.arange(0, 800, 50), 200)
    assert x.shape == (16, 0) and cols == []
    (tmp_path / "bad.meme").write_text("not a motif file\n")
    with pytest.raises(DreamTFError, match="bad.meme: no motif found"):
        read_motifs(tmp_path / "bad.meme")


def test_consensus_marks_weak_positions():
    probs = np.array([[0.9, 0.05, 0.03, 0.02], [0.3, 0.4, 0.2, 0.1]])
    assert consensus(probs) == "Ac"


# --- the core extended on simulated releases, with and without a flanking module ------------------

# chr2 to learn from; chr11, the validation chromosome, large enough for FactorNet's early stopping
FLANK_SIZES = {"chr1": 300_000, "chr2": 8_000_000, "chr8": 300_000, "chr11": 2_000_000, "chr21": 300_000}
FLANK_TFS = {"CTCF": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]}}


def release_sites(tmp_path_factory, flank_module, planted=None):
    """(genome codes, training labels on chr2, open mask) of a CTCF release simulated with modules at that share
    (and ``planted`` matrices in place of the database's)."""
    from conftest import SIM
    from dreamtf import release as rl
    from dreamtf.factornet_inputs import open_chromatin_mask
    from dreamtf.io.fasta import GenomeCodes, write_genome_codes
    from dreamtf.io.windowtable import read_labels
    from dreamtf.simrelease import write_simulated_release

    out = tmp_path_factory.mktemp(f"flank{flank_module}")
    sim = dict(SIM, flank_module=flank_module, planted=planted)
    write_simulated_release(out, seed=4, chrom_sizes=FLANK_SIZES, tfs=FLANK_TFS, **sim)
    write_genome_codes(rl.fasta_path(out, "hg19.genome.fa.gz"), out / "g.u8", out / "g.json")
    cells = FLANK_TFS["CTCF"]["train_cells"]
    labels = read_labels(rl.labels_path(out, "CTCF", "train"), cells=cells, chroms=["chr2"], size=SIM["size"])
    peaks = {c: rl.dnase_peaks_path(out, c, "relaxed") for c in cells}
    return out, GenomeCodes(out / "g.u8", out / "g.json"), labels, open_chromatin_mask(labels, cells, peaks).any(axis=1)


@pytest.fixture(scope="module")
def with_module(tmp_path_factory):
    return release_sites(tmp_path_factory, 0.5)


@pytest.fixture(scope="module")
def without_module(tmp_path_factory):
    return release_sites(tmp_path_factory, 0.0)


#: core positions where the planted CTCF matrix departs from JASPAR's, and the base it prefers there:
#: three weak JASPAR positions made strong on a base JASPAR gives 4-15 %
VARIANT = {0: 3, 5: 0, 14: 3}


@pytest.fixture(scope="module")
def with_variant(tmp_path_factory):
    """A release whose bound sites carry a CTCF core that differs from the JASPAR matrix the models get."""
    from dreamtf.motifs import Motif, load_jaspar

    probs = load_jaspar("CTCF").probs.copy()
    for i, b in VARIANT.items():
        probs[i] = 0.05
        probs[i, b] = 0.85
    return release_sites(tmp_path_factory, 0.0, {"CTCF": Motif(name="CTCF", matrix_id="variant", probs=probs)})


def test_the_core_is_extended_by_the_planted_module_and_by_nothing_without_it(with_module, without_module):
    from dreamtf import release as rl
    from dreamtf.io.motiffile import read_motif_counts
    from dreamtf.motif_extension import extend_core, flank_parts
    from dreamtf.motifs import load_jaspar

    core = load_jaspar("CTCF")
    out, genome, labels, open_mask = with_module
    extended, rec = extend_core(genome, labels, core, open_mask, 30, np.random.default_rng(0))
    assert extended is not None, rec
    module = read_motif_counts(rl.flank_modules_path(out), "CTCF")[1].argmax(axis=1)
    # the module is the 10 bp ending 4 bp before the core: the extension reaches it, and holds its bases
    lo, hi = rec["span"]
    assert lo <= -12 and hi == len(core), rec
    learned = extended.probs.argmax(axis=1)[-lo - 14 : -lo - 4] if lo <= -14 else None
    if learned is not None:
        assert (learned == module).sum() >= 8, (consensus(extended.probs), module)
    else:  # a shorter span still starts inside the module and matches it there
        assert (extended.probs.argmax(axis=1)[: -lo - 4] == module[14 + lo :]).mean() >= 0.8
    assert np.allclose(extended.probs[-len(core) :].argmax(axis=1), core.probs.argmax(axis=1))
    # the module alone, scanned apart from the core: the upstream stretch that differs
    parts = flank_parts(extended, rec, len(core), "CTCF")
    assert [m.matrix_id for m in parts] == ["CTCF_flank_up"], rec
    offs = [d["offset"] for d in rec["differing_positions"] if d["offset"] < 0]
    assert (parts[0].probs.argmax(axis=1) == module[min(offs) + 14 : max(offs) + 15]).mean() >= 0.8
    _, genome0, labels0, open0 = without_module
    none, rec0 = extend_core(genome0, labels0, core, open0, 30, np.random.default_rng(0))
    assert none is None and rec0["why_not"].startswith("no position, in the flanks or the core, differs"), rec0
    assert rec0["bound_sites"] >= 100 and rec0["core_strata"] >= 2  # not for want of sites
    assert rec["differing_core_positions"] == []  # the module's release plants JASPAR's own core


def test_a_core_the_database_gets_wrong_is_learned_from_the_bound_sites(with_variant):
    """Compared unstratified, bound cores are stronger and nearly every position would differ;
    within strata of equal core score, only the positions the planted matrix changed do."""
    from dreamtf.motif_extension import extend_core
    from dreamtf.motifs import load_jaspar

    core = load_jaspar("CTCF")
    _, genome, labels, open_mask = with_variant
    learned, rec = extend_core(genome, labels, core, open_mask, 30, np.random.default_rng(0))
    assert learned is not None, rec
    assert sorted(d["position"] for d in rec["differing_core_positions"]) == sorted(VARIANT), rec
    assert rec["differing_positions"] == [] and rec["span"] == [0, len(core)]  # the core, nothing beside it
    for i, b in VARIANT.items():
        assert learned.probs[i].argmax() == b and core.probs[i].argmax() != b
    others = [i for i in range(len(core)) if i not in VARIANT]
    assert (learned.probs[others].argmax(axis=1) == core.probs[others].argmax(axis=1)).all()


@pytest.mark.parametrize("release, gain", [("with_module", 0.1), ("with_variant", 0.05)])
def test_the_extended_matrix_tells_bound_from_unbound_core_matches(release, gain, request):
    """What catchitt gains: among windows with a strong core, the extended matrix ranks the bound ones higher."""
    from dreamtf.metrics import score
    from dreamtf.motif_extension import best_sites, extend_core
    from dreamtf.motifs import load_jaspar

    core = load_jaspar("CTCF")
    _, genome, labels, open_mask = request.getfixturevalue(release)
    extended, _ = extend_core(genome, labels, core, open_mask, 30, np.random.default_rng(0))
    bound = (labels.codes == 2).any(axis=1)
    keep = bound | (labels.codes == 0).all(axis=1)
    rows = np.flatnonzero(keep & open_mask)
    args = (genome, labels.chroms, labels.chrom[rows], labels.start[rows], labels.size)
    _, s_core, _, _ = best_sites(*args, core, 0)
    _, s_ext, _, _ = best_sites(*args, extended, 0)
    strong = s_core >= np.quantile(s_core[bound[rows]], 0.25)
    y = (2 * bound[rows][strong]).astype(np.uint8)
    by_core = score(y, s_core[strong], bootstrap=0)["auprc"]
    by_ext = score(y, s_ext[strong], bootstrap=0)["auprc"]
    assert by_ext > by_core + gain, (by_core, by_ext)  # measured: 0.67 -> 0.88 (module), 0.82 -> 0.90 (core)


@pytest.mark.slow
def test_factornet_trained_on_the_release_uses_the_module(with_module, tmp_path):
    """FactorNet (kernels seeded with the core, then trained) loses far more of a site's logit when
    the module beside the core is scrambled than when as many bases on the core's other side are."""
    from dreamtf import config
    from dreamtf import factornet_train as ft
    from dreamtf import release as rl
    from dreamtf.factornet_inputs import write_dnase_cache
    from dreamtf.io.memmap import ChromArrays
    from dreamtf.io.motiffile import read_motif_counts
    from dreamtf.motifs import load_jaspar
    from dreamtf.simcheck import module_effect

    out, genome, labels, _ = with_module
    cells = FLANK_TFS["CTCF"]["train_cells"]
    dnase = {}
    for cell in cells:
        norm = config.defaults("factornet", "dnase_norm")
        write_dnase_cache(rl.dnase_bigwig_path(out, cell), tmp_path / f"{cell}.f16", tmp_path / f"{cell}.json",
                          list(FLANK_SIZES), norm=norm)  # fmt: skip
        dnase[cell] = ChromArrays(tmp_path / f"{cell}.f16", tmp_path / f"{cell}.json")
    params = {"input_length": 400, "kernels": 16, "lstm_units": 16, "dense_units": 32, "epochs": 8,
              "patience": 3, "bound_per_epoch": 1200, "validation_windows": 1500, "learning_rate": 0.003}  # fmt: skip
    model, meta = ft.train(
        genome,
        dnase,
        rl.labels_path(out, "CTCF", "train"),
        train_chroms=["chr2"],
        valid_chroms=["chr11"],
        size=200,
        threads=2,
        params=params,
        motifs=[load_jaspar("CTCF")],
    )
    assert meta["seeded_with"]
    module = read_motif_counts(rl.flank_modules_path(out), "CTCF")[1].argmax(axis=1)
    effect = module_effect(model, meta, genome, dnase["HepG2"], labels, "HepG2", load_jaspar("CTCF"), module,
                           np.random.default_rng(0))  # fmt: skip
    assert effect["sites"] >= 50, effect
    assert effect["module_loss"] > 0.5 and effect["module_loss"] > 4 * abs(effect["control_loss"]), effect


@pytest.mark.slow
def test_a_tf_without_a_database_matrix_learns_its_core_de_novo(with_module):
    """No matrix given: the CNN and TF-MoDISco find CTCF's core, which TOMTOM calls CTCF, and it is then extended."""
    from dreamtf import config
    from dreamtf import interpret as it
    from dreamtf.motif_learning import learn_motifs

    _, genome, labels, _ = with_module
    p = {**config.defaults("motif_learning"), "epochs": 12, "leiden_runs": 2, "bound_windows": 1500}
    motifs, logos, rec = learn_motifs("CTCF", genome, labels, None, None, p, threads=2)
    assert rec["de_novo"]["cnn"]["holdout_auprc"] > 0.5, rec
    denovo = [m for m in motifs if "_denovo_" in m.matrix_id]
    assert denovo and len(logos) == len(motifs), rec
    targets, mats = it.jaspar_targets()
    found = it.match_motifs([m.probs for m in denovo], targets, mats, top=1)
    ctcf = found[found["name"].str.upper() == "CTCF"]
    assert not ctcf.empty and ctcf["q_value"].min() < 0.05, found
    assert rec["chromosomes_read"] == ["chr2"]
