"""`calmcue demo`: the project's scripted demo call played in real time through the real engine into the
overlay, as if it came from a headset. When the tray app already runs, that app plays it (one icon, one
overlay); else a demo-mode app starts. Without a display, the terminal monitor shows it instead."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from calmcue.config.paths import demo_file
from calmcue.errors import BadInputError, CalmCueError

if TYPE_CHECKING:
    from calmcue.detector.baseline import BaselineValues

__all__ = ["DemoOptions", "demo_file", "from_args", "headless_demo", "run"]


@dataclass(frozen=True)
class DemoOptions:
    file: Path | None = None  # another recording instead of the project's demo call
    speed: float = 1.0  # 1 = real time, as from a headset


def from_args(args: argparse.Namespace) -> DemoOptions:
    return DemoOptions(file=args.file, speed=args.speed)


def run(options: DemoOptions) -> int:
    if not 0.1 <= options.speed <= 100:
        raise BadInputError(f"--speed {options.speed:g} is out of range; allowed 0.1 .. 100 (1 = real time)")
    path = options.file if options.file is not None else demo_file()
    if path is None:
        raise BadInputError("the demo call is missing from this installation; reinstall CalmCue "
                            "(pip install --force-reinstall calmcue) or build it with 'make demo'")
    from calmcue.audio.files import check_samples, probe

    # unreadable, not audio, or damaged part-way: exit 2 with one line, before any window opens
    check_samples(probe(path))
    from calmcue.commands.tray import has_display, require_qt

    if not has_display():
        print("calmcue: no display: showing the demo call in the terminal instead", file=sys.stderr)
        return headless_demo(path, speed=options.speed)
    require_qt()
    if ask_the_running_app(options):
        return 0
    from calmcue.ui.launch import run as run_app
    from calmcue.ui.qt_app import Options

    return run_app(Options(demo=path, quit_after_demo=True, first_run=False, demo_speed=options.speed))


def ask_the_running_app(options: DemoOptions) -> bool:
    """True if the tray app already runs and now plays the demo (it said so); False if none runs."""
    from calmcue.ui.demo_player import clock
    from calmcue.ui.single_instance import Action, Request, ask_running

    file = str(options.file.resolve()) if options.file is not None else None
    reply = ask_running(Request(action=Action.PLAY_DEMO, file=file, speed=options.speed))
    if reply is None:
        return False
    if not reply.ok:
        raise CalmCueError(f"the running CalmCue could not play the demo: {reply.text}; quit it from its tray "
                           f"menu and run 'calmcue demo' again")
    print(reply.text)
    if reply.length_s is not None:
        print(f"It plays for {clock(reply.length_s)}, then CalmCue listens to your microphone again.")
    return True


def headless_demo(path: Path, *, speed: float = 1.0) -> int:
    """The demo through the terminal monitor's view (status lines, meters, cues)."""
    from calmcue.audio.sources import FileSource
    from calmcue.commands import monitor
    from calmcue.config.schema import Settings
    from calmcue.engine.mailbox import Mailbox
    from calmcue.engine.worker import Worker

    start_s, baseline = _plan(path)
    # the demo voice's saved baseline, never saved as the agent's (no baseline_path), as the windowed demo does
    worker = Worker(settings=Settings(), mailbox=Mailbox(), agent_baseline=baseline,
                    source_factory=lambda: FileSource(path, realtime=True, speed=speed, start_s=start_s))
    view = monitor._View(tty=sys.stdout.isatty(), events=None)
    view.line(f"demo call: {path}" + (f" (from {start_s:.1f} s, after its calm opening)" if start_s else ""))
    stop = monitor._StopFlag()
    worker.start()
    try:
        monitor._loop(worker, view, stop, seconds=None)
    finally:
        stopped = worker.stop(timeout_s=10.0)
        view.show(worker.mailbox.drain())
        view.close()
    view.summary(worker)
    return 0 if stopped else 1


def _plan(path: Path) -> tuple[float, BaselineValues | None]:
    """Where the demo starts and the demo voice's baseline, from the plan saved beside the recording (the same
    reader as the windowed demo); the whole recording, learnt as it plays, when there is none or Qt is missing."""
    try:
        from calmcue.ui.demo_player import load_plan
    except ImportError:  # Qt's libraries absent on a bare server: the demo still plays, from the start
        return 0.0, None
    plan = load_plan(path)
    return plan.start_s, plan.baseline
