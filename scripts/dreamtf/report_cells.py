"""The report's sections on cells that are predicted, not scored: prediction cells, held-out
cells genome-wide, and the predictions a cell had to go without (and why)."""

from __future__ import annotations

import json
from pathlib import Path

from .io.narrowpeak import read_narrowpeak


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


def skipped_markdown(skipped: list[dict]) -> str:
    """The predictions the run skipped, one row each with its reason (a cell without RNA-seq, a model reading it)."""
    if not skipped:
        return ""
    rows = [
        "\n## Skipped predictions\n\nPredictions this run did not make, each with the reason.\n\n",
        "| TF | cell type | model:feature set | why |\n|---|---|---|---|\n",
    ]
    for r in skipped:
        rows.append(f"| {r['tf']} | {r['cell']} | {r['model']}:{r['feature_set']} | {r['why']} |\n")
    return "".join(rows)


def peak_sets_markdown(single: dict[str, str]) -> str:
    """What stood in for the relaxed peak set: ``single`` maps each cell given one peaks file to that file."""
    if not single:
        return ""
    rows = [
        "\n## Peak sets of your own cells\n\nThe models read a conservative and a relaxed peak set per "
        "cell, as the challenge's pipeline made them for the training cells. These cells were given "
        "one peaks file, which stood in for both sets: their `dnase_peaks` features (and FactorNet's "
        "open-chromatin windows) differ from a cell given both sets, and so may their scores.\n\n"
        "| cell type | conservative and relaxed set |\n|---|---|\n"
    ]
    rows += [f"| {cell} | `{path}` |\n" for cell, path in single.items()]
    return "".join(rows)


def bundle_genome_markdown(record) -> str:
    """The line on the genome of a run that predicts with a bundle: the same as the models', or how it differs."""
    if record is None:
        return ""
    rec = json.loads(Path(record).read_text())
    if not rec["differs"]:
        return (
            f"\n## Genome\n\nThe models of `{rec['bundle']}` were trained on this run's genome ({rec['trained_on']}).\n"
        )
    return f"\n## Genome\n\nThe models of `{rec['bundle']}` were trained on {rec['trained_on']}: {rec['differs']}.\n"
