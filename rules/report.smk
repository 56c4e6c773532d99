# Plots and a summary of the scores: the ranked table and paired comparison first, then per
# pair tables, the models' training, weights and cards, and the peak lists.


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
        runs=[dict(r, peaks=PEAKS.format(**r)) for r in scored_runs()],
        predicted=unscored_runs(),
        skipped=model_runs("predict", skipped=True),
        single_peaks=single_peak_files(),
        reads=reads_report(),
        labels={tf: labels_file(tf, "test") for tf in TFS if TFS[tf]["test_cells"]},
        chroms=lookup(dpath="chromosomes/test", within=config),
        # published final-round figures beside real data only, never beside a simulated release
        published=SOURCE != "simulate",
        baseline=baseline_run(),
        paired={
            "replicates": lookup(dpath="scoring/paired_replicates", within=config),
            "seed": lookup(dpath="scoring/paired_seed", within=config),
        },
        feature_sets=lookup(dpath="feature_sets", within=config),
        models=REPORT_MODELS,
    script:
        "../scripts/plot_report.py"


rule plot_training:
    input:
        unpack(training_inputs),
    output:
        report(
            "results/report/training_curves.png",
            caption="../report/training.rst",
            category="Models",
            labels={"what": "FactorNet's training curves"},
        ),
    log:
        "logs/plot_training/training.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        entries=REPORT_MODELS["factornet"],
    script:
        "../scripts/plot_training.py"


# everything the workflow makes but its HTML report: the report's own contents
rule results:
    input:
        "results/scores/scores.tsv",
        run_files(PEAKS),
        run_files(TRACK),
        [r["peaks"] for r in unscored_runs()],
        [r["track"] for r in unscored_runs()],
        family_targets(),
        release_record(),
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
