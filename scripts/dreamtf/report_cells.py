"""The report's sections on cells that are predicted, not scored: prediction cells, held-out
cells genome-wide, the predictions a cell had to go without (and why), and where each cell's
accessibility signal came from."""

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


#: how each source of a cell's signal is named in the report
PIPELINES = {
    "files": "the release's files (fold-change bigWigs and peak sets of the challenge's pipeline)",
    "reads": "reads, through dreamtf's pipeline (cut sites, MACS3 fold change and peaks)",
}


#: what to do when a predicted cell's signal came from the other pipeline than the training cells'
ADVICE = {
    "files": "train with `accessibility: reads` to predict cells given as reads",
    "reads": "give the cell as reads (a BAM or fragments), as the training cells were",
}


def reads_markdown(reads: dict | None) -> str:
    """Where the signal came from: the training cells' pipeline, each cell made from reads, the clusters skipped.

    ``reads``: ``records`` (each cell's reads.json), ``skipped`` ({cell: why}), ``training``
    (files or reads) and ``predicted`` ({cell: files or reads} of the predicted cells).
    """
    if not reads:
        return ""
    training = reads["training"]
    parts = [f"\n## Accessibility pipeline\n\nThe models were trained on signal and peaks from {PIPELINES[training]}."]
    parts[0] += "\n"
    other = sorted(c for c, how in reads["predicted"].items() if how != training)
    if other:
        parts.append(
            f"\n**Warning:** the signal and peaks of {', '.join(other)} came from "
            f"{PIPELINES['reads' if training == 'files' else 'files']}, not the training cells' pipeline. "
            "A model learns the fine structure of the tracks it was trained on, so expect lower accuracy "
            f"than the held-out scores suggest; {ADVICE[training]} (docs/predict.md has the measured loss).\n"
        )
    records = [json.loads(Path(p).read_text()) for p in reads["records"]]
    if records:
        parts.append(
            "\nCells made from reads, each through the same pipeline: "
            f"{records[0]['pipeline']}. FRiP: the share of cut sites in the conservative peaks.\n\n"
            "| cell type | from | assay | reads or fragments | cells | cut sites | conservative peaks "
            "| relaxed peaks | FRiP |\n|---|---|---|---|---|---|---|---|---|\n"
        )
        for r in records:
            source = f"`{r['file']}`" + (f" cluster {r['cluster']}" if r["form"] == "fragments" else "")
            n = r.get("fragments", r.get("reads", 0))
            cells = f"{r['barcodes']:,}" if "barcodes" in r else "bulk"
            parts.append(
                f"| {r['cell']} | {source} | {r['assay']} | {n:,} | {cells} | {r['cuts']:,} | "
                f"{r['conservative_peaks']:,} | {r['relaxed_peaks']:,} | {r['frip']:.3f} |\n"
            )
    if reads["skipped"]:
        parts.append("\nClusters not predicted:\n\n")
        parts += [f"- {why}\n" for why in reads["skipped"].values()]
    return "".join(parts)


def cell_sections(skipped: list[dict], single_peaks: dict, bundle_genome, reads: dict | None) -> str:
    """Every section on the cells: predictions skipped, peak sets that stood in, the genome, the pipeline."""
    return (
        skipped_markdown(skipped)
        + peak_sets_markdown(single_peaks)
        + bundle_genome_markdown(bundle_genome)
        + reads_markdown(reads)
    )
