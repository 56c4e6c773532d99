"""Lean imports in job processes: xgboost and Keras load without scikit-learn / JAX, and both still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT


def _run(code: str, **env) -> dict:
    """Run ``code`` in a fresh Python (imports are per process); it prints one JSON line."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts"), "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


XGB = """
import json, sys
import numpy as np
from dreamtf import imports
{mark}
xgb = imports.xgboost()
loaded = "sklearn" in sys.modules
x = np.random.default_rng(0).random((200, 3)); y = (x[:, 0] > 0.5).astype(float)
b = xgb.train({{"max_depth": 2, "nthread": 1}}, xgb.DMatrix(x, label=y), 5)
p = b.predict(xgb.DMatrix(x))
import sklearn.metrics
print(json.dumps({{"sklearn_at_import": loaded, "auc": sklearn.metrics.roc_auc_score(y, p)}}))
"""


def test_xgboost_in_a_job_loads_without_scikit_learn_and_trains():
    got = _run(XGB.format(mark="imports.for_jobs()"))
    assert got["sklearn_at_import"] is False
    assert got["auc"] > 0.99  # the booster works, and scikit-learn imports afterwards


def test_xgboost_outside_jobs_is_imported_whole():
    assert _run(XGB.format(mark=""))["sklearn_at_import"] is True


def test_keras_on_tensorflow_in_a_job_loads_without_scikit_learn_or_jax():
    got = _run(
        """
import json, sys
import numpy as np
from dreamtf import backends, imports
imports.for_jobs()
backends.setup("tensorflow", gpu=False, threads=1)
hidden = [m for m in ("sklearn", "jax") if m in sys.modules]
from dreamtf.factornet import build_model
model = build_model(1, 0, input_length=100, kernels=4, kernel_width=5, lstm_units=4, dense_units=8)
x = {"sequence": np.zeros((2, 100), np.uint8), "tracks": np.zeros((2, 100, 1), np.float32)}
p = model.predict(x, verbose=0)
import jax, sklearn
print(json.dumps({"loaded_at_import": hidden, "shape": list(p.shape)}))
"""
    )
    assert got == {"loaded_at_import": [], "shape": [2, 1]}
