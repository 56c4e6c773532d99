"""Rule predict_factornet: every test window of a held-out cell, batched and streamed."""

import logging

from dreamtf.factornet import configure_device, load, quiet_tensorflow
from dreamtf.release import read_regions
from dreamtf.rule import run
from dreamtf.submission import write_predictions
from dreamtf.windows import GenomeCodes


def main(smk):
    quiet_tensorflow()
    model, meta = load(smk.input.model)
    device = configure_device(meta["params"]["gpu"], False)
    regions = read_regions(smk.input.regions)
    genome = GenomeCodes(smk.input.codes, smk.input.index)
    from dreamtf.factornet import predict_regions

    n = write_predictions(
        smk.output[0],
        predict_regions(model, meta, genome, smk.input.bigwig, regions, cell=smk.wildcards.cell),
        size=regions.size,
    )
    logging.getLogger("dreamtf").info("%d windows predicted on %s", n, device)


run(main, snakemake)  # noqa: F821
