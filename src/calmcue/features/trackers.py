"""The stateful per-frame trackers of every channel: noise floors, voicing, octave guard, syllable rate and the
quiet-path count, each depending on the frame before. They run frame by frame on plain floats (a few numpy calls
per block, not per frame), so a live hop and a batch of hundreds take the same operations in the same order and
give the same bits whatever the block sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from calmcue.features.activity import (
    ABSOLUTE_FLOOR_DBFS,
    SPEECH_PROB,
    NoiseFloor,
    VoiceActivity,
    is_voiced,
)
from calmcue.features.noise_now import BandNoiseNow
from calmcue.features.pitch import OctaveGuard, PitchTrack
from calmcue.features.rate import SyllableRate
from calmcue.features.spectral import SpectralShape

SILENT_SNR_DB = 6.0  # tilt is reported only this far above the noise floor
BAND_DIGITAL_SILENCE_DB = -150.0
NOISE_BIAS_DB = 3.0  # a 3-second minimum sits about 2-4.5 dB under the mean power of steady noise (measured)
# No pitch once a channel has had no frame that could be voiced for 0.5 s; the model's periodicity comes from a
# cheap stand-in there. Without the hold (the stand-in on every such frame) the model misses weak speech in noise.
QUIET_HOLD_FRAMES = 50
# What 'could be voiced' means for that hold (with the learned model): this far above the channel's noise floor.
# Not activity.VOICED_MIN_SNR_DB (5 dB): a real room's noise (pink, with a low rumble) swings its 32 ms level 7-8 dB
# above its 3 s minimum now and then, so with 5 dB the hold was never reached and YIN ran on room noise (issue 15:
# the bench's room noise reached the quiet path on 25 % of its frames with 5 dB, 99 % with 8 or 10 dB).
WAKE_SNR_DB = 10.0


class Floors(NamedTuple):
    """The tracked noise floors after each frame of a block: the level's as an array (hops, channels), for the
    classic activity rule; and for `Trackers.run` every floor as plain floats with the values they were stepped
    over (the bands' floors are read only there): per channel, (level, low_db, high_db, level floor, low floor,
    high floor), the bands being 300-1000 and 1000-3400 Hz."""

    level_dbfs: np.ndarray
    columns: Sequence[tuple[list[float], ...]]


class Tracked(NamedTuple):
    """The trackers' per-frame output for a block, each (hops, channels). NamedTuples, not frozen dataclasses:
    they never leave the engine's thread, and a live hop makes one of each (a dataclass costs a few us more)."""

    f0_hz: np.ndarray  # after the octave guard; NaN when unvoiced
    voiced: np.ndarray  # bool
    speech_prob: np.ndarray
    rate_syl_s: np.ndarray
    speech_level_dbfs: np.ndarray
    tilt_db: np.ndarray  # NaN when the frame is within SILENT_SNR_DB of the noise floor


def without_noise_db(total_db: float, floor_db: float) -> float:
    """Power in dB after taking out the noise (its tracked floor plus the minimum's bias), never below -10 dB;
    where the floor is NaN (nothing but digital silence so far) the total as it is."""
    return without_band_noise_db(total_db, floor_db, 0.0)


_log10 = math.log10


def without_band_noise_db(total_db: float, floor_db: float, recent_power: float) -> float:
    """`without_noise_db` against the higher of the band's floor (plus the bias) and the recent noise's mean
    power (linear; 0 before any frame without speech, which leaves the floor's figure bit for bit).

    Called up to three times a frame and channel: the comparisons are written out (what max() of the three
    does: the first of the largest), and no isnan call (issue 15: about 0.2 us a call less, the same bits)."""
    if floor_db != floor_db:  # NaN: nothing but digital silence so far
        return total_db
    noise = 10.0 ** ((floor_db + NOISE_BIAS_DB) / 10.0)
    if recent_power > noise:
        noise = recent_power
    total = 10.0 ** (total_db / 10.0)
    power = total - noise
    tenth = 0.1 * total
    if tenth > power:
        power = tenth
    if power < 1e-30:
        power = 1e-30
    return 10.0 * _log10(power)


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
        self.noise_now = [BandNoiseNow() for _ in range(channels)]  # the tilt's bands: noise that comes and goes

    def floors(self, level_dbfs: np.ndarray, shape: SpectralShape) -> Floors:
        """Steps the three noise floors of every channel over a block."""
        values = (*level_dbfs.T.tolist(), *shape.low_db.T.tolist(), *shape.high_db.T.tolist())  # (3 channels)
        floors = (*(a.noise for a in self.activity), *self.low_noise, *self.high_noise)
        lists = [floor.steps(series) for floor, series in zip(floors, values, strict=True)]
        n = self.channels
        level = np.array(lists[:n], np.float64).T
        columns = [(values[c], values[n + c], values[2 * n + c], lists[c], lists[n + c], lists[2 * n + c])
                   for c in range(n)]
        return Floors(level_dbfs=level, columns=columns)

    def long_quiet(self, floors: Floors) -> np.ndarray:
        """(hops, channels): the frames that come QUIET_HOLD_FRAMES or more after the channel's last frame that
        could be voiced - audible and WAKE_SNR_DB over its noise floor (a NaN floor, only digital silence so far:
        never) - a count carried across blocks (the same answer whatever the block sizes). A plain loop over the
        floats `floors` holds: two comparisons and an addition a frame cost less than the numpy calls that would
        replace them, even over hundreds."""
        per_channel = []
        for channel, (levels, _, _, level_floors, _, _) in enumerate(floors.columns):
            run, flags = self.quiet_run[channel], []
            for level, floor in zip(levels, level_floors, strict=True):
                run = 0 if level > ABSOLUTE_FLOOR_DBFS and level - floor > WAKE_SNR_DB else run + 1
                flags.append(run > QUIET_HOLD_FRAMES)
            self.quiet_run[channel] = run
            per_channel.append(flags)
        return np.array(per_channel, bool).T

    def run(self, floors: Floors, shape: SpectralShape, pitch: PitchTrack, model_prob: np.ndarray | None) -> Tracked:
        """The block's tracked features (of the levels and bands `floors` stepped over), frame by frame on plain
        floats; `model_prob` (hops, channels) is the learned model's speech decision, or None for the classic rule
        (whose probability carries a decaying memory of periodicity frame to frame). A block path in numpy was
        built and measured in round 4 of issue 15: it only paid from about 24 frames a push and bought 3 % of batch
        time, not worth a second copy of the rules (benchmarks/results/profiles/hop4_summary.md)."""
        aperiodicity, f0, band_db = pitch.aperiodicity.T.tolist(), pitch.f0_hz.T.tolist(), shape.band_db.T.tolist()
        probs = None if model_prob is None else model_prob.T.tolist()
        per_channel = [self._channel(c, [*floors.columns[c], aperiodicity[c], f0[c], band_db[c]],
                                     pitch.dprime[:, c], None if probs is None else probs[c])
                       for c in range(self.channels)]
        # one array for every field and channel: (channels, fields, hops) -> per field (hops, channels)
        f0, voiced, prob, rate, speech_level, tilt = np.array(per_channel, np.float64).transpose(1, 2, 0)
        return Tracked(f0_hz=f0, voiced=voiced.astype(bool), speech_prob=prob, rate_syl_s=rate,
                       speech_level_dbfs=speech_level, tilt_db=tilt)

    def _channel(self, channel: int, columns: list[list[float]], dprime: np.ndarray,
                     model_prob: list[float] | None) -> tuple[list[float], ...]:
        level, low_db, high_db, floor, low_floor, high_floor, aperiodicity, f0, band_db = columns
        decide, octave, rate = self.activity[channel].decide, self.octave[channel].step, self.rate[channel].step
        unvoiced = self.octave[channel].unvoiced
        f0_out: list[float] = []
        voiced_out: list[float] = []
        prob_out: list[float] = []
        rate_out: list[float] = []
        speech_out: list[float] = []
        tilt_out: list[float] = []
        noise_now = self.noise_now[channel]
        for i, frame_level in enumerate(level):
            frame_floor, frame_aperiodicity = floor[i], aperiodicity[i]
            if model_prob is None:
                prob, voiced = decide(frame_level, frame_floor, frame_aperiodicity)
            else:
                prob, voiced = model_prob[i], is_voiced(frame_level, frame_floor, frame_aperiodicity)
            f0_out.append(octave(f0[i], frame_aperiodicity, dprime[i], voiced=True) if voiced else unvoiced())
            voiced_out.append(voiced)
            prob_out.append(prob)
            rate_out.append(rate(band_db[i], voiced, prob >= 0.5))
            speech_out.append(without_noise_db(frame_level, frame_floor))
            if frame_level > frame_floor + SILENT_SNR_DB:
                tilt_out.append(without_band_noise_db(high_db[i], high_floor[i], noise_now.high_power)
                                - without_band_noise_db(low_db[i], low_floor[i], noise_now.low_power))
            else:
                tilt_out.append(math.nan)
            # after the frame's own tilt: the noise heard before it. Not a voiced frame: the model calls a few whole
            # words no speech (on clean speech, half of the loud frames it did were voiced)
            if prob < SPEECH_PROB and not voiced:
                noise_now.hear(low_db=low_db[i], high_db=high_db[i])
            elif noise_now.pending:  # speech: the run's last frames may have been its onset
                noise_now.pending.clear()
        return f0_out, voiced_out, prob_out, rate_out, speech_out, tilt_out
