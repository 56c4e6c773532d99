"""The ``dreamtf`` command: the steps people run on their own (simulate, manifest, labels, score).

Errors a user can fix print one line on stderr and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from . import defaults as D
from .errors import DreamTFError, os_error_message

log = logging.getLogger("dreamtf")


def _simulate(args) -> None:
    from .simrelease import write_simulated_release

    t0 = time.perf_counter()
    summary = write_simulated_release(
        args.out,
        seed=args.seed,
        preset=args.preset,
        test_chroms=D.TEST_CHROMS,
        size=D.WINDOW_SIZE,
        step=D.WINDOW_STEP,
        label_rule=D.LABEL_RULE,
        min_overlap=D.MIN_OVERLAP,
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
    keys = ["auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr", "n_bound", "n_unbound"]
    if args.json:
        print(json.dumps({k: res[k] for k in keys}))
    else:
        for k in keys + sorted(set(res) - set(keys)):
            v = res[k]
            print(f"{k}\t{v:.6f}" if isinstance(v, float) else f"{k}\t{v}")


def _manifest(args) -> None:
    from .io.download import human_bytes
    from .io.manifest import write_manifest

    t0 = time.perf_counter()
    out, n, total = write_manifest(args.release)
    print(f"{out}: {n} files, {human_bytes(total)} ({time.perf_counter() - t0:.1f} s)")


def _warm_up(args) -> None:
    from .interpret import compile_tomtom

    t0 = time.perf_counter()
    compile_tomtom()
    print(f"TOMTOM's JIT code compiled and cached ({time.perf_counter() - t0:.1f} s)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dreamtf", description=__doc__.splitlines()[0])
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="write a simulated challenge release")
    s.add_argument("--out", required=True, help="release folder to write")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument(
        "--preset",
        choices=["demo", "bench"],
        default="demo",
        help="demo: a few Mb per chromosome; bench: real hg19 lengths",
    )
    s.set_defaults(func=_simulate)

    m = sub.add_parser("manifest", help="list a release folder's files with sizes and md5 (manifest.tsv)")
    m.add_argument("release", help="release folder; writes <release>/manifest.tsv")
    m.set_defaults(func=_manifest)

    lb = sub.add_parser("labels", help="derive U/A/B labels for one cell from ChIP-seq narrowPeaks")
    lb.add_argument("--chrom-sizes", required=True)
    lb.add_argument("--blacklist", required=True, help="BED of excluded regions (windows overlapping are dropped)")
    lb.add_argument("--chroms", required=True, help="comma-separated chromosomes, e.g. chr2,chr3")
    lb.add_argument("--cell", required=True)
    lb.add_argument("--conservative", required=True, help="conservative (IDR) narrowPeak")
    lb.add_argument("--relaxed", required=True, help="relaxed narrowPeak")
    lb.add_argument(
        "--rule",
        choices=["challenge", "overlap", "summit"],
        default=D.LABEL_RULE,
        help="the label rule (default: the challenge organisers' own)",
    )
    lb.add_argument("--min-overlap", type=int, default=D.MIN_OVERLAP, help="bp of overlap for the 'overlap' rule")
    lb.add_argument("--size", type=int, default=D.WINDOW_SIZE, help="window size in bp")
    lb.add_argument("--step", type=int, default=D.WINDOW_STEP, help="window step in bp")
    lb.add_argument("--out", required=True, help="label TSV to write (.tsv.gz)")
    lb.set_defaults(func=_labels)

    sc = sub.add_parser("score", help="score a submission file as the challenge did")
    sc.add_argument("--labels", required=True)
    sc.add_argument("--cell", required=True)
    sc.add_argument("--predictions", required=True)
    sc.add_argument("--chroms", default=",".join(D.TEST_CHROMS), help="scored chromosomes, comma-separated")
    sc.add_argument(
        "--bootstrap",
        type=int,
        default=D.BOOTSTRAP,
        help="stratified 90%% subsamples for lower/upper bounds, as the challenge (0: none)",
    )
    sc.add_argument("--json", action="store_true", help="print one JSON object")
    sc.set_defaults(func=_score)

    w = sub.add_parser("warm-up", help="compile and cache the JIT code of the interpret step (TOMTOM) once")
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
