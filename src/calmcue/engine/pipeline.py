"""One pipeline for every use: blocks of samples in, feature frames and events out.

It knows nothing of threads, devices or Qt; the live worker, `calmcue analyze` and `calmcue bench` all drive it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from calmcue.audio.resample import StreamResampler
from calmcue.config.schema import DetectorSettings, Settings
from calmcue.detector.baseline import BaselineValues
from calmcue.detector.detector import Detector
from calmcue.detector.events import Event
from calmcue.engine.mic_gain import MicGainFollower
from calmcue.features.activity_model import ActivityKind
from calmcue.features.extractor import FeatureExtractor, FrameBatch, PathCounts
from calmcue.features.reframer import Reframer

STAGES = ("resample", "reframe", "features", "detector")
LOUD_DBFS = -45.0  # a block with a frame this loud is never 'nothing heard', whatever the noise floor
METER_QUIET_READ_S = 0.2  # a read's length while nothing is heard and a level meter is on screen (5 updates a second)
LONGEST_QUIET_READ_S = 0.6  # ... and while none is: the default shortest minimum duration (caller, talk-over)


def heard_nothing(batch: FrameBatch) -> bool:
    """The engine's verdict on a block: no frame of any channel stood out of its noise floor (the extractor
    reports a tilt only SILENT_SNR_DB above it), or every frame took the extractor's quiet path (a room's noise
    between calls: its level swings a few dB over its floor), and none was louder than LOUD_DBFS. The worker
    passes it to the source (audio.sources.PacedReads), whose next read then waits longer; nothing is judged
    twice."""
    quiet = np.isnan(batch.tilt_db).all() or (batch.cheap is not None and batch.cheap.all())
    return bool(quiet and batch.level_dbfs.max() < LOUD_DBFS)


def quiet_read_s(detector: DetectorSettings, *, meters: bool) -> float:
    """How much audio a read may wait for while nothing is heard. A block with a sound's onset is analysed when
    its read ends; a read no longer than the shortest minimum duration of any cue ends before that cue's frame
    is due, and every read after the onset is short again, so onset to cue stays the minimum plus one short
    read. The worker reads (and costs: cold caches, per-call overheads) a fraction as often as with 50 ms reads."""
    shortest = min(detector.raised_voice.agent_min_s, detector.raised_voice.customer_min_s,
                   detector.talk_over.agent_min_s, detector.fast_speech.min_s)
    return METER_QUIET_READ_S if meters else max(METER_QUIET_READ_S, min(LONGEST_QUIET_READ_S, shortest))


class StageTimes:
    """Nanoseconds spent per stage, with the number of frames they covered."""

    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[int, int]]] = defaultdict(list)

    def add(self, stage: str, ns: int, frames: int) -> None:
        self.samples[stage].append((ns, frames))


@dataclass(frozen=True)
class StepResult:
    batch: FrameBatch | None
    events: list[Event]


class Pipeline:
    def __init__(self, settings: Settings, *, channels: int, in_rate_hz: int,
                 agent_baseline: BaselineValues | None = None, times: StageTimes | None = None,
                 activity: ActivityKind | None = None) -> None:
        self.channels = channels
        self.resampler = StreamResampler(in_rate_hz=in_rate_hz, channels=channels)
        self.reframer = Reframer(channels=channels)
        self.extractor = FeatureExtractor(channels=channels,
                                          rate_window_s=settings.detector.fast_speech.window_speech_s,
                                          activity=activity)
        self.detector = Detector(settings.detector, channels=channels, agent_baseline=agent_baseline)
        self.times = times
        self._mic_gain = MicGainFollower()

    def push(self, block: np.ndarray, *, last: bool = False, mic_gain_db: float = math.nan) -> StepResult:
        """Feeds (n, channels) float32 samples at the input rate; `mic_gain_db`: the agent's mic gain as the system
        reports it (NaN: not known), its moves passed to the detector first (engine/mic_gain.py)."""
        self._mic_gain.check(self.detector, mic_gain_db)
        t0 = time.perf_counter_ns()
        resampled = self.resampler.process(block, last=last)
        t1 = time.perf_counter_ns()
        windows = self.reframer.push(resampled)
        t2 = time.perf_counter_ns()
        if windows.shape[0] == 0:
            self._time(("resample", t1 - t0), ("reframe", t2 - t1), frames=0)
            return StepResult(None, [])
        batch = self.extractor.process(windows)
        t3 = time.perf_counter_ns()
        events = self.detector.process(batch)
        t4 = time.perf_counter_ns()
        self._time(("resample", t1 - t0), ("reframe", t2 - t1), ("features", t3 - t2), ("detector", t4 - t3),
                   frames=batch.count)
        return StepResult(batch, events)

    @property
    def path_counts(self) -> PathCounts:
        """Frames (per channel) analysed so far, and how many took the quiet path (no pitch)."""
        return self.extractor.counts

    def finish(self) -> StepResult:
        """End of stream: flushes the resampler and closes open episodes."""
        tail = self.push(np.zeros((0, self.channels), np.float32), last=True)
        return StepResult(tail.batch, tail.events + self.detector.finish())

    def _time(self, *stages: tuple[str, int], frames: int) -> None:
        if self.times is not None:
            for stage, ns in stages:
                self.times.add(stage, ns, frames)
