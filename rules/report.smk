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
        predicted=unscored_runs(),
        labels={tf: labels_file(tf, "test") for tf in TFS if TFS[tf]["test_cells"]},
        chroms=lookup(dpath="chromosomes/test", within=config),
        # published final-round figures beside real data only, never beside a simulated release
        published=SOURCE != "simulate",
    script:
        "../scripts/plot_report.py"


# everything the workflow makes but its HTML report: the report's own contents
rule results:
    input:
        "results/scores/scores.tsv",
        run_files("results/peaks/{model}/{feature_set}/{tf}.{cell}.narrowPeak.gz"),
        run_files("results/tracks/{model}/{feature_set}/{tf}.{cell}.bigWig"),
        predicted_files("results/peaks/{model}/{feature_set}/{tf}.{cell}.narrowPeak.gz"),
        predicted_files("results/tracks/{model}/{feature_set}/{tf}.{cell}.bigWig"),
        genome_wide_files(GENOME_WIDE_PEAKS),
        genome_wide_files(GENOME_WIDE_TRACK),
        family_targets(),
        "results/report/summary.md",


# Snakemake's own self-contained report (plots with captions, the rules, runtimes), rebuilt
# whenever anything it shows changes. It runs `snakemake --report` on the finished results:
# in the main process (the report needs the workflow, not a job environment), without
# taking the working directory's lock, which this run holds.
rule html_report:
    input:
        rules.results.input,
    output:
        "results/report/report.html",
    log:
        "logs/html_report/report.log",
    localrule: True
    params:
        snakefile=workflow.main_snakefile,
        configfiles=[str(Path(f).resolve()) for f in workflow.configfiles],
    run:
        from dreamtf.snakereport import write_snakemake_report

        write_snakemake_report(
            output[0],
            params.snakefile,
            params.configfiles,
            target="results",
            log=log[0],
        )
