"""Rule simulate_release: write the simulated challenge release of a seed and preset, all its TFs and cells."""

from dreamtf.rule import run
from dreamtf.simrelease import write_simulated_release


def main(smk):
    p = smk.params
    write_simulated_release(
        p.release,
        seed=p.seed,
        preset=p.preset,
        test_chroms=tuple(p.test_chroms),
        fasta=p.fasta,
        size=p.size,
        step=p.step,
        label_rule=p.rule,
        min_overlap=p.min_overlap,
        flank_module=p.flank_module,
    )


run(main, snakemake)  # noqa: F821
