"""Soak: `calmcue monitor` with the default devices for a long time, the demo call looping, one core busy, and the
sound server killed and restarted every few minutes. Reports overflows, drops, restarts, how fast each server
death was noticed and the audio was back, RSS and CPU over time.

    bash scripts/with_services.sh .venv/bin/python benchmarks/soak.py                       # 60 min, every 10
    bash scripts/with_services.sh .venv/bin/python benchmarks/soak.py --minutes 10 --restart-every 3

The server is a private one started like scripts/with_services.sh's (tests/pulse_server.py), so the shared one
is never disturbed. The demo call (build/demo/demo_call.wav, `make demo`) plays agent -> mic_feed (the default
microphone virtual_mic) and customer -> speaker_sink (whose monitor is the default call audio, read by parec),
restarted whenever it ends or the server dies. The busy core is a child spinning in pure Python.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from pulse_server import PulseServer  # noqa: E402

DEMO = REPO / "build" / "demo" / "demo_call.wav"
SAMPLE_S = 30.0  # RSS and CPU are sampled this often


def _stat(pid: int) -> tuple[float, float]:
    """(CPU seconds including reaped children, RSS in MB) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick
    rss_mb = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    return cpu, rss_mb


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live children (parec)."""
    cpu = _stat(pid)[0]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                cpu += _stat(int(child))[0]
    return cpu


class Player:
    """Plays the demo call into the two sinks, over and over, restarting after a server death."""

    def __init__(self, server: PulseServer, work: Path) -> None:
        audio, rate = sf.read(DEMO, dtype="float32", always_2d=True)
        audio = soxr.resample(audio, rate, 48000).astype(np.float32)
        self.files = {"mic_feed": work / "agent.wav", "speaker_sink": work / "customer.wav"}
        sf.write(self.files["mic_feed"], audio[:, 0], 48000, subtype="FLOAT")
        sf.write(self.files["speaker_sink"], audio[:, 1], 48000, subtype="FLOAT")
        self.server = server
        self.running = True
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            for sink, path in self.files.items():
                proc = self.procs.get(sink)
                if proc is None or proc.poll() is not None:
                    self.procs[sink] = subprocess.Popen(["paplay", f"--device={sink}", str(path)],
                                                        env=self.server.env, stdout=subprocess.DEVNULL,
                                                        stderr=subprocess.DEVNULL)
            time.sleep(0.5)

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
            proc.wait()


class Lines:
    """The monitor's output with the time each line came."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.cond.notify_all()

    def first_after(self, text: str, t0: float, timeout_s: float = 60.0) -> float | None:
        def hit() -> float | None:
            return next((t for t, ln in self.lines if t >= t0 and text in ln), None)

        with self.cond:
            self.cond.wait_for(lambda: hit() is not None, timeout_s)
            return hit()


def soak(minutes: float, restart_every_min: float, work: Path) -> dict[str, object]:
    server = PulseServer(work / "server")
    server.start()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    player = Player(server, work)
    stats_file = work / "stats.json"
    env = dict(server.env, CALMCUE_DATA_DIR=str(work / "data"), CALMCUE_CONFIG_DIR=str(work / "cfg"),
               XDG_STATE_HOME=str(work / "state"), PYTHONUNBUFFERED="1")
    monitor = subprocess.Popen([sys.executable, "-m", "calmcue", "monitor", "--stats-json", str(stats_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = Lines(monitor)
    samples: list[dict[str, float]] = []
    restarts: list[dict[str, float | None]] = []
    try:
        t_start = time.monotonic()
        if lines.first_after("[calibrating]", 0.0) is None:
            raise SystemExit("soak: the monitor never started listening:\n" + "\n".join(ln for _, ln in lines.lines))
        end = t_start + minutes * 60
        next_restart = t_start + restart_every_min * 60
        next_sample = t_start
        last = (time.monotonic(), _tree_cpu(monitor.pid))
        while time.monotonic() < end and monitor.poll() is None:
            now = time.monotonic()
            if now >= next_sample:
                cpu = _tree_cpu(monitor.pid)
                samples.append({"t_min": (now - t_start) / 60, "rss_mb": _stat(monitor.pid)[1],
                                "cpu_pct": 100 * (cpu - last[1]) / max(1e-9, now - last[0])})
                last = (now, cpu)
                next_sample += SAMPLE_S
            if now >= next_restart and now + 30 < end:
                restarts.append(_restart(server, lines))
                next_restart += restart_every_min * 60
            time.sleep(0.2)
        alive = monitor.poll() is None
    finally:
        if monitor.poll() is None:
            monitor.send_signal(signal.SIGINT)
        code = monitor.wait(timeout=60)
        player.stop()
        busy.kill()
        busy.wait()
        server.stop()
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return {"minutes": minutes, "restart_every_min": restart_every_min, "alive_to_the_end": alive,
            "exit_code": code, "server_restarts": restarts, "samples": samples, "monitor_stats": stats,
            "loadavg_end": os.getloadavg(), "output_tail": [ln for _, ln in lines.lines[-8:]]}


def _restart(server: PulseServer, lines: Lines) -> dict[str, float | None]:
    """Kills the server, starts it 3 s later; how long until the monitor said it was lost and was back."""
    t_kill = time.monotonic()
    server.kill()
    lost = lines.first_after("[device_lost]", t_kill)
    time.sleep(3.0)  # the server stays down this long, as in the report
    server.start()
    t_up = time.monotonic()
    back = lines.first_after("[calibrating]", t_up) or lines.first_after("[listening]", t_up)
    return {"noticed_s": None if lost is None else lost - t_kill, "back_s": None if back is None else back - t_up}


def report(result: dict[str, object]) -> str:
    stats = result["monitor_stats"]
    assert isinstance(stats, dict)
    out = [f"soak: {result['minutes']:g} min, server killed and restarted every {result['restart_every_min']:g} "
           f"min, demo call looping, one core busy; monitor alive to the end: {result['alive_to_the_end']}, "
           f"exit {result['exit_code']}",
           f"  audio analysed {stats.get('seconds', 0):.0f} s; overflows {stats.get('overflows')}, dropped blocks "
           f"{stats.get('dropped_blocks')}, worker restarts {stats.get('restarts')}, reopens {stats.get('reopens')}",
           f"  callback-to-features latency p50 {stats.get('latency_ms', {}).get('p50')} ms, p99 "
           f"{stats.get('latency_ms', {}).get('p99')} ms; peak RSS {stats.get('max_rss_mb', 0):.1f} MB"]
    for i, r in enumerate(result["server_restarts"], 1):  # type: ignore[arg-type]
        out.append(f"  server restart {i}: loss noticed after {_s(r['noticed_s'])}, audio back "
                   f"{_s(r['back_s'])} after the server was up")
    out.append("  t (min)   RSS (MB)   CPU (% of one core, monitor + parec)")
    for s in result["samples"]:  # type: ignore[attr-defined]
        out.append(f"  {s['t_min']:7.1f}   {s['rss_mb']:8.1f}   {s['cpu_pct']:6.2f}")
    return "\n".join(out)


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--restart-every", type=float, default=10.0, metavar="MIN")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if os.environ.get("CALMCUE_PULSE") != "1":
        print("soak: run it under scripts/with_services.sh (it needs pulseaudio and its tools)", file=sys.stderr)
        return 2
    if not DEMO.exists():
        print(f"soak: {DEMO} is missing; run 'make demo' first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="calmcue-soak.") as work:
        result = soak(args.minutes, args.restart_every, Path(work))
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["alive_to_the_end"] and result["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
