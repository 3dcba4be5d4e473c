"""The floor under CalmCue's CPU use while it listens, and speech to listen to (Linux, PulseAudio).

- Floor: the cheapest bare capture of the same two streams the apps open (the default source, the microphone,
  and the default sink's monitor, the call audio) doing nothing with the samples, over the same span as the
  apps. Candidates: PortAudio through the ALSA pulse plugin (sounddevice, one child process per stream, at
  16 kHz in 30 ms blocks and at 48 kHz in 10 ms blocks) and `parec` (pulseaudio-utils, the server's own client,
  16 kHz float in 30 ms fragments, writing to /dev/null). The cheapest one is the floor.
- Room: while the floor and the apps are measured "listening", the bench plays a generated quiet room into the
  virtual headset (`room_playing`): a real microphone between calls is never digitally silent, and on digital
  silence the engine skips work that it cannot skip on a room's noise (issue 15).
- Speech: the demo call (or the bench's two-party input) played into the virtual headset of
  scripts/with_services.sh: channel 0 into `mic_feed` (the microphone), channel 1 into `speaker_sink` (the call).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from calmcue.bench import room
from calmcue.timebase import ANALYSIS_RATE_HZ

MIC_SINK, CALL_SINK = "mic_feed", "speaker_sink"  # the virtual headset's sinks (scripts/with_services.sh)
# after start-up, before the measured span: a sound server's null sink with no other client renders 2 s blocks, so
# a new stream's first packet can take up to 2 s (measured 0.8-2.0 s; a desktop's hardware source answers at once)
START_S = 3.0
ROOM_RATE_HZ = 48000  # the room is generated at the devices' rate, full band


@dataclass(frozen=True)
class FloorFigures:
    cpu_pct: float | None  # the cheapest candidate, % of one core
    stack: str  # which one that was
    candidates: dict[str, float | str] = field(default_factory=dict)  # label -> % of one core, or why not
    others: str = ""  # the other clients' capture streams on the sound server meanwhile (other_capture_streams)


def _stat_ticks(pid: int) -> list[int]:
    """utime, stime, cutime, cstime of /proc/PID/stat, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(f) for f in fields[11:15]]


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included). The kernel's run time of each live thread
    in ns (/proc/PID/task/*/schedstat) where it keeps one: a bare `parec` uses about one 10 ms clock tick in 3 s,
    so the ticks alone read 0 or 0.33 % over the quick bench's spans; never less than the ticks, which also hold
    the threads that have ended."""
    utime, stime = _stat_ticks(pid)[:2]
    ticks_s = (utime + stime) / os.sysconf("SC_CLK_TCK")
    try:
        run_ns = sum(int((task / "schedstat").read_text().split()[0]) for task in Path(f"/proc/{pid}/task").iterdir())
    except (OSError, ValueError, IndexError):  # no schedstat in this kernel, or a thread ended while read
        return ticks_s
    return max(ticks_s, run_ns / 1e9)


def family_cpu_s(pid: int) -> float:
    """CPU seconds of a process, its live child processes (the app's `parec` readers of the microphone and the
    call audio) and its children already reaped (the parent's cutime + cstime): what listening costs, whichever
    process does the reading."""
    cutime, cstime = _stat_ticks(pid)[2:]
    total = cpu_s(pid) + (cutime + cstime) / os.sysconf("SC_CLK_TCK")
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in listing.read_text().split():
            with contextlib.suppress(OSError):  # it ended meanwhile (then it is in cutime once reaped)
                total += cpu_s(int(child))
    return total


def _pactl(*args: str) -> str:
    try:
        done = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def default_sources() -> tuple[str, str] | None:
    """(microphone, call audio) as the sound server names them: its default source and default sink's monitor."""
    if shutil.which("pactl") is None:
        return None
    mic, sink = _pactl("get-default-source"), _pactl("get-default-sink")
    return (mic, f"{sink}.monitor") if mic and sink else None


def other_capture_streams() -> str:
    """The capture streams other clients hold on the sound server ("none", or how many and their programs): they set how
    often every capture of the same source wakes (a client asking for 5 ms packets makes the server send 5 ms
    packets to all), so the floor's and the apps' figures stand for a desktop only where there are none."""
    streams = [line.split("\t") for line in _pactl("list", "short", "source-outputs").splitlines()]
    clients = dict(line.split("\t")[::2] for line in _pactl("list", "short", "clients").splitlines()
                   if line.count("\t") == 2)
    names = [clients.get(s[2], "?") for s in streams if len(s) > 2 and s[2] != "-"]  # "-": the server's own filters
    if not names:
        return "none"
    return f"{len(names)} (" + ", ".join(f"{n} x{names.count(n)}" for n in sorted(set(names))) + ")"


def _candidates(sources: tuple[str, str], seconds: float) -> dict[str, list[tuple[list[str], dict[str, str]]]]:
    """label -> the processes (argv, extra environment) that together capture both streams."""
    out: dict[str, list[tuple[list[str], dict[str, str]]]] = {}
    for rate, block in ((16000, 0.03), (48000, 0.01)):
        label = f"sounddevice (PortAudio, ALSA pulse plugin), {rate // 1000} kHz, {block * 1000:g} ms blocks"
        out[label] = [([sys.executable, "-m", "calmcue.audio.bare", f"{seconds:g}", str(rate), str(block), "pulse"],
                       {"PULSE_SOURCE": source}) for source in sources]
    if shutil.which("parec"):
        out["parec (pulseaudio-utils), 16 kHz float, 30 ms fragments"] = [
            (["parec", "-d", source, "--rate=16000", "--channels=1", "--format=float32le", "--latency-msec=30",
              "--raw", "/dev/null"], {}) for source in sources]
    return out


def _measure_group(commands: list[tuple[list[str], dict[str, str]]], seconds: float) -> float | str:
    procs = [subprocess.Popen(argv, env={**os.environ, **extra}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for argv, extra in commands]
    try:
        time.sleep(START_S)  # start-up (imports, stream set-up, the first packet) is not part of the floor
        if any(p.poll() is not None for p in procs):
            err = next((p.stderr.read().strip() for p in procs if p.poll() and p.stderr), "")
            return f"exited early: {err[:160] or 'no reason given'}"
        cpu0, t0 = sum(cpu_s(p.pid) for p in procs), time.perf_counter()
        time.sleep(seconds)  # the measured span
        return 100.0 * (sum(cpu_s(p.pid) for p in procs) - cpu0) / (time.perf_counter() - t0)
    except OSError as err:
        return f"could not be measured: {err}"
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def measure_floor(*, seconds: float) -> FloorFigures:
    if not Path("/proc/self/stat").exists():
        return FloorFigures(None, "", {"all": "needs /proc (Linux) to read CPU time"})
    sources = default_sources()
    if sources is None:
        return FloorFigures(None, "", {"all": "no PulseAudio server (run under scripts/with_services.sh)"})
    others = other_capture_streams()
    figures = {label: _measure_group(commands, seconds)
               for label, commands in _candidates(sources, seconds + START_S + 5.0).items()}
    measured = {k: v for k, v in figures.items() if isinstance(v, float)}
    if not measured:
        return FloorFigures(None, "", figures, others)
    best = min(measured, key=lambda k: measured[k])
    return FloorFigures(measured[best], f"{best}; sources {sources[0]} + {sources[1]}", figures, others)


@contextmanager
def speech_playing(stereo: np.ndarray) -> Iterator[str]:
    """Plays channel 0 into the virtual microphone's sink and channel 1 into the call's sink, on a loop, while
    the block runs. Yields "" when it plays, else why it does not (no virtual headset here)."""
    with _playing(np.tile(stereo, (4, 1)), rate_hz=ANALYSIS_RATE_HZ, subtype="PCM_16") as why:
        yield why


ROOM_CLIP_S = 10.0  # the generated room loops cleanly; longer spans repeat it


def room_description() -> str:
    return (f"a quiet room: generated pink and brown noise at {room.ROOM_DBFS:g} dBFS with a {room.HUM_HZ:g} Hz hum "
            f"at {room.HUM_DBFS:g} dBFS, independent on the microphone and the call audio")


@contextmanager
def room_playing(*, seconds: float) -> Iterator[str]:
    """Plays the bench's quiet room (bench/room.py) into both sinks of the virtual headset for at least `seconds`:
    what an agent's microphone hears between calls, never digital silence. Yields "" when it plays, else why not."""
    clip = room.room_noise(seconds=ROOM_CLIP_S, rate_hz=ROOM_RATE_HZ)
    repeats = max(1, int(np.ceil(seconds / (clip.shape[0] / ROOM_RATE_HZ))))
    with _playing(np.tile(clip, (repeats, 1)), rate_hz=ROOM_RATE_HZ, subtype="FLOAT") as why:
        yield why


@contextmanager
def _playing(stereo: np.ndarray, *, rate_hz: int, subtype: str) -> Iterator[str]:
    sinks = _pactl("list", "short", "sinks")
    names = {line.split("\t")[1] for line in sinks.splitlines() if "\t" in line}
    if shutil.which("paplay") is None or not {MIC_SINK, CALL_SINK} <= names:
        yield f"no virtual headset to play into (sinks {MIC_SINK} and {CALL_SINK}: run under scripts/with_services.sh)"
        return
    folder = Path(tempfile.mkdtemp(prefix="calmcue-bench-play-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for channel, sink in enumerate((MIC_SINK, CALL_SINK)):
            path = folder / f"{sink}.wav"
            sf.write(path, stereo[:, channel], rate_hz, subtype=subtype)
            procs.append(subprocess.Popen(["paplay", f"--device={sink}", str(path)], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield ""
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
            p.wait(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)
