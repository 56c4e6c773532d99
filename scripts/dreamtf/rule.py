"""Glue for rule scripts: log to the rule's log file, turn input errors into one line."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from . import imports
from .errors import DreamTFError, os_error_message
from .io.files import remove_stale_temps


def redirect_to_log(path: str) -> None:
    """Send this process's stdout, stderr (file descriptors too: C libraries' output) and logging to ``path``."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, force=True, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )


def run(main: Callable, smk) -> None:
    """Run ``main(smk)`` with output in the rule's log; bad input or a failed write exits 1 with one line.

    Temporary files that an earlier, killed attempt at the same outputs left behind are
    removed first. The process is marked a job process: xgboost and Keras load without
    the packages :mod:`dreamtf.imports` hides.
    """
    imports.for_jobs()
    if smk.log:
        redirect_to_log(str(smk.log[0]))
    try:
        for out in smk.output:
            remove_stale_temps(out)
        main(smk)
    except DreamTFError as exc:
        _fail(str(exc))
    except OSError as exc:  # a full disk, a read-only folder, a vanished file system
        _fail(os_error_message(exc))


def _fail(message: str) -> None:
    logging.getLogger("dreamtf").error("%s", message)
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
