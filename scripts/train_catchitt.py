"""Rule train_catchitt: XGBoost with Catchitt's iterative training for one training cell."""

import json
import logging

from dreamtf.catchitt import save_model, train
from dreamtf.featurestore import open_feature_set
from dreamtf.modelcard import model_card, write_model_card
from dreamtf.rule import run


def main(smk):
    w, p = smk.wildcards, smk.params
    with open_feature_set(
        list(smk.input.features), list(p.groups), w.tf, smk.input.get("gtf"), list(smk.input.get("rnaseq", []))
    ) as fset:
        held = set(p.test_chroms) | set(p.valid_chroms)
        train_chroms = [c for c in fset.chroms if c not in held]
        model = train(
            fset,
            smk.input.labels,
            w.cell,
            train_chroms=train_chroms,
            valid_chroms=list(p.valid_chroms),
            size=p.size,
            params=dict(p.catchitt),
            threads=smk.threads,
        )
    meta = model["meta"]
    card = model_card(
        model=smk.wildcards.model,
        tf=w.tf,
        feature_set=w.feature_set,
        cells=[w.cell],
        trained_on=meta["train_chroms"],
        validated_on=meta["valid_chroms"],
        held_out=list(p.test_chroms),
        windows={"rounds": meta["history"], "validation": meta["validation_windows"]},
        seed=meta["params"]["seed"],
        settings=meta["params"],
        packages=("xgboost",),
        learned_motifs=json.loads(open(smk.input.learned).read()) if "learned" in smk.input.keys() else None,
    )
    save_model(smk.output.model, model)
    write_model_card(smk.output.card, card)
    logging.getLogger("dreamtf").info(
        "trained on %s; validation on %s", ", ".join(train_chroms), ", ".join(p.valid_chroms)
    )


run(main, snakemake)  # noqa: F821
