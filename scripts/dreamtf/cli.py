"""The dreamtf command: the steps people run on their own (simulate, manifest, labels, score, export, install,
predict, warm-up).

Every default comes from the workflow's schema (:mod:`dreamtf.config`). Errors a user
can fix print one line on stderr and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from .config import choices, defaults
from .errors import DreamTFError, os_error_message
from .predict_cli import add_predict

log = logging.getLogger("dreamtf")

DESCRIPTION = "The ENCODE-DREAM TF-binding challenge's steps that people run on their own."
#: the score keys printed first, in this order; bootstrap bounds and anything else follow, sorted
SCORE_KEYS = ["auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr", "n_bound", "n_unbound"]


def version() -> str:
    """The installed package's version, else the one in the source tree's pyproject.toml."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("dreamtf")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _simulate(args) -> None:
    from .simrelease import write_simulated_release

    t0 = time.perf_counter()
    summary = write_simulated_release(
        args.out,
        seed=args.seed,
        preset=args.preset,
        test_chroms=defaults("chromosomes", "test"),
        size=defaults("windows", "size"),
        step=defaults("windows", "step"),
        label_rule=defaults("labels", "rule"),
        min_overlap=defaults("labels", "min_overlap"),
        flank_module=args.flank_module,
    )
    log.info("simulated release written to %s in %.1f s", args.out, time.perf_counter() - t0)
    print(json.dumps(summary, indent=1))


def _labels(args) -> None:
    from .io.bed import read_bed3
    from .io.chroms import check_same_chroms, parse_chrom_list, read_chrom_sizes
    from .io.narrowpeak import read_narrowpeak
    from .io.windowtable import write_labels
    from .labels import label_counts, label_windows
    from .windows import region_starts

    sizes = read_chrom_sizes(args.chrom_sizes)
    chroms = parse_chrom_list(args.chroms)
    check_same_chroms(sizes, str(args.chrom_sizes), chroms, "--chroms")
    blacklist = read_bed3(args.blacklist)
    peaks = tuple(read_narrowpeak(p, chrom_sizes=sizes) for p in (args.conservative, args.relaxed))
    totals = {"U": 0, "A": 0, "B": 0}

    def count(chrom, codes):
        for k, v in label_counts(codes).items():
            totals[k] += v

    windows = ((c, region_starts(sizes[c], blacklist.get(c), args.size, args.step)) for c in chroms)
    per_chrom = label_windows(
        windows, [peaks], size=args.size, rule=args.rule, min_overlap=args.min_overlap, on_chrom=count
    )
    t0 = time.perf_counter()
    n = write_labels(args.out, [args.cell], per_chrom, size=args.size)
    log.info("%d windows labelled in %.1f s (rule %s): %s", n, time.perf_counter() - t0, args.rule, totals)


def _score(args) -> None:
    from .io.chroms import parse_chrom_list
    from .scoring import score_files

    chroms = parse_chrom_list(args.chroms)
    res = score_files(args.labels, args.cell, args.predictions, chroms=chroms, bootstrap=args.bootstrap)
    ordered = {k: res[k] for k in SCORE_KEYS + sorted(set(res) - set(SCORE_KEYS))}
    if args.json:
        print(json.dumps(ordered))
    else:
        for k, v in ordered.items():
            print(f"{k}\t{v:.6f}" if isinstance(v, float) else f"{k}\t{v}")


def _manifest(args) -> None:
    from .io.download import human_bytes
    from .io.manifest import write_manifest

    t0 = time.perf_counter()
    out, n, total = write_manifest(args.release)
    print(f"{out}: {n} files, {human_bytes(total)} ({time.perf_counter() - t0:.1f} s)")


def _export(args) -> None:
    from .bundle import export_bundle, load_run_config
    from .io.download import human_bytes

    t0 = time.perf_counter()
    cfg, source = load_run_config(args.run_dir, args.config or ())
    bundle = export_bundle(args.run_dir, args.bundle, cfg, source)
    size = human_bytes(Path(args.bundle).stat().st_size)
    print(f"{args.bundle}: {len(bundle.members)} model files, {size} ({time.perf_counter() - t0:.1f} s)")


def _install(args) -> None:
    from .bundle import CHROM_SIZES, check_compatible, install_models, load_run_config, read_bundle
    from .io.chroms import read_chrom_sizes

    t0 = time.perf_counter()
    cfg, _ = load_run_config(args.run_dir, args.config or ())
    sizes_path = Path(args.chrom_sizes or Path(args.run_dir) / CHROM_SIZES)
    if not sizes_path.is_file():
        raise DreamTFError(
            f"{sizes_path}: not found; run the workflow's check_release step there first "
            "(snakemake results/release/chrom.sizes), or name the genome's sizes with --chrom-sizes"
        )
    bundle = read_bundle(args.bundle)
    differs = check_compatible(bundle, cfg, read_chrom_sizes(sizes_path), run_dir=args.run_dir)
    if differs:
        print(f"{args.bundle}: {differs}", file=sys.stderr)
    written = install_models(bundle, args.run_dir)
    print(f"{args.bundle}: {len(written)} model files installed into {args.run_dir} ({time.perf_counter() - t0:.1f} s)")


def _warm_up(args) -> None:
    from .interpret import compile_tomtom

    t0 = time.perf_counter()
    compile_tomtom()
    print(f"TOMTOM's JIT code compiled and cached ({time.perf_counter() - t0:.1f} s)")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: ...)" to an option's help where there is a default to show."""

    def _get_help_string(self, action):
        # by identity: a default of 0 (== False) is a default to show
        if action.required or any(action.default is v for v in (None, False, argparse.SUPPRESS)):
            return action.help
        return super()._get_help_string(action)


def _command(sub, name: str, text: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".", formatter_class=_HelpFormatter)


def _add_simulate(sub) -> None:
    s = _command(sub, "simulate", "write a simulated challenge release")
    s.add_argument("--out", required=True, help="release folder to write")
    s.add_argument("--seed", type=int, default=defaults("release", "seed"), help="the simulator's random seed")
    s.add_argument(
        "--preset",
        choices=choices("release", "preset"),
        default=defaults("release", "preset"),
        help="demo: a few Mb per chromosome; bench: the real hg19 chromosome lengths",
    )
    s.add_argument(
        "--flank-module",
        type=float,
        default=defaults("release", "flank_module"),
        metavar="SHARE",
        help="share of motif instances given a flanking module that no database holds, 0 to 1",
    )
    s.set_defaults(func=_simulate)


def _add_labels(sub) -> None:
    lb = _command(sub, "labels", "derive U/A/B labels for one cell from ChIP-seq narrowPeaks")
    lb.add_argument("--chrom-sizes", required=True, help="chromosome lengths (chrom.sizes or .fai)")
    lb.add_argument("--blacklist", required=True, help="BED of excluded regions (windows overlapping are dropped)")
    lb.add_argument("--chroms", required=True, help="comma-separated chromosomes, e.g. chr2,chr3")
    lb.add_argument("--cell", required=True, help="the cell type, the label column's name")
    lb.add_argument("--conservative", required=True, help="conservative (IDR) narrowPeak")
    lb.add_argument("--relaxed", required=True, help="relaxed narrowPeak")
    lb.add_argument(
        "--rule",
        choices=choices("labels", "rule"),
        default=defaults("labels", "rule"),
        help="the label rule; challenge is the organisers' own",
    )
    lb.add_argument(
        "--min-overlap", type=int, default=defaults("labels", "min_overlap"), help="bp of overlap for the overlap rule"
    )
    lb.add_argument("--size", type=int, default=defaults("windows", "size"), help="window size in bp")
    lb.add_argument("--step", type=int, default=defaults("windows", "step"), help="window step in bp")
    lb.add_argument("--out", required=True, help="label TSV to write (.tsv.gz)")
    lb.set_defaults(func=_labels)


def _add_score(sub) -> None:
    sc = _command(sub, "score", "score a submission file as the challenge did")
    sc.add_argument("--labels", required=True, help="label TSV (chr, start, stop, one U/A/B column per cell)")
    sc.add_argument("--cell", required=True, help="the cell type scored, a column of the label TSV")
    sc.add_argument("--predictions", required=True, help="submission file (chr, start, stop, score; no header)")
    sc.add_argument(
        "--chroms", default=",".join(defaults("chromosomes", "test")), help="scored chromosomes, comma-separated"
    )
    sc.add_argument(
        "--bootstrap",
        type=int,
        default=defaults("scoring", "bootstrap"),
        help="stratified subsamples, each leaving out one of this many folds, whose minimum and maximum bound "
        "each metric (10: the challenge's 90%% subsamples; 0: none; else at least 2)",
    )
    sc.add_argument("--json", action="store_true", help="print one JSON object instead of tab-separated lines")
    sc.set_defaults(func=_score)


def _add_bundles(sub) -> None:
    config_help = (
        "a config file of the run, read on top of RUN_DIR/config.yaml when there is one; several are merged "
        "in order, as snakemake --configfile merges them"
    )
    ex = _command(sub, "export", "write a run's trained models, peak thresholds and settings into one bundle")
    ex.add_argument("run_dir", metavar="RUN_DIR", help="the folder the workflow ran in (its working directory)")
    ex.add_argument("bundle", metavar="BUNDLE", help="the bundle to write (a zip: name it .zip)")
    ex.add_argument("--config", nargs="+", action="extend", metavar="CONFIG", help=config_help)
    ex.set_defaults(func=_export)
    ins = _command(sub, "install", "check a bundle against a run's config and genome, then install its models there")
    ins.add_argument("bundle", metavar="BUNDLE", help="a bundle written by dreamtf export")
    ins.add_argument("run_dir", metavar="RUN_DIR", help="the folder the predicting workflow runs in")
    ins.add_argument("--config", nargs="+", action="extend", metavar="CONFIG", help=config_help)
    ins.add_argument(
        "--chrom-sizes",
        help="the genome's chromosome sizes (chrom.sizes or .fai); by default the ones the workflow wrote in RUN_DIR",
    )
    ins.set_defaults(func=_install)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dreamtf", description=DESCRIPTION, formatter_class=_HelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)
    _add_simulate(sub)
    m = _command(sub, "manifest", "list a release folder's files with sizes and md5 (manifest.tsv)")
    m.add_argument("release", help="release folder; writes <release>/manifest.tsv")
    m.set_defaults(func=_manifest)
    _add_labels(sub)
    _add_score(sub)
    _add_bundles(sub)
    add_predict(sub, _command)
    w = _command(sub, "warm-up", "compile and cache the JIT code of the interpret step (TOMTOM) once")
    w.set_defaults(func=_warm_up)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        args.func(args)
    except DreamTFError as exc:
        print(f"dreamtf {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # missing file, read-only folder, full disk
        print(f"dreamtf {args.command}: error: {os_error_message(exc)}", file=sys.stderr)
        return 1

    return 0


if __name__ == "__main__":
    sys.exit(main())
