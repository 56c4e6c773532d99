# Models trained elsewhere: a bundle written by `dreamtf export` (config models_from),
# checked against this run's genome and settings and installed where training writes them.

if BUNDLE:

    rule install_models:
        input:
            bundle=str(BUNDLE.path),
            sizes="results/release/chrom.sizes",
        output:
            models=bd.bundle_files(BUNDLE),
            # what differs between the bundle's genome and this run's, for the report
            genome=BUNDLE_GENOME,
        log:
            "logs/install_models/install.log",
        conda:
            "../envs/dreamtf.yaml"
        script:
            "../scripts/install_models.py"
