"""Rule encode_regions: the challenge's region files for an ENCODE release, from its FASTA and blacklist.

Windows of ``windows.size`` bp every ``windows.step`` bp on ``release.chromosomes``
(the challenge's window rule), minus those touching the blacklist; the test chromosomes make the
test (and ladder) regions, the others the training regions.
"""

from dreamtf.release import write_regions_from_genome
from dreamtf.rule import run


def main(smk):
    p = smk.params
    write_regions_from_genome(
        smk.input.fasta,
        smk.input.blacklist,
        dict(zip(("train", "ladder", "test"), smk.output.regions)),
        chromosomes=list(p.chromosomes),
        test_chroms=list(p.test_chroms),
        size=int(p.size),
        step=int(p.step),
    )


run(main, snakemake)  # noqa: F821
