"""The agent types while the caller talks: the headset mic hears the keys (real key sounds, Debian bucklespring-data,
as in the detection benchmark's keys rows). A click is no turn: typing raises no talk-over and no "pause" cue; a
real cut-in through the typing still is talk-over."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from calmcue.analysis.offline import analyze_samples
from calmcue.detector.turns import CLICK_FRAMES, TURN_BRIDGE_FRAMES, SpeechRun, TalkOverTracker
from conftest import CALM, RATE, silence, syllables

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import detection_stress as stress
from needs import missing

CALLER = {"f0_hz": 220.0, "level_dbfs": -28.0}


def _talk_over_starts(agent_frames: set[int], *, min_stretch_frames: int, abrupt: frozenset[int] = frozenset()
                      ) -> list[int]:
    """TalkOverTracker: the caller talks over frames 0-399, the agent's mic hears `agent_frames`, the level jumping
    as a click's at the `abrupt` frames; the start frames."""
    tracker = TalkOverTracker(turn_min_frames=100, agent_min_frames=60)
    agent = SpeechRun(min_stretch_frames=min_stretch_frames)
    customer = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
    starts = []
    for frame in range(600):
        customer.step(frame, frame < 400)
        onset = agent.step(frame, frame in agent_frames, abrupt=frame in abrupt)
        transition = tracker.step(frame, agent_onset=onset, agent=agent, customer=customer)
        starts += [transition.start_frame] if transition is not None and transition.started else []
    return starts


def test_clicks_heard_a_few_frames_each_are_no_cut_in_and_a_word_still_is() -> None:
    strikes = frozenset(range(150, 400, 15))  # ~7 keys/s, each heard 70 ms from its strike
    clicks = {start + i for start in strikes for i in range(CLICK_FRAMES)}
    assert _talk_over_starts(clicks, min_stretch_frames=1, abrupt=strikes) != []  # frame by frame, typing "cuts in"
    assert _talk_over_starts(clicks, min_stretch_frames=CLICK_FRAMES + 1, abrupt=strikes) == []
    assert _talk_over_starts(clicks, min_stretch_frames=CLICK_FRAMES + 1) != [], "only a click's jump is held back"
    cut_in = set(range(300, 380))  # the agent's words, dated from their first frame
    assert _talk_over_starts(clicks | cut_in, min_stretch_frames=CLICK_FRAMES + 1, abrupt=strikes) == [300]


def _need_keys() -> None:
    reason = stress.missing("keys")
    if reason is not None:
        missing(reason, what="stress-row")


def _call(*, cut_in: bool) -> tuple[np.ndarray, float, float]:
    """Calm turns, then a 6 s caller turn; the agent answers after it (or cuts in 4 s into it). Returns the samples,
    the caller's long turn's start and the agent's reply's start (s)."""
    agent_parts, caller_parts = [], []
    for i in range(5):
        a = syllables(seconds=2.5, seed=i, **CALM)
        c = syllables(seconds=2.5, seed=20 + i, **CALLER)
        gap = np.zeros(int(0.7 * RATE), np.float32)
        agent_parts += [a, gap, np.zeros_like(c), gap]
        caller_parts += [np.zeros_like(a), gap, c, gap]
    agent, caller = np.concatenate(agent_parts), np.concatenate(caller_parts)
    turn = syllables(seconds=6.0, seed=77, **CALLER)
    reply = syllables(seconds=2.5, seed=78, **CALM)
    start = len(agent) + (4 * RATE if cut_in else len(turn) + int(0.6 * RATE))
    total = start + len(reply) + 3 * RATE
    a, c = np.zeros(total, np.float32), np.zeros(total, np.float32)
    a[: len(agent)], c[: len(caller)] = agent, caller
    a += silence(total / RATE, noise_dbfs=-65.0, seed=5)
    c[len(caller) : len(caller) + len(turn)] = turn
    a[start : start + len(reply)] = reply
    return np.stack([a, c], axis=1), len(agent) / RATE, start / RATE


def _typing_through(samples: np.ndarray, *, from_s: float, below_calm_db: float) -> np.ndarray:
    """Typing on the agent's channel from `from_s` to the end (the caller's turn and the agent's pauses), each key
    peaking `below_calm_db` under the agent's calm voice."""
    keys = stress.typing(len(samples), rate_hz=RATE, seed=2)
    keys[: int(from_s * RATE)] = 0.0
    typed = samples.copy()
    typed[:, 0] += keys * np.float32(10 ** ((CALM["level_dbfs"] - below_calm_db) / 20))
    return typed


@pytest.mark.parametrize("below_calm_db", [10.0, 0.0])
def test_typing_through_the_caller_s_turn_and_the_agent_s_pauses_raises_no_cue(below_calm_db: float) -> None:
    _need_keys()
    samples, turn_s, _ = _call(cut_in=False)
    typed = _typing_through(samples, from_s=turn_s - 3.0, below_calm_db=below_calm_db)
    keys_heard = np.abs(typed[:, 0] - samples[:, 0]) > 0
    assert keys_heard[int(turn_s * RATE):].mean() > 0.5  # the keys are there, under the caller's turn
    result = analyze_samples(typed, rate_hz=RATE)
    assert [e.kind for e in result.episodes if e.speaker == "agent"] == []


LOUD_KEYS = ("1c", "0c", "1d", "17", "29", "0a", "16", "32")  # Enter and others heard longest (a ring, voiced)


def _keys_struck(samples: np.ndarray, *, from_s: float, to_s: float, interval_s: float = 0.15) -> np.ndarray:
    """LOUD_KEYS struck in turn every `interval_s` from `from_s` to `to_s` on the agent's channel, each peaking at
    the agent's calm voice level, released 80 ms later."""
    codes, sounds = stress.key_codes(), stress.key_sounds(RATE)
    gain = np.float32(10 ** (CALM["level_dbfs"] / 20))
    typed = samples.copy()
    for i, at_s in enumerate(np.arange(from_s, to_s, interval_s)):
        press, release = sounds[codes.index(LOUD_KEYS[i % len(LOUD_KEYS)])]
        for sound, start in ((press, int(at_s * RATE)), (release, int((at_s + 0.08) * RATE))):
            typed[start : start + len(sound), 0] += sound[: len(typed) - start] * gain
    return typed


def test_keys_struck_as_the_caller_finishes_and_before_the_reply_are_no_talk_over() -> None:
    """The agent finishes a note while the caller's last words come and answers after a pause: a polite turn.
    Counted frame by frame, the clicks heard as speech (Enter's ring is voiced) started the agent's turn inside the
    caller's and bridged it into the reply (the keys rows' polite flags)."""
    _need_keys()
    samples, turn_s, start_s = _call(cut_in=False)
    typed = _keys_struck(samples, from_s=turn_s + 4.5, to_s=start_s - 0.05)
    assert [e.kind for e in analyze_samples(typed, rate_hz=RATE).episodes if e.speaker == "agent"] == []


def test_a_cut_in_through_the_typing_is_still_talk_over() -> None:
    _need_keys()
    samples, turn_s, start_s = _call(cut_in=True)
    result = analyze_samples(_typing_through(samples, from_s=turn_s - 3.0, below_calm_db=0.0), rate_hz=RATE)
    talk_over = [e for e in result.episodes if e.kind == "talk_over"]
    assert [e for e in talk_over if abs(e.start_s - start_s) < 0.3] == talk_over != []


def test_the_keys_row_types_on_the_agent_s_channel_only_each_key_peaking_10_db_under_the_calm_voice() -> None:
    _need_keys()
    import conditions

    rng = np.random.default_rng(4)
    voice = (rng.standard_normal((60 * RATE, 2)) * np.float32(10 ** (-30 / 20))).astype(np.float32)
    typed, rate_hz = conditions.apply_condition(voice, RATE, "keys", 5, level_span_s=(0.0, 60.0))
    again, _ = conditions.apply_condition(voice, RATE, "keys", 5, level_span_s=(0.0, 60.0))
    assert rate_hz == RATE and np.array_equal(typed, again) and np.array_equal(typed[:, 1], voice[:, 1])
    added = (typed[:, 0] - voice[:, 0]).astype(np.float64)
    frame_db = 10 * np.log10(np.mean(added[: len(added) // 160 * 160].reshape(-1, 160) ** 2, axis=1) + 1e-20)
    calm_dbfs = conditions.active_speech_level_dbfs(voice[:, 0], rate_hz=RATE)
    assert abs(np.percentile(frame_db, 99) - (calm_dbfs - 10.0)) < 3.0  # the keys' peaks (overlaps add a little)
    bursts = stress.typing_bursts(60.0, seed=5)
    assert all(2.0 <= end - start <= 8.0 for start, end, _ in bursts[:-1])
    assert all(3.0 <= rate <= 7.0 for _, _, rate in bursts)


@pytest.mark.data
def test_typing_in_the_agent_s_pauses_moves_no_gain_step(shared_data: Path) -> None:
    """The keys row on actor 3's calm-and-raised mono session (no gain change in it): typing in the pauses lifted
    their floor and its end read as a -6 dB step down, so later calm clips read raised. A key struck is not the
    room (detector.CLICK_RISE_DB), so nothing moves, as on the clean session."""
    _need_keys()
    import conditions
    import eval_detection
    import sessions

    samples, items = sessions.build_mono_session(3, 0)
    span_s = (0.0, eval_detection.calm_opening_end_s(items))
    typed, rate_hz = conditions.apply_condition(samples, sessions.RATE_HZ, "keys", 7919 * 3, level_span_s=span_s)
    assert analyze_samples(typed, rate_hz=rate_hz, keep_frames=False).gain_moves == []
