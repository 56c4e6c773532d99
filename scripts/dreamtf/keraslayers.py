"""Custom Keras layers of dreamtf's models (importing this module imports Keras)."""

from __future__ import annotations

import keras
from keras import ops


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
