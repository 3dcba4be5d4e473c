"""The trackers over whole blocks (features/trackers.py) give the frame-by-frame numbers bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calmcue.bench.inputs import load_inputs
from calmcue.features.activity_model import ActivityKind
from calmcue.features.extractor import FeatureExtractor, FrameBatch
from calmcue.features.pitch import TAU_MAX, OctaveGuard
from calmcue.features.rate import SyllableRate
from calmcue.features.reframer import Reframer
from calmcue.features.trackers import FEW_FRAMES, _rate_steps, without_noise_db, without_noise_db_frame
from conftest import RATE

FIELDS = ("level_dbfs", "f0_hz", "periodicity", "voiced", "speech_prob", "speech_level_dbfs", "tilt_db",
          "rate_syl_s", "music_prob")


def _extract(signal: np.ndarray, *, block: int, activity: ActivityKind) -> dict[str, np.ndarray]:
    reframer, extractor = Reframer(channels=2), FeatureExtractor(channels=2, activity=activity)
    if activity is ActivityKind.MODEL and extractor.model is None:
        pytest.skip("the activity model did not load")
    batches: list[FrameBatch] = [extractor.process(reframer.push(signal[i : i + block]))
                                 for i in range(0, len(signal), block)]
    return {name: np.concatenate([getattr(b, name) for b in batches]) for name in FIELDS}


@pytest.mark.parametrize("activity", [ActivityKind.MODEL, ActivityKind.CLASSIC])
def test_the_block_trackers_give_the_frame_by_frame_numbers_on_real_speech(shared_data, activity) -> None:
    """A hop per push runs the trackers frame by frame on plain floats (the few-frame path, the code before the
    block path); a second per push runs them over blocks of 100 frames in numpy. Every per-frame output agrees."""
    speech = load_inputs(shared_data, seconds=20.0).stereo.astype(np.float32)
    speech[5 * RATE : 6 * RATE, 0] = 0.0  # a muted mic for a second: digital silence, floors that wait
    by_frame = _extract(speech, block=160, activity=activity)
    by_block = _extract(speech, block=RATE, activity=activity)
    assert RATE // 160 >= FEW_FRAMES  # the second really takes the block path
    for name in FIELDS:
        np.testing.assert_array_equal(by_block[name], by_frame[name], err_msg=name)
    # real work was compared: voiced frames with a pitch, a syllable rate, a tilt, speech on both channels
    assert by_block["voiced"].sum(axis=0).min() > 100
    assert np.isfinite(by_block["rate_syl_s"]).sum() > 100 and np.isfinite(by_block["tilt_db"]).sum() > 500
    assert (by_block["speech_prob"] >= 0.5).sum(axis=0).min() > 100


def test_without_noise_db_over_a_block_is_the_per_frame_formula() -> None:
    rng = np.random.default_rng(3)
    total = np.concatenate([rng.uniform(-110.0, 0.0, 3000), [-200.0, -100.0, -50.0, -50.0]])
    floor = np.concatenate([total[:3000] + rng.uniform(-30.0, 5.0, 3000), [np.nan, -100.0, -49.0, np.nan]])
    block = without_noise_db(total.reshape(-1, 1), floor.reshape(-1, 1))[:, 0]
    frame = [without_noise_db_frame(t, f) for t, f in zip(total.tolist(), floor.tolist(), strict=True)]
    np.testing.assert_array_equal(block, frame)
    assert block[-1] == -50.0 and block[-2] == pytest.approx(-60.0)  # NaN floor: the total; noise above: -10 dB
    assert (block <= total + 1e-9).all()


def test_the_octave_guard_over_a_block_visits_only_voiced_frames_and_matches_step() -> None:
    """A track with octave jumps whose other octave is as deep (so the guard moves them back) and unvoiced gaps
    shorter and longer than the guard's memory."""
    f0_per_frame = np.array([120.0] * 10 + [240.0] * 3 + [120.0] * 8 + [240.0] * 2 + [120.0] * 40)
    dprime = np.ones((f0_per_frame.size, TAU_MAX + 1))
    dprime[:, [round(RATE / 120.0), round(RATE / 240.0)]] = 0.05  # both octaves' dips equally deep
    aperiodicity = np.full(f0_per_frame.size, 0.05)
    voiced = np.ones(f0_per_frame.size, bool)
    voiced[[5, 6, 25, 26, 27]] = False
    voiced[30:50] = False  # longer than the memory: the track forgets
    one, block = OctaveGuard(), OctaveGuard()
    expected = [one.step(f, a, dprime[i], voiced=bool(v))
                for i, (f, a, v) in enumerate(zip(f0_per_frame, aperiodicity, voiced, strict=True))]
    got = np.concatenate([block.steps(f0_per_frame[s : s + 7], aperiodicity[s : s + 7], dprime[s : s + 7],
                                      voiced=voiced[s : s + 7]) for s in range(0, f0_per_frame.size, 7)])
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[~voiced]).all()
    assert (np.abs(got[10:13] - 120.0) < 1.0).all()  # the guard moved the jump back down


def test_the_rate_called_only_on_speech_frames_gives_every_frames_rate() -> None:
    rng = np.random.default_rng(9)
    frames = 1500
    band_db = -40.0 + 15.0 * np.sin(2 * np.pi * 4.0 * np.arange(frames) / 100.0) + rng.normal(0.0, 2.0, frames)
    voiced = band_db > -42.0
    speech = np.repeat(rng.random(frames // 50) < 0.8, 50)  # speech in runs, with pauses
    one, block = SyllableRate(window_speech_s=3.0), SyllableRate(window_speech_s=3.0)
    expected = [one.step(b, bool(v), bool(s)) for b, v, s in zip(band_db, voiced, speech, strict=True)]
    got, start = [], 0
    for size in [1, 3, 97, 250, 5, 400] * 3:
        got.extend(_rate_steps(block, band_db[start : start + size], voiced[start : start + size],
                               speech[start : start + size]).tolist())
        start += size
    assert start >= frames
    np.testing.assert_array_equal(got, expected)
    assert math.isnan(got[0]) and np.isfinite(got[-1])
