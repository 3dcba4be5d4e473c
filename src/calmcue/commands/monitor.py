"""`calmcue monitor`: live meters and cues in a terminal (plain text, so it works over SSH too).

On a terminal one meter line is redrawn in place, with cues and status changes printed above it; otherwise
(a pipe, a log) only the status changes, cues and episodes are printed, one line each. On a terminal, whatever
is written to stderr (our warnings, and messages that PortAudio, ALSA or libpulse print themselves) is caught
and printed on its own line above the meter, never glued to its end. With --events-jsonl,
each cue (when it fires) and each episode (when it ends) is written as one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from calmcue.audio.devices import resolve_call, resolve_mic
from calmcue.audio.files import check_samples, probe
from calmcue.audio.live import DeviceSourceFactory
from calmcue.audio.sources import FileSource, Source
from calmcue.commands.outputs import check_outputs
from calmcue.config import paths
from calmcue.config.loader import LoadedSettings
from calmcue.detector.baseline import BaselineValues, load_baseline
from calmcue.engine.mailbox import (
    CallMessage,
    CueMessage,
    EpisodeMessage,
    Mailbox,
    Message,
    Meter,
    Stats,
    Status,
)
from calmcue.engine.metrics import LatencyHistogram
from calmcue.engine.worker import Worker
from calmcue.errors import BadInputError, DeviceError
from calmcue.logs import has_file

REDRAW_S = 0.1
BAR = 10  # characters of the level bar, for -80..0 dBFS (* after the level: speech)


@dataclass(frozen=True)
class MonitorOptions:
    """The monitor's options (`calmcue monitor --help`); the defaults are the user's devices and settings."""

    mic: str | None = None
    call: str | None = None
    baseline: Path | None = None
    events_jsonl: Path | None = None
    config: Path | None = None
    seconds: float | None = None
    file: Path | None = None
    speed: float | None = None
    stats_json: str | None = None


def from_args(args: argparse.Namespace) -> MonitorOptions:
    options = MonitorOptions(**{name: getattr(args, name) for name in MonitorOptions.__dataclass_fields__})
    if options.seconds is not None and not options.seconds > 0:  # also NaN
        raise BadInputError(f"--seconds {options.seconds:g}: give a time above 0 s, or leave it out to run until "
                            f"Ctrl-C")
    if options.speed is not None and options.file is None:
        raise BadInputError(f"--speed {options.speed:g}: only plays a recording faster; give it with --file WAV")
    if options.speed is not None and not options.speed > 0:
        raise BadInputError(f"--speed {options.speed:g}: must be above 0 (1 = real time)")
    return options


def run(args: MonitorOptions) -> int:
    _check_outputs(args)
    loaded = _settings(args)
    settings = loaded.settings
    baseline = _baseline(args.baseline)
    events = _open_events(args.events_jsonl)
    view = _View(tty=sys.stdout.isatty(), events=events)
    from_file = bool(getattr(args, "file", None))
    factory = _file_factory(args, view) if from_file else _device_factory(args, loaded, view)
    # a recording is not the user's own voice: its calibration is never saved as theirs
    worker = Worker(settings=settings, mailbox=Mailbox(), agent_baseline=baseline, source_factory=factory,
                    baseline_path=None if from_file else paths.baseline_file())
    if args.stats_json:
        worker.metrics.latency_hist = LatencyHistogram()
    stop = _StopFlag()
    relay = _StderrRelay() if view.tty else None
    worker.start()
    try:
        _loop(worker, view, stop, seconds=args.seconds, relay=relay)
    finally:
        stopped = worker.stop(timeout_s=10.0)
        view.show(worker.mailbox.drain())
        if relay is not None:
            relay.close()
            for text in relay.take():
                view.line(text)
        view.close()
        if events is not None:
            events.close()
    if args.stats_json:
        _write_stats(Path(args.stats_json), worker)
    view.summary(worker)
    return 0 if stopped else 1


def _check_outputs(args: MonitorOptions) -> None:
    """Before anything opens: the event and stats files can be written and are none of the inputs (the events
    file is emptied when opened, so --events-jsonl onto --file's recording would lose it)."""
    inputs = [(name, Path(path)) for name, path in (("--file", args.file), ("--config", args.config),
                                                    ("--baseline", args.baseline)) if path]
    outputs = [(name, Path(path)) for name, path in (("--events-jsonl", args.events_jsonl),
                                                     ("--stats-json", args.stats_json)) if path]
    check_outputs(outputs, inputs=inputs, examples={"--events-jsonl": "events.jsonl", "--stats-json": "stats.json"})


def _device_factory(args: MonitorOptions, loaded: LoadedSettings, view: _View) -> Callable[[], Source]:
    settings = loaded.settings
    mic_spec = args.mic if args.mic is not None else settings.audio.mic
    call_spec = args.call if args.call is not None else settings.audio.call
    # a device that does not exist: exit 3 now, not retried forever
    with _from_settings(loaded, "mic", mic_spec, given=args.mic is not None):
        mic = resolve_mic(mic_spec)
    with _from_settings(loaded, "call", call_spec, given=args.call is not None):
        call, note = resolve_call(call_spec)
    view.line(f"microphone: {mic.name}; call audio: {call.name if call else 'none'}")
    if note:
        view.line(note)
    return DeviceSourceFactory(mic=mic_spec, call=call_spec, latency=settings.audio.latency)


@contextmanager
def _from_settings(loaded: LoadedSettings, key: str, spec: str, *, given: bool) -> Iterator[None]:
    """A device named in the settings (not on the command line) that is not there: the line says which setting
    chose it and in which file, since the user never typed the name."""
    try:
        yield
    except DeviceError as err:
        if given or not spec or f"'{spec}'" not in str(err):
            raise
        layer = loaded.sources.get(f"audio.{key}", "the settings")
        what = "microphone" if key == "mic" else "call-audio source"
        raise DeviceError(f"the {what} '{spec}' chosen by audio.{key} in {layer} is not there; plug it in, choose "
                          f"another with --{key} (see 'calmcue devices'), or set audio.{key} = \"\" for the "
                          f"default") from None


def _file_factory(args: MonitorOptions, view: _View) -> Callable[[], Source]:
    """A recording played as if live (the demo without a headset): real time, or `--speed` times faster."""
    assert args.file is not None, "only for --file"
    path = Path(args.file)
    speed = 1.0 if args.speed is None else float(args.speed)
    if not speed > 0:
        raise BadInputError(f"--speed {speed:g}: must be above 0 (1 = real time)")
    FileSource(path)  # checks the file now: a bad one exits 2 here, not in the worker
    check_samples(probe(path))  # and its samples: damage part-way is exit 2 too, not endless restarts
    view.line(f"playing {path} as if live ({speed:g}x real time)")
    return lambda: FileSource(path, realtime=True, speed=speed)


def _loop(worker: Worker, view: _View, stop: _StopFlag, *, seconds: float | None,
          relay: _StderrRelay | None = None) -> None:
    end = time.monotonic() + seconds if seconds else math.inf
    while not stop.set and time.monotonic() < end and worker.alive:
        worker.mailbox.wait(REDRAW_S)
        view.show(worker.mailbox.drain())
        for text in relay.take() if relay is not None else ():
            view.line(text)
        view.redraw()


class _StderrRelay:
    """Catches everything written to file descriptor 2 (Python's warnings and C libraries' messages alike) so
    that the loop prints each line on its own line above the meter; restores stderr at `close`."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._saved = os.dup(2)
        read_fd, write_fd = os.pipe()
        sys.stderr.flush()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._thread = threading.Thread(target=self._read, args=(read_fd,), name="calmcue-stderr", daemon=True)
        self._thread.start()

    def _read(self, fd: int) -> None:
        with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as pipe:
            for line in pipe:
                text = line.rstrip()
                if text:
                    if has_file():  # never Python's last-resort handler: it writes to stderr, i.e. here
                        logging.getLogger("calmcue.stderr").warning("%s", text)
                    with self._lock:
                        self._lines.append(text)

    def take(self) -> list[str]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def close(self) -> None:
        sys.stderr.flush()
        os.dup2(self._saved, 2)  # the pipe's last writer is gone: the reader sees the end
        os.close(self._saved)
        self._thread.join(1.0)


class _StopFlag:
    """Ctrl-C and SIGTERM end the monitor cleanly (open episodes are closed and written)."""

    def __init__(self) -> None:
        self.set = False
        signal.signal(signal.SIGINT, self._on_signal)
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, *_: Any) -> None:
        self.set = True


# --- inputs ----------------------------------------------------------------------------------------------------


def _settings(args: MonitorOptions) -> LoadedSettings:
    from calmcue.config.loader import load_layers, load_settings_file

    user = paths.user_settings_file()
    if args.config:  # in place of the user's file, under the machine policy like it
        load_settings_file(args.config)  # strictly first: a bad file named on the command line is exit 2
        user = args.config
    loaded = load_layers(policy=paths.policy_file(), user=user)
    for problem in loaded.problems:
        print(f"calmcue: warning: {problem}", file=sys.stderr)
    return loaded


def _baseline(path: Path | None) -> BaselineValues | None:
    """--baseline FILE, else the user's saved calibration, else none (the agent's baseline is learned live)."""
    if path is not None:
        return load_baseline(path)
    saved = paths.baseline_file()
    if not saved.exists():
        return None
    try:
        return load_baseline(saved)
    except BadInputError as err:
        print(f"calmcue: warning: {err}; calibrating again", file=sys.stderr)
        return None


def _open_events(target: Path | None) -> IO[str] | None:
    if target is None:
        return None
    if not target.parent.exists() and str(target.parent) not in ("", "."):
        raise BadInputError(f"{target}: its folder {target.parent} does not exist; create it or choose another path")
    try:
        return open(target, "w", encoding="utf-8", buffering=1)
    except OSError as err:
        raise BadInputError(f"{target}: cannot be written ({err.strerror}); choose another path") from None


# --- output ----------------------------------------------------------------------------------------------------


class _View:
    def __init__(self, *, tty: bool, events: IO[str] | None) -> None:
        self.tty, self.events = tty, events
        self.meter: Meter | None = None
        self.stats: Stats | None = None
        self.state = ""
        self.cues = 0
        self._drawn = False

    def line(self, text: str) -> None:
        if self._drawn:
            sys.stdout.write("\r\x1b[K")
            self._drawn = False
        print(text, flush=True)

    def show(self, messages: list[Message]) -> None:
        for m in messages:
            if isinstance(m, Meter):
                if m.muted != (self.meter.muted if self.meter is not None else False):
                    self.line("[muted] the microphone sends digital silence: is it muted? (no cues while muted)"
                              if m.muted else "[unmuted] the microphone is back")
                if m.mic_too_loud and not (self.meter is not None and self.meter.mic_too_loud):
                    self.line("[mic too loud] your voice clips: turn the microphone's input gain down a little")
                self.meter = m
            elif isinstance(m, Stats):
                self.stats = m
            elif isinstance(m, Status):
                self.state = m.state
                self.line(f"[{m.state}] {m.detail}".rstrip())
            elif isinstance(m, CueMessage):
                self.cues += 1
                self.line(f"{m.cue.t_s:9.2f} s  CUE  {m.cue.message}  ({m.cue.reason})")
                self._write({"type": "cue", **m.cue.to_json()})
            elif isinstance(m, EpisodeMessage):
                e = m.episode
                if not self.tty:
                    self.line(f"{e.start_s:9.2f} s  episode {e.kind} ({e.speaker}) until {e.end_s:.2f} s")
                self._write({"type": "episode", **e.to_json()})
            elif isinstance(m, CallMessage):
                c = m.summary
                self.line(f"{c.start_s:9.2f} s  call ended at {c.end_s:.2f} s: {c.cue_count} cue(s)")
                self._write({"type": "call_summary", **c.to_json()})

    def _write(self, record: dict[str, Any]) -> None:
        if self.events is not None:
            self.events.write(json.dumps(_finite(record)) + "\n")

    def redraw(self) -> None:
        if not self.tty or self.meter is None:
            return
        m = self.meter
        parts = [f"{m.t_s:7.1f} s"]
        for name, level, speech in zip(("mic", "call"), m.level_dbfs, m.speech, strict=False):
            filled = max(0, min(BAR, round((level + 80.0) / 80.0 * BAR)))
            parts.append(f"{name} {'#' * filled}{'.' * (BAR - filled)} {level:4.0f} dB{'*' if speech else ' '}")
        if m.muted:
            parts.append("MUTED")
        parts.append("in call" if m.in_call else "no call")
        if m.agent_calibration < 1.0:
            parts.append(f"learning {m.agent_calibration:.0%}")
        elif math.isfinite(m.agent_level_over_db):
            parts.append(f"you {m.agent_level_over_db:+.0f} dB")
        if self.stats is not None and (self.stats.dropped_blocks or self.stats.overflows):
            parts.append(f"lost {self.stats.dropped_blocks}+{self.stats.overflows}")
        width = shutil.get_terminal_size((80, 24)).columns - 1
        sys.stdout.write("\r\x1b[K" + "  ".join(parts)[:width])
        sys.stdout.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            sys.stdout.write("\n")
            self._drawn = False

    def summary(self, worker: Worker) -> None:
        m = worker.metrics
        print(f"{m.frames * 0.01:.1f} s monitored: {self.cues} cue(s); dropped blocks {m.dropped_blocks}, "
              f"overflows {m.overflows}, restarts {m.restarts}", flush=True)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _write_stats(path: Path, worker: Worker) -> None:
    """Figures for benchmarks: latency percentiles over the whole run, counters, peak memory."""
    m = worker.metrics
    hist = m.latency_hist or LatencyHistogram()
    out = {"frames": m.frames, "seconds": m.frames * 0.01, "overflows": m.overflows,
           "dropped_blocks": m.dropped_blocks, "restarts": m.restarts, "reopens": m.reopens,
           "latency_ms": {"p50": hist.percentile(50), "p99": hist.percentile(99), "max": hist.max_ms,
                          "count": hist.count},
           "loss_detect_s": m.loss_detect_s, "max_rss_mb": _max_rss_mb()}
    path.write_text(json.dumps(_finite(out), indent=2))


def _max_rss_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except ImportError:
        return math.nan
