"""Live-path benchmark (a measurement, not a test): `calmcue monitor` on two live channels through PulseAudio.

Run it under the private services (it needs the virtual call of scripts/with_services.sh):

    bash scripts/with_services.sh .venv/bin/python benchmarks/live_monitor.py [--seconds 60] \
        [--overflow-minutes 10] [--memory-minutes 60] [--json OUT]

It reports:
- CPU of the `calmcue monitor` process (user + system, % of one core) over `--seconds`, while the demo call
  plays into the call_feed sink (channel 0 = agent -> call_mic, channel 1 = customer -> call_far);
- callback-to-features latency p50/p99/max (the age of the newest sample of a block when its features are out);
- how long a device loss takes to be noticed: a source removed (PulseAudio silently moves the stream) and the
  sound server killed (the stream ends);
- with --overflow-minutes: overflows and dropped blocks over that long with a busy loop on the other core;
- with --memory-minutes: resident memory at the start and end of that long a run, and its slope.
"""

from __future__ import annotations

import argparse
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

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "build" / "demo" / "demo_call.wav"
CLK_TCK = os.sysconf("SC_CLK_TCK")
WARMUP_S = 5.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


class Monitor:
    """`calmcue monitor` in a subprocess, its output lines collected with their arrival times."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None, stats: Path | None = None) -> None:
        cmd = [sys.executable, "-m", "calmcue", "monitor", *args]
        if stats is not None:
            cmd += ["--stats-json", str(stats)]
        base = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**base, **(env or {})})
        self.lines: list[tuple[float, str]] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append((time.monotonic(), line.rstrip()))
                self._cond.notify_all()

    def wait_line(self, *texts: str, after: float = 0.0, timeout_s: float = 60.0) -> float:
        """The arrival time of the first line containing one of `texts` that came after `after`."""
        def found() -> float | None:
            return next((t for t, line in self.lines if t >= after and any(x in line for x in texts)), None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout_s):
                raise RuntimeError(f"no {texts} from the monitor:\n" + "\n".join(ln for _, ln in self.lines))
            result = found()
            assert result is not None
            return result

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)


class Player:
    """The demo call looped into call_feed (paplay restarted whenever it ends)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.running = True
        self.proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while self.running:
            self.proc = subprocess.Popen(["paplay", "--device=call_feed", str(self.path)])
            self.proc.wait()

    def stop(self) -> None:
        self.running = False
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
        self._thread.join(10)


def measure_cpu_latency(seconds: float, tmp: Path) -> dict[str, object]:
    stats = tmp / "stats.json"
    player = Player(DEMO)
    monitor = Monitor(["--mic", "call_mic", "--call", "call_far", "--baseline", str(make_baseline(tmp))],
                      env=private_dirs(tmp), stats=stats)
    try:
        monitor.wait_line("[listening]")
        time.sleep(WARMUP_S)  # a benchmark measures over a fixed wall-clock span; this is not a test wait
        c0, t0, rss0 = cpu_s(monitor.proc.pid), time.monotonic(), rss_mb(monitor.proc.pid)
        time.sleep(seconds)
        c1, t1, rss1 = cpu_s(monitor.proc.pid), time.monotonic(), rss_mb(monitor.proc.pid)
    finally:
        rc = monitor.stop()
        player.stop()
    figures = json.loads(stats.read_text())
    return {"seconds": round(t1 - t0, 1), "cpu_percent_of_one_core": round(100.0 * (c1 - c0) / (t1 - t0), 2),
            "latency_ms": figures["latency_ms"], "overflows": figures["overflows"],
            "dropped_blocks": figures["dropped_blocks"], "rss_mb": [round(rss0, 1), round(rss1, 1)],
            "exit_code": rc}


def measure_long(minutes: float, tmp: Path, *, busy: bool) -> dict[str, object]:
    """A long run (optionally with the other core busy): overflows, drops and memory over time."""
    stats = tmp / "long.json"
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    player = Player(DEMO)
    monitor = Monitor(["--mic", "call_mic", "--call", "call_far", "--baseline", str(make_baseline(tmp))],
                      env=private_dirs(tmp), stats=stats)
    samples = []
    try:
        start = monitor.wait_line("[listening]")
        while True:
            samples.append((round(time.monotonic() - start, 1), round(rss_mb(monitor.proc.pid), 1)))
            print(f"  {samples[-1][0]:7.0f} s  RSS {samples[-1][1]:6.1f} MB", flush=True)
            if time.monotonic() - start >= minutes * 60:
                break
            time.sleep(min(30.0, minutes * 60 / 20))
    finally:
        rc = monitor.stop()
        player.stop()
        if burner is not None:
            burner.terminate()
            burner.wait()
    figures = json.loads(stats.read_text())
    settled = [(t, mb) for t, mb in samples if t >= 60.0] or samples  # after the first minute (warm-up)
    t_h = np.array([t for t, _ in settled]) / 3600.0
    slope = float(np.polyfit(t_h, [mb for _, mb in settled], 1)[0]) if len(settled) > 2 else float("nan")
    return {"minutes": minutes, "other_core_busy": busy, "overflows": figures["overflows"],
            "dropped_blocks": figures["dropped_blocks"], "latency_ms": figures["latency_ms"],
            "rss_mb_over_time": samples, "rss_slope_after_1_min_mb_per_hour": round(slope, 2), "exit_code": rc}


def measure_loss_detection(tmp: Path, repeats: int = 5) -> dict[str, object]:
    """Seconds from the fault to the monitor's '[device_lost]' line."""
    moved, killed = [], []
    for _ in range(repeats):
        module = subprocess.run(["pactl", "load-module", "module-remap-source", "source_name=bench_src",
                                 "master=call_feed.monitor", "channels=1", "master_channel_map=front-left",
                                 "channel_map=mono", "remix=no"], capture_output=True, text=True, check=True)
        monitor = Monitor(["--mic", "call_mic", "--call", "bench_src"], env=private_dirs(tmp))
        try:
            start = monitor.wait_line("[calibrating]", "[listening]")
            t_fault = time.monotonic()
            subprocess.run(["pactl", "unload-module", module.stdout.strip()], check=True)
            moved.append(monitor.wait_line("[device_lost]", after=start) - t_fault)
        finally:
            monitor.stop()
    for _ in range(repeats):
        killed.append(server_kill_detection(tmp))
    return {"source_removed_s": [round(x, 3) for x in moved], "server_killed_s": [round(x, 3) for x in killed]}


def server_kill_detection(tmp: Path) -> float:
    run_dir = Path(tempfile.mkdtemp(dir=tmp))
    run_dir.chmod(0o700)
    sock = run_dir / "native"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run_dir), HOME=str(run_dir))
    env.pop("PULSE_SERVER", None)
    server = subprocess.Popen(["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n",
                               f"--load=module-native-protocol-unix auth-anonymous=1 socket={sock}",
                               "--load=module-null-sink sink_name=room rate=48000 channels=1",
                               "--load=module-remap-source source_name=room_mic master=room.monitor channels=1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = dict(private_dirs(tmp), PULSE_SERVER=f"unix:{sock}")
    while subprocess.run(["pactl", "set-default-source", "room_mic"], env={**os.environ, **client},
                         capture_output=True).returncode:
        time.sleep(0.1)
    reader = subprocess.Popen(["parec", "--raw", "--latency-msec=5", "-d", "room_mic"], env={**os.environ, **client},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    monitor = Monitor(["--mic", "pulse", "--call", "none"], env=client)
    try:
        start = monitor.wait_line("[calibrating]", "[listening]")
        t_fault = time.monotonic()
        server.terminate()
        return monitor.wait_line("[device_lost]", after=start) - t_fault
    finally:
        monitor.stop()
        for proc in (reader, server):
            if proc.poll() is None:
                proc.terminate()
            proc.wait()


def private_dirs(tmp: Path) -> dict[str, str]:
    return {"CALMCUE_DATA_DIR": str(tmp / "data"), "CALMCUE_CONFIG_DIR": str(tmp / "config")}


def make_baseline(tmp: Path) -> Path:
    """The agent's calibration from the demo call, so the live run starts listening at once."""
    path = tmp / "baseline.json"
    if not path.exists():
        from calmcue.analysis.offline import analyze_file
        from calmcue.detector.baseline import save_baseline

        values = analyze_file(DEMO, keep_frames=False).baselines["agent"]
        assert values is not None
        save_baseline(path, values)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="CPU/latency measurement span")
    parser.add_argument("--overflow-minutes", type=float, default=0.0, help="long run with the other core busy")
    parser.add_argument("--memory-minutes", type=float, default=0.0, help="long run for memory growth")
    parser.add_argument("--no-loss", action="store_true", help="skip the device-loss detection timing")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if os.environ.get("CALMCUE_PULSE") != "1":
        print("live_monitor: needs the private PulseAudio: bash scripts/with_services.sh .venv/bin/python "
              "benchmarks/live_monitor.py", file=sys.stderr)
        return 2
    if not DEMO.exists():
        print(f"live_monitor: {DEMO} missing: run 'make demo'", file=sys.stderr)
        return 2
    results: dict[str, object] = {"schema": 1, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results["cpu_latency"] = measure_cpu_latency(args.seconds, tmp)
        print(json.dumps({"cpu_latency": results["cpu_latency"]}, indent=2), flush=True)
        if not args.no_loss:
            results["loss_detection"] = measure_loss_detection(tmp)
            print(json.dumps({"loss_detection": results["loss_detection"]}, indent=2), flush=True)
        if args.overflow_minutes:
            results["overflow_run"] = measure_long(args.overflow_minutes, tmp, busy=True)
            print(json.dumps({"overflow_run": results["overflow_run"]}, indent=2), flush=True)
        if args.memory_minutes:
            results["memory_run"] = measure_long(args.memory_minutes, tmp, busy=False)
            print(json.dumps({"memory_run": results["memory_run"]}, indent=2), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
