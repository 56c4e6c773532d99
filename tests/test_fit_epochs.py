"""dreamtf.keras_parts: fit_epochs, FactorNet's training loop (a fresh draw per epoch, Keras callbacks as under
fit), and early stopping that waits for a minimum of epochs."""

import csv

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dreamtf import backends  # noqa: E402
from dreamtf.keras_parts import fit_epochs  # noqa: E402


def _problem(n=400, seed=0):
    """A logistic model on 3 features; ``draw`` hands out a shuffled epoch of row indices and counts its calls."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([2.0, -1.0, 0.5]) + rng.normal(scale=0.5, size=n) > 0).astype(np.float32)
    calls = []

    def draw():
        calls.append(1)
        rows = rng.permutation(n)
        return np.zeros(n, int), rows, np.zeros(n, int), y[rows]

    def make(c, s, cell):
        return x[s]

    return x, y, draw, make, calls


def _model(lr):
    backends.setup("tensorflow", gpu=False, threads=1)
    backends.set_seed(1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    return model


def test_epoch_loss_is_the_mean_over_the_epochs_batches():
    """With a learning rate of 0 the weights stay put, so the epoch's loss is the cross-entropy over all its windows."""
    x, y, draw, make, calls = _problem()
    model = _model(0.0)
    history = keras.callbacks.History()
    assert fit_epochs(model, draw, make, batch_size=50, epochs=3, callbacks=[history]) == 3
    assert len(calls) == 3
    p = np.clip(model.predict(x, verbose=0).ravel().astype(np.float64), 1e-7, 1 - 1e-7)
    want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(history.history["loss"], [want] * 3, rtol=1e-4)


class _Score(keras.callbacks.Callback):
    """Adds ``val_score`` to each epoch's logs from a fixed list, as WeightedValidation adds val_auprc."""

    def __init__(self, scores):
        super().__init__()
        self.scores, self.weights = scores, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_score"] = self.scores[epoch]
        self.weights.append([w.copy() for w in self.model.get_weights()])


def test_early_stopping_stops_restores_the_best_weights_and_the_csv_log_has_every_epoch(tmp_path):
    x, y, draw, make, calls = _problem()
    model = _model(0.05)
    score = _Score([0.5, 0.9, 0.8, 0.7, 0.6, 0.95])
    stop = keras.callbacks.EarlyStopping(monitor="val_score", mode="max", patience=2, restore_best_weights=True)
    log_csv = tmp_path / "history.csv"
    got = fit_epochs(
        model, draw, make, batch_size=40, epochs=6, callbacks=[score, stop, keras.callbacks.CSVLogger(str(log_csv))]
    )
    assert got == 4 and len(calls) == 4  # the best epoch is 2; two more without a better score
    for w, best in zip(model.get_weights(), score.weights[1]):
        np.testing.assert_array_equal(w, best)
    rows = list(csv.DictReader(log_csv.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2", "3"]
    assert {"loss", "val_score"} <= set(rows[0]) and all(float(r["loss"]) > 0 for r in rows)


def test_it_learns_and_logs_one_line_per_epoch(caplog):
    import logging

    x, y, draw, make, _ = _problem()
    model = _model(0.05)
    log = logging.getLogger("dreamtf.test_fit_epochs")
    with caplog.at_level(logging.INFO, logger=log.name):
        fit_epochs(model, draw, make, batch_size=40, epochs=5, callbacks=[_Score([0.5, 0.6, 0.7, 0.8, 0.9])], log=log)
    lines = [r.getMessage() for r in caplog.records if r.name == log.name]
    assert len(lines) == 5 and lines[0].startswith("epoch 1/5: 400 windows in ") and "; loss " in lines[0]
    assert lines[0].endswith(", val_score 0.5000") and lines[4].endswith(", val_score 0.9000"), lines
    assert np.mean((model.predict(x, verbose=0).ravel() > 0.5) == y) > 0.85


def test_early_stopping_waits_for_min_epochs_and_keeps_the_best_weights():
    from dreamtf.keras_parts import EarlyStoppingAfter

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    stop = EarlyStoppingAfter(5, monitor="val_auprc", mode="max", patience=2, restore_best_weights=True)
    stop.set_model(model)
    stop.on_train_begin()
    best = [np.array(w) for w in model.get_weights()]
    stopped = []
    for epoch, auprc in enumerate([0.9, 0.5, 0.5, 0.5, 0.5, 0.5]):
        if epoch:
            model.set_weights([w + epoch for w in best])
        model.stop_training = False
        stop.on_epoch_end(epoch, {"val_auprc": auprc})
        stopped.append(model.stop_training)
    # patience ran out at epoch 3, but no stop before 5 epochs had run
    assert stopped == [False, False, False, False, True, True]
    stop.on_train_end()
    for got, want in zip(model.get_weights(), best):
        np.testing.assert_array_equal(got, want)  # epoch 1's weights, the best
