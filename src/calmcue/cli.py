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
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(run=_lazy("calmcue.commands.analyze"))


def _lazy(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        return int(importlib.import_module(module).run(args))

    return run


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_analyze]


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
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
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
