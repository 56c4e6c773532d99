"""Rule predict_factornet (and validate_factornet): a region file's windows in one cell, from memory maps."""

import logging

from dreamtf import backends
from dreamtf.factornet import load
from dreamtf.factornet_predict import predict_regions
from dreamtf.io.fasta import GenomeCodes
from dreamtf.io.memmap import ChromArrays
from dreamtf.io.windowtable import read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    p = smk.params.factornet
    # backend and device come from the current config, not from the one the model was trained with
    device = backends.setup(p["backend"], gpu=p["gpu"], threads=smk.threads)
    model, meta = load(smk.input.model, smk.input.meta)
    regions = read_regions(smk.input.regions, chroms=smk.params.get("chroms"), size=smk.params.size)
    genome = GenomeCodes(smk.input.codes, smk.input.index)
    dnase = ChromArrays(smk.input.dnase, smk.input.dnase_index)
    scores = predict_regions(
        model,
        meta,
        genome,
        dnase,
        regions,
        cell=smk.wildcards.cell,
        batch=p["predict_batch_size"],
        shared_trunk=not p["gpu"],  # the convolutions once per base pay off on a CPU only
    )
    n = write_predictions(smk.output[0], scores, size=regions.size)
    logging.getLogger("dreamtf").info("%d windows predicted with %s", n, device)


run(main, snakemake)  # noqa: F821
