"""Rule learn_motifs: motifs learned from one TF's training cells (training chromosomes only), as MEME."""

import json
import logging

from dreamtf import interpret as it
from dreamtf.errors import DreamTFError
from dreamtf.io.fasta import GenomeCodes
from dreamtf.io.files import atomic_write_text
from dreamtf.io.motiffile import write_meme
from dreamtf.io.windowtable import read_labels
from dreamtf.motif_learning import learn_motifs
from dreamtf.motifs import resolve_motif
from dreamtf.rule import run

log = logging.getLogger("dreamtf")


def database_matrix(tf: str, matrix):
    """The TF's database matrix (:class:`dreamtf.motifs.Motif`), or None for a TF JASPAR lacks.

    A matrix the config names must load: a bad one stops the job in one line, it is
    never quietly replaced by learning without one.
    """
    try:
        return resolve_motif(tf, matrix)
    except DreamTFError as exc:
        if matrix:
            raise
        log.info("%s: learning without a database matrix (%s)", tf, exc)
        return None


def compare(motifs, database, top: int) -> tuple[list[dict], object, list, object]:
    """Per learned motif: its best JASPAR matches by TOMTOM and where the TF's own matrix ranks among them."""
    seeds = [{"matrix_id": database.matrix_id, "name": database.name, "probs": database.probs}] if database else []
    targets, mats = it.with_seeds(*it.jaspar_targets(), seeds)
    ranked = it.match_motifs([m.probs for m in motifs], targets, mats, top=len(targets))
    own = it.seed_ranks(ranked, len(motifs), seeds)
    rows = []
    for i, m in enumerate(motifs):
        best = ranked[(ranked["motif"] == i) & (ranked["rank"] <= top)]
        rows.append(
            {
                "id": m.matrix_id,
                "best_matches": [
                    {k: r[k] for k in ("matrix_id", "name", "p_value", "q_value", "strand")} for _, r in best.iterrows()
                ],
                # rank 1: the learned motif is closest to the database matrix of all; a motif
                # that ranks it low (or not at all) carries what the database lacks
                "database_matrix": own[i],
            }
        )
    return rows, ranked[ranked["rank"] <= top].reset_index(drop=True), mats, targets


def main(smk):
    p = dict(smk.params.settings)
    tf, cells = smk.wildcards.tf, list(smk.params.cells)
    held = set(smk.params.test_chroms) | set(smk.params.valid_chroms)
    genome = GenomeCodes(smk.input.codes, smk.input.index)
    train_chroms = [c for c in genome.index if c not in held]
    # only the training chromosomes are read: the held-out and validation ones never shape a motif
    labels = read_labels(smk.input.labels, cells=cells, chroms=train_chroms, size=smk.params.size)
    peaks = dict(zip(cells, smk.input.get("dnase_peaks", []))) or None
    database = database_matrix(tf, smk.params.matrix)
    motifs, logos, record = learn_motifs(tf, genome, labels, peaks, database, p, threads=smk.threads)
    rows, matches, mats, targets = compare(motifs, database, p["matches"])
    for info, row in zip(record["motifs"], rows):
        info.update(row)
    record["database_matrix"] = database.matrix_id if database else None
    record["settings"] = p
    write_meme(smk.output.meme, [(m.matrix_id, tf, m.probs, lg["sites"]) for m, lg in zip(motifs, logos)])
    title = (
        f"{tf}: motifs learned from {', '.join(cells)} (training chromosomes {', '.join(record['chromosomes_read'])})"
    )
    why = (record.get("extension") or {}).get("why_not", "no motif learned")
    it.plot_logos(logos, matches, mats, targets, smk.output.logos, title=title, empty=why)
    with atomic_write_text(smk.output.record) as fh:
        json.dump(record, fh, indent=1, default=float)
    for info in record["motifs"]:
        best = (info["best_matches"] or [{}])[0]
        log.info(
            "%s: %s; best JASPAR match %s %s (q = %s); %s's own matrix ranks %s",
            info["id"],
            info["consensus"],
            best.get("matrix_id"),
            best.get("name"),
            best.get("q_value"),
            tf,
            (info["database_matrix"] or {}).get("rank", "-"),
        )
    if not motifs:
        log.warning("%s: no motif learned (%s); the motif_learned group of %s has no column", tf, why, tf)


run(main, snakemake)  # noqa: F821
