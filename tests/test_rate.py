"""Speaking rate on real speech (CALMCUE_DATA): it follows a tempo change, and "Slow down" follows pace.

Small, stable versions of benchmarks/eval_detection_pace.py (which has the full figures): the same actor's calm
RAVDESS speech, played faster with librosa (pitch kept), read through the engine's own features and detector.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import conditions
import eval_detection_pace as pace
import tts_pace
from calmcue.analysis.offline import analyze_samples
from calmcue.detector.pace import LEARN_WITHIN, PaceReference
from calmcue.features.rate import ONSET_WEIGHT, SyllableRate, modulation_centroid_hz

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


def rate_after(*, band_db: list[float], voiced: list[bool], window_speech_s: float = 5.0) -> float:
    rate = SyllableRate(window_speech_s=window_speech_s)
    values = [rate.step(level, is_voiced, True) for level, is_voiced in zip(band_db, voiced, strict=True)]
    return values[-1]


def syllable_envelope(rate_hz: float, frames: int) -> np.ndarray:
    """Amplitude of a train of syllables: a raised-sine pulse over 60 % of each period, quiet between."""
    phase = (np.arange(frames) * 0.01 * rate_hz) % 1.0
    return np.where(phase < 0.6, 0.05 + np.sin(np.pi * phase / 0.6) ** 2, 0.01)


def syllable_train(rate_hz: float, *, seconds: float, pause_every_s: float = 0.0,
                   pause_s: float = 0.0) -> tuple[list[float], list[bool]]:
    """(band level in dB, voiced) per frame of a syllable train, every syllable voiced; with unvoiced frames
    that still count as speech (the activity detector's hangover after a phrase) inserted every pause_every_s."""
    frames = round(seconds / 0.01)
    envelope = syllable_envelope(rate_hz, frames)
    band_db, voiced = (20.0 * np.log10(envelope) - 30.0).tolist(), (envelope > 0.02).tolist()
    if pause_every_s <= 0:
        return band_db, voiced
    every, pause = round(pause_every_s / 0.01), round(pause_s / 0.01)
    out_db: list[float] = []
    out_voiced: list[bool] = []
    for start in range(0, frames, every):
        out_db += band_db[start:start + every] + [-70.0] * pause
        out_voiced += voiced[start:start + every] + [False] * pause
    return out_db, out_voiced


def test_more_voiced_onsets_over_the_same_rhythm_read_faster() -> None:
    frames = 800  # 8 s of speech frames
    band_db = (-30.0 + 10.0 * np.sin(2.0 * np.pi * 4.0 * 0.01 * np.arange(frames))).tolist()
    every_quarter_second = [i % 25 < 18 for i in range(frames)]  # a voiced segment every 0.25 s
    every_eighth_second = [i % 12 < 8 for i in range(frames)]  # every 0.12 s: about twice as many onsets
    slower = rate_after(band_db=band_db, voiced=every_quarter_second)
    faster = rate_after(band_db=band_db, voiced=every_eighth_second)
    # the onset rate about doubles, the rhythm's centroid does not: the geometric mean moves by about 2 ** ONSET_WEIGHT
    assert 0.85 * 2.08 ** ONSET_WEIGHT <= faster / slower <= 1.15 * 2.08 ** ONSET_WEIGHT


def test_a_faster_syllable_train_moves_the_modulation_centroid_in_proportion() -> None:
    slower, faster = (modulation_centroid_hz(syllable_envelope(rate_hz, 650)) for rate_hz in (4.0, 6.0))
    assert faster / slower == pytest.approx(1.5, rel=0.1)


def test_phrase_pauses_counted_as_speech_do_not_slow_the_reading() -> None:
    """The activity detector's hangover after each phrase is fixed in seconds, so it does not shrink when speech
    speeds up; counted as speaking time it made faster speech read slower than its tempo (12 % at this 0.5 s
    pause every 1.5 s, in the onset-rate-over-speech-time estimate of earlier rounds)."""
    for rate_hz in (4.0, 5.0):
        band_db, voiced = syllable_train(rate_hz, seconds=10.0)
        steady = rate_after(band_db=band_db, voiced=voiced, window_speech_s=6.5)
        band_db, voiced = syllable_train(rate_hz, seconds=10.0, pause_every_s=1.5, pause_s=0.5)
        paused = rate_after(band_db=band_db, voiced=voiced, window_speech_s=6.5)
        assert paused == pytest.approx(steady, rel=0.05)


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
    assert ratio == pytest.approx(1.4, rel=0.1)  # issue 13's goal: the estimate follows a tempo change within 10 %


def test_a_steady_natural_pace_never_fires(shared_data: Path) -> None:
    assert fast_episodes(speech(90.0, seed=2)) == []


MISSES_TOO_MANY = ("issue 13 item 6 is open: at a rate_ratio_enter (1.3) where a natural pace seldom fires, the rate "
                   "over 6.5 s of speech still wanders too much to catch 90 % of 12 s stretches at 1.35x (20 "
                   "stretches each: RAVDESS actors 1-3 67 %, 4-6 33 %, LibriSpeech 66 % / 66 %; actor 2 60 %; see "
                   "benchmarks/results/detection_issue13_pace.txt)")


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=MISSES_TOO_MANY)
def test_twelve_seconds_at_1_35x_the_usual_pace_bring_slow_down(shared_data: Path) -> None:
    from calmcue.config.schema import Settings

    flags = pace.slow_down_check(pace.ravdess_voice(ACTOR, tuned=True), n_stretches=12, settings=Settings(),
                                 true_ratios=[])
    fast, natural = flags["onset"]
    assert sum(fast) >= 0.9 * len(fast) and sum(natural) <= 0.05 * len(natural)


def test_a_sustained_faster_pace_fires(shared_data: Path) -> None:
    calibration = speech(pace.CALIBRATION_S, seed=3)
    fast = pace.stretch(speech(60.0, seed=4), 1.5)
    episodes = fast_episodes(np.concatenate([calibration, fast]))
    assert any(start_s >= len(calibration) / pace.RATE for start_s, _ in episodes)


ESPEAK = tts_pace.TtsVoice("espeak-ng", "en+m3", "en", tuned=True)  # a voice the rate was checked on; the eval
# reports the held-out ones
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed: apt-get install espeak-ng (make sysdeps)")


def spoken(seconds: float, tempo: float, *, seed: int, calibration: bool = False) -> tuple[np.ndarray, float]:
    return tts_pace.spoken(ESPEAK, natural_s=seconds, tempo=tempo, rng=np.random.default_rng(seed),
                           calibration=calibration)


@needs_espeak
def test_the_same_words_spoken_faster_read_faster() -> None:
    """Speech SPOKEN faster (shorter phonemes and pauses, as the synthesiser plans them), not played faster."""
    natural, _ = spoken(40.0, 1.0, seed=1)
    fast, true_tempo = spoken(40.0, 1.4, seed=1)
    assert 1.25 <= true_tempo <= 1.45  # espeak-ng speaks a little slower than the words a minute it is asked for
    ratio = median_rate(fast) / median_rate(natural)
    assert ratio == pytest.approx(true_tempo, rel=0.1)  # issue 13's goal: within 10 % of the tempo change


@needs_espeak
def test_a_steady_spoken_pace_never_fires_and_a_sustained_faster_one_does() -> None:
    calibration, _ = spoken(tts_pace.CALIBRATION_S, 1.0, seed=2, calibration=True)
    natural, _ = spoken(90.0, 1.0, seed=3)
    assert fast_episodes(np.concatenate([calibration, natural])) == []
    fast, _ = spoken(45.0, 1.5, seed=4)
    episodes = fast_episodes(np.concatenate([calibration, fast]))
    assert any(start_s >= len(calibration) / pace.RATE for start_s, _ in episodes)


def test_the_pace_curve_bins_each_stretch_by_its_true_ratio() -> None:
    points = [pace.CurvePoint(1.0, False, False, 0.0, 12.0), pace.CurvePoint(1.3, True, True, 12.0, 21.0),
              pace.CurvePoint(1.44, False, True, 21.0, 33.0)]
    rows = {line.split()[0]: line.split()[1:] for line in pace.curve_report(points).splitlines()[1:]}
    assert rows["<"][1:3] == ["1", "0"] and rows["1.3-1.45"][:4] == ["2", "50", "%", "100"]
    assert rows[">="][1] == "0" and rows["1.2-1.3"][0] == "0"
