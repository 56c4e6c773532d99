"""The pinned conda environments agree with pyproject.toml, and every rule names one."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: PyPI name -> conda-forge/bioconda name where they differ
CONDA_NAME = {
    "pybigwig": "pybigwig",
    "xgboost-cpu": "py-xgboost-cpu",
    "matplotlib": "matplotlib-base",
    "tensorflow-cpu": "tensorflow",
}
#: PyPI packages that conda users do not need in a rule environment
NOT_IN_ENVS = {"snakemake", "snakemake-executor-plugin-slurm"}
#: packages of the FactorNet environments only
TF_PACKAGES = {"tensorflow-cpu", "keras"}
#: what FactorNet learned (rule interpret_factornet): in every FactorNet environment, with its motifs
INTERPRET_PACKAGES = {"modisco-lite", "memelite", "logomaker", "pyjaspar", "matplotlib"}


def pyproject_pins(extra: str | None = None) -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = meta["dependencies"] if extra is None else meta["optional-dependencies"][extra]
    pins = {}
    for d in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^;\s]+)", d.strip())
        assert m, f"pyproject.toml: dependency {d!r} is not pinned with =="
        pins[m.group(1).lower()] = m.group(2)
    return pins


def env_pins(name: str) -> dict[str, str]:
    env = yaml.safe_load((ROOT / "envs" / name).read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                n, v = pip_dep.split("==")
                pins[n.lower()] = v
        elif "=" in dep:
            n, v = dep.split("=", 1)
            pins[n.lower()] = v
    return pins


def test_dreamtf_env_matches_pyproject():
    env = env_pins("dreamtf.yaml")
    for name, version in pyproject_pins().items():
        if name in NOT_IN_ENVS | TF_PACKAGES | (INTERPRET_PACKAGES - {"pyjaspar", "matplotlib"}):
            continue
        conda = CONDA_NAME.get(name, name)
        assert conda in env, f"envs/dreamtf.yaml lacks {conda} (pyproject.toml pins {name}=={version})"
        assert env[conda] == version, f"envs/dreamtf.yaml pins {conda}={env[conda]}, pyproject.toml {version}"


def test_dreamtf_env_has_the_synapse_extra():
    env = env_pins("dreamtf.yaml")
    for name, version in pyproject_pins("synapse").items():
        assert env.get(name) == version, (
            f"envs/dreamtf.yaml must pin {name}=={version} (pyproject.toml's synapse extra)"
        )


def test_tensorflow_envs_match_pyproject():
    pins = pyproject_pins()
    cpu, gpu = env_pins("tensorflow.yaml"), env_pins("tensorflow-gpu.yaml")
    assert cpu["tensorflow-cpu"] == pins["tensorflow-cpu"] and cpu["keras"] == pins["keras"]
    assert gpu["tensorflow[and-cuda]"] == pins["tensorflow-cpu"] and gpu["keras"] == pins["keras"]
    jax, jax_gpu, torch = env_pins("jax.yaml"), env_pins("jax-gpu.yaml"), env_pins("torch.yaml")
    extra = pyproject_pins("jax")
    assert jax["jax"] == jax["jaxlib"] == jax_gpu["jax[cuda12]"] == extra["jax"] == extra["jaxlib"]
    for env in (cpu, gpu, jax, jax_gpu, torch):
        assert env["keras"] == pins["keras"]
        for name in ("numpy", "pybigwig", "pandas", "pyarrow", *INTERPRET_PACKAGES):
            assert env[CONDA_NAME.get(name, name)] == pins[name], name


def test_every_rule_has_a_conda_env_and_a_log():
    from dreamtf import registry

    text = "\n".join(p.read_text() for p in sorted((ROOT / "rules").glob("*.smk")))
    rules = re.split(r"\n\s*rule ", text)[1:]
    assert len(rules) >= 10
    for body in rules:
        name = body.split(":", 1)[0]
        if "script:" not in body:  # target-only rules, and the report that runs Snakemake itself
            continue
        assert "conda:" in body, f"rule {name} has no conda: directive"
        assert "log:" in body, f"rule {name} has no log:"
        m = re.search(r'conda:\s*\n\s*"([^"]+)"', body)
        assert m or "model_env" in body, f"rule {name}: conda: names no environment file"
        envs = [m.group(1)] if m else []
        if not m:  # the model's family and settings choose it: every backend, on CPU and GPU
            family = registry.FAMILIES["factornet"]
            for backend in ("tensorflow", "jax", "torch"):
                for gpu in (False, True):
                    model = registry.Model("f", family, {"backend": backend, "gpu": gpu}, ("seq_dnase",))
                    envs.append(registry.env(model))
        for env in envs:
            assert (ROOT / "rules" / env).resolve().is_file(), f"rule {name}: {env} does not exist"
