"""Keras subclasses of dreamtf's FactorNet (importing this module imports Keras).

``EncodeInputs`` one-hot encodes the base codes on the device and appends the tracks;
``ReverseComplement`` gives both strands to the shared body; ``TrainingBatches`` feeds
training, with a fresh sample of windows every epoch.
"""

from __future__ import annotations

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


class TrainingBatches(keras.utils.PyDataset):
    """Batches of one epoch's windows; ``draw()`` gives a new epoch's windows, ``make(...)`` their inputs.

    ``draw`` returns (chrom_index, start, cell_index, label) arrays; ``make`` turns the
    first three into model inputs. Both are plain callables, so the sampling and input
    code stay testable without Keras.
    """

    def __init__(self, draw, make, batch_size: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.draw, self.make, self.batch_size = draw, make, batch_size
        self.data = draw()

    def on_epoch_end(self):
        self.data = self.draw()

    def __len__(self):
        return int(np.ceil(len(self.data[3]) / self.batch_size))

    def __getitem__(self, i):
        sl = slice(i * self.batch_size, (i + 1) * self.batch_size)
        c, s, cell, y = (a[sl] for a in self.data)
        return self.make(c, s, cell), y


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
