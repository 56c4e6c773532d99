"""Rule plot_report: the summary (ranked table and paired comparison first) and its figures."""

from dreamtf.report import ReportFiles, write_report
from dreamtf.rule import run


def main(smk):
    write_report(
        smk.input.scores,
        runs=[dict(r) for r in smk.params.runs],
        labels=dict(smk.params.labels),
        chroms=list(smk.params.chroms),
        out=ReportFiles(
            summary=smk.output.summary,
            auprc=smk.output.auprc,
            curves=smk.output.curves,
            calibration=smk.output.calibration,
        ),
        calibration=smk.input.calibration,
        published=smk.params.published,
        predicted=[dict(r) for r in smk.params.predicted],
        skipped=[dict(r) for r in smk.params.skipped],
        single_peaks=dict(smk.params.single_peaks),
        bundle_genome=smk.input.bundle_genome[0] if smk.input.bundle_genome else None,
        reads={**dict(smk.params.reads), "records": list(smk.input.reads)} if smk.params.reads else None,
        baseline=smk.params.baseline,
        paired=dict(smk.params.paired),
        feature_sets={k: list(v) for k, v in dict(smk.params.feature_sets).items()},
        models={k: [dict(e) for e in v] for k, v in dict(smk.params.models).items()},
    )


run(main, snakemake)  # noqa: F821
