"""Over music the activity model loses a caller's softer words: their turn keeps its age across such a gap, so a
cut-in a second into it is still talk-over (turns.SpeechRun.masked, TURN_AGE_FRAMES); an answer after they stop is
not, and over a quiet line a real pause still starts a new turn."""

from __future__ import annotations

from calmcue.detector.events import Episode
from calmcue.detector.turns import TURN_AGE_FRAMES, TURN_BRIDGE_FRAMES, SpeechRun
from calmcue.features.extractor import ChannelFrame
from conftest import talk_over_cycles

BED_DBFS = -40.0
MUSIC = ChannelFrame(level_dbfs=BED_DBFS, speech_level_dbfs=BED_DBFS, f0_hz=220.0, tilt_db=-10.0,
                     rate_syl_s=float("nan"), speech_prob=0.1, voiced=True)
VOICE = ChannelFrame(level_dbfs=-30.0, speech_level_dbfs=-30.0, f0_hz=150.0, tilt_db=-10.0, rate_syl_s=4.0,
                     speech_prob=0.9, voiced=True)
# the caller's softer words: voiced, 6 dB over the music, which the model hears instead of them
SOFT = VOICE._replace(level_dbfs=BED_DBFS + 6.0, speech_level_dbfs=BED_DBFS + 6.0, speech_prob=0.2)
AGENT = [VOICE._replace(level_dbfs=level, speech_level_dbfs=level) for level in (-15.0, -21.0)]
QUIET = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=float("nan"), tilt_db=float("nan"),
                     rate_syl_s=float("nan"), speech_prob=0.0, voiced=False)
GAP_FRAMES = (TURN_BRIDGE_FRAMES + TURN_AGE_FRAMES) // 2  # longer than a turn's bridge, within its age
CYCLE = 400
CYCLES = 6


def _talk_over(*, behind: ChannelFrame, gap: ChannelFrame, agent_starts_s: float, caller_ends_s: float = 1.6
               ) -> list[Episode]:
    """Each 4 s cycle the caller talks from 0 to `caller_ends_s`, their words at 0.3 s heard only as `gap` for
    `GAP_FRAMES`, then `behind` (their music, or a quiet line); the agent talks 1.5 s from `agent_starts_s`."""
    heard_again = 30 + GAP_FRAMES
    talk = round(caller_ends_s * 100)
    caller = [VOICE] * 30 + [gap] * GAP_FRAMES + [VOICE] * (talk - heard_again) + [behind] * (CYCLE - talk)
    agent_start = round(agent_starts_s * 100)
    agent = [QUIET] * agent_start + [AGENT[i // 10 % 2] for i in range(150)] + [QUIET] * (CYCLE - 150 - agent_start)
    music_prob = 0.9 if behind is MUSIC else 0.0  # the model hears the music under the voice too
    return talk_over_cycles(agent, caller, music_prob=music_prob, cycles=CYCLES)


def test_a_run_resumed_over_music_keeps_its_start_and_a_run_over_a_quiet_line_does_not() -> None:
    for masked, start in ((True, 0), (False, 30 + GAP_FRAMES)):
        run = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
        run.masked = masked
        for frame in range(30 + GAP_FRAMES + 20):
            run.step(frame, frame < 30 or frame >= 30 + GAP_FRAMES)
        assert run.start == start
    run = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
    run.masked = True
    for frame in range(30 + TURN_AGE_FRAMES + 20):  # a longer silence is a new turn, music or not
        run.step(frame, frame < 30 or frame > 30 + TURN_AGE_FRAMES)
    assert run.start == 31 + TURN_AGE_FRAMES


def test_cutting_in_after_soft_words_lost_under_music_is_talk_over() -> None:
    episodes = _talk_over(behind=MUSIC, gap=SOFT, agent_starts_s=1.1)
    assert len(episodes) >= CYCLES - 1  # every cycle but perhaps the first (the bed is learned in the first pauses)
    assert all(round(e.start_s % 4.0, 1) == 1.1 for e in episodes)


def test_an_answer_after_the_caller_stops_over_music_is_still_not_talk_over() -> None:
    # 0.6 s after the caller's last word (longer than a turn's bridge): they had finished
    assert [e for e in _talk_over(behind=MUSIC, gap=SOFT, agent_starts_s=2.2) if e.start_s >= 4.0] == []


def test_over_a_quiet_line_a_pause_starts_a_new_turn() -> None:
    """No music: the model heard the silence as silence, so 0.2 s into the caller's next words is no cut-in."""
    assert _talk_over(behind=QUIET, gap=QUIET, agent_starts_s=1.1) == []
