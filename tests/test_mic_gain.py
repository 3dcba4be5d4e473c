"""The agent's mic gain: a step is found from the median of the calm voice after it (one sentence decides nothing),
moves the baseline by no more than the step, and a voice driven into clipping is read for the level it lost."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from calmcue.analysis.offline import analyze_samples
from calmcue.config.schema import Settings
from calmcue.detector.clipping import restored_level_dbfs
from calmcue.detector.events import Episode
from calmcue.engine.pipeline import Pipeline
from calmcue.features.loudness import clip_share, level_dbfs
from conftest import CALM, RAISED, RATE, gain_step_moves, speech_with_pauses
from needs import missing
from process_lines import monitor_until

BOUND_S = 30.0


def _step_then(voice_db: list[float], *, room_jump_db: float = 12.0, later_pauses_db: float = 0.0) -> list[float]:
    """The step, 3 s of pauses after it (`later_pauses_db` louder still), then the voice (conftest.gain_step_moves)."""
    return gain_step_moves(voice_db, room_jump_db=room_jump_db, later_pauses_db=later_pauses_db,
                           later_pause_frames=300)


def test_a_soft_calm_sentence_right_after_a_step_does_not_drop_it() -> None:
    """A few frames of calm voice still near the old level (the end of a soft word), then the calm voice at the new
    level: the step is found (a single frame near the old level used to drop it; the baseline then waited for the
    slow re-basing)."""
    voice = [1.0] * 6 + [12.0 + (i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice) == [pytest.approx(12.0, abs=1.0)]


def test_calm_sounding_raised_speech_after_a_step_does_not_stall_it_nor_make_it_overshoot() -> None:
    """After a 12 dB step the calm-sounding voicing reads 17-19 dB over the old calm voice (raised sentences whose pitch
    and tilt read calm): the step is found, and the baseline moves by the pauses' 12 dB, not by 18."""
    voice = [18.0 + (i % 3) - 1.0 for i in range(200)]
    assert _step_then(voice) == [pytest.approx(12.0, abs=1.0)]


def test_louder_pauses_later_do_not_make_the_move_overshoot_the_step() -> None:
    """Breaths and echoes of raised sentences lift the later pauses' floor 3 dB: the move stays the step's."""
    voice = [14.0 + (i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice, later_pauses_db=3.0) == [pytest.approx(12.0, abs=1.0)]


def test_a_louder_room_with_the_voice_where_it_was_moves_nothing() -> None:
    voice = [(i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice) == []


def test_a_bump_in_the_pauses_long_before_the_step_does_not_hide_it() -> None:
    """A door or a cough lifts the pauses' floor 8 dB for 0.6 s while the agent is silent (a candidate the voice never
    decides), the floor is back for 5 s, then the gain goes up 12 dB: the step is found from the voice after it (the
    stale candidate used to keep the floor from before the bump and read the step as no jump)."""
    from calmcue.detector.gainstep import GainStep

    step = GainStep()
    for _ in range(300):
        step.learn(-30.0)
    pauses = [-70.0] * 400 + [-62.0] * 60 + [-70.0] * 500 + [-58.0] * 200
    for i, level in enumerate(pauses):
        step.pause(level + 0.5 * (i % 3))
    moves = [round(moved, 1) for i in range(200)
             if (moved := step.voiced(-18.0 + (i % 5) - 2.0, calm_sounding=True))]
    assert moves == [pytest.approx(12.0, abs=1.0)]


def _raised_after(*, room_jump_db: float, voice_db: float, effort_db: float) -> list[float]:
    """The room `room_jump_db` louder, then 2 s of a raised voice only (nothing calm-sounding) `voice_db` over the calm
    voice whose pitch and tilt explain `effort_db` of it; the moves a GainStep made."""
    from calmcue.detector.gainstep import GainStep

    step = GainStep()
    for _ in range(300):
        step.learn(-30.0)
    for i, level in enumerate([-70.0] * 400 + [-70.0 + room_jump_db] * 200):
        step.pause(level + 0.5 * (i % 3))
    return [round(moved, 1) for i in range(200)
            if (moved := step.voiced(-30.0 + voice_db + (i % 5) - 2.0, calm_sounding=False,
                                     effort_level_db=effort_db))]


def test_a_raised_voice_right_after_a_step_confirms_it_from_what_its_effort_leaves() -> None:
    """After a 12 dB step the agent goes on raised (8 dB of it effort): no calm-sounding voicing, yet the step is found
    within 2 s of voicing, by the pauses' jump (calm-sounding voicing alone waited 5-20 s for it)."""
    assert _raised_after(room_jump_db=12.0, voice_db=20.0, effort_db=8.0) == [pytest.approx(12.0, abs=1.0)]


def test_a_raise_in_a_room_that_got_louder_moves_nothing() -> None:
    """The room 12 dB louder and the voice raised 12 dB, all of it effort: no gain step, the raise stays a raise."""
    assert _raised_after(room_jump_db=12.0, voice_db=12.0, effort_db=12.0) == []


def _sine(*, amplitude: float) -> np.ndarray:
    t = np.arange(4096) / RATE
    return (amplitude * np.sin(2 * np.pi * 203.0 * t)).astype(np.float32)


def test_the_clip_share_of_a_sine_at_full_scale_and_at_minus_6_dbfs() -> None:
    """A full-scale sine spends about an eighth of its time within 0.98 of full scale; at -6 dBFS it never gets
    there; driven 10 dB past full scale and clipped, far more of it sits there."""
    windows = lambda x: x.reshape(-1, 512)  # noqa: E731
    full = clip_share(windows(_sine(amplitude=1.0)))
    quieter = clip_share(windows(_sine(amplitude=10 ** (-3 / 20))))  # -6 dBFS: a full-scale sine is -3.01 dBFS
    driven = clip_share(windows(np.clip(_sine(amplitude=10 ** (10 / 20)), -1.0, 1.0)))
    assert np.all((full > 0.08) & (full < 0.18))
    assert np.all(quieter == 0.0)
    assert np.all(driven > 0.5)


def test_a_clipped_frame_is_read_nearer_its_level_before_clipping() -> None:
    """Speech-like sound 12 dB past full scale and clipped: the restored level is nearer the level it had."""
    voice = speech_with_pauses(turns=2, **{**CALM, "level_dbfs": 0.0})[: 512 * 200].reshape(-1, 512)
    loud = voice * np.float32(10 ** (12 / 20))
    clipped = np.clip(loud, -1.0, 1.0)
    share = clip_share(clipped)
    hit = share >= 0.1
    assert hit.sum() > 20
    truth, measured = level_dbfs(loud)[hit], level_dbfs(clipped)[hit]
    restored = np.array([restored_level_dbfs(m, c) for m, c in zip(measured, share[hit], strict=True)])
    assert np.median(np.abs(restored - truth)) < 0.5 * np.median(truth - measured)
    assert restored_level_dbfs(-20.0, 0.0) == -20.0  # an unclipped frame is unchanged


def _step_into_clipping(*, step_db: float, then_raised: bool) -> tuple[np.ndarray, float]:
    """Calm calibration, then the same calm voice `step_db` louder and clipped at full scale like a converter, then
    optionally a raised voice at the same gain (clipped far harder)."""
    gain = np.float32(10 ** (step_db / 20))
    calm = speech_with_pauses(turns=10, **CALM)
    louder = np.clip(speech_with_pauses(turns=8, seed=70, **CALM) * gain, -1.0, 1.0)
    parts = [calm, louder]
    if then_raised:
        parts.append(np.clip(speech_with_pauses(turns=2, seed=80, **RAISED) * gain, -1.0, 1.0))
    return np.concatenate(parts), (len(calm) + len(louder)) / RATE


@pytest.mark.usefixtures("classic_activity")
@pytest.mark.parametrize("step_db", [28.0, 32.0])
def test_a_calm_voice_clipped_after_a_gain_step_never_fires(step_db: float) -> None:
    """The calm voice turned up until it clips (its tilt flattened by the clipping's harmonics) is no raise."""
    session, _ = _step_into_clipping(step_db=step_db, then_raised=False)
    result = analyze_samples(session, rate_hz=RATE)
    assert [e for e in result.episodes if e.kind == "raised_voice"] == []


@pytest.mark.usefixtures("classic_activity")
def test_a_raise_after_a_gain_step_into_clipping_is_caught_and_the_gain_is_said_to_be_too_high() -> None:
    session, raised_at_s = _step_into_clipping(step_db=28.0, then_raised=True)
    pipeline = Pipeline(Settings(), channels=1, in_rate_hz=RATE)
    events = []
    for start in range(0, len(session), 16000):
        events += pipeline.push(session[start:start + 16000, None]).events
    events += pipeline.finish().events
    episodes = [e for e in events if isinstance(e, Episode) and e.kind == "raised_voice"]
    assert [e for e in episodes if e.start_s < raised_at_s - 0.5] == []
    assert [e for e in episodes if e.start_s >= raised_at_s - 0.5]
    assert pipeline.detector.status().mic_too_loud


@pytest.fixture
def pulse() -> None:
    if os.environ.get("CALMCUE_PULSE") != "1" or shutil.which("paplay") is None:
        missing("no PulseAudio server with paplay (run under scripts/with_services.sh)", what="audio")


def test_the_monitor_says_that_a_clipping_mic_is_turned_up_too_high(pulse: None, tmp_path: Path) -> None:
    """A voice driven into clipping, through PulseAudio into `calmcue monitor`: a calm line about the input gain
    (the tray app shows the same as a notice, once a session)."""
    voice = np.clip(speech_with_pauses(turns=3, **CALM) * np.float32(10 ** (28 / 20)), -1.0, 1.0)
    wav = tmp_path / "clipping.wav"
    sf.write(wav, np.stack([voice, voice], axis=1), RATE, subtype="FLOAT")
    players: list[subprocess.Popen[bytes]] = []
    try:
        lines = monitor_until("[mic too loud]", tmp_path=tmp_path, mic="call_mic", then=lambda: players.append(
            subprocess.Popen(["paplay", "--device=call_feed", str(wav)])))
    finally:
        for player in players:
            player.terminate()
            player.wait(timeout=BOUND_S)
    said = [line for line in lines if "[mic too loud]" in line]
    assert said == ["[mic too loud] your voice clips: turn the microphone's input gain down a little\n"], \
        "".join(lines)


def test_a_step_down_is_found_though_raised_sentences_lift_the_calm_sounding_voice() -> None:
    """The gain 12 dB down, then calm-sounding voicing that first reads only 4 dB down (raised sentences whose pitch
    and tilt read calm), then 12 dB down: the step is found, by the pauses' jump (a 0.2 s median under half the jump
    used to drop the candidate, and only the slow re-basing moved the baseline, 20-90 s later on the dev speech)."""
    voice = [-4.0 + (i % 5) - 2.0 for i in range(40)] + [-12.0 + (i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice, room_jump_db=-12.0) == [pytest.approx(-12.0, abs=1.0)]


def test_a_quieter_room_with_the_voice_where_it_was_moves_nothing() -> None:
    """A fan switched off: the pauses 8 dB quieter, the calm voice where it was for 2 s: no gain step."""
    voice = [(i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice, room_jump_db=-8.0) == []


def test_a_bump_in_the_pauses_just_before_a_step_down_does_not_hide_it() -> None:
    """A cough lifts the pauses 8 dB for 0.6 s, the floor is back for 1 s, the calm voice where it was drops that
    candidate, then the gain goes 12 dB down: the step is found (the floor from before the bump is given back; the
    pauses since it were too few for a reference, and once they were, all of them were after the step)."""
    from calmcue.detector.gainstep import GainStep

    step = GainStep()
    for _ in range(300):
        step.learn(-30.0)
    for i, level in enumerate([-70.0] * 400 + [-62.0] * 60 + [-70.0] * 100):
        step.pause(level + 0.5 * (i % 3))
    assert [moved for i in range(120) if (moved := step.voiced(-30.0 + (i % 5) - 2.0, calm_sounding=True))] == []
    for i in range(200):
        step.pause(-82.0 + 0.5 * (i % 3))
    moves = [round(moved, 1) for i in range(200)
             if (moved := step.voiced(-42.0 + (i % 5) - 2.0, calm_sounding=True))]
    assert moves == [pytest.approx(-12.0, abs=1.0)]


@pytest.mark.usefixtures("classic_activity")
def test_a_raise_after_a_gain_step_down_fires_and_the_step_alone_does_not() -> None:
    """Calm calibration, the whole signal (voice and room) 12 dB down, calm speech, then a raised voice at that gain:
    the baseline moves about -12 dB within 8 s of the step, nothing fires before the raise, the raise fires."""
    gain = np.float32(10 ** (-12.0 / 20))
    calm = speech_with_pauses(turns=10, **CALM)
    quieter = speech_with_pauses(turns=6, seed=70, **CALM) * gain
    raised = speech_with_pauses(turns=2, seed=80, **RAISED) * gain
    step_s, raised_at_s = len(calm) / RATE, (len(calm) + len(quieter)) / RATE
    result = analyze_samples(np.concatenate([calm, quieter, raised]), rate_hz=RATE)
    moves = [(m.t_s - step_s, m.shift_db) for m in result.gain_moves if m.t_s >= step_s]
    assert moves and moves[0][0] <= 8.0 and moves[0][1] == pytest.approx(-12.0, abs=2.0)
    episodes = [e for e in result.episodes if e.kind == "raised_voice"]
    assert [e for e in episodes if e.start_s < raised_at_s - 0.5] == []
    assert [e for e in episodes if e.start_s >= raised_at_s - 0.5]
