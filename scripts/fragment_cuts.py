"""Rule fragment_cuts_<sample>: one pass over a fragments file, each cluster's cut sites and counts."""

import logging

from dreamtf.errors import DreamTFError
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
    for cluster in clusters:  # counted before any job on every contig; here on the genome's chromosomes
        n = stats["clusters"][cluster]["fragments"]
        if n < smk.params.min_fragments:
            raise DreamTFError(
                f"{smk.input.fragments}: cluster {cluster!r} has {n:,} fragments on the genome's chromosomes, "
                f"fewer than reads.min_fragments ({smk.params.min_fragments:,}); the rest are on other contigs "
                "(chrM?): lower reads.min_fragments, or leave the cluster out"
            )
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
