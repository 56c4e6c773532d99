"""Rules encode_regions and genome_regions: the challenge's region files from a genome's FASTA and blacklist.

Windows of ``windows.size`` bp every ``windows.step`` bp on ``release.chromosomes``
(the challenge's window rule), minus those touching the blacklist; the test chromosomes make the
test (and ladder) regions, the others the training regions. With ``params.present`` (source
genome: any build or species) the chromosomes are those of ``release.chromosomes`` the FASTA has.
"""

from dreamtf.io.fasta import fasta_sizes
from dreamtf.release import write_regions_from_genome
from dreamtf.rule import run


def main(smk):
    p = smk.params
    chromosomes = list(p.chromosomes)
    if p.get("present"):
        sizes = fasta_sizes(smk.input.fasta)
        chromosomes = [c for c in chromosomes if c in sizes] or chromosomes  # none: the check names both
    write_regions_from_genome(
        smk.input.fasta,
        smk.input.blacklist,
        dict(zip(("train", "ladder", "test"), smk.output.regions)),
        chromosomes=chromosomes,
        test_chroms=list(p.test_chroms),
        size=int(p.size),
        step=int(p.step),
    )


run(main, snakemake)  # noqa: F821
