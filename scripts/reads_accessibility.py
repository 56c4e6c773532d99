"""Rule reads_accessibility: MACS3's fold-change signal and peak sets of one cell's cut sites."""

import json
import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.reads import PIPELINE, call_accessibility, share_in_peaks, write_json
from dreamtf.rule import run


def main(smk):
    sizes = read_chrom_sizes(smk.input.sizes)
    with open(smk.input.record) as fh:
        record = json.load(fh)
    with open(smk.log[0], "a") as log_to:
        got = call_accessibility(
            smk.input.cuts,
            sizes,
            signal=smk.output.signal,
            conservative=smk.output.conservative,
            relaxed=smk.output.relaxed,
            log_to=log_to,
        )
    got["frip"] = share_in_peaks(smk.input.cuts, smk.output.conservative)
    write_json(smk.output.record, {**record, **got, "cell": smk.wildcards.cell, "pipeline": PIPELINE})
    logging.getLogger("dreamtf").info(
        "%s: %d conservative and %d relaxed peaks, FRiP %.3f", smk.wildcards.cell,
        got["conservative_peaks"], got["relaxed_peaks"], got["frip"],
    )  # fmt: skip


run(main, snakemake)  # noqa: F821
