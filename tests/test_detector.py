"""The detector on synthetic sessions whose answers are known."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Container, Sequence

import numpy as np
import pytest

from calmcue.analysis.offline import analyze_samples
from calmcue.config.schema import Settings
from calmcue.detector.baseline import BaselineValues, SpeakerBaseline, load_baseline, save_baseline
from calmcue.detector.foreground import Foreground, heard_speech
from calmcue.detector.hold import hold_music
from calmcue.detector.rebase import GainRebase
from calmcue.detector.speaker import CLEAR_SHARE_OF_MIN
from calmcue.errors import BadInputError
from calmcue.features.extractor import ChannelFrame
from conftest import CALM, RAISED, RATE, gain_step_moves, silence, speech_with_pauses, syllables

pytestmark = pytest.mark.usefixtures("classic_activity")


def kinds(result, kind: str, speaker: str = "agent"):
    return [e for e in result.episodes if e.kind == kind and e.speaker == speaker]


def calm_then_raised(*, gain_db: float = 0.0) -> tuple[np.ndarray, float]:
    calm = speech_with_pauses(turns=10, **CALM)
    raised = speech_with_pauses(turns=2, seed=40, **RAISED)
    after = speech_with_pauses(turns=4, seed=60, **CALM)
    session = np.concatenate([calm, raised, after]) * np.float32(10 ** (gain_db / 20))
    return session, len(calm) / RATE


def test_calm_speech_alone_gives_no_raised_voice_or_fast_speech() -> None:
    result = analyze_samples(speech_with_pauses(turns=16, **CALM), rate_hz=RATE)
    assert [e for e in result.episodes if e.kind != "no_pause"] == []
    assert [c for c in result.cues if c.kind != "no_pause"] == []
    assert result.baselines["agent"] is not None


def test_without_call_audio_a_long_silence_counts_as_the_customer_s_turn() -> None:
    short_pauses = analyze_samples(speech_with_pauses(turns=16, pause_s=0.8, **CALM), rate_hz=RATE)
    long_pauses = analyze_samples(speech_with_pauses(turns=16, pause_s=2.5, **CALM), rate_hz=RATE)
    assert [e.kind for e in short_pauses.episodes] == ["no_pause"]
    assert long_pauses.episodes == []


def test_a_raised_voice_after_calibration_is_caught_with_its_evidence() -> None:
    session, raised_at_s = calm_then_raised()
    result = analyze_samples(session, rate_hz=RATE)
    episodes = kinds(result, "raised_voice")
    assert len(episodes) == 1
    episode = episodes[0]
    assert raised_at_s - 0.1 <= episode.start_s <= raised_at_s + 1.0
    assert episode.evidence["level_over_baseline_db"] > 8.0
    assert episode.evidence["pitch_over_baseline_st"] > 3.0
    cue = result.cues[0]
    assert cue.message == "Lower your voice - stay calm" and cue.speaker == "agent"
    # a raise this clear is confirmed after half the minimum duration (speaker.CLEAR_SHARE_OF_MIN), never sooner
    min_s = CLEAR_SHARE_OF_MIN * Settings().detector.raised_voice.agent_min_s
    assert cue.t_s >= episode.start_s + min_s - 0.011  # (times are rounded)
    assert "dB above your usual level" in cue.reason


def test_a_gain_change_of_the_whole_session_changes_nothing() -> None:
    base = analyze_samples(calm_then_raised()[0], rate_hz=RATE)
    quiet = analyze_samples(calm_then_raised(gain_db=-18.0)[0], rate_hz=RATE)
    assert [e.start_s for e in kinds(quiet, "raised_voice")] == [e.start_s for e in kinds(base, "raised_voice")]
    assert len(kinds(base, "raised_voice")) == 1


def test_no_cue_fires_while_the_baseline_is_still_learned() -> None:
    loud_start = np.concatenate([speech_with_pauses(turns=3, seed=40, **RAISED), speech_with_pauses(turns=10, **CALM)])
    result = analyze_samples(loud_start, rate_hz=RATE)
    assert all(c.t_s > 12.0 for c in result.cues)


def test_a_saved_baseline_makes_the_detector_ready_at_once() -> None:
    session, _ = calm_then_raised()
    learned = analyze_samples(session, rate_hz=RATE).baselines["agent"]
    raised_only = speech_with_pauses(turns=2, seed=40, **RAISED)
    result = analyze_samples(np.concatenate([silence(1.0), raised_only]), rate_hz=RATE, agent_baseline=learned)
    assert len(kinds(result, "raised_voice")) == 1


def test_baseline_file_round_trip(tmp_path) -> None:
    values = BaselineValues(level_dbfs=-31.5, pitch_st=3.2, tilt_db=-9.0, rate_syl_s=4.1)
    save_baseline(tmp_path / "b.json", values)
    assert load_baseline(tmp_path / "b.json") == values


@pytest.mark.parametrize(("content", "why"), [
    ('{"stats": []}', "entries are not numbers"),
    ('{"x": 1}', "no 'agent' entry"),
    ('{"agent": {"level_dbfs": -30}}', "no 'f0_hz' entry"),
    ("nope", "not JSON"),
    (b"\xff\xfe", "not text"),
    (None, "it is a folder"),
])
def test_a_bad_baseline_file_is_said_in_words(tmp_path, content, why) -> None:
    """One line that says what is wrong with the file, not Python's wording ('list indices must be integers')."""
    path = tmp_path / "b.json"
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(BadInputError) as caught:
        load_baseline(path)
    message = str(caught.value)
    assert why in message and "recalibrate" in message
    assert "Errno" not in message and "indices" not in message and "\n" not in message


def test_adapt_speech_s_sets_how_fast_a_learned_baseline_follows() -> None:
    """The setting is read: a learned baseline follows louder calm speech ten times faster at 30 s than at 300 s."""
    moved_db = {}
    for adapt_s in (30.0, 300.0):
        baseline = SpeakerBaseline(calibration_speech_s=5.0, adapt_speech_s=adapt_s)
        baseline.values, baseline.from_prior = BaselineValues(-30.0, 10.0, -10.0, 4.0), False
        for _ in range(1000):  # 10 s of voiced speech 10 dB louder, not judged raised
            baseline.observe(level_dbfs=-20.0, pitch_st=10.0, tilt_db=-10.0, rate_syl_s=4.0, voiced=True,
                             raised=False)
        assert baseline.values is not None
        moved_db[adapt_s] = baseline.values.level_dbfs + 30.0
    assert 0.0 < moved_db[300.0] < 1.0  # at most 15 dB per 300 s of voiced speech: 0.5 dB in 10 s, x1.6 upwards
    assert moved_db[30.0] == pytest.approx(10 * moved_db[300.0])


def test_sensitivity_scales_the_thresholds() -> None:
    mild = {"level_dbfs": -23.0, "f0_hz": 160.0, "tilt_db_per_octave": -8.0}  # +7 dB, +5 st, a little flatter
    session = np.concatenate([speech_with_pauses(turns=10, **CALM), speech_with_pauses(turns=2, seed=40, **mild)])
    found = {}
    for sensitivity in ("gentle", "strict"):
        settings = Settings()
        settings = dataclasses.replace(settings, detector=dataclasses.replace(settings.detector,
                                                                              sensitivity=sensitivity))
        found[sensitivity] = len(kinds(analyze_samples(session, rate_hz=RATE, settings=settings), "raised_voice"))
    assert found["strict"] >= 1 and found["gentle"] == 0


def _conversation(*, cut_in: bool, backchannel: bool = False) -> tuple[np.ndarray, float]:
    """Calm alternating turns, then a 3 s customer turn and the agent's reply: returns (samples, reply start)."""
    agent_parts, customer_parts = [], []
    for i in range(6):
        a = syllables(seconds=2.5, seed=i, **CALM)
        c = syllables(seconds=2.5, seed=20 + i, f0_hz=220.0, level_dbfs=-28.0)
        gap = np.zeros(int(0.7 * RATE), np.float32)
        agent_parts += [a, gap, np.zeros_like(c), gap]
        customer_parts += [np.zeros_like(a), gap, c, gap]
    agent, customer = np.concatenate(agent_parts), np.concatenate(customer_parts)
    turn = syllables(seconds=3.0, seed=77, f0_hz=220.0, level_dbfs=-28.0)
    reply = syllables(seconds=0.3 if backchannel else 2.5, seed=78, **CALM)
    start = len(agent) + (int(1.8 * RATE) if cut_in or backchannel else len(turn) + int(0.6 * RATE))
    total = start + len(reply) + RATE
    a = np.zeros(total, np.float32)
    c = np.zeros(total, np.float32)
    a[: len(agent)], c[: len(customer)] = agent, customer
    a += silence(total / RATE, noise_dbfs=-65.0, seed=5)  # a live mic is never exact zeros unless muted
    c[len(customer) : len(customer) + len(turn)] = turn
    a[start : start + len(reply)] = reply
    return np.stack([a, c], axis=1), start / RATE


def test_cutting_in_while_the_customer_talks_is_talk_over() -> None:
    samples, start_s = _conversation(cut_in=True)
    result = analyze_samples(samples, rate_hz=RATE)
    episodes = kinds(result, "talk_over")
    assert len(episodes) == 1
    assert abs(episodes[0].start_s - start_s) < 0.15
    assert episodes[0].evidence["customer_talk_s"] >= 1.0
    assert [c.message for c in result.cues if c.kind == "talk_over"] == ["Let them finish - listen"]


def test_answering_after_a_pause_is_not_talk_over() -> None:
    samples, _ = _conversation(cut_in=False)
    assert kinds(analyze_samples(samples, rate_hz=RATE), "talk_over") == []


def test_a_short_backchannel_is_not_talk_over() -> None:
    samples, _ = _conversation(cut_in=False, backchannel=True)
    assert kinds(analyze_samples(samples, rate_hz=RATE), "talk_over") == []


def test_customer_audio_leaking_into_the_mic_is_not_the_agent() -> None:
    samples, _ = _conversation(cut_in=False)
    leaky = samples.copy()
    leaky[:, 0] += 10 ** (-18 / 20) * np.roll(samples[:, 1], 40)  # sidetone 18 dB down, 2.5 ms late
    result = analyze_samples(leaky, rate_hz=RATE)
    assert kinds(result, "talk_over") == []
    assert kinds(result, "raised_voice") == []


def test_a_loud_customer_is_a_customer_cue() -> None:
    samples, _ = _conversation(cut_in=False)
    n = 4 * RATE
    loud = np.zeros((n + RATE, 2), np.float32)
    loud[:, 0] = silence((n + RATE) / RATE, noise_dbfs=-65.0)
    loud[:n, 1] = syllables(seconds=4.0, seed=99, f0_hz=300.0, level_dbfs=-14.0, tilt_db_per_octave=-4.0)
    result = analyze_samples(np.concatenate([samples, loud]), rate_hz=RATE)
    episodes = kinds(result, "raised_voice", "customer")
    assert len(episodes) == 1
    assert [c.message for c in result.cues if c.speaker == "customer"] == ["Let them vent - listen, don't interrupt"]
    assert kinds(result, "raised_voice", "agent") == []


def test_talking_45_s_without_a_pause_is_no_pause() -> None:
    monologue = syllables(seconds=60.0, **CALM)
    samples = np.stack([monologue, np.zeros_like(monologue)], axis=1)
    result = analyze_samples(samples, rate_hz=RATE)
    episodes = kinds(result, "no_pause")
    assert len(episodes) == 1 and episodes[0].evidence["talk_s"] >= 45.0
    assert [c.t_s for c in result.cues if c.kind == "no_pause"] == [] or \
        all(c.t_s >= 45.0 for c in result.cues if c.kind == "no_pause")


def test_no_pause_resets_when_the_customer_takes_a_turn() -> None:
    parts_a, parts_c = [], []
    for i in range(3):
        a = syllables(seconds=30.0, seed=i, **CALM)
        c = syllables(seconds=2.0, seed=10 + i, f0_hz=220.0)
        parts_a += [a, np.zeros_like(c)]
        parts_c += [np.zeros_like(a), c]
    samples = np.stack([np.concatenate(parts_a), np.concatenate(parts_c)], axis=1)
    assert kinds(analyze_samples(samples, rate_hz=RATE), "no_pause") == []


def test_speaking_much_faster_than_usual_is_fast_speech() -> None:
    usual = speech_with_pauses(turns=10, turn_s=4.0, rate_syl_s=3.0, **CALM)
    fast = speech_with_pauses(turns=3, turn_s=6.0, seed=30, rate_syl_s=6.0, **CALM)
    result = analyze_samples(np.concatenate([usual, fast]), rate_hz=RATE)
    episodes = kinds(result, "fast_speech")
    assert episodes and episodes[0].start_s >= len(usual) / RATE - 1.0
    assert episodes[0].evidence["rate_ratio"] >= 1.3
    assert kinds(analyze_samples(np.concatenate([usual, usual]), rate_hz=RATE), "fast_speech") == []


def test_no_cues_while_the_mic_is_muted() -> None:
    samples, _ = _conversation(cut_in=True)
    muted = samples.copy()
    start = int(len(samples) - 6 * RATE)
    muted[start:, 0] = 0.0  # the agent presses mute just as the customer's last turn begins
    loud = syllables(seconds=4.0, seed=99, f0_hz=300.0, level_dbfs=-14.0, tilt_db_per_octave=-4.0)
    muted[start : start + len(loud), 1] = loud
    result = analyze_samples(muted, rate_hz=RATE)
    assert kinds(result, "raised_voice", "customer")  # the caller is still judged...
    assert [c for c in result.cues if c.t_s * RATE > start] == []  # ...but a muted agent sees no cue


def test_no_cues_outside_a_call() -> None:
    session, _ = calm_then_raised()
    customer = np.zeros_like(session)  # digital silence on the call audio: no call
    result = analyze_samples(np.stack([session, customer], axis=1), rate_hz=RATE)
    assert kinds(result, "raised_voice")  # the episode is still judged...
    assert result.cues == []  # ...but nobody is on a call, so nothing is shown


def test_each_call_starts_the_caller_s_baseline_afresh() -> None:
    """Call 1: a quiet line. Call 2, after 15 s of silent call audio: another caller on a line 12 dB hotter,
    speaking calmly. Judged against the first caller's baseline they would look raised; they must not."""
    def call(customer_voice: dict, seconds: int) -> np.ndarray:
        n = seconds * RATE
        agent = silence(seconds, noise_dbfs=-65.0)
        customer = np.zeros(n, np.float32)
        t = 0
        while t + 3 * RATE < n:
            agent[t : t + 2 * RATE] += syllables(seconds=2.0, seed=t // RATE, **CALM)
            customer[t + int(2.5 * RATE) : t + int(4.5 * RATE)] = syllables(seconds=2.0, seed=t // RATE + 50,
                                                                            **customer_voice)[: 2 * RATE]
            t += 5 * RATE
        return np.stack([agent, customer + silence(seconds, noise_dbfs=-75.0, seed=3)], axis=1)

    gap = np.stack([silence(15.0, noise_dbfs=-65.0), np.zeros(15 * RATE, np.float32)], axis=1)
    first = call({"f0_hz": 200.0, "level_dbfs": -40.0}, 60)
    second = call({"f0_hz": 260.0, "level_dbfs": -28.0, "tilt_db_per_octave": -6.0}, 40)
    result = analyze_samples(np.concatenate([first, gap, second]), rate_hz=RATE)
    assert kinds(result, "raised_voice", "customer") == []
    without_gap = analyze_samples(np.concatenate([first, second]), rate_hz=RATE)
    assert kinds(without_gap, "raised_voice", "customer"), "the same caller change within one call does look raised"


def gain_step_session(*, then_raised: bool) -> tuple[np.ndarray, float]:
    """Calm calibration, then the same calm voice 12 dB louder (a gain step), then optionally a raised voice."""
    calm = speech_with_pauses(turns=10, **CALM)
    louder = speech_with_pauses(turns=8, seed=70, **CALM) * np.float32(10 ** (12 / 20))
    parts = [calm, louder]
    if then_raised:
        raised = {**RAISED, "level_dbfs": RAISED["level_dbfs"] + 12.0 - 3.0}  # still under full scale
        parts.append(speech_with_pauses(turns=2, seed=80, **raised))
    return np.concatenate(parts), (len(calm) + len(louder)) / RATE


def test_a_gain_step_alone_never_fires() -> None:
    session, _ = gain_step_session(then_raised=False)
    result = analyze_samples(session, rate_hz=RATE)
    assert kinds(result, "raised_voice") == []
    assert result.baselines["agent"].level_dbfs > CALM["level_dbfs"] + 6.0  # the baseline moved with the gain


def test_a_raise_after_a_gain_step_is_still_caught() -> None:
    session, raised_at_s = gain_step_session(then_raised=True)
    episodes = kinds(analyze_samples(session, rate_hz=RATE), "raised_voice")
    assert [e for e in episodes if e.start_s < raised_at_s - 0.5] == []
    assert [e for e in episodes if e.start_s >= raised_at_s - 0.5]


def _caller_from_the_first_second(**voice: float) -> np.ndarray:
    caller = speech_with_pauses(turns=3, seed=90, **voice)
    mic = silence(len(caller) / RATE, noise_dbfs=-65.0)
    return np.stack([mic[: len(caller)], caller], axis=1)


def test_a_caller_loud_from_the_first_second_fires() -> None:
    result = analyze_samples(_caller_from_the_first_second(**RAISED), rate_hz=RATE)
    episodes = kinds(result, "raised_voice", "customer")
    assert episodes and episodes[0].start_s < 4.0  # within the first turn: no calm baseline needed
    assert [c.message for c in result.cues if c.speaker == "customer"] == ["Let them vent - listen, don't interrupt"]


def test_a_caller_calm_from_the_first_second_does_not_fire() -> None:
    calm_on_the_line = {**CALM, "level_dbfs": -26.0}  # a typical telephone level, a calm tilt
    result = analyze_samples(_caller_from_the_first_second(**calm_on_the_line), rate_hz=RATE)
    assert kinds(result, "raised_voice", "customer") == []


@pytest.mark.parametrize("cut_in", [True, False])
def test_a_cut_in_in_noise_is_talk_over_and_a_polite_reply_is_not(cut_in: bool) -> None:
    samples, start_s = _conversation(cut_in=cut_in)
    noise = np.stack([silence(len(samples) / RATE, noise_dbfs=-40.0, seed=s) for s in (11, 12)], axis=1)
    episodes = kinds(analyze_samples(samples + noise[: len(samples)], rate_hz=RATE), "talk_over")
    if cut_in:
        assert [e for e in episodes if abs(e.start_s - start_s) < 0.3]
    else:
        assert episodes == []


def test_a_voiced_frame_is_speech_even_when_the_activity_decision_says_no() -> None:
    frame = ChannelFrame(level_dbfs=-10.0, speech_level_dbfs=-10.0, f0_hz=250.0, tilt_db=-2.0, rate_syl_s=4.0,
                         speech_prob=0.1, voiced=True)
    assert heard_speech(frame)
    assert not heard_speech(frame._replace(voiced=False))
    assert heard_speech(frame._replace(voiced=False, speech_prob=0.9))


def test_only_calm_sounding_voice_re_bases_the_level() -> None:
    def moves(*, pitch_over_st: float, tilt_over_db: float) -> list[float]:
        rebase, shifted_db, moved = GainRebase(), 0.0, []
        for _ in range(600):  # 6 s of voicing 12 dB over the baseline, less what the baseline already followed
            shift_db = rebase.step(level_over_db=12.0 - shifted_db, pitch_over_st=pitch_over_st,
                                   tilt_over_db=tilt_over_db)
            shifted_db += shift_db
            moved += [round(shift_db, 1)] if shift_db else []
        return moved

    assert moves(pitch_over_st=4.0, tilt_over_db=3.0) == []  # a raised voice: louder with more effort
    assert moves(pitch_over_st=0.5, tilt_over_db=0.5) == [12.0]  # a gain step: one move, by the step


def test_a_raise_half_an_octave_up_never_re_bases_even_when_its_tilt_reads_calm() -> None:
    """Through a telephone band a raised voice's tilt can read duller than the calm voice's; its pitch still rose."""
    rebase = GainRebase()
    shifts = [rebase.step(level_over_db=12.0, pitch_over_st=8.0, tilt_over_db=-3.0) for _ in range(600)]
    assert not any(shifts)
    assert rebase.rebased == 0


def test_on_a_quiet_line_the_caller_s_raised_turns_still_fire_and_calm_ones_do_not() -> None:
    """The caller's prior is the telephone norm; on a line 18 dB quieter it follows their calm voice down within
    seconds. (A caller raised from the first word on such a line is still learned as their usual voice: no
    reference for the line gain yet.)"""
    quiet_line = {"level_dbfs": -18.0}
    calm = {**CALM, "level_dbfs": CALM["level_dbfs"] + quiet_line["level_dbfs"]}
    raised = {**RAISED, "level_dbfs": RAISED["level_dbfs"] + quiet_line["level_dbfs"]}
    pieces = [speech_with_pauses(turns=2, seed=91, **calm), speech_with_pauses(turns=1, seed=93, **raised),
              speech_with_pauses(turns=4, seed=94, **calm), speech_with_pauses(turns=2, seed=98, **raised)]
    caller = np.concatenate(pieces)
    last_raised_s = sum(len(p) for p in pieces[:3]) / RATE
    mic = silence(len(caller) / RATE, noise_dbfs=-65.0)
    episodes = kinds(analyze_samples(np.stack([mic[: len(caller)], caller], axis=1), rate_hz=RATE),
                     "raised_voice", "customer")
    assert [e for e in episodes if e.start_s >= last_raised_s - 0.2]  # the later raised turns fire
    calm_between = (sum(len(p) for p in pieces[:2]) / RATE + 3.0, last_raised_s - 0.2)  # after the exit hold
    assert [e for e in episodes if calm_between[0] <= e.start_s < calm_between[1]] == []


def _talk_over_with(agent_frames: Container[int], *, customer_until: int = 400, turn_min_frames: int = 100,
                    frames: int = 600, caller_levels_dbfs: Sequence[float] | None = None) -> list[bool]:
    """TalkOverTracker on frame sets: the caller is heard from frame 0 to `customer_until`, at
    `caller_levels_dbfs` (None: not fed); the agent on `agent_frames`. The transitions' `started`, in order."""
    from calmcue.detector.turns import TURN_BRIDGE_FRAMES, SpeechRun, TalkOverTracker

    tracker = TalkOverTracker(turn_min_frames=turn_min_frames, agent_min_frames=60)
    agent, customer = SpeechRun(), SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
    started = []
    for frame in range(frames):
        customer.step(frame, frame < customer_until)
        onset = agent.step(frame, frame in agent_frames)
        level = float(caller_levels_dbfs[frame]) if caller_levels_dbfs is not None else math.nan
        transition = tracker.step(frame, agent_onset=onset, agent=agent, customer=customer, caller_level_dbfs=level)
        started += [transition.started] if transition is not None else []
    return started


def test_a_cut_in_that_pauses_while_the_caller_goes_on_is_still_talk_over() -> None:
    word, rest = set(range(200, 230)), set(range(260, 290))  # 'I-', a 300 ms pause, 'no, wait'
    assert _talk_over_with(word | rest)[:1] == [True]
    assert _talk_over_with(word) == []  # one word and silence while the caller goes on: a backchannel
    assert _talk_over_with(word | set(range(290, 320))) == []  # a second 'mm-hm' 600 ms later: still backchannels


def test_a_frame_the_model_hears_as_speech_is_never_hold_music() -> None:
    """A caller shouting on a noisy line reads as music too; it is still the caller, not the hold queue."""
    music = np.array([0.9, 0.9, 0.2, 0.9])
    speech = np.array([0.1, 0.95, 0.95, 0.5])
    assert hold_music(music, speech) == [True, False, False, False]


def _gain_step_moves(*, room_jump_db: float, voice_jump_db: float) -> list[float]:
    """The room `room_jump_db` louder, then 2 s of calm voice `voice_jump_db` louder (conftest.gain_step_moves)."""
    return gain_step_moves([voice_jump_db + (i % 5) - 2.0 for i in range(200)], room_jump_db=room_jump_db)


def test_a_gain_step_moves_the_baseline_by_the_step_at_once() -> None:
    """The room's floor and the calm voice jump together: one move, by the step, within the first second."""
    assert _gain_step_moves(room_jump_db=12.0, voice_jump_db=12.0) == [pytest.approx(12.0, abs=1.0)]


def test_a_louder_room_alone_never_moves_the_baseline() -> None:
    """A fan or a neighbour: the pauses get louder, the calm voice stays where it was."""
    assert _gain_step_moves(room_jump_db=12.0, voice_jump_db=0.0) == []
    assert _gain_step_moves(room_jump_db=0.0, voice_jump_db=12.0) == []  # and a louder voice alone is no step


def test_a_pending_raise_survives_a_short_dip_but_not_a_long_one() -> None:
    """Inside a raised sentence the short-term values dip for a moment; a pause of calm voice ends the wait."""
    from calmcue.detector.state import EpisodeMachine

    def started(dip_frames: int) -> bool:
        machine = EpisodeMachine(min_frames=80, exit_frames=150, gap_frames=30)
        pattern = [True] * 40 + [False] * dip_frames + [True] * 60
        return any(t is not None and t.started
                   for i, on in enumerate(pattern) for t in [machine.step(i, entering=on, staying=on)])

    assert started(20)
    assert not started(60)


def test_steady_babble_under_a_talker_is_background_once_it_is_heard_through_the_other_s_turns() -> None:
    """A channel that hears speech through most of the other speaker's turns (talkers behind its speaker, 10 dB
    under their voice) has that background left out of its speaker's turns; the speaker's own voice still counts.
    A channel heard only in its own turns is never gated."""
    rng = np.random.default_rng(3)
    quiet, room = Foreground(), Foreground()
    voice_dbfs, babble_dbfs = -30.0, -40.0
    counted = {"room": 0, "voice": 0, "quiet_voice": 0}
    for second in range(60):
        own_turn = second % 2 == 0  # alternating turns: this channel's speaker, then the other speaker
        for _ in range(100):
            voice = voice_dbfs + float(rng.normal(0.0, 3.0))
            background = babble_dbfs + float(rng.normal(0.0, 2.0))
            level = 10 * np.log10(10 ** (voice / 10) + 10 ** (background / 10)) if own_turn else background
            fg = room.step(heard=True, level_dbfs=level, other_heard=not own_turn)
            quiet_fg = quiet.step(heard=own_turn, level_dbfs=voice, other_heard=not own_turn)
            if second >= 30:
                counted["voice" if own_turn else "room"] += fg
                counted["quiet_voice"] += quiet_fg
    assert room.active and not quiet.active
    assert counted["room"] <= 0.05 * 1500
    assert counted["voice"] >= 0.8 * 1500
    assert counted["quiet_voice"] == 1500


def _babble(seconds: float, *, level_dbfs: float, seed: int) -> np.ndarray:
    """Six made talkers at once (different voices and rhythms), their sum at `level_dbfs`: a room behind a headset."""
    talkers = [syllables(seconds=seconds, seed=seed + k, f0_hz=100.0 + 23.0 * k, rate_syl_s=3.0 + 0.4 * k,
                         level_dbfs=-30.0) for k in range(6)]
    total = np.sum(talkers, axis=0)
    rms_dbfs = 10 * np.log10(np.mean(total.astype(np.float64) ** 2)) + 3.01  # the sine convention
    return (total * 10 ** ((level_dbfs - rms_dbfs) / 20)).astype(np.float32)


def test_a_cut_in_with_steady_babble_10_db_under_each_voice_is_talk_over() -> None:
    """Talkers behind both speakers, 10 dB under each one's voice, are heard as speech: the agent "spoke" through
    the caller's turn, so their real cut-in had no onset and went unseen."""
    samples, start_s = _conversation(cut_in=True)
    seconds = len(samples) / RATE
    room = np.stack([_babble(seconds, level_dbfs=CALM["level_dbfs"] - 10.0, seed=40),
                     _babble(seconds, level_dbfs=-28.0 - 10.0, seed=60)], axis=1)
    episodes = kinds(analyze_samples(samples + room[: len(samples)], rate_hz=RATE), "talk_over")
    assert [e for e in episodes if abs(e.start_s - start_s) < 0.3]
