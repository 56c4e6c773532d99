"""Rule predict_factornet: every test window of a held-out cell, batched and streamed."""

import logging

from dreamtf.factornet import configure_device, load, predict_regions, quiet_tensorflow
from dreamtf.io.fasta import GenomeCodes
from dreamtf.io.windowtable import read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    quiet_tensorflow()
    # the device comes from the current config, not from the one the model was trained with
    device = configure_device(smk.params.factornet["gpu"], False, smk.threads)
    model, meta = load(smk.input.model, smk.input.meta)
    regions = read_regions(smk.input.regions, size=smk.params.size)
    genome = GenomeCodes(smk.input.codes, smk.input.index)
    n = write_predictions(
        smk.output[0],
        predict_regions(model, meta, genome, smk.input.bigwig, regions, cell=smk.wildcards.cell),
        size=regions.size,
    )
    logging.getLogger("dreamtf").info("%d windows predicted on %s", n, device)


run(main, snakemake)  # noqa: F821
