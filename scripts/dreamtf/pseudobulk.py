"""Single-cell ATAC as pseudobulk cells: one cell type a cluster, from a fragments file.

A ``cells`` entry ``NAME: {fragments: F, clusters: C}`` becomes one cell a cluster of C,
named ``NAME_<cluster>``, each ``{fragments: F, clusters: C, cluster: <cluster>}``; a TF that
lists ``NAME`` in ``predict_cells`` predicts every cluster. A cluster with fewer than
``reads.min_fragments`` fragments is too sparse for MACS3's background model: it is named,
skipped and listed in the report, and the run goes on with the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .errors import DreamTFError
from .io.cutsites import write_cut_sites
from .io.files import atomic_write_text
from .io.fragments import cluster_names, iter_fragments, read_clusters


def cluster_cell(sample: str, cluster: str) -> str:
    return f"{sample}_{cluster}"


def expand_cells(cfg: dict, source: str, workdir: Path) -> None:
    """Replace each fragments entry of ``cfg['cells']`` without ``cluster`` by one cell a cluster, in place.

    Every fragments entry's files must exist and its ``cluster`` be one of its table's; one
    cluster of one file is one cell (two entries naming it would write its reads twice); a
    multi-cluster entry takes no RNA-seq, which would be every cluster's alike.
    """
    cells = cfg["cells"]
    seen: dict[tuple, str] = {}
    for sample, spec in list(cells.items()):
        if "fragments" not in spec:
            continue
        for key in ("fragments", "clusters"):
            if "\0" in spec[key] or not (workdir / spec[key]).is_file():
                raise DreamTFError(f"{source}: 'cells.{sample}.{key}': no file {spec[key]!r}")
        names = cluster_names(read_clusters(workdir / spec["clusters"]))
        if "cluster" in spec and spec["cluster"] not in names:
            raise DreamTFError(
                f"{source}: 'cells.{sample}.cluster': {spec['cluster']!r} is not a cluster of {spec['clusters']} "
                f"(its clusters: {', '.join(names)})"
            )
        if "cluster" not in spec and spec.get("rnaseq"):
            raise DreamTFError(
                f"{source}: 'cells.{sample}.rnaseq': every cluster of a fragments file would read the same RNA-seq; "
                f"give a cluster's own as an entry of its own (fragments, clusters, cluster: <name>, rnaseq)"
            )
        mine = [spec["cluster"]] if "cluster" in spec else names
        cell_names = [sample] if "cluster" in spec else [cluster_cell(sample, c) for c in names]
        for c, name in zip(mine, cell_names):
            key = (str(Path(spec["fragments"]).resolve()), str(Path(spec["clusters"]).resolve()), c)
            if key in seen:
                raise DreamTFError(
                    f"{source}: 'cells.{sample}': cluster {c!r} of {spec['fragments']} is already cell {seen[key]!r}"
                )
            seen[key] = name
        if "cluster" in spec:
            continue
        taken = [n for n in cell_names if n in cells]
        if taken:
            raise DreamTFError(
                f"{source}: 'cells.{sample}': cluster cell {taken[0]!r} is also a cell of its own in cells; rename one"
            )
        del cells[sample]
        for c, name in zip(names, cell_names):
            cells[name] = {**spec, "cluster": c}
        for tspec in cfg["tfs"].values():
            if sample in tspec["predict_cells"]:
                i = tspec["predict_cells"].index(sample)
                tspec["predict_cells"][i : i + 1] = [n for n in cell_names if n not in tspec["predict_cells"]]


def fragment_counts(fragments, clusters, cache_dir) -> dict[str, int]:
    """Fragments a cluster has in the file, ``{cluster: n}``, cached by the two files' size and time.

    The workflow needs them before it plans any job (a cluster with too few is not
    predicted); the cache makes that one pass over the file, not one every run.
    """
    key = hashlib.sha256(
        json.dumps([[str(p), os.stat(p).st_size, os.stat(p).st_mtime_ns] for p in (fragments, clusters)]).encode()
    ).hexdigest()[:16]
    cache = Path(cache_dir, f"counts.{key}.json")
    if cache.is_file():
        return json.loads(cache.read_text())
    table = read_clusters(clusters)
    counts = dict.fromkeys(cluster_names(table), 0)
    total = 0
    for frame in iter_fragments(fragments):
        total += len(frame)
        got = frame.barcode.map(table).value_counts()
        for c, n in got.items():
            counts[c] += int(n)
    _check_matched(fragments, clusters, table, total, sum(counts.values()), 1, [])
    with atomic_write_text(cache) as fh:
        json.dump(counts, fh)
    return counts


def small_clusters(cells: dict, min_fragments: int, cache_dir) -> dict[str, str]:
    """``{cell: why}`` for the cluster cells with fewer than ``min_fragments`` fragments."""
    out = {}
    for cell, spec in cells.items():
        if "cluster" not in spec:
            continue
        counts = fragment_counts(spec["fragments"], spec["clusters"], cache_dir)
        n = counts.get(spec["cluster"], 0)
        if n < min_fragments:
            out[cell] = (
                f"cell {cell!r} (cluster {spec['cluster']!r} of {spec['fragments']}) is skipped: {n:,} fragments, "
                f"fewer than reads.min_fragments ({min_fragments:,}) to call peaks on"
            )
    return out


def split_fragments(fragments, clusters_path, sizes: dict[str, int], outs: dict[str, str]) -> dict:
    """Each cluster's cut sites (both ends of each fragment) into ``outs[cluster]``; returns per-cluster counts.

    A fragment off the genome's chromosomes (chrM, contigs) is not read; one past a
    chromosome's end means another build, and stops with the line's chromosome named.
    """
    table = read_clusters(clusters_path)
    stats = {c: {"fragments": 0, "barcodes": set()} for c in outs}
    total = matched = on_genome = 0
    chroms = list(sizes)
    with contextlib.ExitStack() as stack:
        sinks = {c: stack.enter_context(atomic_write_text(p, level=1)) for c, p in outs.items()}
        for frame in iter_fragments(fragments):
            total += len(frame)
            frame = frame.assign(cluster=frame.barcode.map(table))
            frame = frame[frame.cluster.notna()]
            matched += len(frame)
            frame = frame[frame.chrom.isin(chroms)]
            on_genome += len(frame)
            past = frame.end.to_numpy() > frame.chrom.map(sizes).to_numpy()
            if past.any():
                row = frame[past].iloc[0]
                raise DreamTFError(
                    f"{fragments}: a fragment ends at {row.end:,} on {row.chrom}, which is {sizes[row.chrom]:,} bp "
                    "in the genome; the fragments are of another build"
                )
            for cluster, part in frame.groupby("cluster", sort=False):
                if cluster not in sinks:
                    continue
                s = stats[cluster]
                s["fragments"] += len(part)
                s["barcodes"].update(part.barcode.unique())
                chroms = part.chrom.to_numpy()
                ends = np.concatenate([part.start.to_numpy(), part.end.to_numpy() - 1])
                write_cut_sites(sinks[cluster], np.concatenate([chroms, chroms]), ends)
        _check_matched(fragments, clusters_path, table, total, matched, on_genome, chroms)
    return {
        "fragments_in_file": total,
        "fragments_unmatched": total - matched,
        "clusters": {c: {"fragments": s["fragments"], "cells": len(s["barcodes"])} for c, s in stats.items()},
    }


def _check_matched(fragments, clusters_path, table, total: int, matched: int, on_genome: int, chroms) -> None:
    if total == 0:
        raise DreamTFError(f"{fragments}: no fragments; expected lines of chrom, start, end, barcode, count")
    if matched == 0:
        some = ", ".join(list(table)[:2])
        raise DreamTFError(
            f"{fragments}: none of its barcodes is in {clusters_path} (whose barcodes are like {some}); "
            "expected the barcodes of the same experiment (a -1 suffix added or missing?)"
        )
    if on_genome == 0:
        raise DreamTFError(
            f"{fragments}: none of its fragments of the clusters' barcodes is on the genome's chromosomes "
            f"({', '.join(chroms[:3])}, ...); expected fragments on the same genome"
        )
