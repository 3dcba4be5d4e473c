"""Windows of samples -> per-frame features for every channel.

The numpy maths runs once over all hops and channels that arrived together; the small stateful trackers
(noise floor, octave guard, syllable peaks) then run frame by frame. Live and batch share both halves, so the
same samples give the same features whatever the block sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calmcue.features.activity import VoiceActivity
from calmcue.features.loudness import level_dbfs
from calmcue.features.pitch import OctaveGuard, PitchTrack, yin
from calmcue.features.rate import SyllableRate
from calmcue.features.spectral import power_spectrum, spectral_shape

SILENT_SNR_DB = 6.0  # tilt is reported only this far above the noise floor


@dataclass(frozen=True)
class FrameBatch:
    """Features for `count` consecutive frames starting at `first_frame`; every array has shape (count, channels)."""

    first_frame: int
    level_dbfs: np.ndarray
    f0_hz: np.ndarray  # NaN when unvoiced
    periodicity: np.ndarray  # 1 - YIN aperiodicity, 0..1
    voiced: np.ndarray  # bool
    speech_prob: np.ndarray
    tilt_db: np.ndarray  # NaN when silent
    hammarberg_db: np.ndarray
    slope_db_per_khz: np.ndarray
    rate_syl_s: np.ndarray  # NaN until enough speech

    @property
    def count(self) -> int:
        return int(self.level_dbfs.shape[0])


class _ChannelTrackers:
    def __init__(self, *, rate_window_s: float) -> None:
        self.activity = VoiceActivity()
        self.octave = OctaveGuard()
        self.rate = SyllableRate(window_speech_s=rate_window_s)

    def run(self, level: list[float], aperiodicity: list[float], band_db: list[float], f0: list[float],
            dprime: np.ndarray) -> tuple[list[float], list[bool], list[float], list[float], list[float]]:
        f0s: list[float] = []
        voiced_flags: list[bool] = []
        probs: list[float] = []
        rates: list[float] = []
        floors: list[float] = []
        for i, frame_level in enumerate(level):
            prob, voiced = self.activity.step(frame_level, aperiodicity[i])
            f0s.append(self.octave.step(f0[i], aperiodicity[i], dprime[i], voiced=voiced))
            voiced_flags.append(voiced)
            probs.append(prob)
            rates.append(self.rate.step(band_db[i], voiced, prob >= 0.5))
            floors.append(self.activity.noise.floor_dbfs)
        return f0s, voiced_flags, probs, rates, floors


class FeatureExtractor:
    def __init__(self, *, channels: int, rate_window_s: float = 5.0) -> None:
        self.channels = channels
        self.frames_done = 0
        self._trackers = [_ChannelTrackers(rate_window_s=rate_window_s) for _ in range(channels)]

    def process(self, windows: np.ndarray) -> FrameBatch:
        """windows: (hops, channels, n) float32 from the Reframer."""
        hops = windows.shape[0]
        level = level_dbfs(windows)
        shape = spectral_shape(power_spectrum(windows))
        pitch = yin(windows)
        columns = [self._run_channel(c, level, shape.band_db, pitch) for c in range(self.channels)]
        f0, voiced, prob, rate, floor = (np.array([col[j] for col in columns]).T.reshape(hops, self.channels)
                                         for j in range(5))
        tilt = np.where(level > floor + SILENT_SNR_DB, shape.tilt_db, np.nan)
        batch = FrameBatch(
            first_frame=self.frames_done, level_dbfs=level, f0_hz=f0,
            periodicity=np.clip(1.0 - pitch.aperiodicity, 0.0, 1.0), voiced=voiced.astype(bool),
            speech_prob=prob, tilt_db=tilt, hammarberg_db=shape.hammarberg_db,
            slope_db_per_khz=shape.slope_db_per_khz, rate_syl_s=rate,
        )
        self.frames_done += hops
        return batch

    def _run_channel(self, channel: int, level: np.ndarray, band_db: np.ndarray,
                     pitch: PitchTrack) -> tuple[list[float], list[bool], list[float], list[float], list[float]]:
        return self._trackers[channel].run(level[:, channel].tolist(), pitch.aperiodicity[:, channel].tolist(),
                                           band_db[:, channel].tolist(), pitch.f0_hz[:, channel].tolist(),
                                           pitch.dprime[:, channel])


def nan_to_none(values: np.ndarray) -> list[float | None]:
    """For JSON: NaN becomes null."""
    return [None if math.isnan(v) else round(v, 3) for v in values.tolist()]
