"""Rule simulate_release: write a simulated release in the challenge's layout."""

from dreamtf.rule import run
from dreamtf.simrelease import write_simulated_release


def main(smk):
    p = smk.params
    write_simulated_release(
        p.release,
        seed=p.seed,
        preset=p.preset,
        tfs=dict(p.tfs),
        test_chroms=tuple(p.test_chroms),
        fasta=p.fasta,
        size=p.size,
        step=p.step,
        label_rule=p.rule,
        min_overlap=p.min_overlap,
    )


run(main, snakemake)  # noqa: F821
