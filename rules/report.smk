# Plots and a summary table of the scores.


rule plot_report:
    input:
        unpack(report_inputs),
    output:
        summary=report(
            "results/report/summary.md",
            caption="../report/summary.rst",
            category="Scores",
            labels={"what": "summary (markdown)"},
        ),
        auprc=report(
            "results/report/auprc.png",
            caption="../report/auprc.rst",
            category="Scores",
            labels={"what": "auPRC by model"},
        ),
        curves=report(
            "results/report/pr_curves.png",
            caption="../report/pr_curves.rst",
            category="Scores",
            labels={"what": "PR curves"},
        ),
        calibration=report(
            "results/report/calibration.png",
            caption="../report/calibration.rst",
            category="Peaks",
            labels={"what": "promised against measured precision"},
        ),
    log:
        "logs/plot_report/report.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        runs=scored_runs(),
        labels={tf: labels_file(tf, "test") for tf in TFS},
        chroms=lookup(dpath="chromosomes/test", within=config),
        # published final-round figures beside real data only, never beside a simulated release
        published=SOURCE != "simulate",
    script:
        "../scripts/plot_report.py"
