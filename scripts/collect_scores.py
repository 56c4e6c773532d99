"""Rule collect_scores: every scored run as one row of results/scores/scores.tsv."""

from dreamtf.report import collect_scores
from dreamtf.rule import run


def main(smk):
    collect_scores(list(smk.input), smk.output[0])


run(main, snakemake)  # noqa: F821
