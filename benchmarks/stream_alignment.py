"""Do two paired `parec` streams stay aligned by CONTENT when their ARRIVAL drifts apart? (issue 15 item 4, lat15)

    HARNESS_READERS=off bash scripts/with_services.sh .venv/bin/python benchmarks/stream_alignment.py \
        [--sinks two|same] [--seconds 180] [--loaders 8] [--json OUT]

The live source (audio/live.py DeviceSource) pairs the microphone's sample k with the call audio's sample k, fixed
when both streams start. lat15 (benchmarks/results/profiles/lat15.md) saw the call audio's sample k ARRIVE 0-130 ms
after the microphone's and asked whether dropping that lead would restore the content's alignment (one stream
losing samples) or break it (one path's delay growing). This plays a click every 0.5 s into the virtual
headset's sinks (`paplay`, one per sink: mic_feed, read as the microphone through `virtual_mic`, and speaker_sink,
read as the call audio from its monitor; `--sinks same`: mic_feed's monitor as the call audio too, one content),
reads both through a DeviceSource for `--seconds`, in 15 s phases (short reads; 0.6 s quiet reads; each again with
`--loaders` busy processes beside it), and reports per click:

- each channel's click-to-click interval in samples: exactly the period when nothing was lost or inserted; SHORTER
  means the capture lost samples (what realigning would mend), LONGER means silence went in before the capture
  (the player fell behind and the sink played silence: what the agent really heard);
- the content offset (call click index minus microphone click index), beside each block's arrival lag (the call
  audio's newest sample's delivery stamp minus the microphone's).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from calmcue.audio.live import DeviceSource

RATE_HZ = 48000
PERIOD = RATE_HZ // 2  # a click every 0.5 s: offsets up to +-0.25 s pair unambiguously
PHASE_S = 15.0
PHASES = ("short reads", "quiet reads", "short reads + load", "quiet reads + load")


def click_track(path: Path, *, seconds: float) -> None:
    x = np.zeros(int(seconds * RATE_HZ), np.float32)
    for k in range(PERIOD, len(x) - 8, PERIOD):
        x[k:k + 8] = 0.5
    sf.write(path, x, RATE_HZ, subtype="FLOAT")


def onsets(channel: np.ndarray) -> np.ndarray:
    loud = np.abs(channel) > 0.2
    return np.flatnonzero(loud & ~np.r_[False, loud[:-1]])


def run(*, sinks: str, seconds: float, loaders: int) -> dict[str, list]:
    call = "mic_feed.monitor" if sinks == "same" else "speaker_sink.monitor"
    source = DeviceSource(mic="agent_mic", call=call)
    source.start()
    print(f"reading {source.label}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        track = Path(tmp) / "clicks.wav"
        click_track(track, seconds=seconds + 10)
        players = [subprocess.Popen(["paplay", "-d", sink, "--latency-msec=20", str(track)])
                   for sink in (["mic_feed"] if sinks == "same" else ["mic_feed", "speaker_sink"])]
        busy: list[subprocess.Popen[bytes]] = []
        rows: list[dict[str, float | None]] = []
        clicks: tuple[list[int], list[int]] = ([], [])
        at = 0
        start = time.monotonic()
        try:
            while (elapsed := time.monotonic() - start) < seconds:
                phase = int(elapsed // PHASE_S) % len(PHASES)
                if (phase >= 2) != bool(busy):
                    busy = _load(busy, loaders if phase >= 2 else 0)
                source.pace(quiet=phase % 2 == 1, quiet_read_s=0.6)
                block = source.read(1.0)
                if block is None:
                    continue
                for channel in (0, 1):
                    clicks[channel].extend((at + onsets(block[:, channel])).tolist())
                at += len(block)
                rows.append({"t_s": elapsed, "phase": phase, "lag_ms": _arrival_lag_ms(source)})
        finally:
            _load(busy, 0)
            for p in players:
                p.kill()
            source.stop()
    return {"rows": rows, "mic": clicks[0], "call": clicks[1]}


def _load(busy: list[subprocess.Popen[bytes]], count: int) -> list[subprocess.Popen[bytes]]:
    for p in busy:
        p.kill()
    return [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(count)]


def _arrival_lag_ms(source: DeviceSource) -> float | None:
    """The call audio's newest sample taken was delivered this long after the microphone's (a probe of the
    source's readers: benchmark only)."""
    mic, call = source._mic.ring, source._call.ring
    m, c = mic.stamp_of(mic.read), call.stamp_of(call.read)
    return None if m is None or c is None else (c - m) * 1e3


def report(data: dict[str, list]) -> None:
    mic, call = np.array(data["mic"]), np.array(data["call"])
    for name, x in (("microphone", mic), ("call audio", call)):
        gaps = np.diff(x)
        print(f"{name}: {len(x)} clicks; intervals shorter than the period (samples LOST in capture): "
              f"{int((gaps < PERIOD).sum())}; longer (silence went in before capture): {int((gaps > PERIOD).sum())}, "
              f"{int(np.clip(gaps - PERIOD, 0, None).sum())} samples in all")
    offsets = [int(call[np.argmin(np.abs(call - k))] - k) for k in mic if len(call)]
    offsets = [o for o in offsets if abs(o) < PERIOD // 2]
    print(f"content offset (call - microphone), samples: first {offsets[0]}, last {offsets[-1]}, "
          f"range {min(offsets)}..{max(offsets)}")
    for phase, label in enumerate(PHASES):
        lags = [r["lag_ms"] for r in data["rows"] if r["phase"] == phase and r["lag_ms"] is not None]
        if lags:
            p50, p95, top = np.percentile(lags, [50, 95, 100])
            print(f"arrival lag, {label:20s}: p50 {p50:6.1f}  p95 {p95:6.1f}  max {top:6.1f} ms ({len(lags)} blocks)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sinks", choices=("two", "same"), default="two")
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--loaders", type=int, default=8, help="busy processes during the loaded phases")
    parser.add_argument("--json", type=Path, help="write the per-block rows and click indices here")
    args = parser.parse_args()
    data = run(sinks=args.sinks, seconds=args.seconds, loaders=args.loaders)
    if args.json:
        args.json.write_text(json.dumps(data))
    report(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
