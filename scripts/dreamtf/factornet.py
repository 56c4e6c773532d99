"""FactorNet-style Siamese CNN-BiLSTM (Quang & Xie, Methods 2019) in Keras 3.

Input: a window's 1,000 bp (configurable) centred on the 200 bp window, as one-hot
sequence (A, C, G, T) plus base-resolution tracks (log1p DNase fold change; more
tracks, such as mappability, fit the same channel axis). One body,

    Conv1D -> Dropout -> per-position Dense -> MaxPool -> BiLSTM -> Dropout
    -> Dense -> [cell metadata concatenated] -> Dropout -> Dense(1, sigmoid),

scores the input and its reverse complement (sequence reversed and complemented,
tracks reversed) with shared weights; the two probabilities are averaged, so a window
and its reverse complement get the same score by construction.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from .errors import DreamTFError

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
    "negatives_per_bound": 2.0,
    "open_negatives": 0.5,
    "bound_per_epoch": 6000,
    "jitter": 20,
    "validation_windows": 6000,
    "seed": 1,
    "gpu": False,
    "mixed_precision": False,
    "meta_pcs": 0,
}


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ start-up chatter (call before importing keras)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def reverse_complement_batch(x: np.ndarray) -> np.ndarray:
    """Reverse complement of a batch (n, length, 4 + tracks): sequence complemented, all reversed."""
    perm = [3, 2, 1, 0] + list(range(4, x.shape[-1]))
    return x[:, ::-1, :][:, :, perm]


def build_model(n_tracks: int = 1, n_meta: int = 0, **params):
    """The Siamese FactorNet model; ``params`` override :data:`DEFAULTS`."""
    quiet_tensorflow()
    import keras
    from keras import layers

    p = {**DEFAULTS, **params}
    channels = 4 + n_tracks
    seq_in = keras.Input((p["input_length"], channels), name="sequence_tracks")
    inputs = [seq_in]
    meta_in = None
    if n_meta:
        meta_in = keras.Input((n_meta,), name="cell_meta")
        inputs.append(meta_in)

    conv = layers.Conv1D(p["kernels"], p["kernel_width"], activation="relu", name="conv")
    drop1 = layers.Dropout(p["dropout"] / 5, name="conv_dropout")  # FactorNet: light dropout after the motifs
    per_pos = layers.Dense(p["kernels"], activation="relu", name="per_position_dense")
    pool = layers.MaxPooling1D(pool_size=p["kernel_width"] // 2, strides=p["kernel_width"] // 2, name="pool")
    lstm = layers.Bidirectional(layers.LSTM(p["lstm_units"]), name="bilstm")
    drop2 = layers.Dropout(p["dropout"], name="lstm_dropout")
    dense = layers.Dense(p["dense_units"], activation="relu", name="dense")
    drop3 = layers.Dropout(p["dropout"], name="dense_dropout")
    out = layers.Dense(1, activation="sigmoid", name="output", dtype="float32")

    def body(x):
        h = dense(drop2(lstm(pool(per_pos(drop1(conv(x)))))))
        if meta_in is not None:
            h = layers.Concatenate(name=None)([h, meta_in])
        return out(drop3(h))

    from .keraslayers import ReverseComplement

    rc = ReverseComplement(name="reverse_complement")(seq_in)
    avg = layers.Average(name="strand_average")([body(seq_in), body(rc)])
    model = keras.Model(inputs, avg, name="factornet")
    model.compile(optimizer=keras.optimizers.Adam(p["learning_rate"]), loss="binary_crossentropy")
    return model


def set_seed(seed: int) -> None:
    """Seed Python, numpy and TensorFlow, and ask TensorFlow for deterministic kernels."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def configure_device(gpu: bool, mixed_precision: bool) -> str:
    """Use a GPU when asked for and present, else the CPU; returns a description."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpu and gpus:
        for g in gpus:
            tf.config.experimental.set_memory_growth(g, True)
        if mixed_precision:
            keras.mixed_precision.set_global_policy("mixed_float16")
        return f"GPU ({len(gpus)} found){', mixed precision' if mixed_precision else ''}"
    if gpu:
        log.warning("factornet.gpu is set but TensorFlow sees no GPU; training on the CPU")
    tf.config.set_visible_devices([], "GPU")
    return "CPU"


def save(model, path: str | os.PathLike, meta: dict) -> None:
    """The Keras model (``.keras``) and its metadata (``.json`` beside it), written atomically."""
    from .io import atomic_path, atomic_write_text

    path = Path(path)
    with atomic_path(path) as tmp:
        keras_tmp = tmp.with_suffix(".keras")
        model.save(keras_tmp)
        os.replace(keras_tmp, tmp)
    with atomic_write_text(path.with_suffix(".json")) as fh:
        json.dump(meta, fh, indent=1)


def load(path: str | os.PathLike):
    """(model, meta) saved by :func:`save`."""
    quiet_tensorflow()
    import keras

    from .keraslayers import ReverseComplement

    path = Path(path)
    try:
        model = keras.models.load_model(path, compile=False, custom_objects={"ReverseComplement": ReverseComplement})
        meta = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError) as exc:
        raise DreamTFError(f"{path}: not a dreamtf FactorNet model ({exc})") from None
    return model, meta


def expression_pcs(rnaseq: dict[str, list], k: int) -> dict[str, list[float]]:
    """First ``k`` principal components of the cells' log1p TPM profiles (FactorNet's meta input)."""
    from .featurestore import read_tpm

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


class _Windows:
    """Training windows: B windows and a fresh U sample per epoch, inputs built per batch.

    A share ``open_negatives`` of the U windows is drawn from the cell's open chromatin
    (windows overlapping its relaxed DNase peaks): random genome windows are mostly
    closed and teach the network little beyond "open means bound".
    """

    def __init__(self, labels, cells, chroms, rng, open_mask=None):
        self.labels, self.cells, self.rng = labels, cells, rng
        keep = np.isin(labels.chrom, [labels.chroms.index(c) for c in chroms if c in labels.chroms])
        self.rows = np.flatnonzero(keep)
        codes = labels.codes[self.rows]
        r, c = np.nonzero(codes == 2)
        self.bound = (self.rows[r], c)
        r, c = np.nonzero((codes == 0) & (open_mask[self.rows] if open_mask is not None else False))
        self.open_unbound = (self.rows[r], c)

    def _random_unbound(self, n):
        ru, cu, got = [], [], 0
        while got < n:
            r = self.rng.choice(self.rows, 2 * n + 10)
            c = self.rng.integers(0, len(self.cells), len(r))
            ok = self.labels.codes[r, c] == 0
            ru.append(r[ok])
            cu.append(c[ok])
            got += int(ok.sum())
        return np.concatenate(ru)[:n], np.concatenate(cu)[:n]

    def sample(self, n_bound: int | None, ratio: float, jitter: int, open_share: float = 0.0):
        """(chrom_index, window_start, cell_index, label) arrays, shuffled."""
        rows_b, cells_b = self.bound
        if len(rows_b) == 0:
            raise DreamTFError("no bound (B) window of the training cells on the training chromosomes")
        pick = np.arange(len(rows_b))
        if n_bound is not None and n_bound < len(rows_b):
            pick = self.rng.choice(len(rows_b), n_bound, replace=False)
        rb, cb = rows_b[pick], cells_b[pick]
        n_u = int(round(ratio * len(rb)))
        n_open = min(int(round(open_share * n_u)), len(self.open_unbound[0]))
        k = self.rng.choice(len(self.open_unbound[0]), n_open, replace=False) if n_open else np.empty(0, int)
        rr, cr = self._random_unbound(n_u - n_open)
        ru = np.concatenate([self.open_unbound[0][k], rr])
        cu = np.concatenate([self.open_unbound[1][k], cr])
        shift = self.rng.integers(-jitter, jitter + 1, len(rb)) if jitter else np.zeros(len(rb), dtype=np.int64)
        rows = np.concatenate([rb, ru])
        starts = self.labels.start[rows] + np.concatenate([shift, np.zeros(len(ru), dtype=np.int64)])
        y = np.r_[np.ones(len(rb)), np.zeros(len(ru))].astype(np.float32)
        order = self.rng.permutation(len(rows))
        return self.labels.chrom[rows][order], starts[order], np.concatenate([cb, cu])[order], y[order]


def open_chromatin_mask(labels, cells, dnase_peaks: dict) -> np.ndarray:
    """(n_windows, n_cells) bool: the window overlaps the cell's relaxed DNase peaks."""
    from .genome import count_hits, overlap_ranges
    from .peaks import read_narrowpeak

    mask = np.zeros((len(labels), len(cells)), dtype=bool)
    for j, cell in enumerate(cells):
        peaks = read_narrowpeak(dnase_peaks[cell])
        for ci, chrom in enumerate(labels.chroms):
            rows = np.flatnonzero(labels.chrom == ci)
            if chrom in peaks and len(rows):
                lo, hi = overlap_ranges(peaks[chrom].intervals, labels.size, 1)
                mask[rows, j] = count_hits(labels.start[rows], lo, hi) > 0
    return mask


def _inputs(genome, tracks, labels, cells, chrom_idx, starts, cell_idx, p, meta_by_cell):
    from .windows import window_batch

    flank = (p["input_length"] - labels.size) // 2
    x = np.empty((len(starts), p["input_length"], 5), dtype=np.float32)
    for j, cell in enumerate(cells):
        for ci in np.unique(chrom_idx[cell_idx == j]):
            m = (cell_idx == j) & (chrom_idx == ci)
            x[m] = window_batch(genome, tracks[cell], labels.chroms[int(ci)], starts[m] - flank, p["input_length"])
    if meta_by_cell:
        meta = np.array([meta_by_cell[cells[j]] for j in cell_idx], dtype=np.float32)
        return {"sequence_tracks": x, "cell_meta": meta}
    return x


def train(
    genome,
    bigwigs: dict,
    labels_path,
    *,
    train_chroms,
    valid_chroms,
    params=None,
    log_csv=None,
    meta_by_cell: dict | None = None,
    dnase_peaks: dict | None = None,
):
    """Train one FactorNet model on every training cell pooled; returns (model, meta).

    ``dnase_peaks`` ({cell: relaxed DNase narrowPeak}) enables open-chromatin negatives.
    """
    from .labels import read_labels

    p = {**DEFAULTS, **(params or {})}
    set_seed(p["seed"])
    device = configure_device(p["gpu"], p["mixed_precision"])
    import keras

    from .windows import Tracks

    cells = list(bigwigs)
    labels = read_labels(labels_path, cells=cells, chroms=list(train_chroms) + list(valid_chroms))
    rng = np.random.default_rng(p["seed"])
    tracks = {c: Tracks(bigwigs[c]) for c in cells}
    open_mask = open_chromatin_mask(labels, cells, dnase_peaks) if dnase_peaks and p["open_negatives"] else None
    share = p["open_negatives"] if open_mask is not None else 0.0
    train_w = _Windows(labels, cells, train_chroms, rng, open_mask)
    valid_w = _Windows(labels, cells, valid_chroms, np.random.default_rng(p["seed"] + 1), open_mask)
    n_meta = len(next(iter(meta_by_cell.values()))) if meta_by_cell else 0
    model = build_model(1, n_meta, **p)
    n_val_b = int(p["validation_windows"] / (1 + p["negatives_per_bound"]))
    vc, vs, vcell, vy = valid_w.sample(n_val_b, p["negatives_per_bound"], 0, share)
    xv = _inputs(genome, tracks, labels, cells, vc, vs, vcell, p, meta_by_cell)

    class Epochs(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.on_epoch_end()

        def on_epoch_end(self):
            self.data = train_w.sample(p["bound_per_epoch"], p["negatives_per_bound"], p["jitter"], share)

        def __len__(self):
            return int(np.ceil(len(self.data[3]) / p["batch_size"]))

        def __getitem__(self, i):
            sl = slice(i * p["batch_size"], (i + 1) * p["batch_size"])
            c, s, cell, y = (a[sl] for a in self.data)
            return _inputs(genome, tracks, labels, cells, c, s, cell, p, meta_by_cell), y

    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=p["patience"], restore_best_weights=True)]
    if log_csv:
        callbacks.append(keras.callbacks.CSVLogger(str(log_csv)))
    log.info("training on %s (%s); %d bound windows in the pool", ", ".join(cells), device, len(train_w.bound[0]))
    hist = model.fit(Epochs(), validation_data=(xv, vy), epochs=p["epochs"], callbacks=callbacks, verbose=2)
    for t in tracks.values():
        t.close()
    from .metrics import score

    pv = model.predict(xv, batch_size=1000, verbose=0).ravel()
    val = score(np.where(vy > 0, 2, 0).astype(np.uint8), pv, bootstrap=0)
    losses = hist.history.get("val_loss", [])
    meta = {
        "params": p,
        "cells": cells,
        "device": device,
        "train_chroms": list(train_chroms),
        "valid_chroms": list(valid_chroms),
        "epochs_run": len(losses),
        "best_epoch": int(np.argmin(losses)) + 1 if losses else 0,
        "val_loss": losses,
        "valid_auprc": val["auprc"],
        "valid_auroc": val["auroc"],
        "meta_by_cell": meta_by_cell or {},
        "window_size": labels.size,
    }
    return model, meta


def predict_regions(model, meta: dict, genome, bigwig, regions, *, cell: str, batch: int = 1000):
    """Yield (chrom, starts, scores) for every window of ``regions`` in one cell."""
    from .windows import Tracks, chrom_batches

    p = meta["params"]
    meta_vec = (meta.get("meta_by_cell") or {}).get(cell)
    if meta.get("meta_by_cell") and meta_vec is None:
        raise DreamTFError(f"the model has no expression metadata for cell {cell!r}")
    tracks = Tracks(bigwig)
    try:
        for chrom, starts in regions.by_chrom():
            out = []
            for x in chrom_batches(genome, tracks, chrom, starts, regions.size, p["input_length"], batch):
                inp = (
                    x
                    if meta_vec is None
                    else {"sequence_tracks": x, "cell_meta": np.tile(np.float32(meta_vec), (len(x), 1))}
                )
                out.append(np.asarray(model.predict_on_batch(inp)).ravel())
            yield chrom, starts, np.concatenate(out).astype(np.float32)
    finally:
        tracks.close()
