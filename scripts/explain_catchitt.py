"""Rule explain_catchitt: gain and SHAP importance of one model's features (TSV and bar plot)."""

import numpy as np

from dreamtf.catchitt import importance, load_model
from dreamtf.featurestore import open_feature_set
from dreamtf.io.windowtable import read_labels
from dreamtf.report_plots import plot_importance
from dreamtf.rule import run


def main(smk):
    w = smk.wildcards
    model = load_model(smk.input.model)
    rng = np.random.default_rng(0)
    lab = read_labels(smk.input.labels, cells=[w.cell], chroms=list(smk.params.valid_chroms), size=smk.params.size)
    parts = []
    with open_feature_set(
        list(smk.input.features), list(smk.params.groups), w.tf, smk.input.get("gtf"), list(smk.input.get("rnaseq", []))
    ) as fset:
        for chrom in smk.params.valid_chroms:
            if chrom not in lab.chroms:
                continue
            codes = lab.column(w.cell)[lab.chrom_rows(chrom)]
            _, x = fset.load(chrom)
            bound = np.flatnonzero(codes == 2)
            unbound = np.flatnonzero(codes == 0)
            pick = np.concatenate(
                [bound, rng.choice(unbound, min(len(unbound), 4 * max(len(bound), 500)), replace=False)]
            )
            parts.append(x[np.sort(pick)])
    df = importance(model, np.vstack(parts))
    df.to_csv(smk.output.tsv, sep="\t", index=False, float_format="%.6g")
    plot_importance(df, smk.output.png, title=f"catchitt {w.feature_set}: {w.tf} in {w.cell}")


run(main, snakemake)  # noqa: F821
