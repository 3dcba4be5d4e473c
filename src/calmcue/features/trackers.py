"""The stateful per-frame trackers of every channel, a block of frames at a time.

The noise floors, voicing, octave guard, syllable rate and the quiet-path count each depend on the frame before,
but most of their work does not: the voicing rule, the noise-compensated levels and the tilt are functions of one
frame's numbers, so they run in numpy over the whole block; the octave guard has work only on voiced frames and
the syllable rate only on speech frames, so their loops visit only those (the other frames' answers follow from
the run lengths). The same function serves a live hop or two and a batch of hundreds, so the same samples give
the same features whatever the block sizes.

Exactness: numpy's SIMD pow and log10 differ from the C library's in the last bit on a few per cent of values
(measured on this machine's AVX-512 build), so the transcendental functions go through `math` (C speed through
`map`); the arithmetic around them is IEEE-exact in both and stays in numpy.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import NamedTuple

import numpy as np

from calmcue.features.activity import (
    ABSOLUTE_FLOOR_DBFS,
    VOICED_MAX_APERIODICITY,
    VOICED_MIN_SNR_DB,
    NoiseFloor,
    VoiceActivity,
    is_voiced,
)
from calmcue.features.pitch import OctaveGuard, PitchTrack
from calmcue.features.rate import SyllableRate
from calmcue.features.spectral import SpectralShape

SILENT_SNR_DB = 6.0  # tilt is reported only this far above the noise floor
BAND_DIGITAL_SILENCE_DB = -150.0
NOISE_BIAS_DB = 3.0  # a 3-second minimum sits about 2-4.5 dB under the mean power of steady noise (measured)
# No pitch once a channel has had no frame that could be voiced for 0.5 s; the model's periodicity comes from a
# cheap stand-in there. Without the hold (the stand-in on every such frame) the model misses weak speech in noise.
QUIET_HOLD_FRAMES = 50
FEW_FRAMES = 24  # under this many frames (live pushes) the trackers run frame by frame on plain floats


class Floors(NamedTuple):
    """The tracked noise floors after each frame of a block, each (hops, channels)."""

    level_dbfs: np.ndarray
    low_db: np.ndarray  # of the 300-1000 Hz band energy
    high_db: np.ndarray  # of the 1000-3400 Hz band energy


class Tracked(NamedTuple):
    """The trackers' per-frame output for a block, each (hops, channels). NamedTuples, not frozen dataclasses:
    they never leave the engine's thread, and a live hop makes one of each (a dataclass costs a few us more)."""

    f0_hz: np.ndarray  # after the octave guard; NaN when unvoiced
    voiced: np.ndarray  # bool
    speech_prob: np.ndarray
    rate_syl_s: np.ndarray
    speech_level_dbfs: np.ndarray
    tilt_db: np.ndarray  # NaN when the frame is within SILENT_SNR_DB of the noise floor


def _libm(function: object, values: np.ndarray, *first: float) -> np.ndarray:
    """`function` (a `math` function) of every element, through the C library (see the module's note)."""
    flat = values.ravel().tolist()
    args = (repeat(first[0]), flat) if first else (flat,)
    return np.fromiter(map(function, *args), np.float64, len(flat)).reshape(values.shape)  # type: ignore[call-overload]


def without_noise_db(total_db: np.ndarray, floor_db: np.ndarray) -> np.ndarray:
    """Power in dB after taking out the noise (its tracked floor plus the minimum's bias), never below -10 dB;
    where the floor is NaN (nothing but digital silence so far) the total as it is."""
    total = _libm(math.pow, total_db / 10.0, 10.0)
    noise = _libm(math.pow, (floor_db + NOISE_BIAS_DB) / 10.0, 10.0)
    kept = np.maximum(np.maximum(total - noise, 0.1 * total), 1e-30)
    return np.where(np.isnan(floor_db), total_db, 10.0 * _libm(math.log10, kept))


def without_noise_db_frame(total_db: float, floor_db: float) -> float:
    """`without_noise_db` of one frame on plain floats (the few-frame path): the same operations, the same bits."""
    if math.isnan(floor_db):
        return total_db
    total, noise = 10.0 ** (total_db / 10.0), 10.0 ** ((floor_db + NOISE_BIAS_DB) / 10.0)
    return 10.0 * math.log10(max(total - noise, 0.1 * total, 1e-30))


def voiced_frames(level_dbfs: np.ndarray, floor_dbfs: np.ndarray, aperiodicity: np.ndarray) -> np.ndarray:
    """The classic rule's voicing (audible, above the floor, periodic); a NaN floor or aperiodicity gives False."""
    return (level_dbfs > ABSOLUTE_FLOOR_DBFS) & (level_dbfs - floor_dbfs > VOICED_MIN_SNR_DB) & \
        (aperiodicity < VOICED_MAX_APERIODICITY)


class Trackers:
    """Every channel's trackers; `floors` first (they say which frames may be voiced), then `run`."""

    def __init__(self, *, channels: int, rate_window_s: float) -> None:
        self.channels = channels
        self.activity = [VoiceActivity() for _ in range(channels)]  # its noise floor is the level's
        # the band energies are raw FFT power sums: digital silence reads -200 dB there
        self.low_noise = [NoiseFloor(digital_silence_db=BAND_DIGITAL_SILENCE_DB) for _ in range(channels)]
        self.high_noise = [NoiseFloor(digital_silence_db=BAND_DIGITAL_SILENCE_DB) for _ in range(channels)]
        self.octave = [OctaveGuard() for _ in range(channels)]
        self.rate = [SyllableRate(window_speech_s=rate_window_s) for _ in range(channels)]
        self.quiet_run = [0] * channels  # per channel, frames since the last one that could be voiced

    def floors(self, level_dbfs: np.ndarray, shape: SpectralShape) -> Floors:
        """Steps the three noise floors of every channel over a block."""
        series = zip((*(a.noise for a in self.activity), *self.low_noise, *self.high_noise),
                     (*level_dbfs.T.tolist(), *shape.low_db.T.tolist(), *shape.high_db.T.tolist()), strict=True)
        stepped = np.array([floor.steps(values) for floor, values in series], np.float64)  # (3 channels, hops)
        level, low, high = stepped.reshape(3, self.channels, -1).transpose(0, 2, 1)
        return Floors(level_dbfs=level, low_db=low, high_db=high)

    def long_quiet(self, voiceable: np.ndarray) -> np.ndarray:
        """(hops, channels): the frames that come QUIET_HOLD_FRAMES or more after the channel's last frame that
        could be voiced (a count carried across blocks: the same answer whatever the block sizes). A plain loop:
        one addition a frame costs less than the numpy calls that would replace it, even over hundreds."""
        out = np.empty(voiceable.shape, bool)
        for channel, column in enumerate(voiceable.T.tolist()):
            run, flags = self.quiet_run[channel], []
            for frame_voiceable in column:
                run = 0 if frame_voiceable else run + 1
                flags.append(run > QUIET_HOLD_FRAMES)
            self.quiet_run[channel] = run
            out[:, channel] = flags
        return out

    def run(self, level_dbfs: np.ndarray, floors: Floors, shape: SpectralShape, pitch: PitchTrack,
            model_prob: np.ndarray | None) -> Tracked:
        """The block's tracked features; `model_prob` (hops, channels) is the learned model's speech decision, or
        None for the classic rule (whose probability carries a decaying memory of periodicity frame to frame)."""
        if level_dbfs.shape[0] < FEW_FRAMES:
            return self._run_few(level_dbfs, floors, shape, pitch, model_prob)
        if model_prob is None:
            speech_prob, voiced = self._classic(level_dbfs, floors.level_dbfs, pitch.aperiodicity)
        else:  # the learned model decides speech; the classic rule only says which frames are voiced
            speech_prob = model_prob.astype(np.float64)
            voiced = voiced_frames(level_dbfs, floors.level_dbfs, pitch.aperiodicity)
        f0_hz = np.empty_like(level_dbfs)
        rate = np.empty_like(level_dbfs)
        speech = speech_prob >= 0.5
        for c in range(self.channels):
            f0_hz[:, c] = self.octave[c].steps(pitch.f0_hz[:, c], pitch.aperiodicity[:, c], pitch.dprime[:, c],
                                               voiced=voiced[:, c])
            rate[:, c] = _rate_steps(self.rate[c], shape.band_db[:, c], voiced[:, c], speech[:, c])
        tilt = np.full(level_dbfs.shape, math.nan)
        sounding = level_dbfs > floors.level_dbfs + SILENT_SNR_DB  # a NaN floor is silent too
        if sounding.any():  # only there: four of the six pow and log10 calls a frame are the tilt's
            tilt[sounding] = without_noise_db(shape.high_db[sounding], floors.high_db[sounding]) - \
                without_noise_db(shape.low_db[sounding], floors.low_db[sounding])
        return Tracked(f0_hz=f0_hz, voiced=voiced, speech_prob=speech_prob, rate_syl_s=rate,
                       speech_level_dbfs=without_noise_db(level_dbfs, floors.level_dbfs), tilt_db=tilt)

    def _run_few(self, level_dbfs: np.ndarray, floors: Floors, shape: SpectralShape, pitch: PitchTrack,
                 model_prob: np.ndarray | None) -> Tracked:
        """`run` frame by frame on plain floats: for a live push of a hop or a few, the forty-odd numpy calls of
        the block path cost more than the work (the same operations in the same order: the same bits)."""
        arrays = (level_dbfs, floors.level_dbfs, floors.low_db, floors.high_db, pitch.aperiodicity, pitch.f0_hz,
                  shape.band_db, shape.low_db, shape.high_db)
        columns = [a.T.tolist() for a in arrays]
        probs = None if model_prob is None else model_prob.T.tolist()
        per_channel = [self._channel_few(c, [column[c] for column in columns], pitch.dprime[:, c],
                                         None if probs is None else probs[c]) for c in range(self.channels)]
        # one array for every field and channel: (channels, fields, hops) -> per field (hops, channels)
        f0, voiced, prob, rate, speech_level, tilt = np.array(per_channel, np.float64).transpose(1, 2, 0)
        return Tracked(f0_hz=f0, voiced=voiced.astype(bool), speech_prob=prob, rate_syl_s=rate,
                       speech_level_dbfs=speech_level, tilt_db=tilt)

    def _channel_few(self, channel: int, columns: list[list[float]], dprime: np.ndarray,
                     model_prob: list[float] | None) -> tuple[list[float], ...]:
        level, floor, low_floor, high_floor, aperiodicity, f0, band_db, low_db, high_db = columns
        decide, octave, rate = self.activity[channel].decide, self.octave[channel].step, self.rate[channel].step
        f0_out: list[float] = []
        voiced_out: list[float] = []
        prob_out: list[float] = []
        rate_out: list[float] = []
        speech_out: list[float] = []
        tilt_out: list[float] = []
        for i, frame_level in enumerate(level):
            frame_floor, frame_aperiodicity = floor[i], aperiodicity[i]
            if model_prob is None:
                prob, voiced = decide(frame_level, frame_floor, frame_aperiodicity)
            else:
                prob, voiced = model_prob[i], is_voiced(frame_level, frame_floor, frame_aperiodicity)
            f0_out.append(octave(f0[i], frame_aperiodicity, dprime[i], voiced=voiced))
            voiced_out.append(voiced)
            prob_out.append(prob)
            rate_out.append(rate(band_db[i], voiced, prob >= 0.5))
            speech_out.append(without_noise_db_frame(frame_level, frame_floor))
            if frame_level > frame_floor + SILENT_SNR_DB:
                tilt_out.append(without_noise_db_frame(high_db[i], high_floor[i])
                                - without_noise_db_frame(low_db[i], low_floor[i]))
            else:
                tilt_out.append(math.nan)
        return f0_out, voiced_out, prob_out, rate_out, speech_out, tilt_out

    def _classic(self, level_dbfs: np.ndarray, floor: np.ndarray,
                 aperiodicity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The classic rule, frame by frame (its periodicity memory is a recurrence)."""
        prob, voiced = np.empty(level_dbfs.shape), np.empty(level_dbfs.shape, bool)
        for c, activity in enumerate(self.activity):
            decided = list(map(activity.decide, level_dbfs[:, c].tolist(), floor[:, c].tolist(),
                               aperiodicity[:, c].tolist()))
            if decided:
                prob[:, c], voiced[:, c] = zip(*decided, strict=True)
        return prob, voiced


def _rate_steps(rate: SyllableRate, band_db: np.ndarray, voiced: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """SyllableRate.step over a block, called only on the speech frames: on the others it changes nothing and
    returns its last rate, which is what they get here."""
    current = rate.step(0.0, False, False)  # a non-speech step: the rate so far, state unchanged
    at = np.flatnonzero(speech)
    if at.size == 0:
        return np.full(band_db.shape, current)
    values = np.array([current, *map(rate.step, band_db[at].tolist(), voiced[at].tolist(), repeat(True))])
    # each frame takes the value after the latest speech frame at or before it (index 0: `current`)
    rank = np.zeros(band_db.shape, np.int64)
    rank[at] = np.arange(1, at.size + 1)
    return values[np.maximum.accumulate(rank)]
