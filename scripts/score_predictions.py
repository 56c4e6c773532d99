"""Rule score_predictions: one submission scored against the held-out labels as the challenge did, as a JSON record."""

import logging

from dreamtf.io.scorefile import write_score_record
from dreamtf.rule import run
from dreamtf.scoring import score_files


def main(smk):
    w = smk.wildcards
    res = score_files(
        smk.input.labels,
        w.cell,
        smk.input.predictions,
        chroms=list(smk.params.chroms),
        bootstrap=smk.params.bootstrap,
        size=smk.params.size,
    )
    row = {"model": w.model, "feature_set": w.feature_set, "tf": w.tf, "cell_type": w.cell, **res}
    write_score_record(smk.output[0], row)
    logging.getLogger("dreamtf").info("%s", row)


run(main, snakemake)  # noqa: F821
