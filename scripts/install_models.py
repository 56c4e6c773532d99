"""Rule install_models: a bundle's models, verified and checked against this run, installed as training writes them;
what differs in the genome (another build, another species) logged and recorded for the report."""

import json
import logging

from dreamtf import bundle as bd
from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.files import atomic_write_text
from dreamtf.rule import run


def main(smk):
    bundle = bd.read_bundle(smk.input.bundle)
    differs = bd.check_compatible(bundle, smk.config, read_chrom_sizes(smk.input.sizes))
    if differs:
        logging.getLogger("dreamtf").warning("%s: %s", smk.input.bundle, differs)
    bd.install_models(bundle, ".")
    with atomic_write_text(smk.output.genome) as fh:
        json.dump(
            {"bundle": str(smk.input.bundle), "trained_on": bundle.config["genome"]["build"], "differs": differs}, fh
        )


run(main, snakemake)  # noqa: F821
