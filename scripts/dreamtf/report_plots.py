"""The report's figures: auPRC bars, PR curves, peak calibration, FactorNet's training curves, feature importance.

Every figure with more than one series puts its legend outside the axes (beside them, or
in a panel of its own), so it never covers data, and gives each model and feature set
the same colour in every figure (:func:`run_colors`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io.files import atomic_path
from .metrics import curve_points


def _pyplot():
    """matplotlib.pyplot on the file-only Agg backend (jobs have no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out, dpi: int) -> None:
    """Write ``fig`` as a PNG atomically and free it; the bounding box grows to hold legends outside the axes."""
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    _pyplot().close(fig)


def plot_nothing(out, why: str) -> None:
    """A figure that says, in its middle, why it has nothing to show (``why``)."""
    fig, ax = _pyplot().subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, why, ha="center", va="center", fontsize=11)
    _save(fig, out, 100)


def run_colors(names: list[str]) -> dict[str, tuple]:
    """One colour per run name, in the order given (tab10, then tab20 for more than ten runs)."""
    cmap = _pyplot().get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


def _legend_beside(fig, axes) -> None:
    """One legend for the whole figure, right of every axes: the union of the axes' labelled series."""
    seen: dict[str, object] = {}
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="upper left", bbox_to_anchor=(1.0, 0.98), fontsize=8)


def auprc_figure(df: pd.DataFrame, pairs: list[str], colors: dict):
    """auPRC per TF / cell pair, one bar per run (``df`` has the columns ``pair`` and ``run``)."""
    plt = _pyplot()
    run_names = [r for r in colors if r in set(df["run"])]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(pairs)), 4))
    width = 0.8 / max(1, len(run_names))
    for i, name in enumerate(run_names):
        sub = df[df["run"] == name].set_index("pair").reindex(pairs)
        x = np.arange(len(pairs)) + i * width
        err = np.vstack([sub["auprc"] - sub["auprc_lower"], sub["auprc_upper"] - sub["auprc"]])
        ax.bar(x, sub["auprc"], width, label=name, yerr=np.nan_to_num(err), capsize=2, color=colors[name])
    ax.set_xticks(np.arange(len(pairs)) + 0.4 - width / 2, pairs, rotation=20, ha="right")
    ax.set_ylabel("auPRC (held-out chromosomes)")
    ax.set_ylim(0, 1)
    ax.set_title("auPRC by TF and held-out cell type (bars: bootstrap min-max)")
    fig.tight_layout()
    _legend_beside(fig, ax)
    return fig


def plot_auprc(df: pd.DataFrame, pairs: list[str], colors: dict, out) -> None:
    _save(auprc_figure(df, pairs, colors), out, 110)


def pr_axes(n: int):
    """A figure with one panel per TF / cell pair (three to a row), for :func:`pr_panel` to fill one by one."""
    plt = _pyplot()
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    return plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)


def finish_pr(fig, axes, n: int, out=None):
    """Blank the unused panels, add the legend beside them, and save to ``out`` (when given); returns ``fig``."""
    for ax in axes.flat[n:]:
        ax.axis("off")
    fig.tight_layout()
    _legend_beside(fig, axes.flat[:n])
    if out is not None:
        _save(fig, out, 100)
    return fig


def pr_panel(ax, title: str, codes: np.ndarray, scores: dict[str, np.ndarray], colors: dict) -> None:
    """Each run's PR curve against label ``codes``, and the bound share as a dotted line."""
    keep = codes != 1
    for name, s in scores.items():
        order = np.argsort(-s[keep], kind="stable")
        tp, fp = curve_points((codes[keep] == 2)[order], s[keep][order])
        ax.plot(tp / max(tp[-1], 1), tp / (tp + fp), label=name, color=colors.get(name))
    ax.axhline(np.mean(codes[keep] == 2), color="grey", lw=0.8, ls=":", label="bound share (chance)")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)


def calibration_figure(df: pd.DataFrame):
    """Per peak list: the precision promised on validation windows and the two measured held out."""
    plt = _pyplot()
    names = [f"{r.model}:{r.feature_set} {r.tf}/{r.cell_type}" for r in df.itertuples(index=False)]
    y = np.arange(len(df))[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 1.8 + 0.28 * max(1, len(df))))
    for col, marker, what in (
        ("promised_precision", "|", "promised (validation chromosomes)"),
        ("window_precision", "o", "windows (held-out labels)"),
        ("peak_precision", "^", "peaks (held-out ChIP-seq peaks)"),
    ):
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        ax.scatter(v, y, marker=marker, s=60 if marker == "|" else 25, label=what, zorder=3)
    if "target_precision" in df and df["target_precision"].notna().any():
        ax.axvline(float(df["target_precision"].dropna().iloc[0]), color="grey", lw=0.8, ls=":")
    none = df["threshold"].isna().to_numpy()
    for yi in y[none]:
        ax.text(0.01, yi, "empty list: no threshold reaches the target", va="center", fontsize=7, color="grey")
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("precision")
    fig.tight_layout()
    _legend_beside(fig, ax)
    return fig


def plot_calibration(df: pd.DataFrame, out) -> None:
    _save(calibration_figure(df), out, 110)


def training_figure(histories: dict[tuple[str, str], pd.DataFrame], best: dict[tuple[str, str], int], colors: dict):
    """FactorNet's training log per TF: validation auPRC above, training and validation loss below.

    ``histories`` maps (model, TF) to its ``history.csv`` (epoch from 0, loss, val_auprc,
    val_loss); ``best`` to the epoch kept (from 1, as the metadata counts), marked by a dot.
    """
    plt = _pyplot()
    tfs = list(dict.fromkeys(tf for _, tf in histories))
    fig, axes = plt.subplots(2, len(tfs), figsize=(3.8 * len(tfs), 5.4), squeeze=False, sharex="col")
    for j, tf in enumerate(tfs):
        top, bottom = axes[0][j], axes[1][j]
        for (model, t), h in histories.items():
            if t != tf:
                continue
            c = colors.get(model)
            epoch = h["epoch"].to_numpy() + 1
            top.plot(epoch, h["val_auprc"], color=c, marker=".", label=f"{model}: validation auPRC")
            bottom.plot(epoch, h["loss"], color=c, ls="--", label=f"{model}: training loss")
            bottom.plot(epoch, h["val_loss"], color=c, label=f"{model}: validation loss")
            if best.get((model, tf)) in set(epoch):
                k = int(np.flatnonzero(epoch == best[(model, tf)])[0])
                top.plot(epoch[k], h["val_auprc"].iloc[k], "o", color="black", ms=6, mfc="none", label="epoch kept")
        top.set_title(tf, fontsize=10)
        top.set_ylabel("validation auPRC")
        bottom.set_ylabel("loss")
        bottom.set_xlabel("epoch")
    fig.tight_layout()
    _legend_beside(fig, axes)
    return fig


def plot_training(histories: dict, best: dict, colors: dict, out) -> None:
    _save(training_figure(histories, best, colors), out, 100)


def plot_importance(df: pd.DataFrame, out, *, title: str, top: int = 25) -> None:
    """Bar plot of the ``top`` features by mean |SHAP|, with their share of total gain beside."""
    plt = _pyplot()
    d = df.head(top)[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.28 * len(d) + 1.5), sharey=True)
    axes[0].barh(d["feature"], d["mean_abs_shap"], color="tab:blue")
    axes[0].set_xlabel("mean |SHAP| (log-odds)")
    total = df["gain"].sum() or 1.0
    axes[1].barh(d["feature"], d["gain"] / total, color="tab:orange")
    axes[1].set_xlabel("share of total gain")
    axes[0].tick_params(axis="y", labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, out, 100)
