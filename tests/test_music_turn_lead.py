"""Over music the activity model hears a caller's first words late while their voiced syllables already stand over
the bed: the turn the model starts is dated back through them (turns.SpeechRun.lead, foreground.MusicBed.voice_lead),
so a cut-in a second into the caller's turn is talk-over; the bed's own frames date nothing back, and off a music bed
a run starts where the model hears it."""

from __future__ import annotations

from calmcue.detector.events import Episode
from calmcue.detector.foreground import LEAD_MARGIN_DB
from calmcue.detector.turns import LEAD_GAP_FRAMES, TURN_AGE_FRAMES, TURN_BRIDGE_FRAMES, SpeechRun
from calmcue.features.extractor import ChannelFrame
from conftest import talk_over_cycles

BED_DBFS = -40.0
MUSIC = ChannelFrame(level_dbfs=BED_DBFS, speech_level_dbfs=BED_DBFS, f0_hz=220.0, tilt_db=-10.0,
                     rate_syl_s=float("nan"), speech_prob=0.1, voiced=True)
VOICE = ChannelFrame(level_dbfs=-24.0, speech_level_dbfs=-24.0, f0_hz=150.0, tilt_db=-10.0, rate_syl_s=4.0,
                     speech_prob=0.9, voiced=True)
# the caller's first words: voiced, over the bed by more than the lead margin, not yet speech to the model
EARLY = VOICE._replace(level_dbfs=BED_DBFS + LEAD_MARGIN_DB + 2.0, speech_level_dbfs=BED_DBFS + LEAD_MARGIN_DB + 2.0,
                       speech_prob=0.2)
AGENT = [VOICE._replace(level_dbfs=level, speech_level_dbfs=level) for level in (-15.0, -21.0)]
QUIET = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=float("nan"), tilt_db=float("nan"),
                     rate_syl_s=float("nan"), speech_prob=0.0, voiced=False)
LATE_FRAMES = 50  # the model hears the caller 0.5 s into their words
AGENT_START_FRAMES = 100  # the agent cuts in 1.0 s into them: over the 0.8 s minimum, 0.5 s after the model's start
# the caller goes on 0.4 s after the agent's start (longer overlaps in every turn make the agent's channel read as
# one with talkers behind it: foreground.Foreground)
CALLER_FRAMES = 140
CYCLE = 400
CYCLES = 6


def _talk_over(*, early: ChannelFrame) -> list[Episode]:
    """Each 4 s cycle the caller talks `CALLER_FRAMES` over music, their first `LATE_FRAMES` heard as `early`; the
    agent talks 1.5 s from 1.0 s into the caller's words."""
    caller = [early] * LATE_FRAMES + [VOICE] * (CALLER_FRAMES - LATE_FRAMES) + [MUSIC] * (CYCLE - CALLER_FRAMES)
    agent = [QUIET] * AGENT_START_FRAMES + [AGENT[i // 10 % 2] for i in range(150)] + \
        [QUIET] * (CYCLE - 150 - AGENT_START_FRAMES)
    return talk_over_cycles(agent, caller, music_prob=0.9, cycles=CYCLES)  # the model hears the music under the voice


def test_a_run_started_over_music_is_dated_back_through_its_lead_frames_within_limits() -> None:
    def start(*, masked: bool, lead: range, heard_from: int) -> int | None:
        run = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
        run.masked = masked
        for frame in range(heard_from + 10):
            run.lead(frame, frame in lead)
            run.step(frame, frame >= heard_from)
        return run.start

    assert start(masked=True, lead=range(200, 260), heard_from=260) == 200
    assert start(masked=False, lead=range(200, 260), heard_from=260) == 260  # no music: the model is not late
    assert start(masked=True, lead=range(100, 260), heard_from=260) == 260 - TURN_AGE_FRAMES  # at most this far
    gap = LEAD_GAP_FRAMES + 1
    assert start(masked=True, lead=range(200, 240), heard_from=240 + gap) == 240 + gap  # a longer gap: not its lead


def test_cutting_in_a_second_into_words_the_model_heard_late_over_music_is_talk_over() -> None:
    episodes = _talk_over(early=EARLY)
    assert len(episodes) >= CYCLES - 1  # every cycle but perhaps the first (the bed is learned in the first pauses)
    assert all(round(e.start_s % 4.0, 1) == AGENT_START_FRAMES / 100 for e in episodes)


def test_the_bed_itself_dates_no_turn_back() -> None:
    """The same, but the caller's first 0.5 s is the music alone: the turn is 0.5 s old at the agent's start."""
    assert [e for e in _talk_over(early=MUSIC) if e.start_s >= 4.0] == []  # the bed is learned
