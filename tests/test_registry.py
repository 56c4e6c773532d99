"""The model registry: families, the run's models and variants, ensemble members, and the rules it drives."""

from pathlib import Path

import pytest
from workflow_runs import ROOT, job_counts, snakemake

from dreamtf import registry
from dreamtf.config import schema, validate_config
from dreamtf.errors import DreamTFError

SCHEMA = ROOT / "schemas" / "config.schema.yaml"
TFS = {"CTCF": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]}}


def run_models(**extra):
    cfg = validate_config({"tfs": TFS, **extra}, SCHEMA)
    return registry.models(cfg, schema())


def test_every_family_has_its_rules_file_and_scripts():
    for family in registry.FAMILIES.values():
        assert (ROOT / "rules" / f"{family.name}.smk").is_file(), family.name
        for script in family.scripts.values():
            assert (ROOT / "scripts" / script).is_file(), script
    assert registry.rule_files() == [f"rules/{name}.smk" for name in registry.FAMILIES]


def test_default_models_and_their_feature_sets():
    run = run_models()
    assert list(run) == ["baseline", "catchitt", "factornet", "ensemble"]
    assert run["baseline"].feature_sets == ("dnase_max",)
    assert run["factornet"].feature_sets == ("seq_dnase",)
    assert run["catchitt"].feature_sets == ("dnase", "dnase_motif")
    assert run["ensemble"].feature_sets == ("dnase", "dnase_motif")
    assert registry.member_runs(run["ensemble"], "dnase", run) == [("catchitt", "dnase"), ("factornet", "seq_dnase")]
    assert [m.name for m in run.values() if m.family.trains] == ["catchitt", "factornet", "ensemble"]


def test_variant_takes_the_family_settings_with_its_own_on_top():
    run = run_models(
        models=["catchitt", "catchitt_deep", "factornet", "factornet_1kb"],
        catchitt={"rounds": 2},
        variants={
            "catchitt_deep": {"family": "catchitt", "xgboost": {"max_depth": 10}, "feature_sets": ["dnase"]},
            "factornet_1kb": {"family": "factornet", "input_length": 1200, "backend": "jax"},
        },
    )
    deep = run["catchitt_deep"]
    assert deep.family.name == "catchitt" and deep.feature_sets == ("dnase",)
    assert deep.settings["xgboost"]["max_depth"] == 10
    assert deep.settings["xgboost"]["tree_method"] == "hist"  # the rest of xgboost's settings stay
    assert deep.settings["rounds"] == 2  # the family's section, as the user set it
    assert run["catchitt"].settings["xgboost"]["max_depth"] == 6
    assert run["factornet_1kb"].settings["input_length"] == 1200
    assert registry.env(run["factornet_1kb"]) == "../envs/jax.yaml"
    assert registry.env(run["factornet"]) == "../envs/tensorflow.yaml"
    assert registry.pattern(run, "catchitt") == "catchitt|catchitt_deep"
    assert registry.pattern(run, "ensemble") == "ensemble"  # none in the run: matches only its own name


def test_ensemble_of_variants_names_its_members():
    run = run_models(
        models=["catchitt", "catchitt_deep", "factornet", "ens_deep"],
        variants={
            "catchitt_deep": {"family": "catchitt", "xgboost": {"max_depth": 10}, "feature_sets": ["dnase_motif"]},
            "ens_deep": {"family": "ensemble", "members": ["catchitt_deep", "factornet"], "weights": "equal"},
        },
    )
    ens = run["ens_deep"]
    assert ens.feature_sets == ("dnase_motif",)  # only where its catchitt member runs
    members = registry.member_runs(ens, "dnase_motif", run)
    assert members == [("catchitt_deep", "dnase_motif"), ("factornet", "seq_dnase")]
    assert ens.settings["weights"] == "equal"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"models": ["catchit"]}, "'models': 'catchit' is neither a model family"),
        ({"models": ["x"], "variants": {"x": {"family": "xgb"}}}, "'variants.x.family': 'xgb' is not a model family"),
        (
            {"models": ["x"], "variants": {"x": {"family": "catchitt", "max_dept": 3}}},
            "'variants.x': Additional properties are not allowed ('max_dept' was unexpected) (allowed: average_rounds",
        ),
        (
            {"models": ["x"], "variants": {"x": {"family": "catchitt", "rounds": 0}}},
            "'variants.x.rounds': 0 is less than the minimum of 1",
        ),
        (
            {"models": ["factornet", "x"], "variants": {"x": {"family": "factornet", "feature_sets": ["dnase"]}}},
            "'variants.x.feature_sets': factornet runs on its own inputs (seq_dnase)",
        ),
        (
            {"models": ["x"], "variants": {"x": {"family": "catchitt", "feature_sets": ["dnas"]}}},
            "'variants.x.feature_sets': 'dnas' is not in feature_sets",
        ),
        ({"models": ["catchitt", "ensemble"]}, "'ensemble.members': 'factornet' is not in models"),
        (
            {"models": ["baseline", "catchitt", "ensemble"], "ensemble": {"members": ["catchitt", "baseline"]}},
            "'ensemble.members': 'baseline' cannot be an ensemble member",
        ),
        (
            {"models": ["catchitt"], "variants": {"catchitt": {"family": "catchitt"}}},
            "'variants.catchitt': a variant cannot take a family's name",
        ),
        (
            {"models": ["factornet", "x"], "variants": {"x": {"family": "factornet", "dnase_norm": "log1p"}}},
            "'variants.x.dnase_norm': shared by every factornet model of the run",
        ),
    ],
)
def test_bad_models_are_refused_in_one_line(extra, message):
    with pytest.raises(DreamTFError) as err:
        run_models(**extra)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def dry_run_jobs(tmp_path: Path, config: str) -> dict[str, int]:
    (tmp_path / "run.yaml").write_text(config)
    r = snakemake(tmp_path, "--configfile", str(tmp_path / "run.yaml"), "-n", "--quiet", "rules")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return job_counts(r)


def test_variants_get_their_own_jobs_beside_the_family(tmp_path):
    base = (ROOT / "tests" / "config.yaml").read_text()
    (tmp_path / "a").mkdir()
    plain = dry_run_jobs(tmp_path / "a", base)
    both = base.replace(
        "models: [baseline, catchitt]",
        "models: [baseline, catchitt, catchitt_deep]\n"
        "variants:\n  catchitt_deep: {family: catchitt, xgboost: {max_depth: 10}}",
    )
    (tmp_path / "b").mkdir()
    with_variant = dry_run_jobs(tmp_path / "b", both)
    # two more cell models, their explanations, and the variant's own predictions, peaks and scores
    assert with_variant["train_catchitt"] == 2 * plain["train_catchitt"]
    assert with_variant["explain_catchitt"] == 2 * plain["explain_catchitt"]
    assert with_variant["score_predictions"] == plain["score_predictions"] + 1
    assert with_variant["call_peaks"] == plain["call_peaks"] + 1
    # the features are shared: computed once whichever models read them
    assert with_variant["features_dnase"] == plain["features_dnase"]
