"""Rule predict_catchitt (and validate_catchitt): a region file's windows in one cell, averaged over the cell models."""

import logging

import numpy as np

from dreamtf.catchitt import load_model, predict
from dreamtf.errors import DreamTFError
from dreamtf.featurestore import open_feature_set
from dreamtf.io.windowtable import read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    models = [load_model(p) for p in smk.input.models]
    regions = read_regions(smk.input.regions, chroms=smk.params.get("chroms"), size=smk.params.size)
    with open_feature_set(
        list(smk.input.features),
        list(smk.params.groups),
        smk.wildcards.tf,
        smk.input.get("gtf"),
        list(smk.input.get("rnaseq", [])),
    ) as fset:

        def per_chrom():
            for chrom, starts in regions.by_chrom():
                fstarts, x = fset.load(chrom)
                if not np.array_equal(fstarts, starts):
                    # the feature cache holds every region file's windows: take this file's
                    at = np.minimum(np.searchsorted(fstarts, starts), len(fstarts) - 1)
                    if len(fstarts) == 0 or not np.array_equal(fstarts[at], starts):
                        raise DreamTFError(f"features of {chrom} do not match {smk.input.regions}")
                    x = x[at]
                scores = predict(models, x, fset.columns, threads=smk.threads, average_rounds=smk.params.average_rounds)
                # free this chromosome's features before the next one loads: memory holds one at a time
                del x, fstarts
                yield chrom, starts, scores

        n = write_predictions(smk.output[0], per_chrom(), size=regions.size)
    logging.getLogger("dreamtf").info("%d windows predicted with %d models", n, len(models))


run(main, snakemake)  # noqa: F821
