"""The report's sections on the models: feature sets, FactorNet's training, ensemble weights, model cards,
and what was learned beyond the database matrix.

Everything here is read from files training wrote (``results/models/``): the model cards,
FactorNet's per-epoch log and metadata, and the ensemble's weights. The registry
(:func:`dreamtf.registry.report_files`) lists them for a run, so the report rule can
depend on them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from .errors import DreamTFError

#: what the families with inputs of their own read (the other feature sets are named groups)
FIXED_INPUTS = {
    "dnase_max": "the window's maximum DNase signal over the cell's mean (no training)",
    "seq_dnase": "one-hot DNA sequence and DNase fold change per base, both strands",
}


def _json(path: str | os.PathLike) -> dict:
    """A model's JSON file; one that does not parse (a truncated copy) is named in one line."""
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise DreamTFError(f"{path}: not JSON ({exc.msg}, line {exc.lineno}); was training interrupted?") from None


def feature_sets_markdown(runs: list[tuple[str, str]], feature_sets: dict, ensembles: list[dict]) -> str:
    """Each (model, feature set) run's inputs: a feature set's groups, a fixed input, or an ensemble's members."""
    members: dict[tuple[str, str], list[str]] = {}
    for e in ensembles:
        members.setdefault((e["model"], e["feature_set"]), [])
        for name in _json(e["path"])["members"]:
            if name not in members[(e["model"], e["feature_set"])]:
                members[(e["model"], e["feature_set"])].append(name)
    lines = ["| model:feature set | inputs |", "|---|---|"]
    for model, fs in runs:
        if (model, fs) in members:
            what = "rank average of " + ", ".join(n.replace("/", ":") for n in members[(model, fs)])
        elif fs in FIXED_INPUTS:
            what = FIXED_INPUTS[fs]
        else:
            what = "feature groups " + ", ".join(feature_sets.get(fs, ["(not in this config)"]))
        lines.append(f"| {model}:{fs} | {what} |")
    return "\n".join(lines)


def read_histories(entries: list[dict]) -> tuple[dict, dict, pd.DataFrame]:
    """FactorNet's logs by (model, TF), the epoch kept by (model, TF), and one summary row per model and TF."""
    histories, best, rows = {}, {}, []
    for e in entries:
        h = pd.read_csv(e["history"])
        meta = _json(e["meta"])
        key = (e["model"], e["tf"])
        histories[key], best[key] = h, int(meta["best_epoch"])
        kept = h[h["epoch"] + 1 == best[key]]
        rows.append(
            {
                "model": e["model"],
                "tf": e["tf"],
                "epochs_run": int(meta["epochs_run"]),
                "best_epoch": best[key],
                "val_auprc": float(kept["val_auprc"].iloc[0]) if len(kept) else float("nan"),
                "val_loss": float(kept["val_loss"].iloc[0]) if len(kept) else float("nan"),
                "device": meta.get("device", ""),
                "log": e["history"],
            }
        )
    return histories, best, pd.DataFrame(rows)


def training_markdown(summary: pd.DataFrame) -> str:
    lines = [
        "| model | TF | epochs run | epoch kept | validation auPRC | validation loss | device | log |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples(index=False):
        lines.append(
            f"| {r.model} | {r.tf} | {r.epochs_run} | {r.best_epoch} | {r.val_auprc:.3f} | {r.val_loss:.4f} | "
            f"{r.device} | `{r.log}` |"
        )
    return "\n".join(lines)


def ensemble_markdown(entries: list[dict]) -> str:
    """Each ensemble's member weights per feature set and TF, and the validation auPRC of those and of equal ones."""
    lines = [
        "| model:feature set | TF | weights | validation auPRC (equal weights) | chosen on |",
        "|---|---|---|---|---|",
    ]
    for e in entries:
        d = _json(e["path"])
        weights = ", ".join(f"{k.replace('/', ':')} {v:.2f}" for k, v in d["weights"].items())
        where = f"{', '.join(d.get('chroms', []))} of {', '.join(d.get('cells', []))}" if d.get("chroms") else "-"
        va, eq = d.get("validation_auprc"), d.get("equal_auprc")
        auc = "n/a" if va is None else f"{va:.3f}" + ("" if eq is None else f" ({eq:.3f})")
        lines.append(f"| {e['model']}:{e['feature_set']} | {e['tf']} | {weights} | {auc} | {where} |")
    return "\n".join(lines)


def cards_markdown(entries: list[dict]) -> str:
    """One row per model card: what the model trained on, what it stopped early on, and the held-out check."""
    lines = [
        "| model:feature set | TF | training cells | trained on | early stopping on | held-out check | seed | card |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        c = _json(e["path"])
        ch = c.get("chromosomes", {})
        check = "passed" if c.get("held_out_check", {}).get("passed") else "FAILED"
        lines.append(
            f"| {e['model']}:{e['feature_set']} | {e['tf']} | {', '.join(c.get('training_cells', []))} | "
            f"{', '.join(ch.get('trained_on', []))} | {', '.join(ch.get('early_stopping_on', []))} | {check} | "
            f"{c.get('seed', '')} | [{Path(e['path']).name}]({os.path.relpath(e['path'], 'results/report')}) |"
        )
    return "\n".join(lines)


def learned_markdown(learned: list[dict], interpret: list[dict]) -> str:
    """The motifs learned from the training cells (rule learn_motifs) and FactorNet's attribution motifs.

    Each beside its best JASPAR match and the rank of the TF's own matrix among its matches;
    a FactorNet motif that echoes the matrix its kernels started as is marked so, since
    a seed that survived training is no evidence of learning.
    """
    rows = []
    for e in learned:
        rec = _json(e["path"])
        ext = rec.get("extension") or {}
        for m in rec["motifs"]:
            best = (m.get("best_matches") or [{}])[0]
            own = m.get("database_matrix") or {}
            what = "de novo (CNN, TF-MoDISco)"
            if m["id"].endswith("_extended"):
                flank, in_core = len(ext.get("differing_positions", [])), len(ext.get("differing_core_positions", []))
                done = [f"core widened by {flank} flank positions"] if flank else []
                done += [f"{in_core} core positions relearned"] if in_core else []
                what = f"{', '.join(done)} ({ext.get('bound_sites')} bound / {ext.get('unbound_sites')} unbound sites)"
            elif "_flank_" in m["id"]:
                what = "a flank of the extension alone"
            rows.append((e["tf"], "learned", m["id"], m["consensus"], best, own.get("rank"), what))
        if not rec["motifs"]:
            rows.append((e["tf"], "learned", "none", "", {}, None, ext.get("why_not", "no motif learned")))
    for e in interpret:
        rec = _json(e["path"])
        seeded = ", ".join(rec.get("kernels_seeded_with", []))
        for m in rec["motifs"][:3]:
            seed = m.get("seed_match") or {}
            what = f"kernels seeded with {seeded}" + (": echoes the seed" if m.get("echoes_seed") else "")
            best = {k: m.get(k) for k in ("matrix_id", "name", "q_value")}
            rows.append((e["tf"], e["model"], m["motif"], f"{m['length']} bp", best, seed.get("rank"), what))
    if not rows:
        return ""
    lines = [
        "| TF | by | motif | consensus / length | best JASPAR match (q) | TF's own matrix ranks | how |",
        "|---|---|---|---|---|---|---|",
    ]
    for tf, by, mid, cons, best, rank, what in rows:
        match = ""
        if best.get("matrix_id"):
            match = f"{best['matrix_id']} {best.get('name')} ({best.get('q_value'):.2g})"
        lines.append(f"| {tf} | {by} | {mid} | {cons} | {match} | {'' if rank is None else rank} | {what} |")
    return "\n".join(lines)
