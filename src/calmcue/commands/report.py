"""`calmcue report [--days N] --out FILE.html|.png`: the agent's own trend, drawn from their call history
(history/report.py draws it)."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from calmcue.errors import BadInputError
from calmcue.history.report import FORMATS, write_report


@dataclass(frozen=True)
class ReportOptions:
    out: Path  # FILE.html (a page) or FILE.png
    days: int = 30  # days to cover


def from_args(args: argparse.Namespace) -> ReportOptions:
    return ReportOptions(out=Path(args.out), days=int(args.days))


def run(options: ReportOptions) -> int:
    from calmcue.commands.history import open_history

    out, days = options.out, options.days
    _check(out, days)
    history = open_history()
    write_report(history, out=out, days=days, now_unix=time.time())
    print(f"Report of the last {days} days written to {out}")
    return 0


def _check(out: Path, days: int) -> None:
    if out.suffix.lower() not in FORMATS:
        raise BadInputError(f"--out {out}: the report is written as .html or .png; give a file name ending so")
    if not 1 <= days <= 366:
        raise BadInputError(f"--days {days}: give 1 to 366 days")
    if not out.parent.exists() and str(out.parent) not in ("", "."):
        raise BadInputError(f"--out {out}: its folder {out.parent} does not exist; create it or choose another")
