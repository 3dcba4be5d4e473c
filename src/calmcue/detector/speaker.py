"""One speaker's short-term voice against their baseline, and the raised-voice state machine on it."""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass

from calmcue.audio.signal import HOP_S
from calmcue.config.schema import RaisedVoiceSettings
from calmcue.detector.baseline import SpeakerBaseline, semitones
from calmcue.detector.state import EpisodeMachine, Transition

SHORT_TERM_FRAMES = 40  # the short-term voice is the median of the last 40 voiced frames (0.4 s of voicing)
RECENT_SPEECH_FRAMES = 30  # voiced speech within 0.3 s keeps a condition alive across short gaps
RESET_GAP_FRAMES = 50  # after 0.5 s without voicing the short-term values start afresh


@dataclass(frozen=True)
class Thresholds:
    level_enter_db: float
    level_exit_db: float
    effort_enter_db: float
    pitch_enter_st: float

    @classmethod
    def from_settings(cls, s: RaisedVoiceSettings, *, scale: float) -> Thresholds:
        return cls(s.level_enter_db * scale, s.level_exit_db, s.effort_enter_db * scale, s.pitch_enter_st * scale)


class SpeakerTrack:
    """Short-term level, pitch and tilt over voiced frames, compared with the speaker's baseline."""

    def __init__(self, *, baseline: SpeakerBaseline, thresholds: Thresholds, min_s: float, exit_s: float) -> None:
        self.baseline = baseline
        self.thresholds = thresholds
        self.machine = EpisodeMachine(min_frames=round(min_s / HOP_S), exit_frames=round(exit_s / HOP_S))
        self._short_term = (RunningMedian(SHORT_TERM_FRAMES), RunningMedian(SHORT_TERM_FRAMES),
                            RunningMedian(SHORT_TERM_FRAMES))
        self.level = self.pitch = self.tilt = math.nan
        self.last_voiced = -10**9
        self.over = (0.0, 0.0, 0.0)  # level dB, pitch st, tilt dB above baseline
        self.peak = (0.0, 0.0, 0.0)

    def step(self, frame: int, *, level_dbfs: float, f0_hz: float, tilt_db: float, rate_syl_s: float,
             voiced: bool, speech: bool) -> Transition | None:
        if voiced:
            self._update_short_term(frame, level_dbfs, semitones(f0_hz), tilt_db)
        if speech:
            pitch_st = semitones(f0_hz) if voiced else math.nan
            self.baseline.observe(level_dbfs=level_dbfs, pitch_st=pitch_st, tilt_db=tilt_db,
                                  rate_syl_s=rate_syl_s, voiced=voiced, raised=self._raised_for_learning())
        entering, staying = self._conditions(frame)
        if self.machine.phase.value == "idle":
            self.peak = (0.0, 0.0, 0.0)
        if entering or staying:
            self.peak = tuple(max(p, o) for p, o in zip(self.peak, self.over, strict=True))  # type: ignore[assignment]
        return self.machine.step(frame, entering=entering, staying=staying)

    def _update_short_term(self, frame: int, level: float, pitch: float, tilt: float) -> None:
        if frame - self.last_voiced > RESET_GAP_FRAMES:
            for median in self._short_term:
                median.clear()
        self.level, self.pitch, self.tilt = (median.push(value)
                                             for median, value in zip(self._short_term, (level, pitch, tilt),
                                                                      strict=True))
        self.last_voiced = frame

    def _raised_for_learning(self) -> bool:
        values = self.baseline.values
        if values is None:
            return False
        return self.level - values.level_dbfs >= self.thresholds.level_exit_db

    def _conditions(self, frame: int) -> tuple[bool, bool]:
        values = self.baseline.values
        if values is None or frame - self.last_voiced > RECENT_SPEECH_FRAMES:
            self.over = (0.0, 0.0, 0.0)
            return False, False
        level_over = self.level - values.level_dbfs
        pitch_over = _or_zero(self.pitch - values.pitch_st)
        tilt_over = _or_zero(self.tilt - values.tilt_db)
        self.over = (level_over, pitch_over, tilt_over)
        t = self.thresholds
        effort = tilt_over >= 0.5 * t.effort_enter_db or pitch_over >= 0.5 * t.pitch_enter_st
        effort_and_pitch = tilt_over >= t.effort_enter_db and pitch_over >= t.pitch_enter_st
        loud = level_over >= t.level_enter_db
        if self.baseline.from_prior:  # a guessed baseline (a caller's line gain is unknown): every sign together
            entering = loud and effort_and_pitch
        else:
            entering = (loud and effort) or (effort_and_pitch and level_over >= t.level_exit_db)
        staying = level_over >= t.level_exit_db and (effort or level_over >= t.level_enter_db)
        return entering, staying

    def evidence(self, *, duration_s: float) -> dict[str, float]:
        level, pitch, tilt = self.peak
        return {"level_over_baseline_db": level, "pitch_over_baseline_st": pitch,
                "tilt_over_baseline_db": tilt, "duration_s": duration_s}


class RunningMedian:
    """Median of the last `size` finite values (a sorted list beside a FIFO: O(size) per value, size is small)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._fifo: deque[float] = deque()
        self._sorted: list[float] = []

    def push(self, value: float) -> float:
        if not math.isnan(value):
            self._fifo.append(value)
            bisect.insort(self._sorted, value)
            if len(self._fifo) > self.size:
                self._sorted.pop(bisect.bisect_left(self._sorted, self._fifo.popleft()))
        n = len(self._sorted)
        if n == 0:
            return math.nan
        return self._sorted[n // 2] if n % 2 else 0.5 * (self._sorted[n // 2 - 1] + self._sorted[n // 2])

    def clear(self) -> None:
        self._fifo.clear()
        self._sorted.clear()


def _or_zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value
