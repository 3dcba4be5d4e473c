"""`calmcue analyze`: a recording through the same pipeline as live audio, block by block."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from calmcue.analysis.result import AnalysisResult, FrameStore
from calmcue.audio.files import paired_blocks, probe, read_blocks
from calmcue.config.schema import Settings
from calmcue.detector.baseline import BaselineValues
from calmcue.detector.calls import CallSummary
from calmcue.detector.events import Cue, Episode, Event
from calmcue.detector.kinds import Speaker
from calmcue.engine.pipeline import Pipeline, StageTimes, StepResult
from calmcue.errors import BadInputError
from calmcue.features.activity_model import ActivityKind
from calmcue.timebase import ANALYSIS_RATE_HZ

Progress = Callable[[float], None]  # called with seconds of audio done


def analyze_samples(samples: np.ndarray, *, rate_hz: int, settings: Settings | None = None,
                    keep_frames: bool = True, agent_baseline: BaselineValues | None = None,
                    block_samples: int = 16000, times: StageTimes | None = None,
                    activity: ActivityKind | None = None,
                    mic_gain_moves: Sequence[tuple[float, float]] = ()) -> AnalysisResult:
    """Analyses samples in memory: (n,) mono agent, or (n, 2) agent and customer. `mic_gain_moves`: (time s, dB)
    the agent's mic volume moved, as the sound server reports it live (Detector.mic_gain_moved; benchmarks)."""
    data = np.asarray(samples, np.float32)
    data = data[:, None] if data.ndim == 1 else data
    cuts = sorted({*range(0, data.shape[0], block_samples), *(round(t * rate_hz) for t, _ in mic_gain_moves)})
    cuts = [cut for cut in cuts if 0 <= cut < data.shape[0]] + [data.shape[0]]
    blocks = (data[start:end] for start, end in itertools.pairwise(cuts))
    return run_blocks(blocks, channels=data.shape[1], rate_hz=rate_hz, settings=settings or Settings(),
                      keep_frames=keep_frames, agent_baseline=agent_baseline, times=times, activity=activity,
                      mic_gain_moves=mic_gain_moves)


def analyze_file(path: Path, *, far_end: Path | None = None, settings: Settings | None = None,
                 keep_frames: bool = True, agent_baseline: BaselineValues | None = None,
                 progress: Progress | None = None, activity: ActivityKind | None = None) -> AnalysisResult:
    """Analyses a WAV/FLAC file (mono agent, or stereo agent + customer), or a mono file plus a far-end file."""
    info = probe(path)
    if far_end is None:
        blocks: Iterable[np.ndarray] = read_blocks(info)
        return run_blocks(blocks, channels=info.channels, rate_hz=info.rate_hz, settings=settings or Settings(),
                          keep_frames=keep_frames, agent_baseline=agent_baseline, progress=progress,
                          activity=activity)
    if info.channels != 1:
        raise BadInputError(f"{path}: is stereo, so it already holds the customer on channel 1; "
                            f"leave out --far-end, or give a mono agent recording")
    far_info = probe(far_end, max_channels=1)
    return run_blocks(paired_blocks(info, far_info), channels=2, rate_hz=ANALYSIS_RATE_HZ,
                      settings=settings or Settings(), keep_frames=keep_frames, agent_baseline=agent_baseline,
                      progress=progress, activity=activity)


def run_blocks(blocks: Iterable[np.ndarray], *, channels: int, rate_hz: int, settings: Settings,
               keep_frames: bool, agent_baseline: BaselineValues | None = None,
               progress: Progress | None = None, times: StageTimes | None = None,
               activity: ActivityKind | None = None,
               mic_gain_moves: Sequence[tuple[float, float]] = ()) -> AnalysisResult:
    pipeline = Pipeline(settings, channels=channels, in_rate_hz=rate_hz, agent_baseline=agent_baseline,
                        times=times, activity=activity)
    result = AnalysisResult(channels=channels, duration_s=0.0,
                            store=FrameStore(channels=channels) if keep_frames else None)
    samples_in = 0
    moves, gain_db = sorted(mic_gain_moves), 0.0  # the gain reported with each block, as the live worker does
    for block in blocks:
        while moves and moves[0][0] * rate_hz <= samples_in:
            gain_db += moves.pop(0)[1]
        samples_in += block.shape[0]
        _collect(result, pipeline.push(block, mic_gain_db=gain_db if mic_gain_moves else math.nan))
        if progress is not None:
            progress(samples_in / rate_hz)
    _collect(result, pipeline.finish())
    result.duration_s = samples_in / rate_hz
    result.episodes.sort(key=lambda e: (e.start_s, e.kind, e.speaker))
    result.baselines = {Speaker.AGENT: pipeline.detector.agent_baseline,
                        Speaker.CUSTOMER: pipeline.detector.customer_baseline}
    result.gain_moves = list(pipeline.detector.gain_moves)
    return result


def _collect(result: AnalysisResult, step: StepResult) -> None:
    if step.batch is not None:
        if result.store is not None:
            result.store.add(step.batch)
        speech = (step.batch.speech_prob >= 0.5).sum(axis=0)
        for channel in range(result.channels):
            result.speech_frames[channel] += int(speech[channel])
    for event in step.events:
        _append_event(result, event)


def _append_event(result: AnalysisResult, event: Event) -> None:
    if isinstance(event, Episode):
        result.episodes.append(event)
    elif isinstance(event, Cue):
        result.cues.append(event)
    elif isinstance(event, CallSummary):
        result.calls.append(event)
