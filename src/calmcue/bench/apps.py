"""What the desktop apps cost on the agent's PC: the tray app's start-up time and idle memory, and the live
monitor's CPU use, measured on real processes (Linux: read from /proc).

- Tray (`calmcue tray`): launch to ready = until a line saying "ready" or "engine started" appears on its
  stdout, stderr or in its log file, or, failing that, until its CPU use settles (under 40 % of a core over
  0.5 s: start-up is CPU-bound, a running app that listens is far below that); then its resident memory
  (VmRSS) and CPU use while idle. Without a display it runs with QT_QPA_PLATFORM=offscreen.
- Monitor (`calmcue monitor`): CPU use (user + system time over wall time) after a warm-up, and its memory.

Both run with private configuration, data and runtime folders, so they neither touch the user's own settings
nor meet a running instance. A command this version does not have is reported as null with the reason.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calmcue.bench import listen

READY = re.compile(r"\bready\b|engine started", re.IGNORECASE)
READY_TIMEOUT_S = 30.0
SETTLED_CPU_PCT = 40.0  # start-up is CPU-bound (imports, Qt); a running app listens at well under this
SETTLE_WINDOW_S = 0.5
POLL_S = 0.05
MONITOR_WARMUP_S = 2.0  # after its first "[calibrating]" or "[listening]" line: the streams settle
LISTENING = re.compile(r"^\[(calibrating|listening)\]")


@dataclass(frozen=True)
class TrayFigures:
    startup_s: float | None
    startup_method: str | None  # "ready line" or "cpu settled"
    idle_rss_mb: float | None
    idle_cpu_pct: float | None  # listening between calls: a quiet room plays into its devices (listen_input)
    reason: str | None  # why figures are missing
    setting: str = ""  # display and sound server it ran with
    speech_cpu_pct: float | None = None  # listening while the demo call plays into its devices
    speech_reason: str = ""  # why there is no speech figure
    listen_input: str = ""  # what played into its devices while idle_cpu_pct was measured


@dataclass(frozen=True)
class MonitorFigures:
    cpu_pct: float | None  # listening between calls (a quiet room, listen_input)
    rss_mb: float | None
    reason: str | None
    setting: str = ""
    speech_cpu_pct: float | None = None
    speech_reason: str = ""
    latency_p50_ms: float | None = None  # callback to features, over the whole run (its --stats-json)
    latency_p99_ms: float | None = None
    listen_input: str = ""


def _calmcue_cmd() -> list[str]:
    script = Path(sys.executable).with_name("calmcue")
    return [str(script)] if script.exists() else [sys.executable, "-m", "calmcue"]


def _rss_mb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return None


@contextmanager
def _private_env(*, offscreen: bool) -> Iterator[tuple[Path, dict[str, str]]]:
    """The environment for a measured app: private settings, data, cache and runtime folders."""
    root = Path(tempfile.mkdtemp(prefix="calmcue-bench-"))
    env = dict(os.environ)
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and "PULSE_SERVER" not in env and (Path(runtime) / "pulse" / "native").exists():
        env["PULSE_SERVER"] = f"unix:{Path(runtime) / 'pulse' / 'native'}"  # keep the sound server reachable
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
                 "CALMCUE_CONFIG_DIR", "CALMCUE_DATA_DIR"):
        folder = root / name.lower()
        folder.mkdir(mode=0o700)
        env[name] = str(folder)
    env.pop("CALMCUE_POLICY_FILE", None)
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONUNBUFFERED"] = "1"
    try:
        yield root, env
    finally:
        shutil.rmtree(root, ignore_errors=True)


class _Process:
    """A started app with its output lines collected by reader threads."""

    def __init__(self, args: list[str], env: dict[str, str], *, logs: Path | None = None) -> None:
        self.logs = logs  # a folder whose *.log files are searched for the ready line too
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.last_error = ""
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            if line.strip():
                self.last_error = line.strip()
                self.lines.put(line)

    def exited(self) -> str | None:
        code = self.proc.poll()
        if code is None:
            return None
        time.sleep(0.1)  # let the reader threads take the last lines
        return f"exited with code {code}" + (f": {self.last_error[:160]}" if self.last_error else "")

    def saw_ready(self) -> bool:
        while not self.lines.empty():
            if READY.search(self.lines.get_nowait()):
                return True
        for log in self.logs.rglob("*.log") if self.logs is not None else ():
            try:
                if READY.search(log.read_text(encoding="utf-8", errors="replace")):
                    return True
            except OSError:
                continue
        return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this process leads (start_new_session)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def _wait_ready(app: _Process) -> tuple[float, str] | str:
    """(seconds to ready, how it was judged), or why it never got there."""
    samples: list[tuple[float, float]] = []
    settled_at: float | None = None
    while True:
        now = time.perf_counter()
        if app.saw_ready():
            return now - app.started, "ready line"
        why = app.exited()
        if why:
            return f"the tray app {why}"
        try:
            samples.append((now, listen.cpu_s(app.proc.pid)))
        except OSError:  # it is exiting: the next turn reports how
            time.sleep(POLL_S)
            continue
        old = [s for s in samples if s[0] <= now - SETTLE_WINDOW_S]
        if settled_at is None and old and now - app.started > 1.0:
            t_then, cpu_then = old[-1]
            if 100.0 * (samples[-1][1] - cpu_then) / (now - t_then) < SETTLED_CPU_PCT:
                settled_at = old[-1][0]
        if settled_at is not None and now - settled_at > 2.0:
            return settled_at - app.started, "cpu settled"
        if now - app.started > READY_TIMEOUT_S:
            return f"the tray app neither printed a ready line nor settled within {READY_TIMEOUT_S:.0f} s"
        time.sleep(POLL_S)


def _speech_cpu(app: _Process, seconds: float, speech: np.ndarray | None) -> tuple[float | None, str]:
    """CPU use while the speech plays into the virtual headset (after a second for the streams to fill)."""
    if speech is None:
        return None, "no speech input"
    with listen.speech_playing(speech) as why:
        if why:
            return None, why
        time.sleep(1.0)  # paplay starting: not part of the measured span
        return _cpu_over(app, seconds), ""


@contextmanager
def _room(seconds: float) -> Iterator[str]:
    """The quiet room playing into the virtual headset for `seconds` at least; yields what plays (for the report):
    the room, or digital silence and why."""
    with listen.room_playing(seconds=seconds) as why:
        yield f"digital silence ({why})" if why else listen.room_description()


def _cpu_over(app: _Process, seconds: float) -> float:
    cpu0, t0 = listen.family_cpu_s(app.proc.pid), time.perf_counter()
    time.sleep(seconds)  # a measurement window, not a wait for a condition
    return 100.0 * (listen.family_cpu_s(app.proc.pid) - cpu0) / (time.perf_counter() - t0)


def _setting(*, offscreen: bool | None) -> str:
    display = "terminal" if offscreen is None else "Qt offscreen" if offscreen else \
        f"X display {os.environ.get('DISPLAY')}"
    sound = "PulseAudio" if os.environ.get("PULSE_SERVER") or os.environ.get("CALMCUE_PULSE") else \
        "no sound server known"
    return f"{display}, {sound}"


def measure_tray(*, idle_s: float, speech: np.ndarray | None = None) -> TrayFigures:
    """Start-up, then CPU use over `idle_s` listening to a quiet room (from before the start: its noise floors have
    settled by then) and over `idle_s` listening to `speech`."""
    if not Path("/proc/self/stat").exists():
        return TrayFigures(None, None, None, None, "needs /proc (Linux) to read CPU time and memory")
    offscreen = not (os.environ.get("DISPLAY") and os.environ.get("CALMCUE_XVFB"))
    with _private_env(offscreen=offscreen) as (root, env):
        app = _Process([*_calmcue_cmd(), "tray"], env, logs=root)
        try:
            with _room(READY_TIMEOUT_S + MONITOR_WARMUP_S + idle_s + 5.0) as room:
                ready = _wait_ready(app)
                if isinstance(ready, str):
                    return TrayFigures(None, None, None, None, ready)
                time.sleep(MONITOR_WARMUP_S)  # the engine and its streams starting are not the listening cost
                cpu = _cpu_over(app, idle_s)
                rss = _rss_mb(app.proc.pid)
            speech_cpu, speech_why = _speech_cpu(app, idle_s, speech)
            why = app.exited()
            if why:
                return TrayFigures(ready[0], ready[1], None, None, f"the tray app {why} while idle")
            return TrayFigures(ready[0], ready[1], rss, cpu, None, _setting(offscreen=offscreen), speech_cpu,
                               speech_why, room)
        finally:
            app.stop()


def _wait_listening(app: _Process) -> None:
    """Until the monitor says audio flows (start-up, imports and device opening are not its listening cost),
    then MONITOR_WARMUP_S more; gives up after READY_TIMEOUT_S (the measurement then says what it saw)."""
    deadline = app.started + READY_TIMEOUT_S
    while time.perf_counter() < deadline and not app.exited():
        try:
            line = app.lines.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if LISTENING.match(line):
            break
    settled = time.perf_counter() + MONITOR_WARMUP_S
    while time.perf_counter() < settled and not app.exited():
        time.sleep(POLL_S)


def measure_monitor(*, run_s: float, speech: np.ndarray | None = None) -> MonitorFigures:
    """CPU use over `run_s` listening to a quiet room (playing from its start), then over `run_s` listening to
    `speech`."""
    if not Path("/proc/self/stat").exists():
        return MonitorFigures(None, None, "needs /proc (Linux) to read CPU time and memory")
    with _private_env(offscreen=True) as (root, env):
        seconds = MONITOR_WARMUP_S + 2 * run_s + 10.0  # it stops by itself if this process dies
        stats = root / "monitor-stats.json"
        app = _Process([*_calmcue_cmd(), "monitor", "--seconds", f"{seconds:g}", "--stats-json", str(stats)], env)
        try:
            with _room(READY_TIMEOUT_S + MONITOR_WARMUP_S + run_s + 5.0) as room:
                _wait_listening(app)
                cpu = None if app.exited() else _cpu_over(app, run_s)
                rss = None if app.exited() else _rss_mb(app.proc.pid)
            speech_cpu, speech_why = _speech_cpu(app, run_s, speech) if cpu is not None else (None, "")
            why = app.exited()
            if why or cpu is None:
                hint = " (it needs an audio input: run under scripts/with_services.sh)" if "code 3" in str(why) else ""
                return MonitorFigures(None, None, f"the monitor {why}{hint}")
        finally:
            app.stop()  # SIGTERM: the monitor ends cleanly and writes its stats
        p50, p99 = _latency_ms(stats)
        return MonitorFigures(cpu, rss, None, _setting(offscreen=None), speech_cpu, speech_why, p50, p99, room)


def _latency_ms(stats: Path) -> tuple[float | None, float | None]:
    """Callback-to-features p50 and p99 from the monitor's --stats-json (None when it wrote none)."""
    import json

    try:
        latency = json.loads(stats.read_text(encoding="utf-8")).get("latency_ms", {})
    except (OSError, ValueError):
        return None, None
    return latency.get("p50"), latency.get("p99")
