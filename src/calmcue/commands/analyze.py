"""`calmcue analyze FILE ...`"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from calmcue.analysis.offline import analyze_file
from calmcue.audio.files import probe
from calmcue.commands.outputs import check_outputs
from calmcue.config.loader import load_settings_file
from calmcue.config.schema import Settings
from calmcue.detector.baseline import load_baseline
from calmcue.errors import BadInputError
from calmcue.features.activity_model import ActivityKind, load_problem

PROGRESS_MIN_S = 60.0  # a bar only for files long enough to wait for


def run(args: argparse.Namespace) -> int:
    settings = load_settings_file(args.config) if args.config else Settings()
    baseline = load_baseline(args.baseline) if args.baseline else None
    info = probe(args.file)  # for the progress bar's length; analyze_file checks the pairing with --far-end
    for note in (info.truncation_note, probe(args.far_end).truncation_note if args.far_end else ""):
        if note:
            print(f"calmcue: {note}", file=sys.stderr)
    if args.plot:
        args.plot = _plot_path(args.plot)  # the name the plot is written under, for the checks and the summary
    _check_outputs(args)
    keep_frames = bool(args.plot) or (bool(args.json) and not args.no_frames)
    activity = ActivityKind(args.activity) if args.activity else None  # None: CALMCUE_ACTIVITY, else the model
    with _progress_bar(info.duration_s, enabled=not args.no_progress) as bar:
        result = analyze_file(args.file, far_end=args.far_end, settings=settings, keep_frames=keep_frames,
                              agent_baseline=baseline, progress=bar, activity=activity)
    problem = load_problem()
    if problem:  # the log has it too; a user comparing detectors must see that the classic one ran
        print(f"calmcue: the activity model did not load, so the classic detector ran: {problem}", file=sys.stderr)
    if args.json:
        _write_json(result, args.json, with_frames=not args.no_frames)
    if args.plot:
        from calmcue.analysis.plot import plot_timeline

        plot_timeline(result, audio=args.file, far_end=args.far_end, out=args.plot)
    if not args.json or args.json != "-":
        _print_summary(result, plot=args.plot)
    return 0


def _check_outputs(args: argparse.Namespace) -> None:
    """Before any work: each output can be written, and none would replace an input or the other output."""
    inputs = [(name, Path(path)) for name, path in (("FILE", args.file), ("--far-end", args.far_end),
                                                    ("--config", args.config), ("--baseline", args.baseline)) if path]
    outputs = [(name, Path(path)) for name, path in (("--json", args.json if args.json != "-" else None),
                                                     ("--plot", args.plot)) if path]
    check_outputs(outputs, inputs=inputs, examples={"--json": "call.json", "--plot": "call.png"})


def _plot_path(path: Path) -> Path:
    """OUT.png as given; a name without an extension gets .png (matplotlib adds it, so say so); a format the
    plotting library cannot draw is refused now rather than after the analysis."""
    if path.is_dir():
        return path  # reported as a folder by the writability check
    if not path.suffix:
        return path.with_name(path.name + ".png")
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise BadInputError(f"--plot {path}: cannot draw a {path.suffix} file; give a name ending in .png "
                            f"(or .{', .'.join(sorted(set(formats) - {'png'}))})")
    return path


def _write_json(result: Any, target: str, *, with_frames: bool) -> None:
    if target == "-":
        result.write_json(sys.stdout, with_frames=with_frames)
        return
    path = Path(target)
    if path.exists() and not path.is_file():  # a device or pipe (/dev/null, a fifo): write into it, never replace it
        with open(path, "w", encoding="utf-8") as out:
            result.write_json(out, with_frames=with_frames)
        return
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as out:
        result.write_json(out, with_frames=with_frames)
    tmp.replace(path)


def _print_summary(result: Any, *, plot: Path | None) -> None:
    print(f"{result.duration_s:.1f} s analysed: {len(result.cues)} cue(s), {len(result.episodes)} episode(s)")
    for cue in result.cues:
        print(f"  {cue.t_s:8.2f} s  {cue.speaker:8s} {cue.message}  ({cue.reason})")
    if plot:
        print(f"timeline plot: {plot}")


class _Bar:
    def __init__(self, total_s: float) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=round(total_s), unit="s", desc="analysing", file=sys.stderr, leave=False)

    def __call__(self, done_s: float) -> None:
        self._bar.update(round(done_s) - self._bar.n)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()


def _progress_bar(total_s: float, *, enabled: bool) -> Any:
    if enabled and total_s >= PROGRESS_MIN_S and sys.stderr.isatty():
        return _Bar(total_s)
    return nullcontext(None)
