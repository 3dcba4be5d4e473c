"""The microphone's volume as the system sets it (issue 13 item 3): the sound server says when the agent's gain slider,
a headset's knob or a softphone's gain control moves it, and the detector follows at once instead of finding the
step from the voice and the pauses seconds later (audio/pulse.PulseWatcher, engine/mic_gain.py,
Detector.mic_gain_moved)."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from calmcue.analysis.offline import analyze_samples
from calmcue.config.schema import Settings
from calmcue.detector.quantile import RunningQuantile
from calmcue.engine.mic_gain import MicGainFollower, reported_gain_db
from calmcue.engine.pipeline import Pipeline
from conftest import CALM, RAISED, RATE, speech_with_pauses
from test_capture import pulse  # noqa: F401  (the fixture: a private PulseAudio server)

STEP_DB = 12.0


def _session(*, step_db: float, then_raised: bool) -> tuple[np.ndarray, float, float]:
    """Calm calibration, the same calm voice `step_db` louder (the room too), then optionally a raised voice at that
    gain; returns the samples, when the step came and when the raise did (s)."""
    gain = np.float32(10 ** (step_db / 20))
    calm = speech_with_pauses(turns=10, **CALM)
    after = speech_with_pauses(turns=6, seed=70, **CALM) * gain
    parts = [calm, after]
    if then_raised:
        raised = {**RAISED, "level_dbfs": RAISED["level_dbfs"] + step_db - 3.0}  # under full scale
        parts.append(speech_with_pauses(turns=2, seed=80, **raised))
    return np.concatenate(parts), len(calm) / RATE, (len(calm) + len(after)) / RATE


@pytest.mark.parametrize("step_db", [STEP_DB, -STEP_DB])
def test_a_reported_volume_step_moves_the_baseline_once_at_the_step_and_never_fires(step_db: float) -> None:
    session, step_s, _ = _session(step_db=step_db, then_raised=False)
    plain = analyze_samples(session, rate_hz=RATE, keep_frames=False)
    reported = analyze_samples(session, rate_hz=RATE, keep_frames=False, mic_gain_moves=[(step_s, step_db)])
    assert [(m.kind, m.shift_db) for m in reported.gain_moves] == [("volume", step_db)]  # the pauses read no jump
    assert abs(reported.gain_moves[0].t_s - step_s) < 0.2
    assert [e for e in reported.episodes if e.kind == "raised_voice"] == []
    # the same baseline the voice would have taught it, without waiting for the voice
    assert abs(reported.baselines["agent"].level_dbfs - plain.baselines["agent"].level_dbfs) < 1.5
    assert [m.kind for m in plain.gain_moves] and "volume" not in [m.kind for m in plain.gain_moves]


def test_a_raise_after_a_reported_volume_step_is_still_caught() -> None:
    session, step_s, raised_at_s = _session(step_db=STEP_DB, then_raised=True)
    result = analyze_samples(session, rate_hz=RATE, keep_frames=False, mic_gain_moves=[(step_s, STEP_DB)])
    episodes = [e for e in result.episodes if e.kind == "raised_voice"]
    assert [e for e in episodes if e.start_s < raised_at_s - 0.5] == []
    assert [e for e in episodes if e.start_s >= raised_at_s - 0.5]


def test_a_volume_reported_during_calibration_moves_what_it_has_heard_so_far() -> None:
    session, _, _ = _session(step_db=0.0, then_raised=False)
    half = len(session) // 4  # inside the calibration
    stepped = session.copy()
    stepped[half:] *= np.float32(10 ** (STEP_DB / 20))
    result = analyze_samples(stepped, rate_hz=RATE, keep_frames=False, mic_gain_moves=[(half / RATE, STEP_DB)])
    assert abs(result.baselines["agent"].level_dbfs - (CALM["level_dbfs"] + STEP_DB)) < 3.0
    assert [e for e in result.episodes if e.kind == "raised_voice"] == []


def test_a_running_quantile_shifts_every_value_it_holds_deferred_ones_too() -> None:
    quantile = RunningQuantile(5, quantile=0.1)
    for value in (3.0, 1.0, 2.0):
        quantile.add(value)
    quantile.defer(-4.0)
    before = quantile.value()
    quantile.shift(12.0)
    assert quantile.values() == [15.0, 13.0, 14.0, 8.0] and quantile.value() == pytest.approx(before + 12.0)
    for value in (20.0, 21.0):  # the oldest leave as before
        quantile.add(value)
    assert len(quantile) == 5 and sorted(quantile.values()) == [8.0, 13.0, 14.0, 20.0, 21.0]


def test_the_follower_passes_on_moves_from_the_first_reading_and_ignores_rounding() -> None:
    pipeline = Pipeline(Settings(), channels=1, in_rate_hz=RATE)
    follower = MicGainFollower()
    assert follower.check(pipeline.detector, math.nan) == 0.0  # nothing known yet
    assert follower.check(pipeline.detector, -6.0) == 0.0  # the first reading is the reference
    assert follower.check(pipeline.detector, -5.8) == 0.0  # a slider's rounding
    assert follower.check(pipeline.detector, 3.0) == pytest.approx(9.0)
    assert follower.check(pipeline.detector, math.nan) == 0.0  # a source that cannot say moves nothing
    assert [m.shift_db for m in pipeline.detector.gain_moves] == [pytest.approx(9.0)]


def test_a_source_that_cannot_report_its_gain_reads_nan() -> None:
    from calmcue.audio.sources import SyntheticSource

    assert math.isnan(reported_gain_db(SyntheticSource(np.zeros(RATE, np.float32))))


def _set_volume(source: str, percent: int) -> None:
    subprocess.run(["pactl", "set-source-volume", source, f"{percent}%"], check=True)


def _wait_for(read: Callable[[], float], want: float, *, timeout_s: float = 5.0) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not abs(read() - want) < 0.2:
        time.sleep(0.02)
    return float(read())


@pytest.mark.usefixtures("pulse")
def test_the_pulse_watcher_reads_the_microphone_volume_when_the_server_changes_it() -> None:
    """Through the real sound server: the agent (or a softphone) sets the mic source to 50 %, the watcher reads
    -18 dB (PulseAudio's cubic scale); back at 100 %, 0 dB."""
    from calmcue.audio.pulse import PulseWatcher

    child = subprocess.Popen(["parec", "--raw", "-d", "virtual_mic"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    watcher = PulseWatcher()
    try:
        _set_volume("virtual_mic", 100)
        assert watcher.start(pids={child.pid}, expected_streams=1, mic_source="virtual_mic")
        assert _wait_for(lambda: watcher.mic_volume_db, 0.0) == pytest.approx(0.0, abs=0.1)
        _set_volume("virtual_mic", 50)
        assert _wait_for(lambda: watcher.mic_volume_db, 60 * math.log10(0.5)) == pytest.approx(-18.06, abs=0.1)
        _set_volume("virtual_mic", 100)
        assert _wait_for(lambda: watcher.mic_volume_db, 0.0) == pytest.approx(0.0, abs=0.1)
        assert watcher.problem == ""
    finally:
        watcher.stop()
        _set_volume("virtual_mic", 100)
        child.terminate()
        child.wait(5)


def test_a_real_reader_s_reported_volume_step_raises_no_cue_in_the_seconds_after_it(
        shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lively LibriSpeech reader (benchmarks/eval_detection_readers.py volstep12): the +12 dB step read from the
    sound server leaves the calm talk after it unflagged (found from the voice, it took seconds: gainstep12)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import eval_detection_readers as readers

    monkeypatch.setenv("CALMCUE_DATA", str(shared_data))
    session = readers.reader_session("1688")
    scored, flags, _ = readers.run_condition(session, "volstep12")
    assert scored and flags == []
