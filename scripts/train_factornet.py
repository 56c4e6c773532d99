"""Rule train_factornet: one FactorNet model per TF on its training cells, pooled."""

import logging
import shutil

from dreamtf.factornet import save
from dreamtf.factornet_train import expression_pcs, train
from dreamtf.io.fasta import GenomeCodes
from dreamtf.io.memmap import ChromArrays
from dreamtf.modelcard import model_card, write_model_card
from dreamtf.motifs import resolve_motif
from dreamtf.rule import run


def main(smk):
    p = dict(smk.params.factornet)
    held = set(smk.params.test_chroms) | set(smk.params.valid_chroms)
    genome = GenomeCodes(smk.input.codes, smk.input.index)
    dnase = {c: ChromArrays(d, i) for c, d, i in zip(smk.params.cells, smk.input.dnase, smk.input.dnase_index)}
    train_chroms = [c for c in next(iter(dnase.values())).index if c not in held]
    uses_motif = p["motif_init"] or p["motif_negatives"]
    motifs = [resolve_motif(smk.wildcards.tf, smk.params.matrix)] if uses_motif else None
    meta_by_cell = expression_pcs(dict(smk.params.rnaseq), p["meta_pcs"]) if p["meta_pcs"] else None
    model, meta = train(
        genome,
        dnase,
        smk.input.labels,
        train_chroms=train_chroms,
        valid_chroms=list(smk.params.valid_chroms),
        size=smk.params.size,
        threads=smk.threads,
        params=p,
        log_csv=smk.output.history + ".tmp",
        meta_by_cell=meta_by_cell,
        dnase_peaks=dict(zip(smk.params.cells, smk.input.get("dnase_peaks", []))) or None,
        motifs=motifs,
    )
    backend = meta["params"]["backend"]
    card = model_card(
        model=smk.wildcards.model,
        tf=smk.wildcards.tf,
        feature_set="seq_dnase",
        cells=meta["cells"],
        trained_on=meta["train_chroms"],
        validated_on=meta["valid_chroms"],
        held_out=list(smk.params.test_chroms),
        windows={
            "bound_in_pool": meta["bound_windows"],
            "per_epoch": p["bound_per_epoch"] * (1 + p["negatives_per_bound"]),
            "epochs_run": meta["epochs_run"],
            "best_epoch": meta["best_epoch"],
            "validation_sample": meta["validation_sample"],
        },
        seed=p["seed"],
        settings=meta["params"],
        packages=("keras", {"torch": "torch", "jax": "jax"}.get(backend, "tensorflow")),
    )
    save(model, smk.output.model, meta, smk.output.meta)
    write_model_card(smk.output.card, card)
    shutil.move(smk.output.history + ".tmp", smk.output.history)
    logging.getLogger("dreamtf").info(
        "validation auPRC %.3f (weighted sample of %d windows standing for %d) after %d epochs (best %d) on %s; "
        "the exact figure over every window of %s in each training cell: results/calibration/factornet",
        meta["valid_auprc"],
        meta["validation_sample"]["n"],
        meta["validation_sample"]["stands_for"],
        meta["epochs_run"],
        meta["best_epoch"],
        meta["device"],
        ", ".join(meta["valid_chroms"]),
    )


run(main, snakemake)  # noqa: F821
