"""Rule fragment_cuts_<sample>: one pass over a fragments file, each cluster's cut sites and counts."""

import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.pseudobulk import split_fragments
from dreamtf.reads import write_json
from dreamtf.rule import run


def main(smk):
    sizes = read_chrom_sizes(smk.input.sizes)
    clusters = list(smk.params.clusters)
    stats = split_fragments(smk.input.fragments, smk.input.clusters, sizes, dict(zip(clusters, smk.output.cuts)))
    logging.getLogger("dreamtf").info(
        "%s: %d fragments, %d with a barcode of no cluster", smk.input.fragments,
        stats["fragments_in_file"], stats["fragments_unmatched"],
    )  # fmt: skip
    for cluster, record in zip(clusters, smk.output.records):
        got = stats["clusters"][cluster]
        write_json(
            record,
            {
                "form": "fragments",
                "file": smk.input.fragments,
                "clusters": smk.input.clusters,
                "cluster": cluster,
                "assay": "ATAC-seq",
                "fragments": got["fragments"],
                "barcodes": got["cells"],
                "cuts": 2 * got["fragments"],
                "fragments_in_file": stats["fragments_in_file"],
                "fragments_unmatched": stats["fragments_unmatched"],
            },
        )


run(main, snakemake)  # noqa: F821
