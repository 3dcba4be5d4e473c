"""The `calmcue` command. Subcommands import their modules lazily, so start-up stays light."""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from calmcue import __version__
from calmcue.errors import CalmCueError, ExitCode

DESCRIPTION = """\
CalmCue notices how you speak on a call - a rising voice, talking over the caller, speaking fast, not pausing -
and shows a calm cue. It measures how someone speaks, never what they feel. No audio is ever stored or sent.
"""

EPILOG = """\
Exit codes: 0 ok, 1 unexpected failure, 2 bad arguments or unreadable input, 3 no usable audio device.
Run 'calmcue COMMAND --help' for the options of each command.

Developer settings (environment variables):
  CALMCUE_UI_TRACE=FILE  the tray app writes a JSON-lines trace of its events ('-': standard output)
  CALMCUE_ACTIVITY=classic  voice activity from the classic detector instead of the learned model
  CALMCUE_DATA=DIR  real speech for 'calmcue bench' and the accuracy tests
"""

DEVELOPER_OPTIONS = "Developer options"
AGENT_COMMANDS = "commands"
DEVELOPER_COMMANDS = "developer commands"


class HelpFormatter(argparse.HelpFormatter):
    """Wraps every help text to the terminal's width (argparse asks shutil.get_terminal_size, which reads
    COLUMNS first): paragraphs are re-flowed, the blank lines between them kept, and an indented line (an
    example, an item of a list) starts a line of its own, wrapped under its own indent when it is too long.
    Words are never broken, at hyphens or anywhere else."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = re.split(r"\n[ \t]*\n", text.strip("\n"))
        return "\n\n".join(_fill_paragraph(p, width, indent) for p in paragraphs) + "\n"

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap(" ".join(text.split()), width) or [""]


def _fill_paragraph(paragraph: str, width: int, indent: str) -> str:
    out: list[str] = []
    flowing: list[str] = []  # the plain lines gathered so far, re-flowed together
    for line in paragraph.splitlines():
        own = len(line) - len(line.lstrip())
        if not own:
            flowing.append(line.strip())
            continue
        out += [indent + w for w in _wrap(" ".join(flowing), width - len(indent))]
        flowing = []
        lead = indent + line[:own]
        out += _wrap(line.strip(), width, initial_indent=lead, subsequent_indent=lead + "    ")
    out += [indent + w for w in _wrap(" ".join(flowing), width - len(indent))]
    return "\n".join(out)


def _wrap(text: str, width: int, *, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    return textwrap.wrap(text, max(width, 20), initial_indent=initial_indent, subsequent_indent=subsequent_indent,
                         break_long_words=False, break_on_hyphens=False)


def _developer(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    return parser.add_argument_group(DEVELOPER_OPTIONS, "for testing and measuring CalmCue; an agent never needs "
                                                        "these")

ANALYZE_HELP = """\
Analyse a recording offline with the same engine as live use. A mono file is the agent; a stereo file has the
agent on channel 0 and the customer on channel 1 (or give the customer as a separate mono --far-end file).
WAV or FLAC at any sample rate.

The agent's baseline is learned from their first speech (as much as the setting
detector.baseline.calibration_speech_s asks) unless --baseline gives a saved calibration; no cue fires while a
baseline is still being learned.

An empty or silent file is valid (exit 0, no cues). A WAV or FLAC file that holds less than its header
promises (cut short in copying) is analysed as far as it decodes, with one line on stderr saying so (exit 0).

Example:
  calmcue analyze call.wav --json call.json --plot call.png
"""


def _command(sub: argparse._SubParsersAction, name: str, *, help: str, description: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=description, formatter_class=HelpFormatter)


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "analyze", help="analyse a recording: cues, episodes, per-frame features",
                 description=ANALYZE_HELP)
    p.add_argument("file", type=Path, help="WAV/FLAC recording: mono agent, or stereo agent + customer")
    p.add_argument("--far-end", type=Path, metavar="FILE", help="the customer's side as a separate mono file")
    p.add_argument("--json", metavar="OUT", help="write the analysis as JSON to OUT ('-' for standard output)")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="draw a timeline: spectrogram, level, pitch, cues")
    p.add_argument("--config", type=Path, metavar="TOML", help="settings file (same keys as the user settings)")
    p.add_argument("--baseline", type=Path, metavar="FILE", help="a saved calibration to use for the agent")
    p.add_argument("--no-frames", action="store_true", help="leave the per-frame arrays out of the JSON")
    dev = _developer(p)
    dev.add_argument("--activity", choices=("model", "classic"),
                     help="voice activity from the learned model (the default, or CALMCUE_ACTIVITY; it falls back "
                          "to classic when it cannot load) or the classic energy-and-periodicity detector")
    dev.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(run=_lazy("calmcue.commands.analyze"))


MONITOR_HELP = """\
Listen live and show meters and cues in the terminal (plain text, works over SSH). Channel 0 is your microphone,
channel 1 the call audio (the customer): by default the system's default input and the default playback device's
monitor (Linux) or loopback (Windows); without call audio it runs on the microphone only (no talk-over cue).

Ctrl-C stops it. See 'calmcue devices' for the ids and names --mic and --call accept.
"""


def _add_devices(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "devices", help="list microphones and call-audio sources with their ids",
                 description="List microphones and call-audio sources; * marks the defaults.")
    p.set_defaults(run=_lazy("calmcue.commands.devices"))


def _add_monitor(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "monitor", help="live meters and cues in the terminal", description=MONITOR_HELP)
    p.add_argument("--mic", metavar="ID", help="microphone id or name (default: the system default input)")
    p.add_argument("--call", metavar="ID", help="call-audio source id or name, or 'none' (default: automatic)")
    p.add_argument("--baseline", type=Path, metavar="FILE", help="a saved calibration to start from")
    p.add_argument("--events-jsonl", type=Path, metavar="FILE",
                   help="write each cue and each finished episode as one JSON line")
    p.add_argument("--config", type=Path, metavar="TOML",
                   help="settings file in place of your user settings (the machine policy still applies)")
    p.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)")
    dev = _developer(p)
    dev.add_argument("--file", type=Path, metavar="WAV", help="play a recording as if live instead of the devices")
    dev.add_argument("--speed", type=float, metavar="X", help="with --file: X times real time (default 1)")
    dev.add_argument("--stats-json", metavar="OUT", help="write latency/drop/memory figures at exit (benchmarks)")
    p.set_defaults(run=_typed("calmcue.commands.monitor"))


BENCH_HELP = """\
Measure what CalmCue costs on this machine: per-stage and whole-pipeline latency per 10 ms hop (p50, p99, p99.9,
max, % of one core) for one and two channels, the batch real-time factor of 'analyze', the tray app's start-up
time and idle memory, and the live monitor's CPU use - beside librosa.yin/pyin, webrtcvad and Silero VAD run on
the same frames in the same run, with pitch accuracy on FDA-UE. Real speech from CALMCUE_DATA when present.

With --json OUT, a Markdown report and a PNG chart are written next to OUT (same name, .md and .png).
"""


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "bench", help="measure CPU cost and latency against reference implementations",
                 description=BENCH_HELP)
    p.add_argument("--quick", action="store_true", help="fewer rounds and less audio (well under a minute)")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the figures as JSON (+ OUT.md, OUT.png)")
    dev = _developer(p)
    dev.add_argument("--readme", type=Path, metavar="FILE", help="put the latest figures into FILE's Benchmarks "
                                                                 "section")
    dev.add_argument("--rounds", type=int, metavar="N", help="interleaved rounds (default: 3 quick, 7 full)")
    dev.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    p.set_defaults(run=_lazy("calmcue.commands.bench"))


def _add_tray(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "tray", help="start the tray app (what 'calmcue' with no command does)",
                 description="Start the tray app: an icon showing the state, cues in a calm overlay. When it "
                             "already runs, starting it again only says so (one per user). Without a display, "
                             "the terminal monitor runs instead.")
    p.set_defaults(run=_typed("calmcue.commands.tray"))


DEMO_HELP = """\
Play the scripted demo call (shipped with CalmCue) through the real engine, with cues in the overlay, as if it
came from a headset. It starts from the demo voice's saved baseline, so the first cue comes within seconds;
your own calibration is never touched.

When CalmCue already runs, the running app plays it and this command returns at once; afterwards CalmCue
listens to your microphone again. Otherwise a CalmCue for the demo starts, and quits when you close the notice
at the end. Without a display, the terminal monitor shows the demo instead.
"""


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "demo", help="play the demo call through the engine into the overlay", description=DEMO_HELP)
    p.add_argument("--file", type=Path, metavar="WAV", help="another recording (mono agent, or stereo agent + "
                                                               "customer)")
    dev = _developer(p)
    dev.add_argument("--speed", type=float, default=1.0, metavar="X", help="play X times faster (default 1: real "
                                                                           "time)")
    p.set_defaults(run=_typed("calmcue.commands.demo"))


CONFIG_HELP = """\
Managed settings. Layers, lowest first: built-in defaults, the machine policy's [defaults] (policy.toml, then
Group Policy ...\\CalmCue\\Defaults on Windows), the user's settings.toml, the machine policy's [enforced]
(policy.toml, then Group Policy HKLM\\Software\\Policies\\CalmCue). Exit 2 when a checked file has problems.
"""


def _add_config(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "config", help="check a policy or settings file, show effective settings, list keys",
                 description=CONFIG_HELP)
    actions = p.add_subparsers(dest="config_action", metavar="ACTION")
    check = _command(actions, "check", help="validate a policy.toml or settings.toml: every problem, exit 2",
                     description="Validate a policy.toml or settings.toml: every problem, with file, key, value "
                                 "and what is allowed (exit 2).")
    check.add_argument("file", type=Path, help="the file to check")
    show = _command(actions, "show", help="every effective setting and the layer it came from",
                    description="Print every effective setting and the layer it came from.")
    show.add_argument("--policy", type=Path, metavar="FILE", help="policy file to use (default: the machine's)")
    show.add_argument("--user", type=Path, metavar="FILE", help="user settings file (default: the user's)")
    _command(actions, "keys", help="the settings schema as a table: key, type, default, allowed, unit",
             description="Print the settings schema as a table: key, type, default, allowed values, unit.")
    p.set_defaults(run=_lazy("calmcue.commands.config"))


def _add_history(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "history", help="your last calls and your week (numbers kept on this computer only)",
                 description="Print your last calls and the last 7 days from the call history on this "
                             "computer: length, talk shares, talk-overs, the caller's raised time, cues.")
    p.add_argument("--last", type=int, default=10, metavar="N", help="how many calls to list (default 10)")
    p.set_defaults(run=_typed("calmcue.commands.history"))


def _add_report(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "report", help="draw your own trend: cues, raised time and talk-overs per call",
                 description="Draw your own trend from the call history on this computer: cues per call, "
                             "the callers' raised-voice minutes and talk-overs per call, day by day.")
    p.add_argument("--days", type=int, default=30, metavar="N", help="days to cover (default 30)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.html (a page) or FILE.png")
    p.set_defaults(run=_typed("calmcue.commands.report"))


def _lazy(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        return int(importlib.import_module(module).run(args))

    return run


def _typed(module: str) -> Callable[[argparse.Namespace], int]:
    """A command that takes typed options: its module turns the parsed arguments into them (`from_args`)."""
    def run(args: argparse.Namespace) -> int:
        import importlib

        command = importlib.import_module(module)
        return int(command.run(command.from_args(args)))

    return run


# In the order `calmcue --help` lists them: what agents (and IT) use, then what developers use.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_tray, _add_demo, _add_devices, _add_history,
                                                                  _add_report, _add_config]
DEVELOPER: list[Callable[[argparse._SubParsersAction], None]] = [_add_analyze, _add_monitor, _add_bench]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calmcue", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"calmcue {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)
    parser.usage = "%(prog)s [-h] [--version] [COMMAND ...]"  # after add_subparsers: the commands' prog is "calmcue"
    for heading, adds in ((AGENT_COMMANDS, COMMANDS), (DEVELOPER_COMMANDS, DEVELOPER)):
        listed = len(sub._choices_actions)
        for add in adds:
            add(sub)
        # argparse lists all subcommands under one heading; two groups list them under two (the subparsers
        # action itself is hidden from the help, so each command shows once)
        parser.add_argument_group(heading)._group_actions.extend(sub._choices_actions[listed:])
    return parser


# import name -> the package that provides it (where the names differ)
PIP_NAMES = {"PyQt6": "PyQt6", "sklearn": "scikit-learn", "webrtcvad": "webrtcvad-wheels", "yaml": "PyYAML",
             "PIL": "pillow", "onnxruntime": "onnxruntime"}


def missing_module(err: ModuleNotFoundError) -> str:
    """One line naming what to install for a module that is not there."""
    top = (err.name or "").split(".")[0] or "a module"
    package = PIP_NAMES.get(top, top)
    return (f"the Python package '{package}' is missing; install it with: pip install '{package}' "
            f"(or reinstall CalmCue: pip install --force-reinstall calmcue)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:  # no command: the tray app
        args = parser.parse_args(["tray"])
    from calmcue.logs import start_run

    start_run(args.command or "tray")  # every mode logs to the user's rotating log file
    try:
        return int(args.run(args))
    except CalmCueError as err:
        print(f"calmcue: {err}", file=sys.stderr)
        return int(err.exit_code)
    except KeyboardInterrupt:
        return 130  # the shell's convention for Ctrl-C
    except BrokenPipeError:
        return ExitCode.OK
    except ModuleNotFoundError as err:  # an install without its dependencies (pip --no-deps, a broken venv)
        print(f"calmcue: {missing_module(err)}", file=sys.stderr)
        return ExitCode.FAILURE
    except Exception as err:  # the last guard: one line for the user, the details in the log
        if isinstance(err, OSError) and "PortAudio library not found" in str(err):
            print("calmcue: the PortAudio library is missing; install it (Debian/Ubuntu: apt-get install "
                  "libportaudio2)", file=sys.stderr)
            return ExitCode.FAILURE
        from calmcue.logs import log_exception

        where = log_exception(err)
        print(f"calmcue: unexpected {type(err).__name__}: {err} (details in {where})", file=sys.stderr)
        return ExitCode.FAILURE
