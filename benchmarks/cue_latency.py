"""Raised voice onset to cue, live (issue 15 item 4): the demo call's agent episode played in real time through
the worker, in 50 ms blocks as the device source delivers them, with the agent's baseline from a batch run.

    .venv/bin/python benchmarks/cue_latency.py [--start-s 40] [--seconds 26]

Prints, for each cue that reaches the mailbox: when its audio was due, when it arrived (the processing and
block delay on top of the detector's own minimum duration), and the batch episode's onset for reference. What
the tray adds after the mailbox (its pump and the overlay's show) is not in this figure.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from calmcue.analysis.offline import analyze_samples
from calmcue.audio.sources import SyntheticSource
from calmcue.config.schema import Settings
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.engine.mailbox import CueMessage, Mailbox
from calmcue.engine.worker import Worker

DEMO = Path(__file__).resolve().parents[1] / "build" / "demo" / "demo_call.wav"


class _TimedSource(SyntheticSource):
    started_at = 0.0

    def start(self) -> None:
        super().start()
        self.started_at = time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start-s", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=26.0)
    args = parser.parse_args()
    samples, rate = sf.read(DEMO, dtype="float32", always_2d=True)
    settings = Settings()
    batch = analyze_samples(samples, rate_hz=rate, settings=settings, keep_frames=False)
    onsets = [e.start_s - args.start_s for e in batch.episodes
              if e.kind == CueKind.RAISED_VOICE and e.speaker == Speaker.AGENT
              and args.start_s <= e.start_s < args.start_s + args.seconds]
    excerpt = samples[int(args.start_s * rate) : int((args.start_s + args.seconds) * rate)]
    source = _TimedSource(excerpt, rate_hz=rate, realtime=True, block_s=0.05)
    mailbox = Mailbox()
    worker = Worker(settings=settings, source_factory=lambda: source, mailbox=mailbox,
                    agent_baseline=batch.baselines[Speaker.AGENT])
    arrivals: list[tuple[float, CueMessage]] = []
    done = threading.Event()

    def pump() -> None:
        while not done.is_set():
            if mailbox.wait(0.1):
                now = time.monotonic()
                arrivals.extend((now, m) for m in mailbox.drain() if isinstance(m, CueMessage))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    worker.start()
    while worker.alive:  # the worker ends with the excerpt (SourceEnded)
        done.wait(0.2)
    done.set()
    reader.join(1.0)
    min_s = settings.detector.raised_voice.agent_min_s
    print(f"batch agent raised-voice onsets in the excerpt: {[round(o, 2) for o in onsets]} s; "
          f"detector minimum duration {min_s:g} s")
    for arrived, message in arrivals:
        cue = message.cue
        due = source.started_at + cue.t_s
        onset = min((o for o in onsets if o <= cue.t_s), default=float("nan"), key=lambda o: cue.t_s - o)
        print(f"cue {cue.kind} {cue.speaker} at engine {cue.t_s:.2f} s: onset to cue {cue.t_s - onset:.2f} s, "
              f"audio due to cue in the mailbox {1000 * (arrived - due):.0f} ms")
    print("load average", " ".join(f"{v:.2f}" for v in os.getloadavg()), "| samples", excerpt.shape, rate,
          "Hz; numpy", np.__version__)


if __name__ == "__main__":
    main()
