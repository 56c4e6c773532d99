"""Rule derive_labels: U/A/B labels of a split's cells from their ChIP-seq peaks."""

import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.io.windowtable import read_regions, write_labels
from dreamtf.labels import label_counts, label_windows
from dreamtf.rule import run


def main(smk):
    log = logging.getLogger("dreamtf")
    sizes = read_chrom_sizes(smk.input.sizes)
    regions = read_regions(smk.input.regions, size=smk.params.size)
    cells = list(smk.params.cells)
    peaks = [
        (read_narrowpeak(cons, chrom_sizes=sizes), read_narrowpeak(rel, chrom_sizes=sizes))
        for cons, rel in zip(smk.input.conservative, smk.input.relaxed)
    ]

    def report(chrom, codes):
        for cell, column in zip(cells, codes.T):
            log.info("%s %s: %s", chrom, cell, label_counts(column))

    per_chrom = label_windows(
        regions.by_chrom(),
        peaks,
        size=regions.size,
        rule=smk.params.rule,
        min_overlap=smk.params.min_overlap,
        on_chrom=report,
    )
    n = write_labels(smk.output[0], cells, per_chrom, size=regions.size)
    log.info("%d windows labelled for %s (rule %s)", n, ", ".join(cells), smk.params.rule)


run(main, snakemake)  # noqa: F821
