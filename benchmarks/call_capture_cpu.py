"""CPU of capturing the call audio (a PulseAudio monitor source) and doing nothing with it, per capture path.

    bash scripts/with_services.sh .venv/bin/python benchmarks/call_capture_cpu.py [--seconds 20] [--json OUT]

Each path runs in its own child process for `--seconds` after its first block, reading
`speaker_sink.monitor` (the default call audio under scripts/with_services.sh) mono at 48 kHz into the same Ring
the app uses. The figure is the CPU of that process plus, for parec, the parec child (from /proc), as % of one
core over the measured wall time. Paths:

- soundcard: the old path (libpulse in-process through the `soundcard` package, 10 ms reads); it aborts the
  process when the sound server restarts.
- parec-N: the new path (a `parec` child asking for N ms latency, a thread reading its pipe).
- portaudio: sounddevice through the ALSA pulse plugin (the PCM `far_end` that with_services.sh writes), 10 ms
  blocks: what the microphone path costs, for comparison.

Paths are run in turns (ABC ABC ...) so that a load change on a shared machine hits all of them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from capture_turns import cpu_s, run_in_turns, under_private_server

SOURCE = "speaker_sink.monitor"
RATE_HZ = 48_000
PATHS = ("soundcard", "parec-10", "parec-20", "parec-50", "portaudio")


def _measure(path: str, seconds: float) -> dict[str, float]:
    """Runs in the child: opens the path, waits for audio, measures, closes."""
    from calmcue.audio.capture import PortAudioInput
    from calmcue.audio.server_capture import ParecInput, SoundcardInput

    stream: ParecInput | PortAudioInput | SoundcardInput
    if path == "soundcard":
        stream = SoundcardInput(source_id=SOURCE, name=SOURCE, rate_hz=RATE_HZ, loopback=False)
    elif path.startswith("parec-"):
        stream = ParecInput(source_id=SOURCE, name=SOURCE, rate_hz=RATE_HZ, latency_ms=int(path.split("-")[1]))
    else:
        from calmcue.audio import devices

        far_end = devices.resolve_mic("far_end")
        stream = PortAudioInput(device=int(far_end.id), name=far_end.name, rate_hz=RATE_HZ, latency="low")
    stream.start()
    deadline = time.monotonic() + 10.0
    while stream.ring.callbacks == 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"{path}: no audio within 10 s")
        time.sleep(0.01)
    pids = [os.getpid()] + ([stream.pid] if isinstance(stream, ParecInput) else [])
    cpu0, wall0, frames0 = sum(cpu_s(p) for p in pids), time.monotonic(), stream.ring.write
    while time.monotonic() - wall0 < seconds:  # the consumer: empty the ring every 50 ms, as the worker does
        time.sleep(0.05)
        stream.ring.skip(stream.ring.available())
    cpu1, wall1, frames1 = sum(cpu_s(p) for p in pids), time.monotonic(), stream.ring.write
    stream.stop()
    return {"cpu_pct": 100.0 * (cpu1 - cpu0) / (wall1 - wall0), "wall_s": wall1 - wall0,
            "audio_s": (frames1 - frames0) / RATE_HZ, "dropped_blocks": stream.ring.dropped_blocks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per run (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="turns through all paths (default 2)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.seconds)))
        return 0
    if not under_private_server("call_capture_cpu"):
        return 2
    runs, _ = run_in_turns(__file__, list(PATHS), seconds=args.seconds, rounds=args.rounds)
    load = os.getloadavg()
    print(f"call-audio capture of {SOURCE}, mono {RATE_HZ} Hz, {args.seconds:g} s x {args.rounds} per path "
          f"(load average {load[0]:.1f} on {os.cpu_count()} cores):")
    summary = {}
    for path, got in runs.items():
        if not got:
            continue
        cpu = sorted(r["cpu_pct"] for r in got)
        summary[path] = {"cpu_pct_runs": cpu, "cpu_pct_median": cpu[len(cpu) // 2],
                         "dropped_blocks": sum(int(r["dropped_blocks"]) for r in got)}
        print(f"  {path:10s} {' '.join(f'{c:5.2f}' for c in cpu)} % of one core; dropped blocks "
              f"{summary[path]['dropped_blocks']}")
    if args.json:
        args.json.write_text(json.dumps({"source": SOURCE, "rate_hz": RATE_HZ, "seconds": args.seconds,
                                         "loadavg": load, "paths": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
