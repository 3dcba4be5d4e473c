"""Quick before/after figures for the live and batch paths (issue 15), without the whole `calmcue bench`.

    CALMCUE_DATA=/work/shared/data .venv/bin/python benchmarks/hop_cost.py [hop] [hop1] [quiet] [room] \\
        [silence] [batch] [demo] [floor] [trackers] [calls] [cheap] [paced] [parts]
    PYTHONPATH=/tmp/old/src .venv/bin/python benchmarks/hop_cost.py     # another version (git archive REV src)

hop: the two-channel pipeline fed one 10 ms hop per push (p50/p99 per hop), then three hops per push (per hop);
hop1: only the one-hop-per-push half (what a profile of the live path records);
quiet: what the tray's worker does while nobody speaks and the mic is not digitally silent - 48 kHz in, 50 ms
pushes (five hops) of steady noise at -70 dBFS on both channels, per hop; silence: the same with digital silence
(two muted devices); room: the same with the bench's generated quiet room (calmcue.bench.room: pink and brown
noise at -65 dBFS with a faint mains hum, independent per channel) - what an agent's headset hears between calls;
batch: `analyze_samples` of the two-channel input in 1 s blocks, CPU time, best of three;
demo: `analyze_file` of the demo call (build/demo/demo_call.wav, `make demo`: a 90 s two-channel WAV), no frames
kept, CPU time, best of three (the file is read and decoded as `calmcue analyze` does);
floor: in that batch run, the per-frame Python (the stateful trackers and the detector, frame by frame) per hop,
and the real-time factor that alone would allow;
trackers: a batch run's tracker time by part (noise floors, quiet-path count, the frame-by-frame run; this
version only);
calls: how many numpy/onnxruntime calls, other built-in calls and Python function calls a one-hop push makes;
cheap: on the quiet room, the share of frames the extractor's cheap path took (this version only);
paced: the worker's reads on the quiet room (50 ms, 200 ms after a block judged quiet), reads per second and the
pipeline's CPU as % of one core; parts: the same room in 200 ms pushes, CPU of each part of the pipeline.
Each live line gives wall time (p50, p99, mean) and, from a second pipeline over the same input, the thread's CPU
time (p50, mean), which the other processes of a shared machine disturb less. Prints the load average: run the
versions interleaved in the same minutes on a shared machine.

    .venv/bin/py-spy record -r 1000 -f raw -o OUT.txt -- .venv/bin/python benchmarks/hop_cost.py loop MODE N

loop: runs MODE (hop1, quiet, room or batch) N times and prints nothing, for a profiler (benchmarks/profile_per_hop.py
and profile_summary.py read its output; hops per run: hop1 2999, quiet 2995, batch 3000).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from calmcue.analysis.offline import analyze_samples
from calmcue.bench.inputs import data_root, load_inputs
from calmcue.config.schema import Settings
from calmcue.engine.pipeline import Pipeline

HOP = 160
QUIET_DBFS = -70.0
TRAY_RATE_HZ, TRAY_PUSH_S = 48000, 0.05  # the worker reads 50 ms blocks of 48 kHz audio (audio/live.py READ_S)


def per_hop_us(stereo: np.ndarray, *, hops_per_push: int, skip: int, rate_hz: int = 16000,
               clock: Callable[[], int] = time.perf_counter_ns) -> np.ndarray:
    """Per push, the time per hop; `clock` time.thread_time_ns: the thread's CPU time (what the other processes
    of a shared machine disturb less than wall time)."""
    pipeline = Pipeline(Settings(), channels=2, in_rate_hz=rate_hz)
    step = HOP * hops_per_push * rate_hz // 16000
    spent = []
    for start in range(0, stereo.shape[0] - step, step):
        t0 = clock()
        pipeline.push(stereo[start : start + step])
        spent.append(clock() - t0)
    return np.array(spent[skip:]) / 1000.0 / hops_per_push


def quiet_noise(seconds: float) -> np.ndarray:
    """Steady white noise at QUIET_DBFS RMS on two channels at the tray's rate (a quiet room through a headset)."""
    rng = np.random.default_rng(15)
    scale = 10.0 ** (QUIET_DBFS / 20.0)
    return (rng.standard_normal((round(seconds * TRAY_RATE_HZ), 2)) * scale).astype(np.float32)


def _room(seconds: float) -> np.ndarray:
    """The bench's quiet room at the tray's rate. An older version on PYTHONPATH may lack calmcue.bench.room (a
    bench-only module): then this checkout's copy is loaded by path, so both versions get the same samples."""
    try:
        from calmcue.bench.room import room_noise
    except ImportError:
        import importlib.util
        from pathlib import Path

        path = Path(__file__).resolve().parents[1] / "src" / "calmcue" / "bench" / "room.py"
        spec = importlib.util.spec_from_file_location("_room", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        room_noise = module.room_noise
    return room_noise(seconds=seconds, rate_hz=TRAY_RATE_HZ)


def _paced() -> None:
    """The tray's worker on 70 s of the quiet room: reads of 50 ms, or 200 ms after a block the engine heard
    nothing in (engine.pipeline.heard_nothing -> audio.live PacedReads), as in audio/live.py. Prints the reads per
    second, the share of quiet reads, and the pipeline's CPU time as % of one core (over the last 60 s: the floors
    have settled)."""
    from calmcue.engine.pipeline import heard_nothing

    pipeline = Pipeline(Settings(), channels=2, in_rate_hz=TRAY_RATE_HZ)
    room = _room(70.0)
    short, long_ = round(TRAY_PUSH_S * TRAY_RATE_HZ), round(0.2 * TRAY_RATE_HZ)
    start, quiet, reads, quiet_reads, spent_ns = 0, False, 0, 0, 0
    settled = 10 * TRAY_RATE_HZ
    while start + long_ <= room.shape[0]:
        step = long_ if quiet else short
        t0 = time.thread_time_ns()
        result = pipeline.push(room[start : start + step])
        quiet = result.batch is not None and heard_nothing(result.batch)
        if start >= settled:
            spent_ns += time.thread_time_ns() - t0
            reads += 1
            quiet_reads += quiet
        start += step
    audio_s = (start - settled) / TRAY_RATE_HZ
    print(f"paced reads on the quiet room (after 10 s): {reads / audio_s:.1f} reads/s, "
          f"{100.0 * quiet_reads / reads:.0f} % judged quiet, pipeline CPU {100.0 * spent_ns / 1e9 / audio_s:.2f} % "
          "of one core")


@contextmanager
def _timing(targets: list[tuple[object, str, str]]) -> Iterator[dict[str, int]]:
    """Wraps each (owner, method name, key) so its thread CPU time adds up under key in the dict yielded, and
    puts the methods back afterwards."""
    spent: dict[str, int] = {}
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]

    def timed(key, method):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.thread_time_ns()
            try:
                return method(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0) + time.thread_time_ns() - t0
        return wrapper

    for (owner, name, key), (_, _, method) in zip(targets, originals, strict=True):
        setattr(owner, name, timed(key, method))
    try:
        yield spent
    finally:
        for owner, name, method in originals:
            setattr(owner, name, method)


def _room_parts() -> None:
    """Where the pipeline's time goes on the quiet room in the tray's quiet 200 ms reads: thread CPU of each part
    as % of one core over 50 s after 10 s of settling, best of three runs (by the whole push)."""
    from calmcue.detector.detector import Detector
    from calmcue.features import activity_model, extractor, trackers

    parts = ("level_dbfs", "power_spectrum", "clip_share", "clip_share_where_loud", "yin_where", "stand_in_periodicity")
    targets = [(extractor, name, name) for name in parts if hasattr(extractor, name)]
    targets += [(trackers.Trackers, "floors", "floors"), (trackers.Trackers, "run", "trackers run"),
                (activity_model.ActivityModel, "process", "model"), (Detector, "process", "detector")]
    room, step, settle = _room(60.0), round(0.2 * TRAY_RATE_HZ), 10 * TRAY_RATE_HZ
    rounds = []
    with _timing(targets) as spent:
        for _ in range(3):
            pipeline = Pipeline(Settings(), channels=2, in_rate_hz=TRAY_RATE_HZ)
            for start in range(0, settle, step):
                pipeline.push(room[start : start + step])
            spent.clear()
            t0 = time.thread_time_ns()
            for start in range(settle, room.shape[0] - step + 1, step):
                pipeline.push(room[start : start + step])
            audio_s = (room.shape[0] - settle) / TRAY_RATE_HZ
            rounds.append({"whole push": time.thread_time_ns() - t0, **spent})
    best = min(rounds, key=lambda r: r["whole push"])
    print("quiet room in 200 ms pushes, % of one core (CPU): " +
          ", ".join(f"{k} {100.0 * v / 1e9 / audio_s:.3f}" for k, v in best.items()))


def _cheap_share() -> None:
    """Share of frames (per channel) that took the extractor's cheap path on 30 s of the quiet room."""
    pipeline = Pipeline(Settings(), channels=2, in_rate_hz=TRAY_RATE_HZ)
    room, step = _room(30.0), round(TRAY_PUSH_S * TRAY_RATE_HZ)
    for start in range(0, room.shape[0] - step, step):
        pipeline.push(room[start : start + step])
    counts = getattr(pipeline, "path_counts", None)
    if counts is None:
        print("cheap path: not counted in this version")
        return
    print(f"cheap path on the quiet room: {counts.cheap_frames} of {counts.frames} frames (per channel, summed; "
          f"{100.0 * counts.cheap_frames / max(counts.frames, 1):.0f} %)")


def _line(label: str, us: np.ndarray, cpu_us: np.ndarray) -> None:
    print(f"pipeline 2ch, {label}: p50 {np.percentile(us, 50):.0f} p99 {np.percentile(us, 99):.0f} "
          f"mean {us.mean():.0f} us; CPU p50 {np.percentile(cpu_us, 50):.0f} mean {cpu_us.mean():.0f} us")


def _both(signal: np.ndarray, **kwargs: int) -> tuple[np.ndarray, np.ndarray]:
    """Wall time, then (a second pipeline over the same input) the thread's CPU time."""
    return per_hop_us(signal, **kwargs), per_hop_us(signal, clock=time.thread_time_ns, **kwargs)


def loop(mode: str, times: int) -> None:
    stereo = load_inputs(data_root(), seconds=30.0).stereo.astype(np.float32)
    for _ in range(times):
        if mode == "hop1":
            per_hop_us(stereo, hops_per_push=1, skip=0)
        elif mode == "quiet":
            per_hop_us(quiet_noise(30.0), hops_per_push=round(TRAY_PUSH_S * 100), skip=0, rate_hz=TRAY_RATE_HZ)
        elif mode == "room":
            per_hop_us(_room(30.0), hops_per_push=round(TRAY_PUSH_S * 100), skip=0, rate_hz=TRAY_RATE_HZ)
        else:
            _batch_cpu_s(stereo)


def main(which: list[str]) -> None:
    if which[:1] == ["loop"]:
        loop(which[1], int(which[2]))
        return
    stereo = load_inputs(data_root(), seconds=30.0).stereo.astype(np.float32)
    if "hop" in which or "hop1" in which:
        for hops, label in ((1, "one hop per push"), (3, "three hops per push, per hop")):
            if hops == 1 or "hop" in which:
                _line(label, *_both(stereo, hops_per_push=hops, skip=300 // hops))
    if "quiet" in which:
        hops = round(TRAY_PUSH_S * 100)
        us = _both(quiet_noise(30.0), hops_per_push=hops, skip=300 // hops, rate_hz=TRAY_RATE_HZ)
        _line(f"quiet noise at {QUIET_DBFS:.0f} dBFS, 48 kHz in 50 ms pushes, per hop", *us)
    if "room" in which:
        hops = round(TRAY_PUSH_S * 100)
        us = _both(_room(30.0), hops_per_push=hops, skip=300 // hops, rate_hz=TRAY_RATE_HZ)
        _line("quiet room (-65 dBFS pink/brown noise + hum), 48 kHz in 50 ms pushes, per hop", *us)
    if "paced" in which:
        _paced()
    if "parts" in which:
        _room_parts()
    if "cheap" in which:
        _cheap_share()
    if "silence" in which:
        hops = round(TRAY_PUSH_S * 100)
        zeros = np.zeros((round(30.0 * TRAY_RATE_HZ), 2), np.float32)
        _line("digital silence, 48 kHz in 50 ms pushes, per hop",
              *_both(zeros, hops_per_push=hops, skip=300 // hops, rate_hz=TRAY_RATE_HZ))
    if "batch" in which:
        best = min(_batch_cpu_s(stereo) for _ in range(3))
        audio_s = stereo.shape[0] / 16000
        print(f"batch 2ch: {audio_s / best:.0f}x real time per CPU second, {best / (audio_s * 100) * 1e6:.1f} us/hop")
    if "demo" in which:
        _demo_file()
    if "floor" in which:
        _python_floor(stereo)
    if "trackers" in which:
        _tracker_paths(stereo)
    if "calls" in which:
        _calls_per_push(stereo)
    print("load average", " ".join(f"{v:.2f}" for v in os.getloadavg()))


def _python_floor(stereo: np.ndarray) -> None:
    """Times the frame-by-frame parts of a batch run: the trackers (noise floors, voicing, octave guard, syllable
    rate, the quiet-path count: features/trackers.py) and the detector (Detector.process), as CPU time of the
    thread (a shared machine's other processes then cost it less than wall time), best of five runs."""
    from calmcue.detector.detector import Detector

    targets = [(cls, name, "trackers") for cls, name in _tracker_methods()] + [(Detector, "process", "detector")]
    rounds = []
    hops = stereo.shape[0] // HOP
    with _timing(targets) as spent:
        for _ in range(5):
            spent.clear()
            analyze_samples(stereo, rate_hz=16000, keep_frames=True)
            rounds.append((spent.get("trackers", 0) / hops / 1000.0, spent.get("detector", 0) / hops / 1000.0))
    trackers_us, detector_us = min(rounds, key=sum)
    floor_us = trackers_us + detector_us
    print(f"per-frame Python in batch, 2ch: trackers {trackers_us:.1f} + detector {detector_us:.1f} = {floor_us:.1f} "
          f"us/hop (CPU): at most {10_000 / floor_us:.0f}x real time with everything else free")


def _calls_per_push(stereo: np.ndarray) -> None:
    """How many calls a one-hop push makes (cProfile's count over 20 s of pushes): the live path's cost is mostly
    their fixed overhead, a microsecond or two each on this machine, not the arithmetic on two rows."""
    import cProfile
    import pstats

    per_hop_us(stereo[: 3 * 16000], hops_per_push=1, skip=0)  # the model loaded, imports done
    profile = cProfile.Profile()
    profile.enable()
    pushes = per_hop_us(stereo[: 20 * 16000], hops_per_push=1, skip=0).size
    profile.disable()
    counts = {"numpy and onnxruntime": 0, "other built-ins": 0, "Python functions": 0}
    for (path, _, name), (_, calls, *_rest) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        if path != "~":
            counts["Python functions"] += calls
        elif any(key in name for key in ("numpy", "ufunc", "ndarray", "onnxruntime", "pocketfft")):
            counts["numpy and onnxruntime"] += calls
        else:
            counts["other built-ins"] += calls
    print("calls per one-hop push: " + ", ".join(f"{k} {v / pushes:.0f}" for k, v in counts.items()))


def _tracker_paths(stereo: np.ndarray) -> None:
    """A batch run's tracker time (CPU) split by part."""
    from calmcue.features import trackers
    from calmcue.features.extractor import FeatureExtractor
    from calmcue.features.reframer import Reframer

    parts = [(trackers.Trackers, "floors"), (trackers.Trackers, "long_quiet"), (trackers.Trackers, "run")]
    split = _timed_parts(stereo, 16000, FeatureExtractor, Reframer, parts)
    print("trackers in batch (1 s blocks), us/hop (CPU): " + ", ".join(f"{k} {v:.1f}" for k, v in split.items()))


def _timed_parts(stereo: np.ndarray, push: int, extractor_cls: type, reframer_cls: type,
                 targets: list[tuple[object, str]]) -> dict[str, float]:
    """Feeds `stereo` through a fresh extractor in pushes of `push` samples, timing each target (CPU)."""
    keyed = [(owner, name, f"{getattr(owner, '__name__', owner).split('.')[-1]}.{name}") for owner, name in targets]
    with _timing(keyed) as spent:
        reframer, extractor = reframer_cls(channels=2), extractor_cls(channels=2)
        hops = sum(extractor.process(reframer.push(stereo[i : i + push])).count
                   for i in range(0, stereo.shape[0] - push + 1, push))
    return {key: ns / hops / 1000.0 for key, ns in spent.items()}


def _tracker_methods() -> list[tuple[type, str]]:
    """The methods that hold the trackers' work, in this version or (on PYTHONPATH) an older one."""
    try:
        from calmcue.features.trackers import Trackers
    except ImportError:  # before issue 15's fourth round: one tracker object per channel, the count in the extractor
        from calmcue.features import extractor
        old = extractor._ChannelTrackers  # type: ignore[attr-defined]
        return [(old, "floors"), (old, "run"), (extractor.FeatureExtractor, "_long_quiet")]
    return [(Trackers, "floors"), (Trackers, "long_quiet"), (Trackers, "run")]


def _demo_file() -> None:
    from pathlib import Path

    from calmcue.analysis.offline import analyze_file

    path = Path(__file__).resolve().parents[1] / "build" / "demo" / "demo_call.wav"
    if not path.exists():
        print(f"demo: {path} is not built; run 'make demo'")
        return
    analyze_file(path, keep_frames=False)  # imports and the model loaded
    spent = []
    for _ in range(3):
        t0 = time.process_time()
        result = analyze_file(path, keep_frames=False)
        spent.append(time.process_time() - t0)
    hops = result.duration_s * 100
    print(f"demo call 2ch (analyze_file): {result.duration_s / min(spent):.0f}x real time per CPU second, "
          f"{min(spent) / hops * 1e6:.1f} us/hop")


def _batch_cpu_s(stereo: np.ndarray) -> float:
    t0 = time.process_time()
    analyze_samples(stereo, rate_hz=16000, keep_frames=True)
    return time.process_time() - t0


if __name__ == "__main__":
    main(sys.argv[1:] or ["hop", "quiet", "batch", "floor"])
