"""Tray-app figures (a measurement, not a test): start-up, idle memory, raised voice -> overlay on screen.

Run it under the private services (Xvfb + openbox + xcompmgr + trayer, PulseAudio with the virtual headset):

    bash scripts/with_services.sh .venv/bin/python benchmarks/ui_figures.py [--runs 5] [--idle-s 20] [--json OUT]

It reports:
- launch -> tray icon: wall time from starting the `calmcue` executable (a fresh process, as a user does) to the
  tray host having embedded the icon (the app's trace event `tray_visible`); median and max over `--runs`;
- idle memory: resident (RSS) and proportional (PSS) memory of the running tray app after `--idle-s` seconds of
  listening to the virtual microphone with nothing happening;
- raised voice -> overlay: the demo call (build/demo/demo_call.wav) played in real time through FileSource ->
  Worker -> Bridge -> App -> Overlay in this process, on the X server. For each cue: the detector's part
  (episode start -> cue, engine time; the minimum duration by design), and the rest (the cue's last sample due
  -> the overlay's first painted frame, wall clock), plus the time to full opacity after the fade-in.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "build" / "demo" / "demo_call.wav"
CALMCUE = Path(sys.executable).with_name("calmcue")
BOUND_S = 60.0


def private_env(root: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("config", "data", "state", "runtime"):
        (root / name).mkdir(parents=True, exist_ok=True, mode=0o700)
    (root / "data" / "notice-shown").write_text("1\n")
    env.update(CALMCUE_CONFIG_DIR=str(root / "config"), CALMCUE_DATA_DIR=str(root / "data"),
               CALMCUE_POLICY_FILE=str(root / "policy.toml"), XDG_STATE_HOME=str(root / "state"),
               XDG_RUNTIME_DIR=str(root / "runtime"), QT_QPA_PLATFORM="xcb", **extra)
    return env


def read_trace(path: Path, event: str, deadline: float) -> dict[str, Any]:
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if record["event"] == event:
                    return record
        time.sleep(0.005)
    raise SystemExit(f"ui_figures: no '{event}' in {path} within {BOUND_S:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def launch_times(runs: int) -> dict[str, Any]:
    shown, visible = [], []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            trace = Path(tmp) / "trace.jsonl"
            env = private_env(Path(tmp), CALMCUE_UI_TRACE=str(trace))
            t0 = time.time()
            proc = subprocess.Popen([str(CALMCUE)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + BOUND_S
            try:
                visible.append(read_trace(trace, "tray_visible", deadline)["t"] - t0)
                shown.append(read_trace(trace, "tray_shown", deadline)["t"] - t0)
                read_trace(trace, "engine_started", deadline)
            finally:
                stop(proc)
        print(f"  run {i + 1}: icon shown {shown[-1] * 1000:.0f} ms, embedded in the tray {visible[-1] * 1000:.0f} ms",
              file=sys.stderr)
    return {"runs": runs, "shown_ms_median": 1000 * statistics.median(shown), "shown_ms_max": 1000 * max(shown),
            "visible_ms_median": 1000 * statistics.median(visible), "visible_ms_max": 1000 * max(visible)}


def memory_kb(pid: int) -> dict[str, int]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    pss = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    return {"rss_kb": int(status["VmRSS"].split()[0]), "pss_kb": pss}


def idle_memory(idle_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.jsonl"
        proc = subprocess.Popen([str(CALMCUE)], env=private_env(Path(tmp), CALMCUE_UI_TRACE=str(trace)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + BOUND_S
            read_trace(trace, "engine_started", deadline)
            states = []
            end = time.monotonic() + idle_s
            while time.monotonic() < end:
                time.sleep(0.25)
            for line in trace.read_text().splitlines():
                record = json.loads(line)
                if record["event"] == "tray_state":
                    states.append(record["state"])
            mem = memory_kb(proc.pid)
        finally:
            stop(proc)
    return {"idle_s": idle_s, "rss_mb": mem["rss_kb"] / 1024, "pss_mb": mem["pss_kb"] / 1024,
            "states_seen": states}


def cue_latency(speed: float) -> dict[str, Any]:
    """In this process: the real App on the demo call, with FileSource.start and the cues' episodes recorded."""
    from PyQt6.QtWidgets import QApplication

    from calmcue.audio import sources
    from calmcue.ui.qt_app import App, Options
    from calmcue.ui.settings_store import SettingsStore

    os.environ.update(private_env(Path(tempfile.mkdtemp(prefix="calmcue-ui-figures-"))))  # not the user's files
    app = QApplication(sys.argv[:1])
    started: list[float] = []
    original_start = sources.FileSource.start

    def start(self: Any) -> None:
        original_start(self)
        started.append(time.monotonic())  # the pacer's clock starts inside original_start, just before this

    sources.FileSource.start = start  # type: ignore[method-assign]
    original_on_cue = App._on_cue

    def on_cue_first(self: Any, cue: Any) -> None:  # before the App handles it: when the bridge delivered it
        on_cue(cue)
        original_on_cue(self, cue)

    App._on_cue = on_cue_first  # type: ignore[method-assign]
    controller = App(store=SettingsStore(), options=Options(demo=DEMO, first_run=False, demo_speed=speed))
    cues: list[dict[str, Any]] = []
    episodes: list[Any] = []

    def on_cue(cue: Any) -> None:
        cues.append({"kind": cue.kind, "speaker": cue.speaker, "t_s": cue.t_s, "received": time.monotonic()})

    def on_painted() -> None:
        cues[-1].setdefault("painted", time.monotonic())

    def on_faded_in() -> None:
        cues[-1].setdefault("opaque", time.monotonic())

    from PyQt6.QtCore import QTimer

    poll = QTimer(interval=5)

    def hook() -> None:  # once the App's own deferred start-up has made the bridge and overlay
        if controller.bridge is None:
            return
        poll.stop()
        controller.bridge.episode.connect(episodes.append)
        controller.overlay.painted.connect(on_painted)
        controller.overlay.faded_in.connect(on_faded_in)

    poll.timeout.connect(hook)
    controller.start()
    poll.start()
    QTimer.singleShot(round(95_000 / speed), app.quit)
    app.exec()
    controller.shutdown()
    return {"speed": speed, "platform": app.platformName(), "cues": latency_rows(cues, episodes, t0=started[0],
                                                                                  speed=speed)}


def latency_rows(cues: list[dict[str, Any]], episodes: list[Any], *, t0: float, speed: float) -> list[dict[str, Any]]:
    """Per cue: how long the detector took from the episode's start, and the delays to the bridge and the screen."""
    rows = []
    for cue in cues:
        episode = next((e for e in episodes if e.kind == cue["kind"] and e.speaker == cue["speaker"]
                        and e.start_s <= cue["t_s"] <= e.end_s + 0.01), None)
        due = t0 + cue["t_s"] / speed
        rows.append({"kind": cue["kind"], "speaker": cue["speaker"], "cue_t_s": cue["t_s"],
                     "detector_s": None if episode is None else round(cue["t_s"] - episode.start_s, 3),
                     "to_bridge_ms": round(1000 * (cue["received"] - due), 1),
                     "to_first_paint_ms": round(1000 * (cue["painted"] - due), 1) if "painted" in cue else None,
                     "to_opaque_ms": round(1000 * (cue["opaque"] - due), 1) if "opaque" in cue else None})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        print("ui_figures: needs an X server; run it through scripts/with_services.sh", file=sys.stderr)
        return 2
    if not DEMO.exists():
        print(f"ui_figures: {DEMO} is missing; run 'make demo'", file=sys.stderr)
        return 2
    print("launch -> tray icon", file=sys.stderr)
    out: dict[str, Any] = {"schema": 1, "launch": launch_times(args.runs)}
    print("idle memory", file=sys.stderr)
    out["idle_memory"] = idle_memory(args.idle_s)
    print("raised voice -> overlay (demo call, real time)", file=sys.stderr)
    out["cue_latency"] = cue_latency(1.0)
    launch, mem = out["launch"], out["idle_memory"]
    print(f"launch -> tray icon: shown {launch['shown_ms_median']:.0f} ms (max {launch['shown_ms_max']:.0f}), "
          f"embedded {launch['visible_ms_median']:.0f} ms (max {launch['visible_ms_max']:.0f}) [goal < 1000 ms]")
    print(f"idle memory after {mem['idle_s']:.0f} s: RSS {mem['rss_mb']:.0f} MB, PSS {mem['pss_mb']:.0f} MB "
          f"[goal < 150 MB]; states {mem['states_seen']}")
    for row in out["cue_latency"]["cues"]:
        print(f"cue {row['kind']}/{row['speaker']} at {row['cue_t_s']:.2f} s: detector {row['detector_s']} s "
              f"(episode start -> cue), then -> bridge {row['to_bridge_ms']} ms, -> first paint "
              f"{row['to_first_paint_ms']} ms, -> fully faded in {row['to_opaque_ms']} ms")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
