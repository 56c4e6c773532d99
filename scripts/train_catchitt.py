"""Rule train_catchitt: XGBoost with Catchitt's iterative training for one training cell."""

import logging

from dreamtf.catchitt import save_model, train
from dreamtf.featurestore import open_feature_set
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
    save_model(smk.output[0], model)
    logging.getLogger("dreamtf").info(
        "trained on %s; validation on %s", ", ".join(train_chroms), ", ".join(p.valid_chroms)
    )


run(main, snakemake)  # noqa: F821
