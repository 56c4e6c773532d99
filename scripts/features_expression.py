"""Rule features_expression: expression of the nearest gene (GENCODE TSS, RNA-seq TPM)."""

from dreamtf.featurestore import build_expression
from dreamtf.rule import run


def main(smk):
    build_expression(
        smk.input.gtf, list(smk.input.rnaseq), list(smk.input.regions), smk.output[0], size=smk.params.size
    )


run(main, snakemake)  # noqa: F821
