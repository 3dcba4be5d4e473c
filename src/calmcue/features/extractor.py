"""Windows of samples -> per-frame features for every channel.

The numpy maths runs once over all hops and channels that arrived together; the small stateful trackers
(noise floor, octave guard, syllable peaks) then run frame by frame. Live and batch share both halves, so the
same samples give the same features whatever the block sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from calmcue.features.activity import NoiseFloor, VoiceActivity, is_voiced, may_be_voiced
from calmcue.features.activity_model import ActivityKind, ActivityModel, default_kind
from calmcue.features.loudness import LEVEL_FLOOR_DBFS, level_dbfs
from calmcue.features.pitch import OctaveGuard, PitchTrack, stand_in_periodicity, yin_where
from calmcue.features.rate import SyllableRate
from calmcue.features.spectral import SpectralShape, power_spectrum, spectral_shape
from calmcue.timebase import LEVEL_WINDOW, PITCH_WINDOW

SILENT_SNR_DB = 6.0  # tilt is reported only this far above the noise floor
POWER_BINS = LEVEL_WINDOW // 2 + 1  # what power_spectrum returns per window
# No pitch once a channel has had no frame that could be voiced for 0.5 s; the model's periodicity comes from a
# cheap stand-in there. Without the hold (the stand-in on every such frame) the model misses weak speech in noise.
QUIET_HOLD_FRAMES = 50


@dataclass(frozen=True)
class FrameBatch:
    """Features for `count` consecutive frames starting at `first_frame`; every array has shape (count, channels)."""

    first_frame: int
    level_dbfs: np.ndarray
    f0_hz: np.ndarray  # NaN when unvoiced
    periodicity: np.ndarray  # 1 - YIN aperiodicity, 0..1; where the frame cannot be voiced: NaN, or with the
    # activity model (which reads it) a cheap stand-in (pitch.stand_in_periodicity)
    voiced: np.ndarray  # bool
    speech_prob: np.ndarray
    speech_level_dbfs: np.ndarray  # level with the tracked noise power taken out (what the detector compares)
    tilt_db: np.ndarray  # band ratio of the noise-compensated band energies; NaN when silent
    rate_syl_s: np.ndarray  # NaN until enough speech
    music_prob: np.ndarray  # from the activity model; NaN when the classic detector runs

    @property
    def count(self) -> int:
        return int(self.level_dbfs.shape[0])

    def channel_frames(self, channel: int) -> list[ChannelFrame]:
        """One channel's frames as plain floats, for the frame-by-frame detector."""
        columns = (getattr(self, name)[:, channel].tolist() for name in ChannelFrame._fields)
        return list(map(ChannelFrame._make, zip(*columns, strict=True)))


class ChannelFrame(NamedTuple):
    """One frame of one channel: what the detector reads (the same names as FrameBatch's arrays)."""

    level_dbfs: float
    speech_level_dbfs: float
    f0_hz: float
    tilt_db: float
    rate_syl_s: float
    speech_prob: float
    voiced: bool


class Tracked(NamedTuple):
    """One channel's frames of a block from the stateful trackers, one plain list per field."""

    f0_hz: list[float]  # after the octave guard; NaN when unvoiced
    voiced: list[bool]
    speech_prob: list[float]
    rate_syl_s: list[float]
    speech_level_dbfs: list[float]
    tilt_db: list[float]  # NaN when the frame is within SILENT_SNR_DB of the noise floor


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
        self.quiet_run = 0  # frames since the last one that could be voiced

    def floors(self, level: list[float]) -> list[float]:
        """Steps the level's noise floor over a block first: it says which frames may be voiced."""
        return self.activity.noise.steps(level)

    def run(self, level: list[float], floor: list[float], aperiodicity: list[float],
            bands: tuple[list[float], list[float], list[float]], f0: list[float],
            dprime: np.ndarray, model_prob: list[float] | None) -> Tracked:
        band_db, low_db, high_db = bands
        decide, octave, rate = self.activity.decide, self.octave.step, self.rate.step
        high_floor, low_floor = self.high_noise.steps(high_db), self.low_noise.steps(low_db)
        out = Tracked([], [], [], [], [], [])
        f0_out, voiced_out, prob_out, rate_out, speech_out, tilt_out = out
        nan = math.nan
        for i, frame_level in enumerate(level):
            frame_floor, frame_aperiodicity = floor[i], aperiodicity[i]
            if model_prob is None:
                prob, voiced = decide(frame_level, frame_floor, frame_aperiodicity)
            else:  # the learned model decides speech; the classic rule only says which frames are voiced
                prob, voiced = model_prob[i], is_voiced(frame_level, frame_floor, frame_aperiodicity)
            tilt = without_noise_db(high_db[i], high_floor[i]) - without_noise_db(low_db[i], low_floor[i])
            f0_out.append(octave(f0[i], frame_aperiodicity, dprime[i], voiced=voiced))
            voiced_out.append(voiced)
            prob_out.append(prob)
            rate_out.append(rate(band_db[i], voiced, prob >= 0.5))
            speech_out.append(without_noise_db(frame_level, frame_floor))
            tilt_out.append(tilt if frame_level > frame_floor + SILENT_SNR_DB else nan)
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
        if windows.any():
            level, power = level_dbfs(windows), power_spectrum(windows)
        else:  # digital silence everywhere (a muted mic, no call): the same numbers without the FFT
            level = np.full(windows.shape[:2], LEVEL_FLOOR_DBFS)
            power = np.zeros((*windows.shape[:2], POWER_BINS), np.float32)
        shape = spectral_shape(power)
        floor = np.array([t.floors(level[:, c].tolist()) for c, t in enumerate(self._trackers)]).T
        speech = music = None
        # No pitch where a frame cannot be voiced (within a few dB of the noise floor: nobody speaks, or a pause);
        # the model, which reads periodicity on every frame, gets a cheap stand-in there.
        voiceable = may_be_voiced(level, floor)
        quiet = self._long_quiet(voiceable) if self.model is not None else ~voiceable
        pitch = yin_where(windows, ~quiet)
        periodicity = np.maximum(1.0 - pitch.aperiodicity, 0.0)
        if self.model is not None:
            if quiet.any():
                periodicity[quiet] = stand_in_periodicity(windows[quiet], power[quiet])
            at_floor = (level <= LEVEL_FLOOR_DBFS).all(axis=1)  # cheap first: only then look at every sample
            silent = at_floor & ~np.any(windows[..., -PITCH_WINDOW:], axis=(1, 2)) if at_floor.any() else None
            speech, music = self.model.process(power, periodicity, level, silent=silent)
        tracked = [self._run_channel(c, level, floor, shape, pitch, speech) for c in range(self.channels)]
        columns = [np.array(field, np.float64).T for field in zip(*tracked, strict=True)]  # each (hops, channels)
        f0_hz, voiced, speech_prob, rate_syl_s, speech_level_dbfs, tilt_db = columns
        batch = FrameBatch(
            first_frame=self.frames_done, level_dbfs=level, f0_hz=f0_hz, periodicity=periodicity,
            voiced=voiced.astype(bool), speech_prob=speech_prob, speech_level_dbfs=speech_level_dbfs,
            tilt_db=tilt_db, rate_syl_s=rate_syl_s,
            music_prob=np.full_like(level, np.nan) if music is None else music.astype(np.float64),
        )
        self.frames_done += hops
        return batch

    def _long_quiet(self, voiceable: np.ndarray) -> np.ndarray:
        """(hops, channels): the frames that come QUIET_HOLD_FRAMES or more after the channel's last frame that
        could be voiced (a frame by frame count carried across blocks: the same answer whatever the block sizes)."""
        out = np.empty(voiceable.shape, bool)
        for channel, trackers in enumerate(self._trackers):
            run, column = trackers.quiet_run, []
            for frame_voiceable in voiceable[:, channel].tolist():
                run = 0 if frame_voiceable else run + 1
                column.append(run > QUIET_HOLD_FRAMES)
            trackers.quiet_run = run
            out[:, channel] = column
        return out

    def _run_channel(self, channel: int, level: np.ndarray, floor: np.ndarray, shape: SpectralShape,
                     pitch: PitchTrack, speech: np.ndarray | None) -> Tracked:
        bands = (shape.band_db[:, channel].tolist(), shape.low_db[:, channel].tolist(),
                 shape.high_db[:, channel].tolist())
        model_prob = None if speech is None else speech[:, channel].tolist()
        return self._trackers[channel].run(level[:, channel].tolist(), floor[:, channel].tolist(),
                                           pitch.aperiodicity[:, channel].tolist(), bands,
                                           pitch.f0_hz[:, channel].tolist(), pitch.dprime[:, channel], model_prob)
