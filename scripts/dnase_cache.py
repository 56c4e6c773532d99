"""Rule dnase_cache: a cell's DNase bigWig decoded once into FactorNet's memory-mapped channel."""

import logging

from dreamtf.factornet_inputs import write_dnase_cache
from dreamtf.featurestore import region_windows
from dreamtf.rule import run


def main(smk):
    chroms = [c for c, _, _ in region_windows(list(smk.input.regions), smk.params.size)]
    index = write_dnase_cache(smk.input.bigwig, smk.output.data, smk.output.index, chroms, norm=smk.params.norm)
    logging.getLogger("dreamtf").info("%d chromosomes, %d bp", len(index), sum(n for _, n in index.values()))


run(main, snakemake)  # noqa: F821
