"""FactorNet-style Siamese CNN-BiLSTM (Quang & Xie, Methods 2019) in Keras 3, built from named parts.

Input: a window's ``input_length`` bp centred on the 200 bp window, as base codes
(one-hot encoded inside the model: A, C, G, T) plus base-resolution tracks (the DNase
channel; more tracks, such as mappability, fit the same channel axis). As gReLU builds
``BaseModel(embedding, head)``, the model is assembled from named parts:

* ``encode``: codes and tracks -> one-hot bases followed by the tracks;
* ``trunk``: ``conv_layers`` unpadded convolutions -> Dropout -> per-position Dense;
* ``pool``: max-pooling ``pool_width`` bp wide and apart;
* ``head``: BiLSTM (every step) -> Flatten -> Dropout -> Dense -> [cell metadata
  concatenated] -> Dropout -> Dense(1), the logit.

The body (trunk, pool, head) scores the input and its reverse complement (sequence
reversed and complemented, tracks reversed), both strands stacked as one batch; the two
probabilities are averaged, so a window and its reverse complement get the same score by
construction. Code that needs one part asks :func:`parts` for it: whole-chromosome
inference (:mod:`dreamtf.factornet_predict`) runs the trunk once per base, attribution
(:mod:`dreamtf.interpret`) differentiates the body's logit. The architecture lives in
this module alone; :mod:`dreamtf.factornet_train` trains it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import config
from .errors import DreamTFError
from .io.files import atomic_path, atomic_write_text

__all__ = ["Parts", "build_model", "load", "parts", "save", "seed_motif_kernels"]


class Parts(NamedTuple):
    """A FactorNet model's named parts: the model's own layers, weights shared with it.

    ``encode``: [codes (batch, length), tracks (batch, length, k)] -> (batch, length, 4 + k).
    ``trunk``: (batch, length, 4 + k) -> (batch, length - receptive_field + 1, kernels), any
    length; output position j sees input positions j to j + receptive_field - 1 only.
    ``pool``: (batch, n, kernels) -> (batch, n // pool_width, kernels), windows ``pool_width`` apart.
    ``head``: {"pooled": (batch, steps, kernels)[, "cell_meta": (batch, n_meta)]} -> (batch, 1) logit.
    ``reverse_complement``: an encoded input's other strand. ``conv``: the trunk's first
    convolution, the one motif kernels seed.
    """

    encode: object
    trunk: object
    pool: object
    head: object
    reverse_complement: object
    conv: object

    @property
    def channels(self) -> int:
        """Channels of the encoded input: 4 bases plus the tracks."""
        return int(self.trunk.inputs[0].shape[-1])

    @property
    def steps(self) -> int:
        """Pooled steps the head reads."""
        return int(self.head.input["pooled"].shape[1])

    @property
    def n_meta(self) -> int:
        """Length of the cell metadata vector the head reads (0: none)."""
        meta = self.head.input.get("cell_meta")
        return 0 if meta is None else int(meta.shape[-1])

    @property
    def pool_width(self) -> int:
        """Width and stride of the pooling, in trunk positions."""
        return int(self.pool.pool_size[0])

    @property
    def receptive_field(self) -> int:
        """Input bases behind one trunk output position, from the trunk's output lengths."""
        n = 4096
        out = [self.trunk.compute_output_shape((None, n + i, self.channels))[1] for i in range(3)]
        if out[1] - out[0] != 1 or out[2] - out[1] != 1:
            raise DreamTFError("the FactorNet trunk does not move one position per base: it cannot run on a stretch")
        return n - out[0] + 1


def parts(model) -> Parts:
    """The named parts of a model built by :func:`build_model` (or loaded by :func:`load`)."""
    try:
        trunk = model.get_layer("trunk")
        return Parts(
            model.get_layer("encode"),
            trunk,
            model.get_layer("pool"),
            model.get_layer("head"),
            model.get_layer("reverse_complement"),
            trunk.get_layer("conv"),
        )
    except ValueError:
        raise DreamTFError(
            f"model {model.name!r} is not a FactorNet of named parts (encode, trunk, pool, head): it was built "
            "by an older dreamtf; delete its .keras file under results/models and train it again"
        ) from None


def build_model(n_tracks: int = 1, n_meta: int = 0, **params):
    """The Siamese FactorNet model; ``params`` override the schema's ``factornet`` defaults.

    Inputs: ``sequence`` (batch, input_length) base codes, ``tracks`` (batch,
    input_length, n_tracks) and, with ``n_meta``, ``cell_meta`` (batch, n_meta). Output:
    (batch, 1), the mean of both strands' probabilities. :func:`parts` gives its parts.
    """
    import keras
    from keras import layers

    from .keras_parts import EncodeInputs, ReverseComplement, StrandAverage

    p = {**config.defaults("factornet"), **params}
    length = p["input_length"]
    steps = (length - p["conv_layers"] * (p["kernel_width"] - 1)) // p["pool_width"]
    if steps < 1:
        raise DreamTFError(
            f"factornet.input_length: {length} bp leave no pooled step after {p['conv_layers']} convolution(s) "
            f"{p['kernel_width']} bp wide and pooling {p['pool_width']} bp wide; use longer inputs or a smaller network"
        )
    codes_in = keras.Input((length,), dtype="uint8", name="sequence")
    tracks_in = keras.Input((length, n_tracks), name="tracks")
    meta_in = keras.Input((n_meta,), name="cell_meta") if n_meta else None
    encoded = EncodeInputs(name="encode")([codes_in, tracks_in])
    # the parts in this order: the layers' creation order sets their random initial weights
    trunk = _trunk(4 + n_tracks, p)
    pool = layers.MaxPooling1D(pool_size=p["pool_width"], strides=p["pool_width"], name="pool")
    head = _head(steps, n_meta, p)

    # both strands as one batch of twice the windows: one pass through the shared body
    rc = ReverseComplement(name="reverse_complement")(encoded)
    x = layers.Concatenate(axis=0, name="strands")([encoded, rc])
    head_in = {"pooled": pool(trunk(x))}
    if meta_in is not None:
        head_in["cell_meta"] = layers.Concatenate(axis=0, name="strands_meta")([meta_in, meta_in])
    prob = layers.Activation("sigmoid", name="probability", dtype="float32")(head(head_in))
    avg = StrandAverage(name="strand_average", dtype="float32")(prob)
    inputs = [codes_in, tracks_in] + ([meta_in] if meta_in is not None else [])
    model = keras.Model(inputs, avg, name="factornet")
    model.compile(optimizer=keras.optimizers.Adam(p["learning_rate"]), loss="binary_crossentropy")
    return model


def _trunk(channels: int, p: dict):
    """encoded (batch, any length, channels) -> per-position features: convolutions, dropout, Dense."""
    import keras
    from keras import layers

    x_in = keras.Input((None, channels), name="encoded")
    x = x_in
    for i in range(p["conv_layers"]):
        name = "conv" if i == 0 else f"conv_{i + 1}"
        x = layers.Conv1D(p["kernels"], p["kernel_width"], activation="relu", name=name)(x)
    x = layers.Dropout(p["dropout"] / 5, name="conv_dropout")(x)  # FactorNet: light dropout after the motifs
    x = layers.Dense(p["kernels"], activation="relu", name="per_position_dense")(x)
    return keras.Model(x_in, x, name="trunk")


def _head(steps: int, n_meta: int, p: dict):
    """{"pooled"[, "cell_meta"]} -> the logit: BiLSTM over every step, dense layers, cell metadata."""
    import keras
    from keras import layers

    inputs = {"pooled": keras.Input((steps, p["kernels"]), name="pooled")}
    # JAX's cuDNN LSTM has no float16 kernel: under mixed precision it stays in float32 there
    lstm_dtype = "float32" if keras.backend.backend() == "jax" else None
    # every step's output, flattened, as DanQ and FactorNet do: a motif anywhere in the
    # input reaches the dense layer, not only what the LSTM carries to its last step
    lstm = layers.LSTM(p["lstm_units"], return_sequences=True, dtype=lstm_dtype)
    h = layers.Bidirectional(lstm, name="bilstm", dtype=lstm_dtype)(inputs["pooled"])
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dropout(p["dropout"], name="lstm_dropout")(h)
    h = layers.Dense(p["dense_units"], activation="relu", name="dense")(h)
    if n_meta:
        inputs["cell_meta"] = keras.Input((n_meta,), name="cell_meta")
        h = layers.Concatenate(name="with_cell_meta")([h, inputs["cell_meta"]])
    h = layers.Dropout(p["dropout"], name="dense_dropout")(h)
    logit = layers.Dense(1, name="output", dtype="float32")(h)
    return keras.Model(inputs, logit, name="head")


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
    conv = parts(model).conv
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
