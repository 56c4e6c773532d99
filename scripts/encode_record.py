"""Rule encode_record: ``encode.json`` beside an ENCODE release, the record of what it was built
from: the genome, the portal, the annotation files, every accession by its place in the layout,
and each cell's accessibility assay. Cells of your own (``cells``) are not part of the release.
"""

import json

from dreamtf.io.files import atomic_write_text
from dreamtf.rule import run


def main(smk):
    p = smk.params
    record = {**p.release, "files": dict(p.files)}
    record["accessibility_assays"] = {c: a["assay"] for c, a in p.release["encode"]["accessibility"].items()}
    with atomic_write_text(smk.output[0]) as fh:
        json.dump(record, fh, indent=1, sort_keys=True)


run(main, snakemake)  # noqa: F821
