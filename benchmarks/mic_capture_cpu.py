"""CPU of capturing the microphone (the default source, `virtual_mic` under scripts/with_services.sh) and doing
nothing with it, per capture path, rate, block size and latency (issue 15, third round).

    bash scripts/with_services.sh .venv/bin/python benchmarks/mic_capture_cpu.py [--seconds 15] [--rounds 2]
        [--paths pa-16k-160-low,parec-16k-20] [--json OUT]

Each path runs in its own child process for `--seconds` after its first block, through the app's own capture classes
(audio/capture.py PortAudioInput's callback or audio/server_capture.py ParecInput's reader, into the same Ring),
with a consumer that empties the ring every 50 ms as the worker does. The figure is the CPU of that process plus,
for parec, the parec child (from /proc), as % of one core over the measured wall time; the sound server's own CPU in
the same span is given next to it (it converts the rate and packs the packets). Path names:

- `pa-<rate>k-<block frames>-<latency>`: sounddevice (PortAudio, ALSA pulse plugin, the default input device as
  `calmcue devices` resolves it); latency `low`, `high` or seconds (e.g. `0.05`).
- `parec-<rate>k-<latency ms>`: a `parec` child reading the default source (how the call audio is read; measured for the
  microphone and not adopted: no cheaper than PortAudio with a 0.05-0.1 s ALSA buffer).

Paths are run in turns (ABC ABC ...) so that a load change on a shared machine hits all of them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from capture_turns import cpu_s, run_in_turns, under_private_server

PATHS = ("pa-16k-160-low", "pa-16k-320-low", "pa-16k-480-low", "pa-16k-480-high", "pa-16k-160-0.05",
         "pa-16k-480-0.1", "pa-48k-480-low", "pa-48k-1440-high", "parec-16k-20", "parec-48k-20", "parec-16k-50")


def server_pid() -> int | None:
    """The private sound server's process (its command line names the socket in PULSE_SERVER), if found."""
    sock = os.environ.get("PULSE_SERVER", "").removeprefix("unix:")
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if sock and argv and argv[0].endswith(b"pulseaudio") and any(sock.encode() in a for a in argv):
            return int(entry.name)
    return None


def _open(path: str):  # type: ignore[no-untyped-def]
    from calmcue.audio import devices
    from calmcue.audio.capture import PortAudioInput
    from calmcue.audio.server_capture import ParecInput

    parts = path.split("-")
    rate_hz = int(parts[1].rstrip("k")) * 1000
    if parts[0] == "parec":
        source = subprocess.run(["pactl", "get-default-source"], capture_output=True, text=True,
                                check=True).stdout.strip()
        return ParecInput(source_id=source, name=source, rate_hz=rate_hz, latency_ms=int(parts[2])), rate_hz
    mic = devices.resolve_mic("")
    latency = parts[3] if parts[3] in ("low", "high") else float(parts[3])
    stream = PortAudioInput(device=int(mic.id), name=mic.name, rate_hz=rate_hz, latency=latency,
                            block_s=int(parts[2]) / rate_hz)
    return stream, rate_hz


def _measure(path: str, seconds: float) -> dict[str, float]:
    """Runs in the child: opens the path, waits for audio, measures, closes."""
    from calmcue.audio.server_capture import ParecInput

    stream, rate_hz = _open(path)
    stream.start()
    deadline = time.monotonic() + 10.0
    while stream.ring.callbacks == 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"{path}: no audio within 10 s")
        time.sleep(0.01)
    time.sleep(1.0)  # start-up is not part of the figure
    pids = [os.getpid()] + ([stream.pid] if isinstance(stream, ParecInput) else [])
    server = server_pid()
    srv0 = cpu_s(server) if server else 0.0
    cpu0, wall0 = sum(cpu_s(p) for p in pids), time.monotonic()
    frames0, calls0 = stream.ring.write, stream.ring.callbacks
    while time.monotonic() - wall0 < seconds:  # the consumer: empty the ring every 50 ms, as the worker does
        if isinstance(stream, ParecInput):
            stream.wake_at = stream.ring.read + round(0.05 * rate_hz)
        time.sleep(0.05)
        stream.ring.skip(stream.ring.available())
    cpu1, wall1 = sum(cpu_s(p) for p in pids), time.monotonic()
    srv1 = cpu_s(server) if server else 0.0
    frames1, calls1 = stream.ring.write, stream.ring.callbacks
    reported = getattr(getattr(stream, "_stream", None), "latency", None)  # PortAudio's input latency, seconds
    stream.stop()
    return {"input_latency_ms": 1000.0 * reported if reported is not None else -1.0,
            "cpu_pct": 100.0 * (cpu1 - cpu0) / (wall1 - wall0),
            "server_cpu_pct": 100.0 * (srv1 - srv0) / (wall1 - wall0) if server else -1.0, "wall_s": wall1 - wall0,
            "audio_s": (frames1 - frames0) / rate_hz, "blocks_per_s": (calls1 - calls0) / (wall1 - wall0),
            "dropped_blocks": stream.ring.dropped_blocks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured time per run (default 15)")
    parser.add_argument("--rounds", type=int, default=2, help="turns through all paths (default 2)")
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated paths (default: all)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.seconds)))
        return 0
    if not under_private_server("mic_capture_cpu"):
        return 2
    paths = [p for p in args.paths.split(",") if p]
    runs, loads = run_in_turns(__file__, paths, seconds=args.seconds, rounds=args.rounds)
    print(f"microphone capture (default source), {args.seconds:g} s x {args.rounds} per path, load average "
          f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores:")
    summary = {}
    for path, got in runs.items():
        if not got:
            continue
        cpu = sorted(r["cpu_pct"] for r in got)
        srv = sorted(r["server_cpu_pct"] for r in got)
        summary[path] = {"cpu_pct_runs": cpu, "server_cpu_pct_runs": srv, "blocks_per_s": got[-1]["blocks_per_s"],
                         "dropped_blocks": sum(int(r["dropped_blocks"]) for r in got)}
        summary[path]["input_latency_ms"] = got[-1]["input_latency_ms"]
        latency = f"; PortAudio input latency {got[-1]['input_latency_ms']:.1f} ms" if path.startswith("pa") else ""
        print(f"  {path:18s} {' '.join(f'{c:5.2f}' for c in cpu)} % of one core (sound server "
              f"{' '.join(f'{c:5.2f}' for c in srv)}); {got[-1]['blocks_per_s']:6.1f} "
              f"blocks/s; dropped {summary[path]['dropped_blocks']}{latency}")
    if args.json:
        args.json.write_text(json.dumps({"seconds": args.seconds, "loadavg": loads, "paths": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
