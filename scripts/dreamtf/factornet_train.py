"""Training FactorNet (:func:`dreamtf.factornet.build_model`) on every training cell pooled.

Each epoch draws a fresh sample of windows (:class:`dreamtf.factornet_inputs.TrainingWindows`):
the bound windows, jittered, and unbound ones at ``negatives_per_bound`` per bound window,
some from the hard-negative pools (open chromatin, motif instances). Early stopping
watches a weighted sample of the validation chromosomes' windows that stands for all of
them, so it follows the challenge's own score; the best epoch's weights are kept.
"""

from __future__ import annotations

import logging

import numpy as np

from . import backends, config
from .factornet import build_model, seed_motif_kernels
from .factornet_inputs import TrainingWindows, batch_inputs, motif_window_mask, open_chromatin_mask
from .io.rnaseq import read_tpm
from .io.windowtable import read_labels

log = logging.getLogger(__name__)

__all__ = ["expression_pcs", "train"]


def train(
    genome,
    dnase: dict,
    labels_path,
    *,
    train_chroms,
    valid_chroms,
    size: int,
    threads: int,
    params=None,
    log_csv=None,
    meta_by_cell: dict | None = None,
    dnase_peaks: dict | None = None,
    motifs: list | None = None,
):
    """Train one FactorNet model on every training cell pooled; returns (model, meta).

    ``genome`` is the memory-mapped base codes, ``dnase`` ({cell: ChromArrays}) each
    training cell's DNase channel (:func:`dreamtf.factornet_inputs.write_dnase_cache`).
    ``params`` override the schema's ``factornet`` defaults. ``dnase_peaks`` ({cell:
    relaxed DNase narrowPeak}) enables open-chromatin negatives, ``motifs`` (the TF's
    :class:`dreamtf.motifs.Motif`) motif negatives and motif-seeded kernels;
    ``meta_by_cell`` ({cell: expression PCs}) the metadata input. ``size`` is the
    configured window size, ``threads`` the CPU threads to use, ``log_csv`` a CSV file
    for the per-epoch log.
    """
    p = {**config.defaults("factornet"), **(params or {})}
    device = backends.setup(p["backend"], gpu=p["gpu"], threads=threads, mixed_precision=p["mixed_precision"])
    backends.set_seed(p["seed"])
    from .keras_parts import WeightedValidation, fit_epochs

    cells = list(dnase)
    chroms = list(train_chroms) + list(valid_chroms)
    labels = read_labels(labels_path, cells=cells, chroms=chroms, size=size)
    masks, shares = _negative_pools(genome, labels, cells, chroms, p, dnase_peaks, motifs)
    train_w = TrainingWindows(
        labels, cells, train_chroms, np.random.default_rng(p["seed"]), masks, where="training chromosomes"
    )
    where = f"validation chromosomes ({', '.join(valid_chroms)})"
    valid_w = TrainingWindows(labels, cells, valid_chroms, np.random.default_rng(p["seed"] + 1), masks, where=where)
    model = _new_model(p, meta_by_cell, motifs)

    def make(c, s, cell):
        return batch_inputs(genome, dnase, labels, cells, c, s, cell, p["input_length"], meta_by_cell)

    sample = valid_w.stratified(p["validation_windows"])
    validation = WeightedValidation(make(*sample[:3]), sample[3], sample[4])
    log.info("training on %s (%s); %d bound windows in the pool", ", ".join(cells), device, len(train_w.bound[0]))
    fit_epochs(
        model,
        lambda: train_w.sample(p["bound_per_epoch"], p["negatives_per_bound"], p["jitter"], shares, repeat=True),
        make,
        batch_size=p["batch_size"],
        epochs=p["epochs"],
        callbacks=_callbacks(validation, p, log_csv),
        log=log,
    )
    meta = _training_meta(p, cells, device, train_w, valid_w, validation, sample[3], sample[4])
    # the matrices the kernels started as: interpretation sets each learned motif beside them,
    # so that a seed that merely survived training is not read as a motif learned
    seeds = [{"matrix_id": m.matrix_id, "name": m.name, "probs": m.probs.tolist()} for m in motifs or []]
    meta["seeded_with"] = seeds if p["motif_init"] else []
    return model, {**meta, "meta_by_cell": meta_by_cell or {}, "window_size": labels.size}


def _negative_pools(genome, labels, cells, chroms, p: dict, dnase_peaks, motifs) -> tuple[dict, dict]:
    """(masks, shares) of the hard-negative pools the settings ask for: open chromatin, motif instances."""
    masks, shares = {}, {}
    if dnase_peaks and p["open_negatives"]:
        masks["open"] = open_chromatin_mask(labels, cells, dnase_peaks)
        shares["open"] = p["open_negatives"]
    if motifs and p["motif_negatives"]:
        masks["motif"] = motif_window_mask(genome, labels, motifs[0], chroms)
        shares["motif"] = p["motif_negatives"]
    return masks, shares


def _new_model(p: dict, meta_by_cell: dict | None, motifs: list | None):
    """A freshly initialised model for the settings, its first kernels seeded with the motifs when asked."""
    n_meta = len(next(iter(meta_by_cell.values()))) if meta_by_cell else 0
    model = build_model(1, n_meta, **p)
    if motifs and p["motif_init"]:
        seeded = seed_motif_kernels(model, motifs, p["motif_kernels"])
        log.info("%d convolution kernel(s) seeded with %s", seeded, ", ".join(m.matrix_id for m in motifs))
    return model


def _callbacks(validation, p: dict, log_csv) -> list:
    """Validation (first: the others read its scores), early stopping and the optional CSV log."""
    import keras

    from .keras_parts import EarlyStoppingAfter

    stop = EarlyStoppingAfter(
        p["min_epochs"], monitor="val_auprc", mode="max", patience=p["patience"], restore_best_weights=True
    )
    return [validation, stop] + ([keras.callbacks.CSVLogger(str(log_csv))] if log_csv else [])


def _training_meta(p: dict, cells, device: str, train_w, valid_w, validation, vy, vw) -> dict:
    """What the model card and the log report of a finished training run.

    ``valid_auprc`` is the kept weights' weighted auPRC on the validation sample, an
    estimate at the real class ratio; the exact figure over every validation window of
    each training cell comes from rules validate_factornet and calibrate.
    """
    auprcs = validation.history["val_auprc"]
    return {
        "params": p,
        "cells": cells,
        "device": device,
        # the chromosomes of the windows drawn from, read from the windows themselves
        "train_chroms": train_w.chrom_names(),
        "valid_chroms": valid_w.chrom_names(),
        "bound_windows": {"training": len(train_w.bound[0]), "validation": len(valid_w.bound[0])},
        "epochs_run": len(auprcs),
        "best_epoch": int(np.argmax(auprcs)) + 1 if auprcs else 0,
        "val_auprc": auprcs,
        "val_loss": validation.history["val_loss"],
        "valid_auprc": validation.scores()["val_auprc"],
        "validation_sample": {"n": len(vy), "bound": int(vy.sum()), "stands_for": round(float(vw.sum()))},
    }


def expression_pcs(rnaseq: dict[str, list], k: int) -> dict[str, list[float]]:
    """First ``k`` principal components of the cells' log1p TPM profiles (FactorNet's meta input).

    ``rnaseq`` maps each cell to its replicate RSEM tables; every cell's vector has ``k``
    values (zero-padded when there are fewer cells than ``k``), scaled together into [-1, 1].
    """
    cells = list(rnaseq)
    tables = [read_tpm(rnaseq[c]) for c in cells]
    genes = sorted(set().union(*tables))
    m = np.log1p(np.array([[t.get(g, 0.0) for g in genes] for t in tables]))
    m -= m.mean(axis=0)
    u, s, _ = np.linalg.svd(m, full_matrices=False)
    pcs = u[:, :k] * s[:k]
    pcs = np.pad(pcs, ((0, 0), (0, max(0, k - pcs.shape[1]))))
    scale = np.abs(pcs).max() or 1.0
    return {c: (pcs[i] / scale).round(6).tolist() for i, c in enumerate(cells)}
