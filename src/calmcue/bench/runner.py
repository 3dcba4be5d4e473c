"""The benchmark itself: interleaved rounds of CalmCue and the references on the same frames, then the batch
real-time factor, the pitch accuracy and the desktop apps' cost.

The live case is one 10 ms hop per `Pipeline.push` (160 samples at 16 kHz; also 480 samples at 48 kHz, the
usual device rate, through the streaming resampler). Every workload runs once per round, in an order that turns
from round to round, and every figure is the median over rounds of that round's figure.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from calmcue.analysis.offline import analyze_file
from calmcue.bench import accuracy, apps, listen, machine, references, silero
from calmcue.bench.inputs import BenchInput
from calmcue.bench.pitch_accuracy import Score
from calmcue.bench.silero import Unavailable
from calmcue.bench.stats import Series
from calmcue.config.schema import Settings
from calmcue.engine.pipeline import STAGES, Pipeline, StageTimes
from calmcue.features.pitch import yin
from calmcue.features.reframer import Reframer
from calmcue.timebase import ANALYSIS_RATE_HZ, HOP, HOP_S, PITCH_WINDOW

WARMUP_HOPS = 5  # the first pushes of a fresh pipeline are left out of its figures
DEVICE_RATE_HZ = 48000
BATCH_HOPS = 100  # `analyze` reads files in 1 s blocks: 100 hops per call into the features


@dataclass(frozen=True)
class BenchConfig:
    quick: bool
    rounds: int
    speech_s: float  # per channel, pushed hop by hop through the pipeline each round
    pitch_hops: int  # per-hop pitch rows: this many hops spread over the input
    pyin_hops: int  # pYIN per hop is slow: fewer hops, spread the same way
    pyin_file_s: float
    accuracy_files: int | None  # None = all of FDA-UE
    app_s: float  # each span of the capture floor, tray and monitor measurements (a quiet room, then speech)


def make_config(*, quick: bool, rounds: int | None = None) -> BenchConfig:
    if quick:
        return BenchConfig(True, rounds or 3, 8.0, 200, 25, 3.0, 8, 3.0)
    return BenchConfig(False, rounds or 7, 60.0, 1000, 150, 20.0, None, 30.0)


@dataclass(frozen=True)
class Row:
    label: str
    who: str  # "calmcue" or "reference"
    per: str  # what one measured call covers
    audio_s: float


ROWS: dict[str, Row] = {
    "pipeline_1ch": Row("whole pipeline, 1 channel", "calmcue", "10 ms hop", HOP_S),
    "pipeline_2ch": Row("whole pipeline, 2 channels", "calmcue", "10 ms hop", HOP_S),
    "pipeline_2ch_48k": Row("whole pipeline, 2 ch, 48 kHz in (hops arrive in bursts)", "calmcue",
                            "480-sample push", HOP_S),
    **{f"stage_{s}_{c}ch": Row(f"stage {s}, {c} ch", "calmcue", "10 ms hop", HOP_S) for c in (1, 2) for s in STAGES},
    "pitch": Row("pitch (CalmCue YIN), 1 channel", "calmcue", "10 ms hop", HOP_S),
    "pitch_2ch": Row("pitch (CalmCue YIN), 2 channels", "calmcue", "10 ms hop", HOP_S),
    "activity_model_2ch": Row("activity model (features + ONNX), 2 channels", "calmcue", "10 ms hop", HOP_S),
    "activity_model_2ch_x5": Row("activity model, 2 channels, 5 hops per call", "calmcue", "50 ms (5 hops)",
                                 5 * HOP_S),
    "librosa_yin": Row("librosa.yin, 1 channel", "reference", "10 ms hop", HOP_S),
    "librosa_pyin": Row("librosa.pyin, 1 channel", "reference", "10 ms hop", HOP_S),
    "webrtcvad": Row("webrtcvad (mode 2), 1 channel", "reference", "10 ms hop", HOP_S),
    "silero": Row("Silero VAD (ONNX, 1 thread), 1 channel", "reference", "32 ms chunk", silero.CHUNK_S),
    "pitch_file": Row("pitch (CalmCue YIN), whole file in 1 s blocks", "calmcue", "hop, whole file", HOP_S),
    "librosa_yin_file": Row("librosa.yin, whole file", "reference", "hop, whole file", HOP_S),
    "librosa_pyin_file": Row("librosa.pyin, whole file", "reference", "hop, whole file", HOP_S),
}


@dataclass
class BenchResult:
    config: BenchConfig
    source: str
    series: dict[str, Series] = field(default_factory=dict)
    rtf: dict[str, list[float]] = field(default_factory=dict)  # "1ch_wall", "2ch_wall", "1ch_cpu", "2ch_cpu"
    cpu_pct: dict[str, list[float]] = field(default_factory=dict)  # pipeline rows: CPU time / audio time, per round
    unavailable: dict[str, str] = field(default_factory=dict)  # row or figure -> why it is missing
    accuracy: dict[str, Score] = field(default_factory=dict)
    accuracy_files: int = 0
    tray: apps.TrayFigures | None = None
    monitor: apps.MonitorFigures | None = None
    floor: listen.FloorFigures | None = None
    load_during_apps: tuple[float | None, float | None] | None = None  # 1-min load, before / after
    silero_model: dict[str, str] | None = None
    wall_s: float = 0.0


def _time_calls(fn: Callable[[Any], object], items: list[Any]) -> np.ndarray:
    out = np.empty(len(items), np.int64)
    clock = time.perf_counter_ns
    for i, item in enumerate(items):
        t0 = clock()
        fn(item)
        out[i] = clock() - t0
    return out


def _whole_file_ns(run: Callable[[], object], *, frames: int, min_s: float = 0.25, max_runs: int = 5) -> np.ndarray:
    """Nanoseconds per hop of a whole-file run: the median of repeated runs (at least `min_s` in all, up to
    `max_runs`), so that one preemption on a busy machine does not decide a round."""
    per_hop: list[int] = []
    spent = 0
    while len(per_hop) < max_runs and (spent < min_s * 1e9 or not per_hop):
        t0 = time.perf_counter_ns()
        run()
        took = time.perf_counter_ns() - t0
        spent += took
        per_hop.append(took // frames)
    return np.array([int(np.median(per_hop))])


@contextmanager
def _one_thread() -> Iterator[None]:
    """numpy and friends on one thread (FFTs already are; BLAS may not be)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


def _call_with(model: Any) -> Callable[[Any], object]:
    return lambda item: model.process(*item)


class Bench:
    def __init__(self, config: BenchConfig, inputs: BenchInput, *, data_dir: Path | None,
                 progress: Callable[[str], None]) -> None:
        self.config = config
        self.inputs = inputs
        self.data_dir = data_dir
        self.progress = progress
        self.result = BenchResult(config, inputs.source)
        self.workloads: dict[str, Callable[[], dict[str, np.ndarray]]] = {}
        self._prepare_ours()
        self._prepare_references()

    # --- inputs, split before any timing ---------------------------------------------------------------------

    def _prepare_ours(self) -> None:
        import soxr

        stereo = self.inputs.stereo
        self.blocks = {ch: self._hops(np.ascontiguousarray(stereo[:, :ch]), HOP) for ch in (1, 2)}
        stereo_48k = np.asarray(soxr.resample(stereo, ANALYSIS_RATE_HZ, DEVICE_RATE_HZ), np.float32)
        self.blocks_48k = self._hops(stereo_48k, HOP * DEVICE_RATE_HZ // ANALYSIS_RATE_HZ)
        windows = Reframer(channels=2).push(stereo)
        self.windows_1ch = np.ascontiguousarray(windows[:, :1])
        spread = np.linspace(WARMUP_HOPS, windows.shape[0] - 1, min(self.config.pitch_hops, windows.shape[0]))
        self.hop_index = np.unique(spread.astype(np.intp))
        self.pitch_windows = {ch: [np.ascontiguousarray(windows[i : i + 1, :ch]) for i in self.hop_index]
                              for ch in (1, 2)}
        self.workloads.update({
            "pipeline_1ch": lambda: self._pipeline(1),
            "pipeline_2ch": lambda: self._pipeline(2),
            "pipeline_2ch_48k": self._pipeline_48k,
            "pitch": lambda: {"pitch": _time_calls(yin, self.pitch_windows[1]),
                              "pitch_2ch": _time_calls(yin, self.pitch_windows[2])},
            "pitch_file": self._pitch_file,
            "batch": self._batch,
        })

    @staticmethod
    def _hops(samples: np.ndarray, step: int) -> list[np.ndarray]:
        return [np.ascontiguousarray(samples[i : i + step]) for i in range(0, samples.shape[0] - step + 1, step)]

    def _prepare_references(self) -> None:
        agent = self.inputs.agent
        plain = [w[0, 0] for w in self.pitch_windows[1]]
        every = max(1, len(plain) // self.config.pyin_hops)
        pyin_file = agent[: int(self.config.pyin_file_s * ANALYSIS_RATE_HZ)]
        self._try("librosa_yin", lambda: self._add("librosa_yin", references.librosa_yin_hop(), plain))
        self._try("librosa_pyin", lambda: self._add("librosa_pyin", references.librosa_pyin_hop(), plain[::every]))
        self._try("librosa_yin_file", lambda: self._add_file("librosa_yin_file", references.librosa_yin_file,
                                                             agent))
        self._try("librosa_pyin_file", lambda: self._add_file("librosa_pyin_file", references.librosa_pyin_file,
                                                              pyin_file))
        self._try("webrtcvad", lambda: self._add("webrtcvad", references.webrtcvad_hop(),
                                                 references.to_pcm16_hops(agent)))
        self._try("activity_model", self._prepare_activity_model)
        self.progress("fetching Silero VAD")
        self._try("silero", self._prepare_silero)

    def _try(self, name: str, prepare: Callable[[], None]) -> None:
        try:
            prepare()
        except Unavailable as err:
            self.result.unavailable[name] = str(err)

    def _add(self, name: str, fn: Callable[[Any], object], items: list[Any]) -> None:
        fn(items[0])  # first call outside the rounds: imports, JIT compilation
        self.workloads[name] = lambda: {name: _time_calls(fn, items)}

    def _add_file(self, name: str, fn: Callable[[np.ndarray], object], samples: np.ndarray) -> None:
        fn(samples[: ANALYSIS_RATE_HZ])
        frames = 1 + (samples.size - PITCH_WINDOW) // HOP
        self.workloads[name] = lambda: {name: _whole_file_ns(lambda: fn(samples), frames=frames)}

    def _prepare_activity_model(self) -> None:
        """The learned activity model's share of the live path: its features and onnxruntime, per call (the
        spectrum and periodicity it reads are computed for the other features anyway)."""
        from calmcue.features.activity_model import ActivityModel
        from calmcue.features.spectral import power_spectrum

        probe = ActivityModel.create(channels=2)
        if probe is None:
            raise Unavailable("the activity model did not load (see the log); the classic detector runs")
        windows = Reframer(channels=2).push(self.inputs.stereo)[WARMUP_HOPS:]
        power = power_spectrum(windows)
        periodicity = np.maximum(1.0 - yin(windows).aperiodicity, 0.0)
        level = np.full(power.shape[:2], -30.0)
        calls = {n: [(power[i : i + n], periodicity[i : i + n], level[i : i + n])
                     for i in range(0, power.shape[0] - n + 1, n)] for n in (1, 5)}

        def run() -> dict[str, np.ndarray]:
            out = {}
            for n, row in ((1, "activity_model_2ch"), (5, "activity_model_2ch_x5")):
                model = ActivityModel(probe.model, channels=2)
                out[row] = _time_calls(_call_with(model), calls[n])
            return out

        probe.process(*calls[1][0])
        self.workloads["activity_model"] = run

    def _prepare_silero(self) -> None:
        model, info = silero.load()
        self.result.silero_model = info
        agent = self.inputs.agent
        chunks = [np.ascontiguousarray(agent[i : i + silero.CHUNK])
                  for i in range(0, agent.size - silero.CHUNK + 1, silero.CHUNK)]
        model.step(chunks[0])

        def run() -> dict[str, np.ndarray]:
            model.reset()
            return {"silero": _time_calls(model.step, chunks)}

        self.workloads["silero"] = run

    # --- CalmCue workloads ------------------------------------------------------------------------------------

    def _cpu_time(self, row: str, run: Callable[[], np.ndarray], *, audio_s: float) -> np.ndarray:
        """Runs `run`, also recording its thread CPU time as % of one core (waiting for the CPU not counted)."""
        cpu0 = time.thread_time_ns()
        out = run()
        self.result.cpu_pct.setdefault(row, []).append(100.0 * (time.thread_time_ns() - cpu0) / 1e9 / audio_s)
        return out

    def _pipeline(self, channels: int) -> dict[str, np.ndarray]:
        times = StageTimes()
        pipeline = Pipeline(Settings(), channels=channels, in_rate_hz=ANALYSIS_RATE_HZ, times=times)
        blocks = self.blocks[channels]
        pushes = self._cpu_time(f"pipeline_{channels}ch", lambda: _time_calls(pipeline.push, blocks),
                                audio_s=len(blocks) * HOP_S)
        out = {f"pipeline_{channels}ch": pushes[WARMUP_HOPS:]}
        for stage in STAGES:
            ns = np.array([t for t, frames in times.samples[stage] if frames > 0], np.int64)
            out[f"stage_{stage}_{channels}ch"] = ns[WARMUP_HOPS:]
        return out

    def _pipeline_48k(self) -> dict[str, np.ndarray]:
        pipeline = Pipeline(Settings(), channels=2, in_rate_hz=DEVICE_RATE_HZ)
        pushes = self._cpu_time("pipeline_2ch_48k", lambda: _time_calls(pipeline.push, self.blocks_48k),
                                audio_s=len(self.blocks_48k) * HOP_S)
        return {"pipeline_2ch_48k": pushes[WARMUP_HOPS:]}

    def _pitch_file(self) -> dict[str, np.ndarray]:
        """YIN over the file in 1 s blocks of 100 hops, the way `analyze` calls it (it reads 1 s blocks)."""
        windows = self.windows_1ch
        blocks = [windows[i : i + BATCH_HOPS] for i in range(0, windows.shape[0], BATCH_HOPS)]

        def run() -> None:
            for block in blocks:
                yin(block)

        return {"pitch_file": _whole_file_ns(run, frames=windows.shape[0])}

    def _batch(self) -> dict[str, np.ndarray]:
        """`analyze` on WAV files (decoding included), mono and stereo: real-time factor, wall and CPU time."""
        for channels, path in self._wav_files.items():
            wall0, cpu0 = time.perf_counter(), time.process_time()
            analyze_file(path, keep_frames=False)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            self.result.rtf.setdefault(f"{channels}ch_wall", []).append(self.inputs.duration_s / wall)
            self.result.rtf.setdefault(f"{channels}ch_cpu", []).append(self.inputs.duration_s / max(cpu, 1e-9))
        return {}

    # --- running ------------------------------------------------------------------------------------------------

    def remaining_steps(self) -> int:
        """Progress steps still to come: warm-up, every workload in every round, accuracy, the two apps."""
        files = len(accuracy.pa.fda_ue_files(self.data_dir)) if self.data_dir is not None else 0
        if self.config.accuracy_files is not None:
            files = min(files, self.config.accuracy_files)
        return 1 + len(self.workloads) * self.config.rounds + 1 + files + 3

    def run(self) -> BenchResult:
        started = time.perf_counter()
        with _one_thread(), tempfile.TemporaryDirectory(prefix="calmcue-bench-") as tmp:
            self._wav_files = {1: Path(tmp) / "agent.wav", 2: Path(tmp) / "call.wav"}
            sf.write(self._wav_files[1], self.inputs.agent, ANALYSIS_RATE_HZ, subtype="PCM_16")
            sf.write(self._wav_files[2], self.inputs.stereo, ANALYSIS_RATE_HZ, subtype="PCM_16")
            self._warm_up()
            names = list(self.workloads)
            for r in range(self.config.rounds):
                turn = r % len(names)
                for name in names[turn:] + names[:turn]:
                    self.progress(f"round {r + 1}/{self.config.rounds}: {name}")
                    gc.collect()
                    for row, ns in self.workloads[name]().items():
                        self.result.series.setdefault(row, Series()).add(ns, audio_s=ROWS[row].audio_s)
            self._accuracy()
        self._apps()
        self.result.wall_s = time.perf_counter() - started
        return self.result

    def _warm_up(self) -> None:
        self.progress("warming up")
        for channels in (1, 2):
            pipeline = Pipeline(Settings(), channels=channels, in_rate_hz=ANALYSIS_RATE_HZ)
            for block in self.blocks[channels][:50]:
                pipeline.push(block)
        analyze_file(self._wav_files[2], keep_frames=False)

    def _accuracy(self) -> None:
        self.progress("pitch accuracy on FDA-UE")
        scores, files, note = accuracy.pitch_accuracy(self.data_dir, limit=self.config.accuracy_files,
                                                      progress=lambda n: self.progress("pitch accuracy on FDA-UE"))
        self.result.accuracy, self.result.accuracy_files = scores, files
        if note:
            self.result.unavailable["pitch_accuracy"] = note

    def _apps(self) -> None:
        """The capture floor, the tray app and the monitor, one after the other in the same minutes."""
        load_before = machine.load_1min()
        self.progress("capture floor: bare captures of the same two streams (a quiet room playing)")
        with listen.room_playing(seconds=4 * (self.config.app_s + listen.START_S + 5.0)):  # three candidates
            self.result.floor = listen.measure_floor(seconds=self.config.app_s)
        self.progress("tray app: start-up, memory, listening to a quiet room and to speech")
        self.result.tray = apps.measure_tray(idle_s=self.config.app_s, speech=self.inputs.stereo)
        self.progress("live monitor: listening to a quiet room and to speech")
        self.result.monitor = apps.measure_monitor(run_s=self.config.app_s, speech=self.inputs.stereo)
        self.result.load_during_apps = (load_before, machine.load_1min())

