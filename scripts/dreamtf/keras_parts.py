"""Keras subclasses of dreamtf's FactorNet (importing this module imports Keras).

``EncodeInputs`` one-hot encodes the base codes on the device and appends the tracks;
``ReverseComplement`` gives the reverse strand, ``StrandAverage`` averages the shared
body's scores of both strands; ``fit_epochs`` trains on a fresh sample of windows every
epoch.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="dreamtf")
class EncodeInputs(keras.layers.Layer):
    """[codes (batch, length) of A=0, C=1, G=2, T=3, N=4; tracks (batch, length, k)] -> (batch, length, 4 + k).

    One-hot A, C, G, T (N all zero), then the tracks, in the layer's compute dtype.
    """

    def call(self, inputs):
        codes, tracks = inputs
        onehot = ops.one_hot(ops.cast(codes, "int32"), 5, dtype=self.compute_dtype)[..., :4]
        return ops.concatenate([onehot, ops.cast(tracks, self.compute_dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        codes, tracks = input_shape
        return (*codes, 4 + tracks[-1])


@keras.saving.register_keras_serializable(package="dreamtf")
class ReverseComplement(keras.layers.Layer):
    """Reverse a (batch, length, 4 + tracks) input along length and complement A/C/G/T.

    Channel order A, C, G, T becomes T, G, C, A; extra tracks are only reversed.
    """

    def call(self, x):
        channels = x.shape[-1]
        perm = [3, 2, 1, 0] + list(range(4, channels))
        return ops.take(ops.flip(x, axis=1), perm, axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="dreamtf")
class StrandAverage(keras.layers.Layer):
    """(2 x batch, ...) scores of a batch's forward strands then its reverse strands -> (batch, ...): their mean.

    The Siamese body scores both strands as one batch: one pass through the shared
    layers, with twice the rows, costs less than two passes.
    """

    def call(self, x):
        n = ops.shape(x)[0] // 2
        return (x[:n] + x[n:]) / 2

    def compute_output_shape(self, input_shape):
        return input_shape


def fit_epochs(model, draw, make, *, batch_size: int, epochs: int, callbacks=(), log=None) -> int:
    """Train ``model`` for up to ``epochs`` epochs, each on a fresh ``draw()``; returns the epochs run.

    ``draw`` returns (chrom_index, start, cell_index, label) arrays, one epoch's windows;
    ``make`` turns the first three into model inputs, the next batch gathered on a second
    thread while the model trains on this one. ``callbacks`` get Keras' usual calls
    (epoch logs: ``loss``, the epoch's mean training loss, plus what callbacks add), so
    early stopping and the CSV log work as under ``model.fit``. The loop is a plain
    ``train_on_batch`` per batch: it spares the per-step overhead that ``model.fit`` adds
    around a ``PyDataset``, which weighs on a model with steps as small as this one's.
    ``log`` (a ``logging.Logger``) gets one line per epoch.
    """
    from .factornet_inputs import prefetch

    line = _EpochLine(log, epochs) if log is not None else None
    cbs = keras.callbacks.CallbackList([*callbacks, *([line] if line else [])], model=model, epochs=epochs)
    model.stop_training = False
    cbs.on_train_begin()
    epoch = 0
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        c, s, cell, y = draw()
        if line:
            line.windows = len(y)
        batches = (
            (i, make(c[i : i + batch_size], s[i : i + batch_size], cell[i : i + batch_size]))
            for i in range(0, len(y), batch_size)
        )
        sums: dict[str, float] = {}
        for step, (i, x) in enumerate(prefetch(batches)):
            cbs.on_train_batch_begin(step)
            yb = y[i : i + batch_size]
            got = model.train_on_batch(x, yb, return_dict=True)  # this batch's loss
            cbs.on_train_batch_end(step, got)
            for k, v in got.items():
                sums[k] = sums.get(k, 0.0) + float(v) * len(yb)
        # the mean over the epoch's windows, as fit logs it; callbacks add theirs (val_auprc)
        cbs.on_epoch_end(epoch, {k: v / len(y) for k, v in sums.items()})
        if model.stop_training:
            break
    cbs.on_train_end()
    return epoch + 1


class _EpochLine(keras.callbacks.Callback):
    """One log line per epoch: windows, seconds, windows/s and the epoch's logs (put it last)."""

    def __init__(self, log, epochs: int):
        super().__init__()
        self.log, self.epochs, self.windows, self.start = log, epochs, 0, 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        took = time.perf_counter() - self.start
        self.log.info(
            "epoch %d/%d: %d windows in %.1f s (%.0f windows/s); %s",
            epoch + 1,
            self.epochs,
            self.windows,
            took,
            self.windows / took,
            ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items()),
        )


class EarlyStoppingAfter(keras.callbacks.EarlyStopping):
    """Keras' early stopping (best weights kept from any epoch), but no stop before ``min_epochs`` epochs.

    A model whose start is already good (the motif-seeded kernels) may score its best
    validation auPRC in the first epochs and then dip for longer than the patience while
    its random layers settle; stopping there would keep weights that the layers after the
    motifs have not yet learnt to read.
    """

    def __init__(self, min_epochs: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.min_epochs = min_epochs

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch + 1 < self.min_epochs and self.model.stop_training:
            self.model.stop_training = False
            self.stopped_epoch = 0


class WeightedValidation(keras.callbacks.Callback):
    """After each epoch, ``val_auprc`` and ``val_loss`` on a weighted validation sample, into the epoch's logs.

    ``weights`` make the sample stand for every window of the validation chromosomes
    (:meth:`dreamtf.factornet_inputs.TrainingWindows.stratified`), so early stopping
    watches an estimate of the challenge's own score there: average precision (sklearn's,
    weighted) and the weighted binary cross-entropy. Put it before the callbacks that read
    the logs (early stopping, the CSV log).
    """

    def __init__(self, inputs: dict, y: np.ndarray, weights: np.ndarray, batch_size: int = 1000):
        super().__init__()
        self.inputs, self.y, self.weights, self.batch_size = inputs, y, weights, batch_size
        self.history: dict[str, list[float]] = {"val_auprc": [], "val_loss": []}

    def scores(self) -> dict[str, float]:
        from sklearn.metrics import average_precision_score

        p = self.model.predict(self.inputs, batch_size=self.batch_size, verbose=0).ravel().astype(np.float64)
        q = np.clip(p, 1e-7, 1 - 1e-7)
        bce = -(self.y * np.log(q) + (1 - self.y) * np.log(1 - q))
        return {
            "val_auprc": float(average_precision_score(self.y, p, sample_weight=self.weights)),
            "val_loss": float(np.average(bce, weights=self.weights)),
        }

    def on_epoch_end(self, epoch, logs=None):
        got = self.scores()
        for key, value in got.items():
            self.history[key].append(value)
            if logs is not None:
                logs[key] = value
