# The input functions and extra targets of each model family's rules (rules/<family>.smk),
# one section a family. No rules here.


# catchitt (rules/catchitt.smk)


def catchitt_inputs(wildcards):
    """Features, labels, (for expression) GTF and RNA-seq of one catchitt model's cell, and
    the learned motifs' record for a set that scans them (its model card says where they were learned).
    """
    w = wildcards
    learned = "motif_learned" in config["feature_sets"][w.feature_set]
    return {
        "features": feature_files(w.feature_set, w.tf, w.cell),
        **labels_inputs(w.tf, "train"),
        **expression_inputs([w.cell], uses_expression(w.feature_set)),
        **({"learned": f"results/motifs/learned/{w.tf}.json"} if learned else {}),
    }


def predict_catchitt_inputs(wildcards):
    """The TF's cell models, and the cell's features on the stage's region file."""
    w = wildcards
    return {
        "models": [
            f"results/models/{w.model}/{w.feature_set}/{w.tf}.{c}.zip"
            for c in TFS[w.tf]["train_cells"]
        ],
        "features": feature_files(w.feature_set, w.tf, w.cell),
        "regions": cell_regions(w.stage, w.tf, w.cell),
        **expression_inputs([w.cell], uses_expression(w.feature_set)),
    }


def catchitt_targets():
    """Each cell model's feature importance plot (none for a bundle's models: their training data are elsewhere)."""
    if BUNDLE:
        return []
    return [
        f"results/models/{m.name}/{fs}/{tf}.{cell}.importance.png"
        for m in models_of("catchitt")
        for fs in m.feature_sets
        for tf, spec in TFS.items()
        for cell in spec["train_cells"]
    ]


# factornet (rules/factornet.smk)


def train_factornet_inputs(wildcards):
    """Genome codes, the training cells' DNase caches and labels, optional DNase peaks and RNA-seq."""
    tf, fn = wildcards.tf, RUN[wildcards.model].settings
    train = TFS[tf]["train_cells"]
    out = {
        "codes": "results/genome/genome.u8",
        "index": "results/genome/genome.json",
        "dnase": [f"results/factornet/dnase/{c}.f16" for c in train],
        "dnase_index": [f"results/factornet/dnase/{c}.json" for c in train],
        **labels_inputs(tf, "train"),
    }
    if fn["open_negatives"] > 0:
        out["dnase_peaks"] = [cell_peaks(c, "relaxed") for c in train]
    if fn["meta_pcs"] > 0:
        out["rnaseq"] = [f for c in tf_cells(tf) for f in rnaseq_files(c)]
    return out


def factornet_model(wildcards):
    """A trained model and its metadata, with the genome codes and the cell's DNase cache."""
    w = wildcards
    cell = w.cell if "cell" in w.keys() else interpret_cell(w.tf)
    return {
        "model": f"results/models/{w.model}/{w.tf}.keras",
        "meta": f"results/models/{w.model}/{w.tf}.json",
        "codes": "results/genome/genome.u8",
        "index": "results/genome/genome.json",
        "dnase": f"results/factornet/dnase/{cell}.f16",
        "dnase_index": f"results/factornet/dnase/{cell}.json",
    }


def interpret_cell(tf):
    """The held-out cell whose best-scoring windows the attributions explain."""
    return (TFS[tf]["test_cells"] or TFS[tf]["predict_cells"])[0]


def factornet_targets():
    # attributions need the model's logit from sequence alone: none with expression metadata
    return [
        f"results/interpret/{m.name}/{tf}/logos.png"
        for m in models_of("factornet")
        if m.settings["meta_pcs"] == 0
        for tf in TFS
    ]


def factornet_gpu(wildcards):
    return 1 if RUN[wildcards.model].settings["gpu"] else 0


# ensemble (rules/ensemble.smk)


def ensemble_member_files(wildcards, stage, cells):
    """Each member's predictions of ``cells`` in ``stage``: cell-major, members in their order."""
    w = wildcards
    members = registry.member_runs(RUN[w.model], w.feature_set, RUN)
    return [
        f"results/{stage}/{m}/{fs}/F.{w.tf}.{c}.tab.gz"
        for c in cells
        for m, fs in members
    ]


def ensemble_members(wildcards):
    """The members' names as written in the weights file: model/feature_set."""
    return [
        f"{m}/{fs}"
        for m, fs in registry.member_runs(
            RUN[wildcards.model], wildcards.feature_set, RUN
        )
    ]


def learn_motifs_inputs(wildcards):
    """Genome codes, the TF's training labels and the training cells' relaxed DNase peaks (open, unbound sites)."""
    tf = wildcards.tf
    return {
        "codes": "results/genome/genome.u8",
        "index": "results/genome/genome.json",
        "dnase_peaks": [cell_peaks(c, "relaxed") for c in TFS[tf]["train_cells"]],
        **labels_inputs(tf, "train"),
    }
