"""Motifs learned from the training cells: what separates bound from unbound sequence.

Database matrices miss what real sites carry: a module beside the core at a share of
sites, the flanks and cofactor motifs that set bound instances apart from unbound ones,
TFs with no matrix at all. The Catchitt team scored de novo motifs (Dimont) beside the
database ones. Here two learners read the training cells' labels on the training
chromosomes only (the validation and held-out chromosomes are never read):

**The core extended** (:mod:`dreamtf.motif_extension`, always when the TF has a matrix):
bound sites and matched unbound ones aligned on their best core match, the flank
positions where their bases differ found by a test per position, and the core widened
to span them; the core's own positions are tested within strata of equal core score,
so that a database matrix that is not what the TF binds is relearned. Seconds per TF.

**De novo** (``de_novo``: ``auto`` runs it for a TF without a database matrix only,
``always`` for every TF), as in BPNet and ChromBPNet:

1. Windows: every window bound (B) in any training cell, up to ``bound_windows``,
   against windows unbound (U) in every training cell, of which shares hold the TF's
   matrix as strongly as half the bound windows (``motif_negatives``) or overlap a
   training cell's relaxed DNase peak (``open_negatives``); the rest are random.
2. A small CNN (two convolutions, global max pooling; no kernel seeded with any matrix)
   learns bound against unbound from sequence alone, both strands. Early stopping
   watches a held-back tenth of the windows, whole 100 kb blocks of the training
   chromosomes, so that overlapping windows do not leak into it.
3. Gradient x input of the logit over the bound windows, and TF-MoDISco
   (``modisco-lite``) turns their high-contribution stretches into patterns; the
   ``max_motifs`` patterns with most seqlets are kept.

Why the extension leads: on the demo's simulated release with a flanking module at half
the sites (``release.flank_module: 0.5``), it recovered the module of CTCF, FOXA1 and
REST in under 10 s each and extended none of them on the release without modules, while
the CNN with TF-MoDISco, at the demo's 170-1,300 bound windows per TF, returned CTCF's
core alone, no FOXA1 motif, and took 1.5-3 minutes a TF (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .errors import DreamTFError
from .factornet_inputs import gather, motif_window_mask, open_chromatin_mask
from .motifs import Motif, counts_to_probs

log = logging.getLogger(__name__)

#: 100 kb blocks: windows in blocks whose index is 0 mod 10 are held back for early stopping.
HOLDOUT_BLOCK = 100_000


def discovery_windows(labels, pools: dict, p: dict, rng) -> dict:
    """Bound and matched unbound windows of ``labels`` (read on training chromosomes only).

    A window counts as bound when any training cell has it bound, as unbound when every
    cell has it unbound. ``pools`` maps a name to ``(mask over the windows, share)``: that
    share of the unbound windows is drawn from the unbound windows of the mask (as many as
    it holds), the rest at random. Returns ``{"chrom": index, "start", "y", "pool"}`` arrays,
    ``pool`` naming where each unbound window came from ("" for bound ones).
    """
    codes = labels.codes
    cells = labels.cells
    bound = np.flatnonzero((codes == 2).any(axis=1))
    unbound = (codes == 0).all(axis=1)
    if len(bound) == 0:
        raise DreamTFError(
            f"no bound (B) window of {', '.join(cells)} on the training chromosomes to learn motifs from"
        )
    if not unbound.any():
        raise DreamTFError(f"no unbound (U) window of {', '.join(cells)} on the training chromosomes")
    if len(bound) > p["bound_windows"]:
        bound = np.sort(rng.choice(bound, p["bound_windows"], replace=False))
    n_neg = int(round(p["unbound_per_bound"] * len(bound)))
    free = unbound.copy()
    picked, names = [], []
    for name, (mask, share) in pools.items():
        pool = np.flatnonzero(free & mask)
        n = min(int(round(share * n_neg)), len(pool), n_neg - sum(map(len, picked)))
        take = rng.choice(pool, n, replace=False) if n > 0 else np.empty(0, np.int64)
        free[take] = False
        picked.append(take)
        names += [name] * len(take)
    rest = np.flatnonzero(free)
    n = min(n_neg - sum(map(len, picked)), len(rest))
    picked.append(rng.choice(rest, n, replace=False))
    names += ["random"] * n
    rows = np.concatenate([bound, *picked]).astype(np.int64)
    return {
        "chrom": labels.chrom[rows],
        "start": labels.start[rows],
        "y": np.r_[np.ones(len(bound)), np.zeros(len(rows) - len(bound))].astype(np.float32),
        "pool": np.array([""] * len(bound) + names),
    }


def negative_pools(genome, labels, dnase_peaks: dict | None, core, p: dict) -> dict:
    """The matched-negative pools the settings ask for: open chromatin, and strong matches of ``core``.

    Unbound windows holding the TF's core motif as strongly as most bound windows do are
    the ones only what lies beside the core (a flanking module, a cofactor) tells apart;
    open unbound windows are those that accessibility alone mistakes for bound.
    """
    pools = {}
    if core is not None and p["motif_negatives"] > 0:
        chroms = [labels.chroms[int(c)] for c in np.unique(labels.chrom)]
        pools["core_match"] = (motif_window_mask(genome, labels, core, chroms), p["motif_negatives"])
    if dnase_peaks and p["open_negatives"] > 0:
        pools["open"] = (open_chromatin_mask(labels, labels.cells, dnase_peaks).any(axis=1), p["open_negatives"])
    return pools


def window_codes(genome, chroms: list[str], chrom_idx, starts, size: int, length: int) -> np.ndarray:
    """Base codes (n, length) centred on each window, N (4) past the chromosome ends."""
    pad = (length - size) // 2
    out = np.empty((len(starts), length), dtype=np.uint8)
    for ci in np.unique(chrom_idx):
        rows = np.flatnonzero(chrom_idx == ci)
        out[rows] = gather(np.asarray(genome.chrom(chroms[int(ci)])), starts[rows] - pad, length, 4)
    return out


def one_hot(codes: np.ndarray) -> np.ndarray:
    """(n, length) base codes to (n, length, 4) float32, N all zero."""
    return np.eye(5, 4, dtype=np.float32)[codes]


def build_cnn(length: int, filters: int, width: int, seed: int):
    """Sequence -> logit: convolution, max pooling, convolution, global max pooling, two dense layers."""
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=seed)
    x_in = keras.Input((length, 4), name="sequence")
    x = layers.Conv1D(filters, width, padding="same", activation="relu", kernel_initializer=init)(x_in)
    x = layers.MaxPooling1D(4)(x)
    x = layers.Conv1D(filters, 5, padding="same", activation="relu", kernel_initializer=init)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dropout(0.2, seed=seed)(x)
    x = layers.Dense(32, activation="relu", kernel_initializer=init)(x)
    out = layers.Dense(1, kernel_initializer=init, name="logit")(x)
    return keras.Model(x_in, out, name="motif_cnn")


def train_cnn(x: np.ndarray, y: np.ndarray, holdout: np.ndarray, p: dict):
    """Fit the CNN on both strands of the windows outside ``holdout``; returns (model, fit record)."""
    import keras

    from .metrics import score

    model = build_cnn(x.shape[1], p["filters"], p["kernel_width"], p["seed"])
    model.compile(
        optimizer=keras.optimizers.Adam(p["learning_rate"]),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    tr = ~holdout
    xt = np.concatenate([x[tr], x[tr][:, ::-1, ::-1]])  # reverse complements: A<->T, C<->G is a flip of ACGT
    yt = np.concatenate([y[tr], y[tr]])
    stop = keras.callbacks.EarlyStopping(patience=p["patience"], restore_best_weights=True)
    hist = model.fit(
        xt,
        yt,
        validation_data=(x[holdout], y[holdout]),
        batch_size=64,
        epochs=p["epochs"],
        shuffle=True,
        callbacks=[stop],
        verbose=0,
    )
    pred = model.predict(x[holdout], batch_size=512, verbose=0)[:, 0]
    losses = hist.history["val_loss"]
    return model, {
        "epochs_run": len(losses),
        "best_epoch": int(np.argmin(losses)) + 1,
        "holdout_windows": int(holdout.sum()),
        "holdout_auprc": round(float(score((2 * y[holdout]).astype(np.uint8), pred, bootstrap=0)["auprc"]), 4),
    }


def attributions(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Hypothetical contributions (n, length, 4): the logit's gradient, centred over the bases."""
    from .backends import input_gradients

    g = np.concatenate([input_gradients(model, x[i : i + batch]) for i in range(0, len(x), batch)])
    return (g - g.mean(axis=-1, keepdims=True)).astype(np.float32)


def de_novo_motifs(tf: str, genome, labels, dnase_peaks: dict | None, core, p: dict, rng, threads: int):
    """CNN + TF-MoDISco: ([:class:`Motif`] ``<TF>_denovo_<n>``, their logo entries, a record)."""
    from . import backends
    from .interpret import discover_motifs

    t0 = time.perf_counter()
    backends.setup("tensorflow", gpu=False, threads=threads, mixed_precision=False)
    backends.set_seed(p["seed"])
    w = discovery_windows(labels, negative_pools(genome, labels, dnase_peaks, core, p), p, rng)
    x = one_hot(window_codes(genome, labels.chroms, w["chrom"], w["start"], labels.size, p["input_length"]))
    holdout = (w["start"] // HOLDOUT_BLOCK) % 10 == 0
    if not (w["y"][holdout].any() and w["y"][~holdout].any()):  # a tiny genome: hold back a random tenth
        holdout = rng.random(len(x)) < 0.1
    drawn = {str(name): int((w["pool"] == name).sum()) for name in dict.fromkeys(w["pool"][w["y"] == 0])}
    log.info("%s: %d bound windows, unbound %s; %d held back", tf, int(w["y"].sum()), drawn, int(holdout.sum()))
    model, fit = train_cnn(x, w["y"], holdout, p)
    pos = np.flatnonzero(w["y"] == 1)
    hyp = attributions(model, x[pos])
    log.info("%s: CNN trained in %.0f s, %s; TF-MoDISco on %d windows", tf, time.perf_counter() - t0, fit, len(pos))
    patterns = discover_motifs(
        x[pos], hyp, max_seqlets=p["max_seqlets"], n_leiden_runs=p["leiden_runs"], threads=threads
    )[: p["max_motifs"]]
    motifs, logos = [], []
    for i, pat in enumerate(patterns, 1):
        counts = np.asarray(pat["ppm"], dtype=np.float64) * pat["seqlets"]
        name = f"{tf}_denovo_{i}"
        motifs.append(Motif(name=name, matrix_id=name, probs=counts_to_probs(counts)))
        logos.append(
            {"logo": pat["cwm"], "title": f"{name}: {pat['seqlets']} seqlets (contribution)", "sites": pat["seqlets"]}
        )
    record = {
        "windows": {"bound": int(w["y"].sum()), "unbound": drawn, "held_back": int(holdout.sum())},
        "cnn": fit,
        "seqlets": [int(pat["seqlets"]) for pat in patterns],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return motifs, logos, record


def learn_motifs(tf: str, genome, labels, dnase_peaks: dict | None, core, p: dict, *, threads: int = 1):
    """The learned motifs of ``tf`` (:class:`Motif`), per motif its logo entry (``logo``,
    ``title``, ``sites``: the sites or seqlets it was built from) and a record.

    First the core extended by what sets bound sites apart (:mod:`dreamtf.motif_extension`),
    ``<TF>_extended``, and each differing flank alone, ``<TF>_flank_up`` / ``_down``, when a
    flank differs; then, when ``de_novo`` asks for them, the CNN's
    TF-MoDISco motifs ``<TF>_denovo_<n>``. A TF without a database matrix (``core`` None)
    learns de novo under ``auto``, and its first de novo motif is the core extended.
    ``labels`` holds the training chromosomes only; ``p`` is the ``motif_learning`` settings.
    """
    from .motif_extension import extend_core, flank_parts

    t0 = time.perf_counter()
    rng = np.random.default_rng(p["seed"])
    record = {
        "tf": tf,
        "cells": list(labels.cells),
        "chromosomes_read": sorted({labels.chroms[int(c)] for c in np.unique(labels.chrom)}),
    }
    motifs, logos = [], []
    if p["de_novo"] == "always" or (p["de_novo"] == "auto" and core is None):
        motifs, logos, record["de_novo"] = de_novo_motifs(tf, genome, labels, dnase_peaks, core, p, rng, threads)
    base = core if core is not None else (motifs[0] if motifs else None)
    if base is not None:
        open_mask = open_chromatin_mask(labels, labels.cells, dnase_peaks).any(axis=1) if dnase_peaks else None
        extended, record["extension"] = extend_core(genome, labels, base, open_mask, p["flank_bp"], rng)
        if extended is not None:
            extended.name = extended.matrix_id = f"{tf}_extended"
            parts = [extended, *flank_parts(extended, record["extension"], len(base), tf)]
            sites = record["extension"]["bound_sites"]
            motifs[:0] = parts
            logos[:0] = [
                {"logo": information(m.probs), "title": f"{m.name}: {sites} bound sites (information)", "sites": sites}
                for m in parts
            ]
    record["motifs"] = [{"id": m.matrix_id, "length": len(m), "consensus": consensus(m.probs)} for m in motifs]
    record["seconds"] = round(time.perf_counter() - t0, 1)
    return motifs, logos, record


def information(probs: np.ndarray) -> np.ndarray:
    """Base heights of an information-content logo: each base's share of the position's bits."""
    p = np.clip(probs, 1e-9, 1)
    return probs * (2 + (p * np.log2(p)).sum(axis=1, keepdims=True))


def consensus(probs: np.ndarray) -> str:
    """IUPAC-free consensus: the likeliest base per position, lower case where it has under half the weight."""
    best = probs.argmax(axis=1)
    return "".join(b if probs[i, best[i]] >= 0.5 else b.lower() for i, b in enumerate(np.array(list("ACGT"))[best]))
