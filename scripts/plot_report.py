"""Rule plot_report: auPRC bar chart, PR curves and a markdown summary of the scores."""

from dreamtf.report import write_report
from dreamtf.rule import run


def main(smk):
    write_report(
        smk.input.scores,
        runs=[dict(r) for r in smk.params.runs],
        labels=dict(smk.params.labels),
        chroms=list(smk.params.chroms),
        summary=smk.output.summary,
        auprc_png=smk.output.auprc,
        curves_png=smk.output.curves,
        calibration=smk.input.calibration,
        calibration_png=smk.output.calibration,
        published=smk.params.published,
        predicted=[dict(r) for r in smk.params.predicted],
    )


run(main, snakemake)  # noqa: F821
