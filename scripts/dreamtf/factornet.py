"""FactorNet-style Siamese CNN-BiLSTM (Quang & Xie, Methods 2019) in Keras 3.

Input: a window's 1,000 bp (configurable) centred on the 200 bp window, as base codes
(one-hot encoded inside the model: A, C, G, T) plus base-resolution tracks (the DNase
channel, ranked within the cell or log1p fold change; more tracks, such as mappability,
fit the same channel axis). One body,

    Conv1D -> Dropout -> per-position Dense -> MaxPool -> BiLSTM (every step) -> Flatten
    -> Dropout -> Dense -> [cell metadata concatenated] -> Dropout -> Dense(1, sigmoid),

scores the input and its reverse complement (sequence reversed and complemented,
tracks reversed), both strands stacked as one batch through the one body; the two
probabilities are averaged, so a window and its reverse complement get the same score
by construction.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from . import backends
from .errors import DreamTFError
from .factornet_inputs import (
    TrainingWindows,
    batch_inputs,
    motif_window_mask,
    open_chromatin_mask,
)
from .io.files import atomic_path, atomic_write_text
from .io.rnaseq import read_tpm
from .io.windowtable import read_labels

log = logging.getLogger(__name__)

DEFAULTS = {
    "input_length": 1000,
    "kernels": 32,
    "kernel_width": 26,
    "lstm_units": 32,
    "dense_units": 128,
    "dropout": 0.5,
    "learning_rate": 0.001,
    "batch_size": 100,
    "epochs": 10,
    "patience": 3,
    "min_epochs": 5,
    "negatives_per_bound": 4.0,
    "open_negatives": 0.5,
    "motif_negatives": 0.0,
    "bound_per_epoch": 6000,
    "jitter": 20,
    "validation_windows": 6000,
    "seed": 1,
    "gpu": False,
    "mixed_precision": False,
    "meta_pcs": 0,
    "backend": "tensorflow",
    "predict_batch_size": 1024,
    "dnase_norm": "rank",
    "motif_init": True,
    "motif_kernels": 8,
}


def reverse_complement_inputs(inputs: dict) -> dict:
    """The reverse complement of model inputs: codes complemented (N stays N) and reversed, tracks reversed."""
    comp = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
    return {**inputs, "sequence": comp[inputs["sequence"][:, ::-1]], "tracks": inputs["tracks"][:, ::-1, :]}


def build_model(n_tracks: int = 1, n_meta: int = 0, **params):
    """The Siamese FactorNet model; ``params`` override :data:`DEFAULTS`.

    Inputs: ``sequence`` (batch, input_length) base codes, ``tracks`` (batch,
    input_length, n_tracks) and, with ``n_meta``, ``cell_meta`` (batch, n_meta).
    """
    import keras
    from keras import layers

    from .keras_parts import EncodeInputs, ReverseComplement, StrandAverage

    p = {**DEFAULTS, **params}
    codes_in = keras.Input((p["input_length"],), dtype="uint8", name="sequence")
    tracks_in = keras.Input((p["input_length"], n_tracks), name="tracks")
    inputs = [codes_in, tracks_in]
    seq_in = EncodeInputs(name="encode")([codes_in, tracks_in])
    meta_in = None
    if n_meta:
        meta_in = keras.Input((n_meta,), name="cell_meta")
        inputs.append(meta_in)

    conv = layers.Conv1D(p["kernels"], p["kernel_width"], activation="relu", name="conv")
    drop1 = layers.Dropout(p["dropout"] / 5, name="conv_dropout")  # FactorNet: light dropout after the motifs
    per_pos = layers.Dense(p["kernels"], activation="relu", name="per_position_dense")
    pool = layers.MaxPooling1D(pool_size=p["kernel_width"] // 2, strides=p["kernel_width"] // 2, name="pool")
    # JAX's cuDNN LSTM has no float16 kernel: under mixed precision it stays in float32 there
    lstm_dtype = "float32" if keras.backend.backend() == "jax" else None
    # every step's output, flattened, as DanQ and FactorNet do: with only the last step (an
    # earlier version) the network never learnt a motif planted mid-input (tests/test_factornet.py)
    lstm = layers.Bidirectional(
        layers.LSTM(p["lstm_units"], return_sequences=True, dtype=lstm_dtype), name="bilstm", dtype=lstm_dtype
    )
    flat = layers.Flatten(name="flatten")
    drop2 = layers.Dropout(p["dropout"], name="lstm_dropout")
    dense = layers.Dense(p["dense_units"], activation="relu", name="dense")
    drop3 = layers.Dropout(p["dropout"], name="dense_dropout")
    out = layers.Dense(1, activation="sigmoid", name="output", dtype="float32")

    # both strands as one batch of twice the windows: one pass through the shared layers
    rc = ReverseComplement(name="reverse_complement")(seq_in)
    x = layers.Concatenate(axis=0, name="strands")([seq_in, rc])
    h = dense(drop2(flat(lstm(pool(per_pos(drop1(conv(x))))))))
    if meta_in is not None:
        meta2 = layers.Concatenate(axis=0, name="strands_meta")([meta_in, meta_in])
        h = layers.Concatenate(name="with_cell_meta")([h, meta2])
    avg = StrandAverage(name="strand_average", dtype="float32")(out(drop3(h)))
    model = keras.Model(inputs, avg, name="factornet")
    model.compile(optimizer=keras.optimizers.Adam(p["learning_rate"]), loss="binary_crossentropy")
    return model


def seed_motif_kernels(model, motifs, copies: int = 1) -> int:
    """Set the first convolution kernels to known motifs (DanQ-JASPAR's initialisation).

    ``motifs`` are :class:`dreamtf.motifs.Motif` objects (the TF's own JASPAR matrix, or
    the one configured under ``features.motifs``), each given to ``copies`` kernels. Each
    kernel holds the motif's log-odds, centred in the kernel, scaled so a perfect match
    gives 1 and a match at 60 % of the best score gives 0 (the bias); its DNase weights
    start at zero. Training refines them like any other weight, and copies drift apart
    through the different random weights that read them. Returns the number of kernels
    seeded.
    """
    conv = model.get_layer("conv")
    kernel, bias = (np.array(w) for w in conv.get_weights())
    motifs = [m for m in motifs for _ in range(copies)]
    width, n = kernel.shape[0], min(len(motifs), kernel.shape[2])
    for k, motif in enumerate(motifs[:n]):
        lo = motif.log_odds()[:width]
        lo = lo - lo.mean(axis=1, keepdims=True)
        best = float(lo.max(axis=1).sum())
        off = (width - len(lo)) // 2
        kernel[:, :, k] = 0.0
        kernel[off : off + len(lo), :4, k] = lo / (0.4 * best)
        bias[k] = -0.6 / 0.4
    conv.set_weights([kernel, bias])
    return n


def save(model, path: str | os.PathLike, meta: dict, meta_path: str | os.PathLike) -> None:
    """The Keras model (``path``, a ``.keras`` file) and its metadata (``meta_path``, JSON), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        keras_tmp = tmp.with_suffix(".keras")
        model.save(keras_tmp)
        os.replace(keras_tmp, tmp)
    with atomic_write_text(meta_path) as fh:
        json.dump(meta, fh, indent=1)


def load(path: str | os.PathLike, meta_path: str | os.PathLike):
    """(model, meta) saved by :func:`save`; call :func:`dreamtf.backends.setup` first."""
    import keras

    from .keras_parts import EncodeInputs, ReverseComplement, StrandAverage

    objects = {"ReverseComplement": ReverseComplement, "EncodeInputs": EncodeInputs, "StrandAverage": StrandAverage}
    try:
        model = keras.models.load_model(path, compile=False, custom_objects=objects)
        meta = json.loads(Path(meta_path).read_text())
    except (OSError, ValueError) as exc:
        raise DreamTFError(f"{path}: not a dreamtf FactorNet model ({exc})") from None
    return model, meta


def expression_pcs(rnaseq: dict[str, list], k: int) -> dict[str, list[float]]:
    """First ``k`` principal components of the cells' log1p TPM profiles (FactorNet's meta input)."""
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
    ``dnase_peaks`` ({cell: relaxed DNase narrowPeak}) enables open-chromatin negatives;
    ``size`` is the configured window size, ``threads`` the CPU threads to use.
    """
    p = {**DEFAULTS, **(params or {})}
    device = backends.setup(p["backend"], gpu=p["gpu"], threads=threads, mixed_precision=p["mixed_precision"])
    backends.set_seed(p["seed"])
    import keras

    from .keras_parts import EarlyStoppingAfter, WeightedValidation, fit_epochs

    cells = list(dnase)
    labels = read_labels(labels_path, cells=cells, chroms=list(train_chroms) + list(valid_chroms), size=size)
    rng = np.random.default_rng(p["seed"])
    masks, shares = {}, {}
    if dnase_peaks and p["open_negatives"]:
        masks["open"] = open_chromatin_mask(labels, cells, dnase_peaks)
        shares["open"] = p["open_negatives"]
    if motifs and p["motif_negatives"]:
        masks["motif"] = motif_window_mask(genome, labels, motifs[0], list(train_chroms) + list(valid_chroms))
        shares["motif"] = p["motif_negatives"]
    train_w = TrainingWindows(labels, cells, train_chroms, rng, masks, where="training chromosomes")
    valid_w = TrainingWindows(
        labels,
        cells,
        valid_chroms,
        np.random.default_rng(p["seed"] + 1),
        masks,
        where=f"validation chromosomes ({', '.join(valid_chroms)})",
    )
    n_meta = len(next(iter(meta_by_cell.values()))) if meta_by_cell else 0
    model = build_model(1, n_meta, **p)
    if motifs and p["motif_init"]:
        seeded = seed_motif_kernels(model, motifs, p["motif_kernels"])
        log.info("%d convolution kernel(s) seeded with %s", seeded, ", ".join(m.matrix_id for m in motifs))

    def make(c, s, cell):
        return batch_inputs(genome, dnase, labels, cells, c, s, cell, p["input_length"], meta_by_cell)

    vc, vs, vcell, vy, vw = valid_w.stratified(p["validation_windows"])
    validation = WeightedValidation(make(vc, vs, vcell), vy, vw)
    stop = EarlyStoppingAfter(
        p["min_epochs"], monitor="val_auprc", mode="max", patience=p["patience"], restore_best_weights=True
    )
    callbacks = [validation, stop]
    if log_csv:
        callbacks.append(keras.callbacks.CSVLogger(str(log_csv)))
    log.info("training on %s (%s); %d bound windows in the pool", ", ".join(cells), device, len(train_w.bound[0]))
    fit_epochs(
        model,
        lambda: train_w.sample(p["bound_per_epoch"], p["negatives_per_bound"], p["jitter"], shares, repeat=True),
        make,
        batch_size=p["batch_size"],
        epochs=p["epochs"],
        callbacks=callbacks,
        log=log,
    )
    auprcs = validation.history["val_auprc"]
    meta = {
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
        # the kept weights' weighted auPRC on the validation sample (an estimate at the real ratio)
        "valid_auprc": validation.scores()["val_auprc"],
        "validation_sample": {"n": len(vy), "bound": int(vy.sum()), "stands_for": round(float(vw.sum()))},
        "meta_by_cell": meta_by_cell or {},
        "window_size": labels.size,
    }
    # the exact auPRC over every validation window of each training cell: rules validate_factornet + calibrate
    return model, meta


def score_all_windows(model, meta: dict, genome, dnase, labels, cell: str, chroms) -> dict:
    """auPRC and auROC over every labelled window of ``chroms`` in one cell: the real class ratio.

    Early stopping watches a weighted sample's estimate of it; this is the exact number
    in one cell, to compare with the challenge's scores (a balanced sample flatters a
    model: on the demo, REST's 0.70 there was 0.04 over all of chr11, where 47 of 79,899
    windows are bound).
    """
    from .factornet_predict import predict_regions
    from .io.windowtable import WindowTable
    from .metrics import score

    rows = np.concatenate([labels.chrom_rows(c) for c in chroms])
    sub = WindowTable(labels.path, labels.chroms, labels.chrom[rows], labels.start[rows], labels.size)
    batch = meta["params"]["predict_batch_size"]
    pred = np.concatenate([s for _, _, s in predict_regions(model, meta, genome, dnase, sub, cell=cell, batch=batch)])
    codes = labels.codes[rows, labels.columns.index(cell)]
    if not (codes == 2).any() or not (codes == 0).any():
        return {"cell": cell, "auprc": None, "auroc": None, "n_bound": int((codes == 2).sum())}
    res = score(codes, pred, bootstrap=0)
    return {"cell": cell, "auprc": res["auprc"], "auroc": res["auroc"], "n_bound": int((codes == 2).sum())}
