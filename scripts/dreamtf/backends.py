"""Keras 3 backend set-up for FactorNet: TensorFlow (the default), JAX or PyTorch, on a CPU or a GPU.

The model, its training loop and prediction use ``keras`` and ``keras.ops`` only; what
differs between backends is set here, once per process, before Keras is imported:
which backend, which device, how many CPU threads, seeds and mixed precision.
"""

from __future__ import annotations

import logging
import os
import sys

from . import imports
from .errors import DreamTFError

log = logging.getLogger(__name__)

BACKENDS = ("tensorflow", "jax", "torch")


def _check(backend: str) -> None:
    if backend not in BACKENDS:
        raise DreamTFError(f"factornet.backend: {backend!r}; expected one of {', '.join(BACKENDS)}")
    if "keras" in sys.modules:
        import keras

        running = keras.backend.backend()
        if running != backend:
            raise DreamTFError(f"factornet.backend: Keras already runs on {running} in this process, not {backend}")


def setup(backend: str, *, gpu: bool, threads: int, mixed_precision: bool = False) -> str:
    """Select the backend and device (call before the first model); returns a description.

    ``gpu`` asks for a GPU when one is present (a warning and the CPU otherwise);
    ``threads`` caps the CPU threads; mixed precision applies on a GPU only.
    """
    _check(backend)
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend == "jax":
        if not gpu:
            os.environ["JAX_PLATFORMS"] = "cpu"
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}".strip()
            )
    if backend == "torch" and not gpu:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    keras = imports.keras(backend)

    found = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}[backend](gpu, threads)
    if gpu and not found:
        log.warning("factornet.gpu is set but %s sees no GPU; running on the CPU", backend)
    on_gpu = bool(gpu and found)
    if mixed_precision and on_gpu:
        keras.mixed_precision.set_global_policy("mixed_float16")
    where = f"GPU ({found} found){', mixed precision' if mixed_precision and on_gpu else ''}" if on_gpu else "CPU"
    return f"{backend} on {where}"


def _tensorflow(gpu: bool, threads: int) -> int:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already started (a second model in one process)
        log.warning("TensorFlow has started already; its thread pools keep their size")
    gpus = tf.config.list_physical_devices("GPU")
    if gpu and gpus:
        for g in gpus:
            try:
                tf.config.experimental.set_memory_growth(g, True)
            except RuntimeError:
                pass
        return len(gpus)
    try:
        tf.config.set_visible_devices([], "GPU")
    except RuntimeError:
        pass
    return 0


def _jax(gpu: bool, threads: int) -> int:
    import jax

    return len([d for d in jax.devices() if d.platform == "gpu"]) if gpu else 0


def _torch(gpu: bool, threads: int) -> int:
    import torch

    torch.set_num_threads(threads)
    return torch.cuda.device_count() if gpu and torch.cuda.is_available() else 0


def set_seed(seed: int) -> None:
    """Seed Python, numpy and the backend; on TensorFlow, ask for deterministic kernels too."""
    import keras

    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def input_gradients(model, x):
    """d sum(model(x)) / dx for a one-input Keras model, as a NumPy array, on the running backend.

    Keras 3 has no backend-neutral gradient call; each backend's own autodiff does it.
    """
    import keras
    import numpy as np

    backend = keras.backend.backend()
    x = np.asarray(x, dtype="float32")
    if backend == "tensorflow":
        import tensorflow as tf

        xt = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.reduce_sum(model(xt, training=False))
        return tape.gradient(y, xt).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda v: model(v, training=False).sum())(x))
    if backend == "torch":
        import torch

        xt = torch.tensor(x, requires_grad=True, device=model.weights[0].value.device)
        model(xt, training=False).sum().backward()
        return xt.grad.detach().cpu().numpy()
    raise DreamTFError(f"no input gradients on the {backend} backend")
