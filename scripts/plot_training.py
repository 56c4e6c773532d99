"""Rule plot_training: FactorNet's validation auPRC and loss per epoch, one column per TF."""

from dreamtf.report import write_training_plot
from dreamtf.rule import run


def main(smk):
    write_training_plot(smk.input.scores, [dict(e) for e in smk.params.entries], smk.output[0])


run(main, snakemake)  # noqa: F821
