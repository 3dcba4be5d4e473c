"""Logging: events and numbers only, never audio samples."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from calmcue.config.paths import log_dir


def log_file() -> Path:
    return log_dir() / "calmcue.log"


def setup_logging(level: int = logging.INFO) -> Path:
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("calmcue")
    root.setLevel(level)
    if not any(isinstance(h, logging.FileHandler) for h in root.handlers):
        root.addHandler(handler)
    return path


def log_exception(err: BaseException) -> Path:
    """Writes a traceback to the log file (not the terminal) and returns where it went."""
    try:
        path = setup_logging()
        logging.getLogger("calmcue").error("unexpected error\n%s",
                                           "".join(traceback.format_exception(err)))
        return path
    except OSError:
        return Path("(log unavailable)")
