"""``dreamtf predict``: a bundle's models on cells of your own, on any genome, in one command.

A thin front end: it turns its arguments into a config (``release.source: genome``, the
cells under ``cells``, the bundle as ``models_from``), writes it into the output folder,
and runs the workflow there through Snakemake's API. The rules stay the one place where
the work is done, so the folder is an ordinary run: rerunning the command, or Snakemake
on its config.yaml, does only what is missing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from .errors import DreamTFError

#: a cell's file kinds, by how the path ends
SIGNAL_SUFFIXES = (".bw", ".bigwig")
BAM_SUFFIXES = (".bam",)
FRAGMENTS_SUFFIXES = (".tsv.gz", ".tsv.bgz", ".tsv", ".fragments.gz")
ASSAYS = ("DNase-seq", "ATAC-seq")
#: what a flag that goes with one kind of cell file needs
NEEDS = {"signal": "signal bigWig", "fragments": "fragments file"}


def snakefile() -> Path:
    """The workflow's Snakefile, beside the package in the source tree."""
    path = Path(__file__).resolve().parents[2] / "Snakefile"
    if not path.is_file():
        raise DreamTFError(f"{path}: no Snakefile; dreamtf predict runs from the source tree (pip install -e)")
    return path


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    """``NAME=VALUE`` arguments as a dict; anything else is one line naming the flag."""
    out = {}
    for v in values or []:
        name, sep, value = v.partition("=")
        if not sep or not name or not value:
            raise DreamTFError(f"{flag} {v!r}: expected NAME=PATH")
        if name in out:
            raise DreamTFError(f"{flag}: {name} is given twice")
        out[name] = value
    return out


def _existing(path: str, what: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise DreamTFError(f"{what}: no file {path}")
    return str(p.resolve())


def predict_config(args: argparse.Namespace) -> dict:
    """The run's config from the command's arguments, every path absolute and checked to exist."""
    cells, peaks = _pairs(args.cell, "--cell"), _pairs(args.peaks, "--peaks")
    assays, rnaseq = _pairs(args.assay, "--assay"), _pairs(args.rnaseq, "--rnaseq")
    if not cells:
        raise DreamTFError("--cell: give at least one cell, NAME=PATH")
    for flag, named in (("--peaks", peaks), ("--assay", assays), ("--rnaseq", rnaseq)):  # --clusters below
        for name in named:
            if name not in cells:
                raise DreamTFError(f"{flag} {name}=...: no --cell {name}=PATH")
    clusters = _pairs(args.clusters, "--clusters")
    for name in clusters:
        if name not in cells:
            raise DreamTFError(f"--clusters {name}=...: no --cell {name}=PATH")
    own = {}
    for name, path in cells.items():
        spec = _cell_spec(name, path, peaks.get(name), clusters.get(name), assays.get(name))
        if name in rnaseq:
            spec["rnaseq"] = [_existing(f, f"--rnaseq {name}") for f in rnaseq[name].split(",")]
        own[name] = spec
    release = {"source": "genome", "fasta": _existing(args.genome, "--genome")}
    if args.blacklist:
        release["blacklist"] = _existing(args.blacklist, "--blacklist")
    if args.gtf:
        release["gtf"] = _existing(args.gtf, "--gtf")
    return {
        "release": release,
        "tfs": {tf: {"predict_cells": list(own)} for tf in dict.fromkeys(args.tf)},
        "cells": own,
        "models_from": _existing(args.models, "--models"),
    }


def _cell_spec(name: str, path: str, peaks: str | None, clusters: str | None, assay: str | None) -> dict:
    """One ``cells`` entry from a cell's path: a signal bigWig (with peaks), a BAM, or fragments (with clusters)."""
    lower = path.lower()
    if assay is not None and assay not in ASSAYS:
        raise DreamTFError(f"--assay {name}={assay}: expected one of {', '.join(ASSAYS)}")
    kind = "bam" if lower.endswith(BAM_SUFFIXES) else "fragments" if lower.endswith(FRAGMENTS_SUFFIXES) else "signal"
    for flag, given, wants in (("--peaks", peaks, "signal"), ("--clusters", clusters, "fragments")):
        if given is not None and kind != wants:
            raise DreamTFError(
                f"{flag} {name}=...: --cell {name}={path} is not a {NEEDS[wants]}, which {flag} goes with"
            )
    if kind == "fragments" and assay not in (None, "ATAC-seq"):
        raise DreamTFError(f"--assay {name}={assay}: a fragments file is ATAC-seq")
    if lower.endswith(BAM_SUFFIXES):
        if assay is None:
            raise DreamTFError(
                f"--cell {name}={path}: a BAM needs its assay (ATAC-seq reads get the Tn5 shift): --assay {name}=..."
            )
        return {"bam": _existing(path, f"--cell {name}"), "assay": assay}
    if lower.endswith(FRAGMENTS_SUFFIXES):
        if clusters is None:
            raise DreamTFError(
                f"--cell {name}={path}: a fragments file needs its clusters: --clusters {name}=TABLE "
                "(barcode and cluster)"
            )
        return {"fragments": _existing(path, f"--cell {name}"), "clusters": _existing(clusters, f"--clusters {name}")}
    if not lower.endswith(SIGNAL_SUFFIXES):
        raise DreamTFError(
            f"--cell {name}={path}: expected a signal bigWig (.bw, .bigWig), a BAM (.bam) or a fragments file (.tsv.gz)"
        )
    if peaks is None:
        raise DreamTFError(f"--cell {name}={path}: a signal bigWig needs its peaks: --peaks {name}=PATH")
    files = peaks.split(",")
    if len(files) > 2:
        raise DreamTFError(f"--peaks {name}: expected one file or two, conservative,relaxed")
    files = [_existing(f, f"--peaks {name}") for f in files]
    spec = {
        "signal": _existing(path, f"--cell {name}"),
        "peaks": files[0] if len(files) == 1 else dict(zip(("conservative", "relaxed"), files)),
    }
    if assay is not None:
        spec["assay"] = assay
    return spec


def write_config(out: Path, cfg: dict) -> Path:
    """``out/config.yaml`` holding ``cfg``; without a blacklist, an empty one in ``out`` (no window dropped)."""
    out.mkdir(parents=True, exist_ok=True)
    if "blacklist" not in cfg["release"]:
        empty = out / "no_blacklist.bed"
        empty.write_text("")
        cfg["release"]["blacklist"] = str(empty.resolve())
    path = out / "config.yaml"
    text = "# written by dreamtf predict; rerun it, or snakemake in this folder, to finish or update the run\n"
    path.write_text(text + yaml.safe_dump(cfg, sort_keys=False))
    return path


def run_workflow(out: Path, cores: int | None) -> None:
    """The workflow in ``out`` on its config.yaml, through Snakemake's API, with Snakemake's progress."""
    import logging

    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DeploymentSettings,
        ExecutionSettings,
        OutputSettings,
        ResourceSettings,
    )

    # Snakemake prints its own progress; its records reaching dreamtf's handler too would print each twice
    logging.getLogger("snakemake").propagate = False
    with SnakemakeApi(OutputSettings(show_failed_logs=True)) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(cores=cores or os.cpu_count() or 1),
            config_settings=ConfigSettings(configfiles=[out.resolve() / "config.yaml"]),
            deployment_settings=DeploymentSettings(),
            snakefile=snakefile(),
            workdir=out.resolve(),
        )
        workflow.dag().execute_workflow(execution_settings=ExecutionSettings(keep_incomplete=False))


def _shown_cells(cells: dict) -> list[str]:
    """The cells as the outputs name them: a fragments file's as <name>_<cluster>."""
    return [
        f"{c} (one cell a cluster: {c}_<cluster>, see the report)" if "fragments" in s else c for c, s in cells.items()
    ]


def outputs_markdown(out: Path, cfg: dict) -> str:
    """Where the run put its tracks, peaks and report, for the terminal."""
    return "\n".join(
        [
            f"predictions: {out / 'results/predictions'}/<model>/<feature set>/F.<TF>.<cell>.tab.gz",
            f"tracks:      {out / 'results/tracks'}/<model>/<feature set>/<TF>.<cell>.bigWig",
            f"peaks:       {out / 'results/peaks'}/<model>/<feature set>/<TF>.<cell>.narrowPeak.gz",
            f"report:      {out / 'results/report/report.html'} (summary: results/report/summary.md)",
            f"cells: {', '.join(_shown_cells(cfg['cells']))}; TFs: {', '.join(cfg['tfs'])}",
        ]
    )


def predict(args: argparse.Namespace) -> None:
    out = Path(args.out)
    cfg = predict_config(args)
    write_config(out, cfg)
    try:
        run_workflow(out, args.cores)
    except Exception as exc:  # Snakemake has printed the failing job and its log above
        msg = str(exc).strip().splitlines()
        raise DreamTFError(f"the workflow in {out} stopped: {msg[0] if msg else type(exc).__name__}") from None
    print(outputs_markdown(out, cfg))


def add_predict(sub, command) -> None:
    """The ``predict`` subcommand on ``sub``, made by ``command`` (cli's parser factory)."""
    p = command(sub, "predict", "predict TFs genome-wide in cells of your own with a bundle's models, on any genome")
    p.add_argument("--models", required=True, metavar="BUNDLE", help="a bundle written by dreamtf export")
    p.add_argument("--genome", required=True, metavar="FASTA", help="the genome FASTA (plain or gzipped), any build")
    p.add_argument("--blacklist", metavar="BED", help="the build's blacklist; windows overlapping it are dropped")
    p.add_argument("--gtf", metavar="GTF", help="the build's GTF, for the models that read expression")
    p.add_argument("--tf", required=True, action="append", help="a TF of the bundle (repeat for several)")
    p.add_argument(
        "--cell",
        required=True,
        action="append",
        metavar="NAME=PATH",
        help="a cell and its signal bigWig (with --peaks), BAM (with --assay) or fragments file (with --clusters)",
    )
    p.add_argument(
        "--clusters",
        action="append",
        metavar="NAME=TABLE",
        help="a fragments file's barcode-to-cluster table: each cluster is predicted as NAME_<cluster>",
    )
    p.add_argument(
        "--peaks", action="append", metavar="NAME=PATH[,RELAXED]", help="its peaks: one file, or conservative,relaxed"
    )
    p.add_argument(
        "--assay",
        action="append",
        metavar="NAME=ASSAY",
        help="DNase-seq or ATAC-seq (a BAM needs it)",
    )
    p.add_argument("--rnaseq", action="append", metavar="NAME=TSV[,TSV]", help="its RNA-seq quantifications")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder the run writes (its config.yaml, results/)")
    p.add_argument("--cores", type=int, metavar="N", help="cores to use (default: all)")
    p.set_defaults(func=predict)
