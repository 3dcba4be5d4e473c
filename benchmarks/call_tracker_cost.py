"""What the call tracker (detector/calls.py) adds to the detector stage, per 10 ms frame, on the demo call.

    .venv/bin/python benchmarks/call_tracker_cost.py [--rounds 3]

Runs the demo call through the pipeline with the tracker as it is and with its per-frame step stubbed out,
interleaved, and prints the median detector-stage time per frame of each (the pipeline's own stage timer).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import soundfile as sf

from calmcue.analysis.offline import analyze_samples
from calmcue.detector import calls
from calmcue.engine.pipeline import StageTimes

DEMO = Path(__file__).resolve().parents[1] / "build" / "demo" / "demo_call.wav"


def detector_us_per_frame() -> float:
    data, rate = sf.read(DEMO, dtype="float32")
    times = StageTimes()
    analyze_samples(data, rate_hz=rate, keep_frames=False, times=times)
    stage = times.samples["detector"]
    return sum(ns for ns, _ in stage) / sum(frames for _, frames in stage) / 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    real_step = calls.CallTracker.step
    results: dict[str, list[float]] = {"with the tracker": [], "tracker stubbed": []}
    for _ in range(rounds):
        for label in results:
            calls.CallTracker.step = real_step if label == "with the tracker" else (lambda *_args: [])  # type: ignore[method-assign]
            results[label].append(detector_us_per_frame())
    calls.CallTracker.step = real_step  # type: ignore[method-assign]
    for label, values in results.items():
        print(f"{label}: detector stage {statistics.median(values):.2f} us per 10 ms frame "
              f"(median of {rounds}: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
