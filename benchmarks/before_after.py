"""Before and after, interleaved in the same minutes: CalmCue from another commit's source tree against this one.

On a shared machine absolute CPU figures drift with the load; alternating the two versions round by round
makes their ratio trustworthy where the absolute figures are not. Per round and version: the tray app
listening to silence and to speech (the bench's own measurement), batch `analyze` of a two-channel file
(x real time per CPU second), and the live pipeline pushed one 10 ms hop at a time and in 50 ms blocks
(CPU microseconds per hop). The capture floor is measured once per round.

    git archive COMMIT src | tar -x -C /tmp/before
    bash scripts/with_services.sh .venv/bin/python benchmarks/before_after.py /tmp/before/src WAV \\
        [--rounds 2] [--span-s 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from calmcue.bench import apps, listen, machine

PROBE = r"""
import json, sys, time, numpy as np, soundfile as sf
from pathlib import Path
from calmcue.analysis.offline import analyze_file
from calmcue.config.schema import Settings
from calmcue.engine.pipeline import Pipeline
path = Path(sys.argv[1])
x, rate = sf.read(str(path), dtype="float32")
analyze_file(path, keep_frames=False)
best = 0.0
for _ in range(3):
    c = time.process_time(); analyze_file(path, keep_frames=False)
    best = max(best, x.shape[0] / rate / (time.process_time() - c))
out = {"rtf_batch_2ch_cpu": best}
part = x[: 20 * rate]
for hops in (1, 5):
    step = 160 * hops
    pipe = Pipeline(Settings(), channels=2, in_rate_hz=rate)
    blocks = [part[i : i + step] for i in range(0, part.shape[0] - step + 1, step)]
    c = time.thread_time_ns()
    for b in blocks:
        pipe.push(b)
    out[f"pipeline_2ch_{hops}hop_cpu_us"] = (time.thread_time_ns() - c) / 1000 / (len(blocks) * hops)
print(json.dumps(out))
"""


def _with_source(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    else:
        env.pop("PYTHONPATH", None)
    return env


def _probe(src: str | None, wav: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(wav)], env={**_with_source(src), "OMP_NUM_THREADS": "1"},
                          capture_output=True, text=True, timeout=900, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _tray(src: str | None, speech: np.ndarray, span_s: float) -> dict[str, Any]:
    saved = os.environ.get("PYTHONPATH")
    os.environ.update({"PYTHONPATH": src} if src else {})
    if not src:
        os.environ.pop("PYTHONPATH", None)
    try:
        tray = apps.measure_tray(idle_s=span_s, speech=speech)
    finally:
        os.environ.pop("PYTHONPATH", None)
        if saved is not None:
            os.environ["PYTHONPATH"] = saved
    return {"tray_listen_cpu_pct": tray.idle_cpu_pct, "tray_speech_cpu_pct": tray.speech_cpu_pct,
            "idle_rss_mb": tray.idle_rss_mb, "reason": tray.reason or tray.speech_reason or ""}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before_src", help="the other version's src folder")
    parser.add_argument("wav", type=Path, help="a two-channel WAV (the demo call)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--span-s", type=float, default=20.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    speech, _ = sf.read(str(args.wav), dtype="float32")
    rounds: list[dict[str, Any]] = []
    for r in range(args.rounds):
        order = [("before", args.before_src), ("after", None)]
        row: dict[str, Any] = {"round": r + 1, "load_1min_start": machine.load_1min()}
        row["capture_floor_cpu_pct"] = listen.measure_floor(seconds=args.span_s).cpu_pct
        for name, src in order if r % 2 == 0 else order[::-1]:
            row[name] = {**_probe(src, args.wav), **_tray(src, speech, args.span_s)}
            print(f"round {r + 1} {name}: {row[name]}", file=sys.stderr, flush=True)
        row["load_1min_end"] = machine.load_1min()
        rounds.append(row)
    doc = {"machine": machine.describe(), "before_src": args.before_src, "wav": str(args.wav),
           "span_s": args.span_s, "rounds": rounds}
    text = json.dumps(doc, indent=1)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
