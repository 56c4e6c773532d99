"""Rule derive_labels: U/A/B labels of a split's cells from their ChIP-seq peaks."""

import logging

import numpy as np

from dreamtf.genome import check_same_chroms, read_chrom_sizes
from dreamtf.labels import derive_labels, label_counts, write_labels
from dreamtf.peaks import empty_peaks, read_narrowpeak
from dreamtf.release import read_regions
from dreamtf.rule import run


def main(smk):
    log = logging.getLogger("dreamtf")
    sizes = read_chrom_sizes(smk.input.sizes)
    regions = read_regions(smk.input.regions)
    cells = list(smk.params.cells)
    peaks = []
    for cons_path, rel_path in zip(smk.input.conservative, smk.input.relaxed):
        cons, rel = read_narrowpeak(cons_path), read_narrowpeak(rel_path)
        check_same_chroms(sizes, "the genome FASTA", list(cons), cons_path)
        check_same_chroms(sizes, "the genome FASTA", list(rel), rel_path)
        peaks.append((cons, rel))

    def per_chrom():
        for chrom, starts in regions.by_chrom():
            codes = [
                derive_labels(
                    starts,
                    c.get(chrom, empty_peaks()),
                    r.get(chrom, empty_peaks()),
                    size=regions.size,
                    rule=smk.params.rule,
                    min_overlap=smk.params.min_overlap,
                )
                for c, r in peaks
            ]
            for cell, cc in zip(cells, codes):
                log.info("%s %s: %s", chrom, cell, label_counts(cc))
            yield chrom, starts, np.column_stack(codes)

    n = write_labels(smk.output[0], cells, per_chrom(), size=regions.size)
    log.info("%d windows labelled for %s", n, ", ".join(cells))


run(main, snakemake)  # noqa: F821
