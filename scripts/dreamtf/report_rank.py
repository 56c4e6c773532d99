"""Which model wins: the ranked table of mean auPRC and the paired comparisons, in markdown.

The ranked table is computed from ``scores.tsv`` alone; the intervals come from the paired
bootstrap of :mod:`dreamtf.compare` on the same windows. Differences are always written
as *run minus best* (and *run minus baseline*), so a negative number means worse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compare import LEVEL

TIE = "cannot be told apart: 95% interval of the difference spans 0"


def ranking(df: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """Mean auPRC per run (``df`` has ``run``, ``model``, ``feature_set``, ``auprc``), best first.

    Columns: run, model, feature_set, auprc (the mean over its TF / cell pairs), pairs,
    vs_best and vs_baseline (its mean minus theirs; NaN without a baseline run).
    """
    rank = (
        df.groupby("run", sort=False)
        .agg(model=("model", "first"), feature_set=("feature_set", "first"), auprc=("auprc", "mean"))
        .join(df.groupby("run", sort=False).size().rename("pairs"))
        .reset_index()
        .sort_values("auprc", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    rank["vs_best"] = rank["auprc"] - rank["auprc"].iloc[0]
    base = rank.loc[rank["run"] == baseline, "auprc"]
    rank["vs_baseline"] = rank["auprc"] - float(base.iloc[0]) if len(base) else np.nan
    return rank


def _signed(v: float) -> str:
    return "n/a" if v is None or np.isnan(v) else f"{v:+.3f}"


def _interval(c: dict) -> str:
    """The interval of run minus best (the comparison holds best minus run)."""
    return f"{-c['upper']:+.3f} to {-c['lower']:+.3f}"


def words(c: dict, best: str) -> str:
    """The paired comparison of a run with ``best`` in words."""
    if c["lower"] <= 0 <= c["upper"]:
        return TIE
    return f"worse than {best}" if c["lower"] > 0 else f"better than {best}"


def ranked_markdown(rank: pd.DataFrame, pooled: dict[str, dict] | None, baseline: str | None, replicates: int) -> str:
    """The report's lead: runs by mean auPRC, their differences to the best and baseline, and the pooled comparison."""
    best = rank["run"].iloc[0]
    n_pairs = int(rank["pairs"].max())
    lines = [
        f"**{best}** has the highest mean auPRC ({rank['auprc'].iloc[0]:.3f} over {n_pairs} TF / cell "
        f"pair{'s' if n_pairs != 1 else ''})."
    ]
    if pooled:
        ties = [r for r in rank["run"].iloc[1:] if r in pooled and words(pooled[r], best) == TIE]
        if ties:
            lines.append(f" It cannot be told apart from {', '.join(ties)}: the {LEVEL:.0%} interval of the difference")
            lines.append(" spans 0.")
        else:
            lines.append(f" The {LEVEL:.0%} interval of its difference to every other run excludes 0.")
    if baseline is None:
        lines.append(" This run has no baseline model, so the difference to the baseline is not given.")
    lines.append(
        "\n\n| rank | model:feature set | mean auPRC | vs best | vs baseline | paired 95% interval (vs best) "
        "| pairs | verdict |\n|---|---|---|---|---|---|---|---|\n"
    )
    for i, r in enumerate(rank.itertuples(index=False), 1):
        c = (pooled or {}).get(r.run)
        verdict = "best" if r.run == best else (words(c, best) if c else "not compared")
        lines.append(
            f"| {i} | {r.run} | {r.auprc:.3f} | {_signed(r.vs_best)} | {_signed(r.vs_baseline)} | "
            f"{_interval(c) if c else '-'} | {r.pairs} | {verdict} |\n"
        )
    if pooled:
        lines.append(
            f"\nvs best, vs baseline: the run's mean auPRC minus theirs. Paired interval: the {LEVEL:.0%} "
            f"percentile interval of the mean auPRC difference to {best} over {replicates:,} stratified "
            "bootstrap resamples of each pair's held-out windows, both runs scored on the same resample "
            "(`dreamtf.compare`).\n"
        )
    return "".join(lines)


def pairs_markdown(df: pd.DataFrame, per_pair: dict[str, dict[str, dict]], best: str) -> str:
    """Per TF / cell pair: each run's auPRC, its difference to ``best`` on that pair and the paired interval."""
    lines = [
        "| TF / cell | model:feature set | auPRC | vs best | paired 95% interval | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for pair, comp in per_pair.items():
        sub = df[df["pair"] == pair].sort_values("auprc", ascending=False, kind="stable")
        for r in sub.itertuples(index=False):
            c = comp.get(r.run)
            if r.run == best:
                lines.append(f"| {pair} | {r.run} | {r.auprc:.3f} | - | - | the best run overall |")
            elif c is not None:
                lines.append(
                    f"| {pair} | {r.run} | {r.auprc:.3f} | {-c['difference']:+.3f} | {_interval(c)} | "
                    f"{words(c, best)} |"
                )
    return "\n".join(lines)
