"""The model registry: every model family the workflow knows, and the models a run asks for.

A *family* (baseline, catchitt, factornet, ensemble) is one row of :data:`FAMILIES`: the
feature sets it runs on, its conda environment, its rules file and scripts, whether it
trains, and the config section that holds its settings. A *model* is what ``models`` in
the config names: a family under its own name with that section's settings, or a named
variant (``variants: {catchitt_deep: {family: catchitt, xgboost: {max_depth: 10}}}``)
whose settings are the family's with the variant's on top. Each model has its own
models, predictions, peaks and rows in ``scores.tsv``; what models share (feature
caches, the genome codes, the DNase caches) is computed once.

The Snakemake rules loop over this table: adding a family takes its module, one entry
here and one rules file (``rules/<name>.smk``), which the Snakefile includes from
:func:`rule_files`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import jsonschema

from .config import merge_config
from .errors import DreamTFError


@dataclass(frozen=True)
class Family:
    """One model family.

    Attributes
    ----------
    name
        The family's name; a model of that name needs no ``variants`` entry.
    feature_sets
        The feature sets the family's models run on: ``None`` for every set in the
        config's ``feature_sets`` (a variant may name a subset), else the family's own
        fixed inputs under one name (``dnase_max``, ``seq_dnase``).
    trains
        Whether the family has trained models (a run that only predicts needs none).
    settings
        The config section holding the family's settings (None: it has none).
    scripts
        The rule scripts of the family, by step (``train``, ``predict`` serving both the
        predictions and the validation stage, ``weights`` for the ensemble).
    envs
        The conda environment of the family's jobs, under ``envs/``; FactorNet's depends
        on its backend and on whether it runs on a GPU (:func:`env`).
    members
        Whether the family combines other models' predictions (the ensemble).
    shared
        Settings that shape inputs every model of the family shares (FactorNet's DNase
        cache): set in the family's section, never by a variant.
    sections
        Further config sections that only the family reads (FactorNet's ``interpret``).
    model_files
        The files a trained model writes per TF (``{model}``, ``{feature_set}``, ``{tf}``,
        ``{cell}`` for each training cell), relative to the run: what a bundle carries.
    """

    name: str
    feature_sets: tuple[str, ...] | None
    trains: bool
    settings: str | None
    scripts: dict[str, str] = field(default_factory=dict)
    envs: str = "dreamtf.yaml"
    members: bool = False
    shared: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    model_files: tuple[str, ...] = ()


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("baseline", ("dnase_max",), trains=False, settings=None, scripts={"predict": "predict_baseline.py"}),
        Family(
            "catchitt",
            None,
            trains=True,
            settings="catchitt",
            scripts={"train": "train_catchitt.py", "predict": "predict_catchitt.py", "explain": "explain_catchitt.py"},
            model_files=(
                "results/models/{model}/{feature_set}/{tf}.{cell}.zip",
                "results/models/{model}/{feature_set}/{tf}.{cell}.card.json",
            ),
        ),
        Family(
            "factornet",
            ("seq_dnase",),
            trains=True,
            settings="factornet",
            scripts={
                "train": "train_factornet.py",
                "predict": "predict_factornet.py",
                "interpret": "interpret_factornet.py",
            },
            envs="{backend}{gpu}.yaml",
            shared=("dnase_norm",),
            sections=("interpret",),
            model_files=(
                "results/models/{model}/{tf}.keras",
                "results/models/{model}/{tf}.json",
                "results/models/{model}/{tf}.card.json",
                "results/models/{model}/{tf}.history.csv",
            ),
        ),
        Family(
            "ensemble",
            None,
            trains=True,
            settings="ensemble",
            scripts={"weights": "ensemble_weights.py", "predict": "ensemble.py"},
            model_files=("results/models/{model}/{feature_set}/{tf}.json",),
            members=True,
        ),
    )
}

#: the stages every family predicts: the held-out cells on the test region file (prediction
#: cells genome-wide), the training cells' validation chromosomes (peak thresholds and ensemble
#: weights are chosen there), and held-out cells genome-wide (``predict.held_out: genome``), in
#: files apart from their scored ones
STAGES = ("predictions", "validation", "genome_wide")


@dataclass(frozen=True)
class Model:
    """A model the run asks for: its name (used in paths and ``scores.tsv``), family and settings."""

    name: str
    family: Family
    settings: dict
    feature_sets: tuple[str, ...]
    members: tuple[str, ...] = ()


def family_sections() -> dict[str, str]:
    """Each config section that holds one family's settings -> that family."""
    return {s: f.name for f in FAMILIES.values() for s in (f.settings, *f.sections) if s}


def rule_files() -> list[str]:
    """The rules file of every family, relative to the Snakefile."""
    return [f"rules/{name}.smk" for name in FAMILIES]


def _check_variant(name: str, spec: dict, cfg: dict, schema: dict, source: str) -> Family:
    family = FAMILIES.get(spec.get("family"))
    if family is None:
        raise DreamTFError(
            f"{source}: 'variants.{name}.family': {spec.get('family')!r} is not a model family "
            f"(families: {', '.join(FAMILIES)})"
        )
    if name in FAMILIES:
        raise DreamTFError(f"{source}: 'variants.{name}': a variant cannot take a family's name; choose another")
    keys = {k for k in spec if k not in ("family", "feature_sets")}
    for key in sorted(keys & set(family.shared)):
        raise DreamTFError(
            f"{source}: 'variants.{name}.{key}': shared by every {family.name} model of the run; "
            f"set it under '{family.settings}' instead"
        )
    section = schema["properties"].get(family.settings or "", {"properties": {}})
    if keys:
        sub = {"type": "object", "additionalProperties": False, "properties": section["properties"]}
        err = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(sub).iter_errors({k: spec[k] for k in keys})
        )
        if err is not None:
            where = ".".join(str(p) for p in (name, *err.absolute_path))
            allowed = ", ".join(sorted(section["properties"])) or "none"
            msg = err.message if err.validator != "additionalProperties" else f"{err.message} (allowed: {allowed})"
            raise DreamTFError(f"{source}: 'variants.{where}': {msg}")
    sets = spec.get("feature_sets")
    if sets is not None:
        if family.feature_sets is not None:
            raise DreamTFError(
                f"{source}: 'variants.{name}.feature_sets': {family.name} runs on its own inputs "
                f"({', '.join(family.feature_sets)}), not on feature sets"
            )
        unknown = [s for s in sets if s not in cfg["feature_sets"]]
        if unknown:
            raise DreamTFError(
                f"{source}: 'variants.{name}.feature_sets': {unknown[0]!r} is not in feature_sets "
                f"({', '.join(cfg['feature_sets'])})"
            )
    return family


def models(cfg: dict, schema: dict, source: str = "config.yaml") -> dict[str, Model]:
    """The models ``cfg['models']`` names, in its order, each with its family and settings.

    Refuses, in one line naming the key: a name that is neither a family nor a variant, a
    variant of an unknown family or with settings its family does not have, and an
    ensemble whose members are not models of the run.
    """
    variants = cfg.get("variants", {})
    for name, spec in variants.items():
        _check_variant(name, spec, cfg, schema, source)
    out = {}
    for name in cfg["models"]:
        if name in FAMILIES:
            family, spec = FAMILIES[name], {}
        elif name in variants:
            spec = variants[name]
            family = FAMILIES[spec["family"]]
        else:
            raise DreamTFError(
                f"{source}: 'models': {name!r} is neither a model family ({', '.join(FAMILIES)}) "
                f"nor a variant{' (variants: ' + ', '.join(variants) + ')' if variants else ''}"
            )
        base = cfg.get(family.settings, {}) if family.settings else {}
        settings = merge_config(base, {k: v for k, v in spec.items() if k not in ("family", "feature_sets")})
        sets = family.feature_sets or tuple(spec.get("feature_sets") or cfg["feature_sets"])
        members = tuple(settings.get("members", ())) if family.members else ()
        out[name] = Model(name, family, settings, tuple(sets), members)
    for model in out.values():
        _check_members(model, out, source)
    for name, model in out.items():
        if model.family.members:
            out[name] = dataclasses.replace(model, feature_sets=ensemble_sets(model, out))
    return out


def _check_members(model: Model, run: dict[str, Model], source: str) -> None:
    if not model.family.members:
        return
    key = "ensemble.members" if model.name == model.family.name else f"variants.{model.name}.members"
    for member in model.members:
        if member not in run:
            raise DreamTFError(
                f"{source}: '{key}': {member!r} is not in models ({', '.join(run)}); add it to models or drop it"
            )
        if run[member].family.members or run[member].family.name == "baseline":
            raise DreamTFError(f"{source}: '{key}': {member!r} cannot be an ensemble member")
    if len(model.members) < 2:
        raise DreamTFError(f"{source}: '{key}': an ensemble needs at least two members")
    if not any(run[m].family.feature_sets is None for m in model.members):
        raise DreamTFError(f"{source}: '{key}': one member must run on the config's feature sets (e.g. catchitt)")


def member_runs(model: Model, feature_set: str, run: dict[str, Model]) -> list[tuple[str, str]]:
    """(member model, its feature set) of ensemble ``model`` on ``feature_set``, in the members' order.

    A member that runs on the config's feature sets takes the ensemble's; one with inputs
    of its own (FactorNet's sequence and DNase) takes those.
    """
    out = []
    for m in model.members:
        fam_sets = run[m].family.feature_sets
        out.append((m, fam_sets[0] if fam_sets else feature_set))
    return out


def ensemble_sets(model: Model, run: dict[str, Model]) -> tuple[str, ...]:
    """The feature sets an ensemble runs on: those its feature-set members all run on, in config order."""
    sets = [run[m].feature_sets for m in model.members if run[m].family.feature_sets is None]
    common = set.intersection(*(set(s) for s in sets))
    return tuple(s for s in sets[0] if s in common)


def env(model: Model) -> str:
    """The conda environment file (relative to ``rules/``) of ``model``'s jobs."""
    name = model.family.envs
    if "{backend}" in name:
        s = model.settings
        gpu = "-gpu" if s["gpu"] and s["backend"] != "torch" else ""
        name = name.format(backend=s["backend"], gpu=gpu)
    return f"../envs/{name}"


def pattern(run: dict[str, Model], family: str) -> str:
    """A wildcard regex matching the names of the run's models of ``family`` (its own name when none)."""
    names = [m.name for m in run.values() if m.family.name == family] or [family]
    return "|".join(re.escape(n) for n in names)


def report_files(run: dict[str, Model], tfs: dict) -> dict[str, list[dict]]:
    """The trained-model files the report reads, by kind: ``cards``, ``factornet`` (log and metadata), ``ensemble``.

    Each entry names its model, feature set, TF (and training cell for per-cell models) and
    its file(s), at the paths the family's ``model_files`` give.
    """
    out: dict[str, list[dict]] = {"cards": [], "factornet": [], "ensemble": []}
    for m in run.values():
        for tf, spec in tfs.items():
            for fs in m.feature_sets:
                cells = spec["train_cells"] if any("{cell}" in t for t in m.family.model_files) else [None]
                for cell in cells:
                    files = [t.format(model=m.name, feature_set=fs, tf=tf, cell=cell) for t in m.family.model_files]
                    key = dict(model=m.name, family=m.family.name, feature_set=fs, tf=tf, cell=cell)
                    out["cards"] += [dict(key, path=f) for f in files if f.endswith(".card.json")]
                    if m.family.name == "factornet":
                        history = next(f for f in files if f.endswith(".history.csv"))
                        meta = history.removesuffix(".history.csv") + ".json"
                        out["factornet"].append(dict(key, history=history, meta=meta))
                    elif m.family.members:
                        out["ensemble"] += [dict(key, path=f) for f in files if f.endswith(".json")]
    return out


def reads_expression(model: Model, feature_set: str, run: dict[str, Model], feature_sets: dict) -> bool:
    """Whether ``model`` on ``feature_set`` reads a cell's RNA-seq: a feature set with the
    expression group, a family whose own inputs include it (FactorNet's ``meta_pcs``), or an
    ensemble with such a member."""
    if model.family.members:
        return any(reads_expression(run[m], fs, run, feature_sets) for m, fs in member_runs(model, feature_set, run))
    if model.family.feature_sets is None:
        return "expression" in feature_sets[feature_set]
    return bool(model.settings.get("meta_pcs", 0))


def expression_skips(run: dict[str, Model], cfg: dict, source: str = "config.yaml") -> dict[tuple, str]:
    """The predictions a run skips because a prediction cell has no RNA-seq and the model reads it.

    Returns ``{(model, feature_set, tf, cell): reason}``; the reason is one line for the log
    and the report. A genome without a GTF (source genome) places no gene, so then every
    prediction cell is without. A cell that no model of the run could predict is refused, naming it.
    """
    out = {}
    no_gtf = cfg["release"]["source"] == "genome" and not cfg["release"].get("gtf")
    for tf, spec in cfg["tfs"].items():
        for cell in spec["predict_cells"]:
            own = cfg["cells"].get(cell)
            if no_gtf:
                why = "release.gtf is not given, so no gene has a place in the genome"
            elif own is None or own.get("rnaseq"):
                continue
            else:
                why = f"cells.{cell} has no rnaseq"
            runs = [(m, fs) for m in run.values() for fs in m.feature_sets]
            for m, fs in runs:
                if reads_expression(m, fs, run, cfg["feature_sets"]):
                    out[(m.name, fs, tf, cell)] = (
                        f"{m.name}:{fs} skipped for {tf} in {cell}: it reads expression, and {why}"
                    )
            if runs and all((m.name, fs, tf, cell) in out for m, fs in runs):
                raise DreamTFError(
                    f"{source}: every model of the run reads expression, and {why} (tfs.{tf}.predict_cells "
                    f"{cell}); add {'release.gtf' if no_gtf else 'the cell' + chr(39) + 's RNA-seq'} or a model "
                    "or feature set without it"
                )
    return out
