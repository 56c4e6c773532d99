"""Rule interpret_factornet: attributions on FactorNet's top held-out windows, TF-MoDISco motifs, JASPAR matches."""

import json
import logging

import numpy as np

from dreamtf import backends
from dreamtf import interpret as it
from dreamtf.factornet import load
from dreamtf.factornet_inputs import chrom_inputs
from dreamtf.io.fasta import GenomeCodes
from dreamtf.io.files import atomic_path, atomic_write_text
from dreamtf.io.memmap import ChromArrays
from dreamtf.io.motiffile import write_meme
from dreamtf.io.windowtable import read_predictions
from dreamtf.rule import run

log = logging.getLogger("dreamtf")


def encoded_windows(model, genome, dnase, chroms, starts, length: int, size: int) -> np.ndarray:
    """The model's encoded inputs (n, length, 4 + 1) of ``size`` bp windows at (chroms, starts)."""
    flank = (length - size) // 2
    encoded = np.zeros((len(starts), length, 5), dtype=np.float32)
    for c in dict.fromkeys(chroms):
        rows = np.flatnonzero(np.array(chroms) == c)
        encoded[rows] = it.encode(model, chrom_inputs(genome, dnase, c, starts[rows] - flank, length))
    return encoded


def write_attributions(path, chroms, starts, scores, encoded, hyp) -> None:
    """The windows, their scores, base codes and hypothetical contributions, as one compressed npz."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(
            fh,
            chrom=np.array(chroms),
            start=starts,
            score=scores,
            codes=encoded[..., :4].argmax(-1).astype(np.uint8),
            hypothetical=hyp.astype(np.float16),
        )


def central_motifs(onehot, hyp, p: dict, threads: int) -> list[dict]:
    """TF-MoDISco's motifs in the central ``width`` bp of the windows, the ``motifs`` with most seqlets."""
    c0 = (onehot.shape[1] - p["width"]) // 2
    motifs = it.discover_motifs(
        onehot[:, c0 : c0 + p["width"]],
        hyp[:, c0 : c0 + p["width"]],
        max_seqlets=p["max_seqlets"],
        n_leiden_runs=p["leiden_runs"],
        threads=threads,
    )
    return motifs[: p["motifs"]]


def summarise(tf, cell, n_windows: int, width: int, targets, names, motifs, matches, seeds: list[dict]) -> dict:
    """summary.json: each learned motif's seqlets and length beside its best JASPAR match and,
    when the kernels started as a matrix, where that seed ranks among the motif's matches."""
    best = matches[matches["rank"] == 1].reset_index(drop=True)
    near_seed = it.seed_ranks(matches, len(motifs), seeds)
    out = []
    for i, m in enumerate(motifs):
        row = {"motif": names[i], "seqlets": m["seqlets"], "length": len(m["ppm"])}
        if i < len(best):
            row.update({k: best.loc[i, k] for k in ("matrix_id", "name", "p_value", "q_value")})
        if seeds:
            row["seed_match"] = near_seed[i]
            row["echoes_seed"] = bool(near_seed[i] and near_seed[i]["rank"] == 1)
        out.append(row)
    return {
        "tf": tf,
        "cell": cell,
        "windows": n_windows,
        "central_bp": width,
        "jaspar": f"{targets['release'].iloc[0]} CORE vertebrates ({len(targets)} matrices)",
        # a learned motif matching the matrix the kernels started as is no evidence of learning
        "kernels_seeded_with": [s["matrix_id"] for s in seeds],
        "motifs": out,
    }


def main(smk):
    p, fn = dict(smk.params.interpret), smk.params.factornet
    tf, cell = smk.wildcards.tf, smk.params.cell
    backends.setup(fn["backend"], gpu=fn["gpu"], threads=smk.threads)
    model, meta = load(smk.input.model, smk.input.meta)
    genome = GenomeCodes(smk.input.codes, smk.input.index)
    dnase = ChromArrays(smk.input.dnase, smk.input.dnase_index)
    pred = read_predictions(smk.input.predictions)
    chroms, starts, scores = it.top_windows(pred, p["windows"])
    encoded = encoded_windows(model, genome, dnase, chroms, starts, meta["params"]["input_length"], pred.size)
    onehot, hyp = it.attributions(model, encoded)
    log.info(
        "%s: gradient x input on the %d best-scoring windows of %s (scores %.3g-%.3g)",
        tf,
        len(starts),
        cell,
        scores.min(),
        scores.max(),
    )
    write_attributions(smk.output.attributions, chroms, starts, scores, encoded, hyp)
    motifs = central_motifs(onehot, hyp, p, smk.threads)
    seeds = meta.get("seeded_with", [])
    targets, mats = it.with_seeds(*it.jaspar_targets(), seeds)
    ranked = it.match_motifs([m["ppm"] for m in motifs], targets, mats, top=len(targets))
    matches = ranked[ranked["rank"] <= p["matches"]].reset_index(drop=True)
    names = [f"factornet_{tf}_{i + 1}" for i in range(len(motifs))]
    write_meme(smk.output.meme, [(n, tf, m["ppm"], m["seqlets"]) for n, m in zip(names, motifs)])
    with atomic_write_text(smk.output.matches) as fh:
        matches.assign(motif=[names[i] for i in matches["motif"]]).to_csv(fh, sep="\t", index=False)
    seeded = f"kernels seeded with {', '.join(s['matrix_id'] for s in seeds)}" if seeds else "kernels not seeded"
    title = f"{tf}: what FactorNet learned ({cell}; {seeded})"
    it.plot_logos(motifs, matches, mats, targets, smk.output.logos, title=title)
    summary = summarise(tf, cell, len(starts), p["width"], targets, names, motifs, ranked, seeds)
    with atomic_write_text(smk.output.summary) as fh:
        json.dump(summary, fh, indent=1, default=float)
    for m in summary["motifs"]:
        log.info(
            "%s: %d seqlets, %d bp; best match %s %s (q = %s)%s",
            m["motif"],
            m["seqlets"],
            m["length"],
            m.get("matrix_id"),
            m.get("name"),
            m.get("q_value"),
            "; the seed the kernels started as" if m.get("echoes_seed") else "",
        )
    if not motifs:
        log.warning("%s: TF-MoDISco found no motif in the %d windows' attributions", tf, len(starts))


run(main, snakemake)  # noqa: F821
