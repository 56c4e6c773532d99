"""Importing xgboost and Keras without the optional packages they load for nothing, in job processes.

xgboost imports scikit-learn for its scikit-learn estimator classes, and Keras on
TensorFlow imports scikit-learn for its own such wrappers and JAX for TensorFlow Lite's
converter. dreamtf calls none of them (``xgboost.train``, a Keras functional model), and
each library falls back cleanly when those packages are missing. Loading them is most of
each library's import time, and a workflow runs many short jobs that each import afresh.

So in the workflow's own job processes (:func:`dreamtf.rule.run` calls :func:`for_jobs`)
those packages are hidden while xgboost or Keras is first imported, and visible again
right after: a later ``import sklearn`` in the same job (FactorNet's training reads
scikit-learn's average precision) works as usual. Anywhere else (a notebook, the tests)
the imports are the libraries' own, whole.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

_jobs = False


def for_jobs() -> None:
    """Mark this process as a workflow job: :func:`import_lean` hides what it is told to."""
    global _jobs
    _jobs = True


def import_lean(name: str, hide: tuple[str, ...]) -> ModuleType:
    """``import name``; in a job process, with the packages ``hide`` unimportable while it loads.

    A package already imported is never hidden (its users keep it).
    """
    if not _jobs or name in sys.modules:
        return importlib.import_module(name)
    hidden = [h for h in hide if h not in sys.modules]
    for h in hidden:
        sys.modules[h] = None  # `import h` raises ImportError while this stands
    try:
        return importlib.import_module(name)
    finally:
        for h in hidden:
            if sys.modules.get(h, True) is None:
                del sys.modules[h]


def xgboost() -> ModuleType:
    """The xgboost module (its native API), without scikit-learn in a job process."""
    return import_lean("xgboost", ("sklearn",))


def keras(backend: str) -> ModuleType:
    """The keras module on ``backend`` (already selected by KERAS_BACKEND), lean in a job process."""
    return import_lean("keras", ("sklearn",) if backend == "jax" else ("sklearn", "jax"))
