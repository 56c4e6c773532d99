"""Rule collect_calibration: every held-out peak list's check as one row of results/scores/calibration.tsv."""

from dreamtf.report import collect_calibration
from dreamtf.rule import run


def main(smk):
    collect_calibration(list(smk.input), smk.output[0])


run(main, snakemake)  # noqa: F821
