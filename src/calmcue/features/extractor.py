"""Windows of samples -> per-frame features for every channel.

The numpy maths runs once over all hops and channels that arrived together; the small stateful trackers
(noise floor, octave guard, syllable peaks) then run frame by frame. Live and batch share both halves, so the
same samples give the same features whatever the block sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calmcue.features.activity import NoiseFloor, VoiceActivity
from calmcue.features.activity_model import ActivityKind, ActivityModel, default_kind
from calmcue.features.loudness import level_dbfs
from calmcue.features.pitch import OctaveGuard, PitchTrack, yin
from calmcue.features.rate import SyllableRate
from calmcue.features.spectral import SpectralShape, power_spectrum, spectral_shape

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
    speech_level_dbfs: np.ndarray  # level with the tracked noise power taken out (what the detector compares)
    tilt_db: np.ndarray  # band ratio of the noise-compensated band energies; NaN when silent
    hammarberg_db: np.ndarray
    slope_db_per_khz: np.ndarray
    rate_syl_s: np.ndarray  # NaN until enough speech
    music_prob: np.ndarray  # from the activity model; NaN when the classic detector runs

    @property
    def count(self) -> int:
        return int(self.level_dbfs.shape[0])


BAND_DIGITAL_SILENCE_DB = -150.0
NOISE_BIAS_DB = 3.0  # a 3-second minimum sits about 2-4.5 dB under the mean power of steady noise (measured)


def without_noise_db(total_db: float, floor_db: float) -> float:
    """Power in dB after taking out the noise (its tracked floor plus the minimum's bias), never below -10 dB."""
    if math.isnan(floor_db):  # nothing but digital silence so far
        return total_db
    total, noise = 10.0 ** (total_db / 10.0), 10.0 ** ((floor_db + NOISE_BIAS_DB) / 10.0)
    return 10.0 * math.log10(max(total - noise, 0.1 * total, 1e-30))


class _ChannelTrackers:
    def __init__(self, *, rate_window_s: float) -> None:
        # the band energies are raw FFT power sums: digital silence reads -200 dB there
        self.low_noise = NoiseFloor(digital_silence_db=BAND_DIGITAL_SILENCE_DB)
        self.high_noise = NoiseFloor(digital_silence_db=BAND_DIGITAL_SILENCE_DB)
        self.activity = VoiceActivity()
        self.octave = OctaveGuard()
        self.rate = SyllableRate(window_speech_s=rate_window_s)

    def run(self, level: list[float], aperiodicity: list[float], bands: tuple[list[float], list[float], list[float]],
            f0: list[float], dprime: np.ndarray, model_prob: list[float] | None) -> list[tuple[float, ...]]:
        """Per frame: (guarded F0, voiced, speech probability, syllable rate, noise floor, speech level, tilt)."""
        band_db, low_db, high_db = bands
        out: list[tuple[float, ...]] = []
        for i, frame_level in enumerate(level):
            prob, voiced = self.activity.step(frame_level, aperiodicity[i])
            if model_prob is not None:  # the learned model decides speech; the classic step still tracks the floor
                prob = model_prob[i]
            floor = self.activity.noise.floor_dbfs
            tilt = without_noise_db(high_db[i], self.high_noise.step(high_db[i])) - \
                without_noise_db(low_db[i], self.low_noise.step(low_db[i]))
            out.append((self.octave.step(f0[i], aperiodicity[i], dprime[i], voiced=voiced), voiced, prob,
                        self.rate.step(band_db[i], voiced, prob >= 0.5), floor,
                        without_noise_db(frame_level, floor), tilt))
        return out


class FeatureExtractor:
    def __init__(self, *, channels: int, rate_window_s: float = 5.0,
                 activity: ActivityKind | None = None) -> None:
        self.channels = channels
        self.frames_done = 0
        self._trackers = [_ChannelTrackers(rate_window_s=rate_window_s) for _ in range(channels)]
        activity = activity or default_kind()  # None: CALMCUE_ACTIVITY, else the model
        self.model = ActivityModel.create(channels=channels) if activity is ActivityKind.MODEL else None

    def process(self, windows: np.ndarray) -> FrameBatch:
        """windows: (hops, channels, n) float32 from the Reframer."""
        hops = windows.shape[0]
        level = level_dbfs(windows)
        power = power_spectrum(windows)
        shape = spectral_shape(power)
        pitch = yin(windows)
        periodicity = np.maximum(1.0 - pitch.aperiodicity, 0.0)
        speech = music = None
        if self.model is not None:
            speech, music = self.model.process(power, periodicity, level)
        table = np.array([self._run_channel(c, level, shape, pitch, speech) for c in range(self.channels)],
                         dtype=np.float64).transpose(1, 0, 2)  # (hops, channels, 7)
        f0, voiced, prob, rate, floor, speech_level, tilt = (table[..., j] for j in range(7))
        tilt = np.where(level > floor + SILENT_SNR_DB, tilt, np.nan)
        batch = FrameBatch(
            first_frame=self.frames_done, level_dbfs=level, f0_hz=f0,
            periodicity=periodicity, voiced=voiced.astype(bool),
            speech_prob=prob, speech_level_dbfs=speech_level, tilt_db=tilt, hammarberg_db=shape.hammarberg_db,
            slope_db_per_khz=shape.slope_db_per_khz, rate_syl_s=rate,
            music_prob=np.full_like(level, np.nan) if music is None else music.astype(np.float64),
        )
        self.frames_done += hops
        return batch

    def _run_channel(self, channel: int, level: np.ndarray, shape: SpectralShape,
                     pitch: PitchTrack, speech: np.ndarray | None) -> list[tuple[float, ...]]:
        bands = (shape.band_db[:, channel].tolist(), shape.low_db[:, channel].tolist(),
                 shape.high_db[:, channel].tolist())
        model_prob = None if speech is None else speech[:, channel].tolist()
        return self._trackers[channel].run(level[:, channel].tolist(), pitch.aperiodicity[:, channel].tolist(),
                                           bands, pitch.f0_hz[:, channel].tolist(), pitch.dprime[:, channel],
                                           model_prob)

