# Plots and a summary table of the scores.


rule plot_report:
    input:
        unpack(report_inputs),
    output:
        summary="results/report/summary.md",
        auprc="results/report/auprc.png",
        curves="results/report/pr_curves.png",
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
