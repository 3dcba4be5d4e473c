"""The detection benchmark's view of the frames and episodes of one session (from `analyze`'s JSON arrays).

Split from eval_detection.py: per-speaker tracks, voice summaries over a span, and the episodes near a window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

SPEECH_PROB = 0.5
LEVEL_WINDOW_S = 0.032  # frame t_s is the end of the level window; its centre is 16 ms earlier
NEAREST_EPISODE_S = 3.0  # how far from a missed target the -v report looks for an episode

@dataclass(frozen=True)
class Track:
    """One speaker's frames, indexed by the centre of the 32 ms level window."""

    centre_s: np.ndarray
    level_dbfs: np.ndarray
    f0_hz: np.ndarray
    speech_prob: np.ndarray
    tilt_db: np.ndarray

    def span(self, start_s: float, end_s: float) -> slice:
        lo, hi = np.searchsorted(self.centre_s, [start_s, end_s])
        return slice(int(lo), int(hi))


def tracks_from(frames: dict[str, Any]) -> dict[str, Track]:
    centre_s = np.asarray(frames["t_s"], dtype=np.float64) - LEVEL_WINDOW_S / 2
    return {
        name: Track(
            centre_s=centre_s,
            level_dbfs=np.asarray(values["level_dbfs"], dtype=np.float64),
            f0_hz=np.asarray(values["f0_hz"], dtype=np.float64),
            speech_prob=np.asarray(values["speech_prob"], dtype=np.float64),
            tilt_db=np.asarray(values["tilt_db"], dtype=np.float64),
        )
        for name, values in frames.items()
        if name != "t_s"
    }


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan


def voice_summary(track: Track, *, start_s: float, end_s: float) -> dict[str, float]:
    """Level (p50, p90), F0 and tilt medians over a span's speech frames, and its speech/voiced shares."""
    part = track.span(start_s, end_s)
    speech = track.speech_prob[part] >= SPEECH_PROB
    level = track.level_dbfs[part][speech]
    f0 = track.f0_hz[part][speech]
    return {
        "level_p50_dbfs": _median(level),
        "level_p90_dbfs": float(np.percentile(level, 90)) if level.size else math.nan,
        "f0_p50_hz": _median(f0),
        "tilt_p50_db": _median(track.tilt_db[part][speech]),
        "speech_share": float(np.mean(speech)) if speech.size else 0.0,
        "voiced_share": float(np.mean(np.isfinite(f0))) if f0.size else 0.0,
    }


def speech_seconds(track: Track, *, start_s: float, end_s: float) -> float:
    """Seconds of frames with speech_prob >= SPEECH_PROB in a span."""
    return float(np.sum(track.speech_prob[track.span(start_s, end_s)] >= SPEECH_PROB)) * 0.01


def relative_to(summary: dict[str, float], reference: dict[str, float]) -> dict[str, float]:
    """The clip's voice against the calm opening: dB, semitones, dB."""
    return {
        "level_p50_over_calm_db": summary["level_p50_dbfs"] - reference["level_p50_dbfs"],
        "level_p90_over_calm_db": summary["level_p90_dbfs"] - reference["level_p50_dbfs"],
        "pitch_over_calm_st": 12.0 * math.log2(summary["f0_p50_hz"] / reference["f0_p50_hz"])
        if summary["f0_p50_hz"] > 0 and reference["f0_p50_hz"] > 0
        else math.nan,
        "tilt_over_calm_db": summary["tilt_p50_db"] - reference["tilt_p50_db"],
        "speech_share": summary["speech_share"],
        "voiced_share": summary["voiced_share"],
    }


# -------------------------------------------------------------------------------------- episodes


def overlaps(episode: Any, *, start_s: float, end_s: float) -> bool:
    return episode.start_s < end_s and episode.end_s > start_s


def episode_info(episode: Any, *, origin_s: float) -> dict[str, Any]:
    """An episode's times relative to ``origin_s`` and its evidence, rounded for the report."""
    return {
        "start_rel_s": round(episode.start_s - origin_s, 2),
        "end_rel_s": round(episode.end_s - origin_s, 2),
        "evidence": {key: round(float(value), 2) for key, value in dict(episode.evidence).items()},
    }


def related_episodes(episodes: Iterable[Any], *, start_s: float, end_s: float) -> list[dict[str, Any]]:
    """Episodes overlapping the window, or else the nearest one within NEAREST_EPISODE_S."""
    episodes = list(episodes)
    hits = [e for e in episodes if overlaps(e, start_s=start_s, end_s=end_s)]
    if hits:
        return [episode_info(e, origin_s=start_s) for e in hits]
    near = [
        e
        for e in episodes
        if overlaps(e, start_s=start_s - NEAREST_EPISODE_S, end_s=end_s + NEAREST_EPISODE_S)
    ]
    near.sort(key=lambda e: min(abs(e.start_s - start_s), abs(e.end_s - end_s)))
    return [episode_info(e, origin_s=start_s) for e in near[:1]]


