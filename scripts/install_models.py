"""Rule install_models: a bundle's models, verified and checked against this run, installed as training writes them."""

from dreamtf import bundle as bd
from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.rule import run


def main(smk):
    bundle = bd.read_bundle(smk.input.bundle)
    bd.check_compatible(bundle, smk.config, read_chrom_sizes(smk.input.sizes))
    bd.install_models(bundle, ".")


run(main, snakemake)  # noqa: F821
