"""The `calmcue` command. Subcommands import their modules lazily, so start-up stays light."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from calmcue import __version__
from calmcue.errors import EXIT_FAILURE, CalmCueError

DESCRIPTION = """\
CalmCue notices how you speak on a call - a rising voice, talking over the caller, speaking fast, not pausing -
and shows a calm cue. It measures how someone speaks, never what they feel. No audio is ever stored or sent.
"""

EPILOG = """\
exit codes: 0 ok, 1 unexpected failure, 2 bad arguments or unreadable input, 3 no usable audio device.
Run 'calmcue COMMAND --help' for the options of each command.
"""

ANALYZE_HELP = """\
Analyse a recording offline with the same engine as live use. A mono file is the agent; a stereo file has the
agent on channel 0 and the customer on channel 1 (or give the customer as a separate mono --far-end file).
WAV or FLAC at any sample rate. The agent's baseline is learned from the first 20 s of their speech unless
--baseline gives a saved calibration; no cue fires while a baseline is still being learned.
"""


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse a recording: cues, episodes, per-frame features",
                       description=ANALYZE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=Path, help="WAV/FLAC recording: mono agent, or stereo agent + customer")
    p.add_argument("--far-end", type=Path, metavar="FILE", help="the customer's side as a separate mono file")
    p.add_argument("--json", metavar="OUT", help="write the analysis as JSON to OUT ('-' for standard output)")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="draw a timeline: spectrogram, level, pitch, cues")
    p.add_argument("--config", type=Path, metavar="TOML", help="settings file (same keys as the user settings)")
    p.add_argument("--baseline", type=Path, metavar="FILE", help="a saved calibration to use for the agent")
    p.add_argument("--no-frames", action="store_true", help="leave the per-frame arrays out of the JSON")
    p.add_argument("--activity", choices=("model", "classic"),
                   help="voice activity from the learned model (the default, or CALMCUE_ACTIVITY; it falls back "
                        "to classic when it cannot load) or the classic energy-and-periodicity detector")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(run=_lazy("calmcue.commands.analyze"))


MONITOR_HELP = """\
Listen live and show meters and cues in the terminal (plain text, works over SSH). Channel 0 is your microphone,
channel 1 the call audio (the customer): by default the system's default input and the default playback device's
monitor (Linux) or loopback (Windows); without call audio it runs on the microphone only (no talk-over cue).
Ctrl-C stops it. See 'calmcue devices' for the ids and names --mic and --call accept.
"""


def _add_devices(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devices", help="list microphones and call-audio sources with their ids",
                       description="List microphones and call-audio sources; * marks the defaults.")
    p.set_defaults(run=_lazy("calmcue.commands.devices"))


def _add_monitor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("monitor", help="live meters and cues in the terminal",
                       description=MONITOR_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mic", metavar="ID", help="microphone id or name (default: the system default input)")
    p.add_argument("--call", metavar="ID", help="call-audio source id or name, or 'none' (default: automatic)")
    p.add_argument("--baseline", type=Path, metavar="FILE", help="a saved calibration to start from")
    p.add_argument("--events-jsonl", type=Path, metavar="FILE",
                   help="write each cue and each finished episode as one JSON line")
    p.add_argument("--config", type=Path, metavar="TOML", help="settings file (instead of the user settings)")
    p.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)")
    p.add_argument("--file", type=Path, metavar="WAV", help="play a recording as if live instead of the devices")
    p.add_argument("--speed", type=float, metavar="X", help="with --file: X times real time (default 1)")
    p.add_argument("--stats-json", metavar="OUT", help="write latency/drop/memory figures at exit (benchmarks)")
    p.set_defaults(run=_lazy("calmcue.commands.monitor"))


BENCH_HELP = """\
Measure what CalmCue costs on this machine: per-stage and whole-pipeline latency per 10 ms hop (p50, p99, p99.9,
max, % of one core) for one and two channels, the batch real-time factor of 'analyze', the tray app's start-up
time and idle memory, and the live monitor's CPU use - beside librosa.yin/pyin, webrtcvad and Silero VAD run on
the same frames in the same run, with pitch accuracy on FDA-UE. Real speech from CALMCUE_DATA when present.
With --json OUT, a Markdown report and a PNG chart are written next to OUT (same name, .md and .png).
"""


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure CPU cost and latency against reference implementations",
                       description=BENCH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer rounds and less audio (well under a minute)")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the figures as JSON (+ OUT.md, OUT.png)")
    p.add_argument("--readme", type=Path, metavar="FILE", help="put the latest figures into FILE's Benchmarks section")
    p.add_argument("--rounds", type=int, metavar="N", help="interleaved rounds (default: 3 quick, 7 full)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(run=_lazy("calmcue.commands.bench"))


def _add_tray(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tray", help="start the tray app (what 'calmcue' with no command does)",
                       description="Start the tray app: an icon showing the state, cues in a calm overlay. "
                                   "Without a display, the terminal monitor runs instead.")
    p.set_defaults(run=_lazy("calmcue.commands.tray"))


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="play the demo call through the engine into the overlay",
                       description="Play the scripted demo call (build/demo/demo_call.wav, 'make demo') in real "
                                   "time through the real engine, with cues in the overlay, as if it came from a "
                                   "headset. Quits when the call ends.")
    p.add_argument("--file", type=Path, metavar="WAV", help="another recording (mono agent, or stereo agent + "
                                                               "customer)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X", help="play X times faster (default 1: real "
                                                                         "time)")
    p.set_defaults(run=_lazy("calmcue.commands.demo"))


def _lazy(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        return int(importlib.import_module(module).run(args))

    return run


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_analyze, _add_devices, _add_monitor,
                                                                  _add_bench, _add_tray, _add_demo]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calmcue", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"calmcue {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:  # no command: the tray app
        args = parser.parse_args(["tray"])
    try:
        return int(args.run(args))
    except CalmCueError as err:
        print(f"calmcue: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # the last guard: one line for the user, the details in the log
        from calmcue.logs import log_exception

        where = log_exception(err)
        print(f"calmcue: unexpected {type(err).__name__}: {err} (details in {where})", file=sys.stderr)
        return EXIT_FAILURE
