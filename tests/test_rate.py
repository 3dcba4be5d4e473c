"""Speaking rate on real speech (CALMCUE_DATA): it follows a tempo change, and "Slow down" follows pace.

Small, stable versions of benchmarks/eval_detection_pace.py (which has the full figures): the same actor's calm
RAVDESS speech, played faster with librosa (pitch kept), read through the engine's own features and detector.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import conditions
import eval_detection_pace as pace
from calmcue.analysis.offline import analyze_samples
from calmcue.detector.pace import LEARN_WITHIN, PaceReference
from calmcue.features.rate import SyllableRate

ACTOR = 2  # one of the actors the rate was tuned on; the benchmark reports the held-out ones


def speech(seconds: float, *, seed: int) -> np.ndarray:
    return pace.calm_speech(ACTOR, seconds=seconds, rng=np.random.default_rng([ACTOR, seed]))


def median_rate(samples: np.ndarray) -> float:
    rate, _ = pace.rate_track(conditions.add_room_tone(samples, level_dbfs=-80.0, seed=ACTOR))
    return float(np.nanmedian(rate))


def fast_episodes(samples: np.ndarray) -> list[tuple[float, float]]:
    result = analyze_samples(conditions.add_room_tone(samples, level_dbfs=-80.0, seed=ACTOR),
                             rate_hz=pace.RATE, keep_frames=False)
    return [(e.start_s, e.end_s) for e in result.episodes if e.kind == "fast_speech"]


def rate_after(*, band_db: list[float], voiced: list[bool]) -> float:
    rate = SyllableRate()
    values = [rate.step(level, is_voiced, True) for level, is_voiced in zip(band_db, voiced, strict=True)]
    return values[-1]


def test_more_voiced_onsets_over_the_same_rhythm_read_faster() -> None:
    frames = 800  # 8 s of speech frames
    band_db = (-30.0 + 10.0 * np.sin(2.0 * np.pi * 4.0 * 0.01 * np.arange(frames))).tolist()
    every_quarter_second = [i % 25 < 18 for i in range(frames)]  # a voiced segment every 0.25 s
    every_eighth_second = [i % 12 < 8 for i in range(frames)]  # every 0.12 s: about twice as many onsets
    slower = rate_after(band_db=band_db, voiced=every_quarter_second)
    faster = rate_after(band_db=band_db, voiced=every_eighth_second)
    assert 1.2 <= faster / slower <= 1.6  # the geometric mean with an unchanged rhythm: about sqrt(2)


def test_the_usual_pace_is_the_median_of_the_readings() -> None:
    reference = PaceReference()
    rng = np.random.default_rng(0)
    for value in 3.0 * np.exp(rng.normal(0.0, 0.1, 2000)):
        reference.observe(float(value), calibrating=True)
    assert reference.value == pytest.approx(3.0, rel=0.03)


def test_fast_speech_never_becomes_the_usual_pace_but_a_slow_drift_does() -> None:
    reference = PaceReference()
    for _ in range(1000):
        reference.observe(3.0, calibrating=True)
    for _ in range(5000):  # 50 s of voicing at 1.35x: not learned
        reference.observe(3.0 * 1.35, calibrating=False)
    assert reference.value == pytest.approx(3.0, rel=0.02)
    for _ in range(5000):  # nor is a reading as far below (cut alike on both sides, the median does not sink)
        reference.observe(3.0 / 1.35, calibrating=False)
    assert reference.value == pytest.approx(3.0, rel=0.02)
    for _ in range(5000):  # the same time a little faster (under LEARN_WITHIN): that is their pace now
        reference.observe(3.0 * (1.0 + 0.5 * (LEARN_WITHIN - 1.0)), calibrating=False)
    assert reference.value > 3.0 * (1.0 + 0.25 * (LEARN_WITHIN - 1.0))


def test_a_saved_pace_is_used_until_speech_outweighs_it_and_a_new_microphone_forgets_it() -> None:
    reference = PaceReference()
    reference.seed(3.0)
    assert reference.value == pytest.approx(3.0, rel=0.02)
    reference.observe(math.nan, calibrating=False)
    assert reference.value == pytest.approx(3.0, rel=0.02)
    reference.restart()
    assert math.isnan(reference.value)


def test_the_same_speech_played_faster_reads_faster(shared_data: Path) -> None:
    natural = speech(40.0, seed=1)
    ratio = median_rate(pace.stretch(natural, 1.4)) / median_rate(natural)
    assert 1.3 <= ratio <= 1.5


STILL_WANDERS = ("issue 13 item 6 is open: even over 6.5 s of speech and against the usual pace learned over the "
                 "call, the rate wanders with the words (95th percentile 1.10-1.44x its median at a steady pace), so "
                 "a natural pace still fires at rate_ratio_enter 1.175 (20 stretches each: RAVDESS actors 1-3 7 %, "
                 "4-6 10 %, LibriSpeech 12 % / 18 % of 12 s stretches; this 90 s of actor 2 fires too; see "
                 "benchmarks/results/detection_issue13_pace.txt)")


@pytest.mark.xfail(strict=True, reason=STILL_WANDERS)
def test_a_steady_natural_pace_never_fires(shared_data: Path) -> None:
    assert fast_episodes(speech(90.0, seed=2)) == []


def test_a_sustained_faster_pace_fires(shared_data: Path) -> None:
    calibration = speech(pace.CALIBRATION_S, seed=3)
    fast = pace.stretch(speech(60.0, seed=4), 1.5)
    episodes = fast_episodes(np.concatenate([calibration, fast]))
    assert any(start_s >= len(calibration) / pace.RATE for start_s, _ in episodes)
