"""The score table and the report: what people look at after a run."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .io.files import atomic_path, atomic_write_text
from .io.narrowpeak import read_narrowpeak
from .io.scorefile import read_score_record, read_scores_table, write_scores_table
from .io.windowtable import read_labels, read_predictions
from .metrics import METRICS, curve_points

log = logging.getLogger(__name__)

COLUMNS = ["model", "feature_set", "tf", "cell_type", *METRICS, "n_bound", "n_unbound"] + [
    f"{m}_{b}" for m in METRICS for b in ("lower", "upper")
]


def collect_scores(parts: list[str | os.PathLike], out: str | os.PathLike) -> pd.DataFrame:
    """Gather per-run score JSONs into ``scores.tsv``: one row per model, feature set, TF and cell, :data:`COLUMNS`."""
    df = pd.DataFrame([read_score_record(p, COLUMNS[:10]) for p in parts])
    for c in COLUMNS:
        if c not in df:
            df[c] = np.nan
    df = df[COLUMNS].sort_values(["tf", "cell_type", "model", "feature_set"]).reset_index(drop=True)
    write_scores_table(out, df)
    return df


CALIBRATION_COLUMNS = [
    "model",
    "feature_set",
    "tf",
    "cell_type",
    "threshold_mode",
    "threshold",
    "target_precision",
    "promised_precision",
    "window_precision",
    "window_recall",
    "windows_passing",
    "peaks",
    "true_peaks",
    "peak_precision",
    "peak_recall",
    "validation_cells",
]


def collect_calibration(parts: list[str | os.PathLike], out: str | os.PathLike) -> pd.DataFrame:
    """Gather per-run peak checks (rule evaluate_peaks) into ``calibration.tsv``."""
    df = pd.DataFrame([read_score_record(p, CALIBRATION_COLUMNS) for p in parts], columns=CALIBRATION_COLUMNS)
    df = df.sort_values(["tf", "cell_type", "model", "feature_set"]).reset_index(drop=True)
    write_scores_table(out, df)
    return df


def calibration_markdown(df: pd.DataFrame) -> str:
    """The calibration table: precision promised on validation windows against precision measured held out."""
    lines = [
        "| model:feature set | TF | cell | threshold | promised precision | window precision (recall) "
        "| peaks | peak precision | peak recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples(index=False):
        thr = "none reaches the target" if pd.isna(r.threshold) else f"{r.threshold:.4g}"
        lines.append(
            f"| {r.model}:{r.feature_set} | {r.tf} | {r.cell_type} | {thr} | {_fmt(r.promised_precision)} | "
            f"{_fmt(r.window_precision)} ({_fmt(r.window_recall)}) | {r.peaks} | {_fmt(r.peak_precision)} | "
            f"{_fmt(r.peak_recall)} |"
        )
    return "\n".join(lines)


def plot_calibration(df: pd.DataFrame, out) -> None:
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
        ax.text(0.01, yi, "no threshold reaches the target", va="center", fontsize=7, color="grey")
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("precision")
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    fig.tight_layout()
    _save(fig, out, 110)


def format_table(df: pd.DataFrame) -> str:
    """A markdown table of the main metrics with bootstrap ranges."""
    lines = [
        "| model | feature set | TF | cell | auROC | auPRC (range) | recall@50%FDR | recall@10%FDR | B | U |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples(index=False):
        rng = f" ({r.auprc_lower:.3f}-{r.auprc_upper:.3f})" if not np.isnan(r.auprc_lower) else ""
        lines.append(
            f"| {r.model} | {r.feature_set} | {r.tf} | {r.cell_type} | {r.auroc:.3f} | "
            f"{r.auprc:.3f}{rng} | {r.recall_at_50_fdr:.3f} | {r.recall_at_10_fdr:.3f} | "
            f"{r.n_bound} | {r.n_unbound} |"
        )
    return "\n".join(lines)


LEADERBOARD = Path(__file__).with_name("leaderboard.tsv")
TEAMS = ["Guan", "J-Team", "FactorNet"]


def read_leaderboard(path: str | os.PathLike = LEADERBOARD) -> pd.DataFrame:
    """The challenge's published final-round auPRC of the top three teams, per TF and cell type."""
    return pd.read_csv(path, sep="\t", comment="#")


def leaderboard_markdown(df: pd.DataFrame, board: pd.DataFrame) -> str:
    """This run's auPRC per model beside the top three teams', for the pairs both have ('' when none)."""
    ours = df.assign(run=df["model"] + ":" + df["feature_set"]).pivot_table(
        index=["tf", "cell_type"], columns="run", values="auprc"
    )
    both = board.merge(ours.reset_index(), on=["tf", "cell_type"])
    if both.empty:
        return ""
    runs = list(ours.columns)
    head = ["TF", "cell", *runs, *(f"{t} (published)" for t in TEAMS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in both.iterrows():
        row = [r["tf"], r["cell_type"]] + [_fmt(r[c]) for c in runs + TEAMS]
        lines.append("| " + " | ".join(row) + " |")
    means = both[runs + TEAMS].mean()
    lines.append("| mean | | " + " | ".join(_fmt(means[c]) for c in runs + TEAMS) + " |")
    return "\n".join(lines)


def _fmt(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"


def write_report(
    scores,
    *,
    runs: list[dict],
    labels: dict,
    chroms: list[str],
    summary,
    auprc_png,
    curves_png,
    calibration=None,
    calibration_png=None,
    published=False,
    predicted: list[dict] | None = None,
) -> None:
    """Bar chart of auPRC per TF and cell (bootstrap range as error bars), PR curves, summary.

    ``runs`` holds one dict per scored run: model, feature_set, tf, cell and its
    submission file (``predictions``); ``labels`` maps each TF to its label TSV. With
    ``published`` (a real release, not a simulated one), the summary also puts each
    pair of the challenge's final round beside the top three teams' published auPRC.
    ``calibration`` (calibration.tsv) adds the peak calibration table and its plot.
    ``predicted`` lists the prediction cells' runs (model, feature_set, tf, cell, and their
    ``peaks`` and ``track`` files), and held-out cells' genome-wide ones (``held_out``):
    listed apart, as they have no labels to score there.
    """
    df = read_scores_table(scores, COLUMNS)
    df["pair"] = df["tf"] + " / " + df["cell_type"]
    df["run"] = df["model"] + ":" + df["feature_set"]
    pairs = list(dict.fromkeys(df["pair"]))
    plot_auprc(df, pairs, auprc_png)
    plot_pr_curves(pairs, runs, labels, chroms, curves_png)
    with atomic_write_text(summary) as fh:
        fh.write(summary_markdown(df, chroms, published=published))
        if calibration is not None:
            cal = read_scores_table(calibration, CALIBRATION_COLUMNS)
            plot_calibration(cal, calibration_png)
            fh.write(
                "\n## Peak calibration\n\nEach peak list's threshold, the precision the validation chromosomes "
                "of the training cells promised for it, and the precision measured on the held-out cell: "
                "windows against its labels (recall in brackets), peaks against its conservative ChIP-seq "
                "peaks.\n\n" + calibration_markdown(cal) + "\n\n![calibration](calibration.png)\n"
            )
        fh.write("\n![auPRC](auprc.png)\n\n![PR curves](pr_curves.png)\n")
        if predicted:
            fh.write(predicted_markdown(predicted))


def predicted_markdown(runs: list[dict]) -> str:
    """The prediction cells' peak lists and tracks, one row per run (no scores: these cells have no labels).

    A held-out cell's genome-wide run is marked as such: its scores are those on the test chromosomes above.
    """
    rows = [
        "\n## Prediction cells (not scored)\n\nCells predicted without labels, at the peak threshold "
        "chosen on the training cells' validation chromosomes; a held-out cell predicted genome-wide "
        "(`predict.held_out: genome`) is scored on the test chromosomes only.\n\n",
        "| TF | cell type | model:feature set | peaks | peak list | track |\n|---|---|---|---|---|---|\n",
    ]
    for r in runs:
        n = sum(len(p) for p in read_narrowpeak(r["peaks"], allow_empty=True).values())
        rows.append(
            f"| {r['tf']} | {r['cell']}{' (held out, genome-wide)' if r.get('held_out') else ''} | "
            f"{r['model']}:{r['feature_set']} | {n:,} | `{r['peaks']}` | `{r['track']}` |\n"
        )
    return "".join(rows)


def _pyplot():
    """matplotlib.pyplot on the file-only Agg backend (jobs have no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out, dpi: int) -> None:
    """Write ``fig`` as a PNG atomically and free it."""
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    _pyplot().close(fig)


def plot_auprc(df: pd.DataFrame, pairs: list[str], out) -> None:
    """auPRC per TF / cell pair, one bar per run (``df`` has the columns ``pair`` and ``run``)."""
    plt = _pyplot()
    run_names = list(dict.fromkeys(df["run"]))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(pairs)), 4))
    width = 0.8 / max(1, len(run_names))
    for i, name in enumerate(run_names):
        sub = df[df["run"] == name].set_index("pair").reindex(pairs)
        x = np.arange(len(pairs)) + i * width
        err = np.vstack([sub["auprc"] - sub["auprc_lower"], sub["auprc_upper"] - sub["auprc"]])
        ax.bar(x, sub["auprc"], width, label=name, yerr=np.nan_to_num(err), capsize=2)
    ax.set_xticks(np.arange(len(pairs)) + 0.4 - width / 2, pairs, rotation=20, ha="right")
    ax.set_ylabel("auPRC (held-out chromosomes)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title("auPRC by TF and held-out cell type (bars: bootstrap min-max)")
    fig.tight_layout()
    _save(fig, out, 110)


def plot_pr_curves(pairs: list[str], runs: list[dict], labels: dict, chroms: list[str], out) -> None:
    """One panel of precision-recall curves per TF / cell pair, one curve per run."""
    plt = _pyplot()
    n = len(pairs)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for k, pair in enumerate(pairs):
        tf, cell = pair.split(" / ")
        lab = read_labels(labels[tf], cells=[cell], chroms=chroms)
        mine = [r for r in runs if (r["tf"], r["cell"]) == (tf, cell)]
        _pr_panel(axes[k // cols][k % cols], pair, lab.column(cell), lab, mine, chroms)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.tight_layout()
    _save(fig, out, 100)


def _pr_panel(ax, title: str, codes: np.ndarray, lab, runs: list[dict], chroms: list[str]) -> None:
    """Each run's PR curve against label ``codes`` (of table ``lab``), and the bound share as a baseline."""
    keep = codes != 1
    for run in runs:
        pred = read_predictions(run["predictions"], chroms=chroms, size=lab.size)
        s = pred.score[pred.align(lab)]
        order = np.argsort(-s[keep], kind="stable")
        tp, fp = curve_points((codes[keep] == 2)[order], s[keep][order])
        ax.plot(tp / max(tp[-1], 1), tp / (tp + fp), label=f"{run['model']}:{run['feature_set']}")
    ax.axhline(np.mean(codes[keep] == 2), color="grey", lw=0.8, ls=":")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)


def summary_markdown(df: pd.DataFrame, chroms: list[str], *, published: bool = False) -> str:
    """The summary's score table, the mean per run and (``published``) the challenge's top three beside it."""
    mean = df.groupby("run")[["auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr"]].mean()
    parts = [
        "# dreamtf scores\n\nHeld-out chromosomes: " + ", ".join(chroms) + ".\n\n",
        format_table(df.drop(columns=["pair", "run"])) + "\n\n## Mean over TF and cell type\n\n",
        "| model:feature set | auROC | auPRC | recall@50%FDR | recall@10%FDR |\n|---|---|---|---|---|\n",
    ]
    for name, r in mean.iterrows():
        parts.append(
            f"| {name} | {r.auroc:.3f} | {r.auprc:.3f} | {r.recall_at_50_fdr:.3f} | {r.recall_at_10_fdr:.3f} |\n"
        )
    board = leaderboard_markdown(df, read_leaderboard()) if published else ""
    if board:
        parts.append(
            "\n## Beside the challenge's final round\n\n"
            "auPRC of this run and of the final round's top three teams (published figures, "
            f"`{LEADERBOARD.name}`), for the pairs both have.\n\n" + board + "\n"
        )
    return "".join(parts)


def print_scores(path: str | os.PathLike) -> None:
    """Print the main columns of scores.tsv as an aligned table (used by `make demo`)."""
    df = read_scores_table(path, COLUMNS)
    cols = [
        "model",
        "feature_set",
        "tf",
        "cell_type",
        "auroc",
        "auprc",
        "auprc_lower",
        "auprc_upper",
        "recall_at_50_fdr",
        "recall_at_10_fdr",
        "n_bound",
        "n_unbound",
    ]
    print(f"\nScores on the held-out chromosomes ({path}):\n")
    print(df[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    mean = df.groupby(["model", "feature_set"])[["auroc", "auprc"]].mean()
    print("\nMean over TF and cell type:\n")
    print(mean.to_string(float_format=lambda v: f"{v:.3f}"))


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
