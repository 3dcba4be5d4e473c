"""`calmcue bench [--quick] [--json OUT] [--readme FILE]`: what CalmCue costs, beside the references.

It reports and never fails on speed: exit 0 whatever the figures; 2 for bad arguments or an unwritable output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from calmcue.commands.outputs import check_writable
from calmcue.errors import BadInputError

COMPANIONS = (".md", ".png")  # written next to --json OUT, under OUT's name


def run(args: argparse.Namespace) -> int:
    if args.rounds is not None and not 1 <= args.rounds <= 100:
        raise BadInputError(f"--rounds {args.rounds}: give a number of rounds from 1 to 100")
    outputs = [p for p in (args.json,) if p is not None]
    for path in outputs:
        _check_writable(path)
    if args.readme is not None and not args.readme.is_file():
        raise BadInputError(f"{args.readme}: no such file; --readme updates an existing README")

    from calmcue.bench import machine
    from calmcue.bench.inputs import data_root, load_inputs
    from calmcue.bench.runner import Bench, make_config

    info = machine.describe()
    config = make_config(quick=args.quick, rounds=args.rounds)
    data_dir = data_root()
    with _Progress(enabled=not args.no_progress and sys.stderr.isatty()) as progress:
        progress("loading speech")
        bench = Bench(config, load_inputs(data_dir, seconds=config.speech_s), data_dir=data_dir, progress=progress)
        progress.set_total(bench)
        result = bench.run()
    info["machine_load_1min_end"] = machine.load_1min()
    _write_outputs(result, info, args)
    return 0


def _check_writable(path: Path) -> None:
    """--json OUT: writable (commands/outputs.py, as analyze's and monitor's outputs), and not named like the report
    and chart written beside it."""
    check_writable(path, "--json", example="bench.json")
    if path.suffix.lower() in COMPANIONS:  # OUT.md and OUT.png would be OUT itself
        raise BadInputError(f"--json {path}: the report and chart go beside it as {path.with_suffix('').name}.md "
                            f"and .png, so this name would be written over; give a name ending in .json")


def _write_outputs(result: Any, info: dict[str, object], args: argparse.Namespace) -> None:
    from calmcue.bench import report

    doc = report.flat(result, info)
    chart_name = report_name = None
    if args.json is not None:
        chart, md = args.json.with_suffix(".png"), args.json.with_suffix(".md")
        from calmcue.bench.chart import plot_chart

        plot_chart(result, doc, chart)
        md.write_text(report.markdown(doc, chart=chart.name), encoding="utf-8")
        report.write_json(doc, args.json)
        chart_name, report_name = chart, md
    if args.readme is not None:
        base = args.readme.resolve().parent
        chart_rel, report_rel = (os.path.relpath(p.resolve(), base) if p is not None else None
                                 for p in (chart_name, report_name))
        report.update_readme(args.readme, report.readme_block(doc, chart=chart_rel, report=report_rel))
    report.print_summary(doc, sys.stdout)
    if args.json is not None:
        print(f"\nJSON: {args.json}  report: {report_name}  chart: {chart_name}")


class _Progress:
    """A tqdm bar on stderr, advanced once per step, showing the current step."""

    def __init__(self, *, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=None, file=sys.stderr, leave=False, unit="step", desc="calmcue bench")

    def __call__(self, what: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(what, refresh=False)
            self._bar.update(1)

    def set_total(self, bench: Any) -> None:
        if self._bar is not None:
            self._bar.total = self._bar.n + bench.remaining_steps()
            self._bar.refresh()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
