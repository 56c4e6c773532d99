"""The score table and the report: what people look at after a run."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import compare, report_cells, report_models, report_plots, report_rank
from .errors import DreamTFError
from .io.files import atomic_write_text
from .io.narrowpeak import read_narrowpeak
from .io.scorefile import read_score_record, read_scores_table, write_scores_table
from .io.windowtable import read_labels, read_predictions
from .metrics import METRICS

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


@dataclass
class ReportFiles:
    """Where the report's summary and figures go (``calibration`` may be None when there is no calibration)."""

    summary: str | os.PathLike
    auprc: str | os.PathLike
    curves: str | os.PathLike
    calibration: str | os.PathLike | None = None


def write_report(
    scores,
    *,
    runs: list[dict],
    labels: dict,
    chroms: list[str],
    out: ReportFiles,
    calibration=None,
    published=False,
    predicted: list[dict] | None = None,
    skipped: list[dict] | None = None,
    single_peaks: dict[str, str] | None = None,
    bundle_genome=None,
    reads: dict | None = None,
    baseline: str | None = None,
    paired: dict | None = None,
    feature_sets: dict | None = None,
    models: dict | None = None,
) -> None:
    """The summary (ranked table first) and its figures.

    ``runs`` holds one dict per scored run: model, feature_set, tf, cell, its submission
    file (``predictions``) and peak list (``peaks``); ``labels`` maps each TF to its label
    TSV. ``baseline`` names the baseline run (``model:feature_set``) the ranked table
    compares with; ``paired`` the paired bootstrap's ``replicates`` (0: none) and ``seed``.
    With ``published`` (a real release, not a simulated one), the summary also puts each
    pair of the challenge's final round beside the top three teams' published auPRC.
    ``calibration`` (calibration.tsv) adds the peak calibration table and its plot;
    ``feature_sets`` (the config's) and ``models`` (:func:`dreamtf.registry.report_files`)
    the sections on the models. ``predicted`` lists the prediction cells' runs (model,
    feature_set, tf, cell, and their ``peaks`` and ``track`` files), and held-out cells'
    genome-wide ones (``held_out``): listed apart, as they have no labels to score there;
    ``skipped`` the predictions not made, each with its reason (``why``); ``single_peaks`` the
    cells given one peaks file for both sets, with that file; ``bundle_genome`` the record of
    how this run's genome differs from the bundle's (rule install_models); ``reads`` where the
    cells' signal came from (:func:`dreamtf.report_cells.reads_markdown`). Without any scored
    run the summary has no score section and lists the predicted cells.
    """
    df = read_scores_table(scores, COLUMNS)
    models = models or {"cards": [], "factornet": [], "ensemble": []}
    predicted, skipped = predicted or [], skipped or []
    if df.empty:  # a run that only predicts: no score section, the figures say why they are empty
        for path in (out.auprc, out.curves, out.calibration):
            report_plots.plot_nothing(path, "no held-out cell was scored in this run (no test_cells)")
        listed = list(dict.fromkeys((r["model"], r["feature_set"]) for r in predicted))
        parts = [
            "# dreamtf report\n\nNo held-out cell was scored in this run (no `test_cells`): it only "
            "predicts the cells listed below.\n",
            report_cells.predicted_markdown(predicted),
            report_cells.cell_sections(skipped, single_peaks or {}, bundle_genome, reads),
            _models_markdown(listed, feature_sets or {}, models),
        ]
        with atomic_write_text(out.summary) as fh:
            fh.write("".join(parts))
        return
    df["pair"] = df["tf"] + " / " + df["cell_type"]
    df["run"] = df["model"] + ":" + df["feature_set"]
    rank = report_rank.ranking(df, baseline)
    colors = report_plots.run_colors(list(rank["run"]))
    pairs = list(dict.fromkeys(df["pair"]))
    report_plots.plot_auprc(df, pairs, colors, out.auprc)
    paired = paired or {"replicates": 0, "seed": 0}
    per_pair = _pairs(df, rank["run"].iloc[0], runs, labels, chroms, paired, colors, out.curves)
    pooled = compare.pool(per_pair) if paired["replicates"] else None
    parts = [
        "# dreamtf report\n\nHeld-out chromosomes: " + ", ".join(chroms) + ".\n\n## Which model wins\n\n",
        report_rank.ranked_markdown(rank, pooled, baseline, paired["replicates"]),
    ]
    if pooled:
        parts.append(
            "\n## Paired comparison per TF and cell\n\nEach run against the best run overall on the same "
            "windows of one held-out cell.\n\n" + report_rank.pairs_markdown(df, per_pair, rank["run"].iloc[0]) + "\n"
        )
    parts.append(summary_markdown(df, published=published))
    parts.append("\n![auPRC](auprc.png)\n\n![PR curves](pr_curves.png)\n")
    parts.append(_models_markdown(list(zip(rank["model"], rank["feature_set"])), feature_sets or {}, models))
    if calibration is not None:
        cal = read_scores_table(calibration, CALIBRATION_COLUMNS)
        report_plots.plot_calibration(cal, out.calibration)
        parts.append(
            "\n## Peak calibration\n\nEach peak list's threshold, the precision the validation chromosomes "
            "of the training cells promised for it, and the precision measured on the held-out cell: "
            "windows against its labels (recall in brackets), peaks against its conservative ChIP-seq "
            "peaks.\n\n" + calibration_markdown(cal) + "\n\n![calibration](calibration.png)\n"
        )
        parts.append(peak_lists_markdown(runs, cal))
    if predicted:
        parts.append(report_cells.predicted_markdown(predicted))
    parts.append(report_cells.cell_sections(skipped, single_peaks or {}, bundle_genome, reads))
    with atomic_write_text(out.summary) as fh:
        fh.write("".join(parts))


def _pairs(df, best: str, runs: list[dict], labels: dict, chroms: list[str], paired: dict, colors: dict, out) -> dict:
    """PR curves of every pair and, with ``paired["replicates"]``, each run against ``best`` on its windows.

    One pair's predictions are in memory at a time. The auPRC the comparison computes from
    the predictions must be the one ``scores.tsv`` holds; a difference means one of them is
    stale, and stops the report.
    """
    pairs = list(dict.fromkeys(df["pair"]))
    fig, axes = report_plots.pr_axes(len(pairs))
    per_pair = {}
    for k, pair in enumerate(pairs):
        tf, cell = pair.split(" / ")
        lab = read_labels(labels[tf], cells=[cell], chroms=chroms)
        codes, scores = lab.column(cell), {}
        for r in runs:
            if (r["tf"], r["cell"]) == (tf, cell):
                pred = read_predictions(r["predictions"], chroms=chroms, size=lab.size)
                scores[f"{r['model']}:{r['feature_set']}"] = pred.score[pred.align(lab)]
        report_plots.pr_panel(axes.flat[k], pair, codes, scores, colors)
        if paired["replicates"] and best in scores:
            comp = compare.compare_pair(
                codes, scores, best, replicates=paired["replicates"], seed=paired["seed"], pair=pair
            )
            _check_scores(df[df["pair"] == pair].set_index("run")["auprc"], best, comp, pair)
            per_pair[pair] = comp
    report_plots.finish_pr(fig, axes, len(pairs), out)
    return per_pair


def _check_scores(auprc: pd.Series, best: str, comp: dict, pair: str) -> None:
    # scores.tsv holds six decimals: each of the two auPRC is off by at most half a unit of the last
    for name, c in comp.items():
        if name in auprc and not np.isclose(auprc[best] - auprc[name], c["difference"], rtol=0, atol=1.01e-6):
            raise DreamTFError(
                f"scores.tsv: the auPRC of {best} and {name} on {pair} differ from their predictions' "
                "(a stale score table?); rerun the scoring rules"
            )


def _models_markdown(runs: list[tuple[str, str]], feature_sets: dict, models: dict) -> str:
    """Feature sets (of ``runs``: (model, feature set) pairs), FactorNet's training, ensemble weights, model cards."""
    parts = [
        "\n## Feature sets\n\n",
        report_models.feature_sets_markdown(runs, feature_sets, models["ensemble"]),
        "\n",
    ]
    if models["factornet"]:
        summary = report_models.read_histories(models["factornet"])[2]
        parts.append(
            "\n## FactorNet's training\n\nPer epoch, the auPRC and loss on the validation sample of the "
            "training cells' validation chromosomes; the model kept is the epoch of best validation auPRC.\n\n"
            + report_models.training_markdown(summary)
            + "\n\n![training curves](training_curves.png)\n"
        )
    if models["ensemble"]:
        parts.append(
            "\n## Ensemble weights\n\nEach member's weight in the rank average, chosen on the validation "
            "chromosomes of the training cells, where each member's scores also fix its ranks.\n\n"
            + report_models.ensemble_markdown(models["ensemble"])
            + "\n"
        )
    learned = report_models.learned_markdown(models.get("learned", []), models.get("interpret", []))
    if learned:
        parts.append(
            "\n## What was learned\n\nMotifs learned from the training cells' training chromosomes "
            "(results/motifs/learned/) and the motifs in FactorNet's attributions (results/interpret/), "
            "each beside its best JASPAR match and the rank of the TF's own matrix among its matches "
            "(1: closest to it of all).\n\n" + learned + "\n"
        )
    if models["cards"]:
        parts.append("\n## Model cards\n\n" + report_models.cards_markdown(models["cards"]) + "\n")
    return "".join(parts)


def write_training_plot(scores, entries: list[dict], out) -> None:
    """FactorNet's training curves (``entries``: :func:`dreamtf.registry.report_files`'s ``factornet``).

    Each model takes the colour its run has in the other figures (runs ranked by ``scores``).
    """
    df = read_scores_table(scores, COLUMNS)
    df["run"] = df["model"] + ":" + df["feature_set"]
    # colours by rank when anything was scored, else in the order of the models
    ranked = list(report_rank.ranking(df, None)["run"]) if len(df) else []
    names = dict.fromkeys(ranked + [f"{e['model']}:{e['feature_set']}" for e in entries])
    colors = report_plots.run_colors(list(names))
    histories, best, _ = report_models.read_histories(entries)
    by_model = {e["model"]: colors.get(f"{e['model']}:{e['feature_set']}") for e in entries}
    report_plots.plot_training(histories, best, by_model, out)


def peak_lists_markdown(runs: list[dict], cal: pd.DataFrame) -> str:
    """The held-out cells' peak lists: file and count, and why a list is empty when it is."""
    key = cal.set_index(["model", "feature_set", "tf", "cell_type"])
    rows = [
        "\n## Peak lists\n\nnarrowPeak files sorted by chromosome name and start (`sort -k1,1 -k2,2n`, what "
        "`bedtools -sorted` expects); the name column is `<model>:<feature set>:<TF>:<cell>:<n>`.\n\n"
        "| model:feature set | TF | cell | peaks | peak list |\n|---|---|---|---|---|\n"
    ]
    for r in runs:
        n = sum(len(p) for p in read_narrowpeak(r["peaks"], allow_empty=True).values())
        what = f"{n:,}"
        k = (r["model"], r["feature_set"], r["tf"], r["cell"])
        if n == 0 and k in key.index and pd.isna(key.loc[k, "threshold"]):
            target = key.loc[k, "target_precision"]
            what = f"0: empty, no threshold reaches precision {target:g} on the validation chromosomes"
        elif n == 0:
            what = "0: empty, no window passes the threshold in this cell"
        rows.append(f"| {r['model']}:{r['feature_set']} | {r['tf']} | {r['cell']} | {what} | `{r['peaks']}` |\n")
    return "".join(rows)


def summary_markdown(df: pd.DataFrame, *, published: bool = False) -> str:
    """Every run's scores per pair, the means per run, and the challenge's top three beside them (or why not)."""
    mean = df.groupby("run", sort=False)[["auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr"]].mean()
    parts = [
        "\n## Scores per TF and cell\n\n",
        format_table(df.drop(columns=["pair", "run"])) + "\n\n## Mean over TF and cell type\n\n",
        "| model:feature set | auROC | auPRC | recall@50%FDR | recall@10%FDR |\n|---|---|---|---|---|\n",
    ]
    for name, r in mean.iterrows():
        parts.append(
            f"| {name} | {r.auroc:.3f} | {r.auprc:.3f} | {r.recall_at_50_fdr:.3f} | {r.recall_at_10_fdr:.3f} |\n"
        )
    parts.append("\n## Beside the challenge's final round\n\n")
    if not published:
        parts.append(
            "Not shown: this run's release is simulated (`release.source: simulate`). The challenge's "
            "published final-round auPRC was measured on the real release's cells and chromosomes, so it "
            "only compares with a run on the real release.\n"
        )
        return "".join(parts)
    board = leaderboard_markdown(df, read_leaderboard())
    if board:
        parts.append(
            "auPRC of this run and of the final round's top three teams (published figures, "
            f"`{LEADERBOARD.name}`), for the pairs both have.\n\n" + board + "\n"
        )
    else:
        parts.append(
            f"Not shown: none of this run's TF / cell pairs is one of the final round's (`{LEADERBOARD.name}`).\n"
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
