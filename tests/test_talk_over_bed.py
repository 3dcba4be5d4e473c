"""Music on the caller's line is not the caller (detector/turns.py RoomTail's floor, fed foreground.MusicBed's
voice_floor_dbfs): once their voice has fallen back into the bed, the bed's own swells that the model hears as speech
neither keep them talking nor have them heard again, so a polite answer is no cut-in; a cut-in while they go on
over the bed still is. A frame the model half hears as speech (0.3) over music is the caller, over talkers it is not
(foreground.MusicBed.voice_under)."""

from __future__ import annotations

import math

import numpy as np

from calmcue.detector.foreground import MusicBed
from calmcue.detector.turns import TURN_BRIDGE_FRAMES, RoomTail, SpeechRun, TalkOverTracker

BED_DBFS = -60.0
FLOOR_DBFS = BED_DBFS + 10.0  # MusicBed.voice_floor_dbfs: LEAD_MARGIN_DB over the bed's median
WORDS_END = 200  # the caller speaks frames 0-199
HEARD_MUSIC_END = 280  # the model goes on hearing speech in the bed this long after their last word


def line_levels(n_frames: int, *, speak_until: int) -> np.ndarray:
    """Syllables at 5 per second 25-37 dB over the bed, then the bed alone swelling 8 dB every 150 ms."""
    frames = np.arange(n_frames)
    voice = -25.0 - 12.0 * ((frames % 20) / 20.0)
    bed = BED_DBFS - 4.0 + 8.0 * ((frames % 15) / 15.0)
    return np.where(frames < speak_until, voice, bed)


def talk_over(agent_frames: range, *, levels: np.ndarray, heard_until: int, floor_dbfs: float) -> list[bool]:
    """TalkOverTracker: the caller's run counted through `heard_until`; the transitions' `started`, in order."""
    tracker = TalkOverTracker(turn_min_frames=80, agent_min_frames=60)
    agent, customer = SpeechRun(), SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
    started = []
    for frame, level in enumerate(levels):
        customer.step(frame, frame < heard_until)
        onset = agent.step(frame, frame in agent_frames)
        transition = tracker.step(frame, agent_onset=onset, agent=agent, customer=customer,
                                  caller_level_dbfs=float(level), caller_floor_dbfs=floor_dbfs)
        started += [transition.started] if transition is not None else []
    return started


def test_an_answer_while_the_model_hears_the_bed_as_speech_is_no_cut_in() -> None:
    levels = line_levels(500, speak_until=WORDS_END)
    answer = range(WORDS_END + 30, WORDS_END + 130)  # 0.3 s after the last word
    assert talk_over(answer, levels=levels, heard_until=HEARD_MUSIC_END, floor_dbfs=-math.inf)[:1] == [True], \
        "without the floor the bed's swells read as the caller's syllables"
    assert talk_over(answer, levels=levels, heard_until=HEARD_MUSIC_END, floor_dbfs=FLOOR_DBFS) == []


def test_a_cut_in_while_the_caller_goes_on_over_the_bed_is_talk_over() -> None:
    levels = line_levels(500, speak_until=300)
    cut_in = range(150, 250)  # 1.5 s into their turn; they go on for another 1.5 s
    assert talk_over(cut_in, levels=levels, heard_until=300, floor_dbfs=FLOOR_DBFS)[:1] == [True]


def test_a_swell_of_the_bed_is_no_onset_but_a_syllable_over_it_is() -> None:
    tail = RoomTail()
    assert not tail.step(-25.0, FLOOR_DBFS)
    reads = [tail.step(level, FLOOR_DBFS) for level in (-45.0, -58.0, -64.0, -56.0, -52.0)]
    assert reads[1:] == [True] * 4  # fallen 15 dB under the vowel; rising 12 dB within the bed changes nothing
    assert not tail.step(-40.0, FLOOR_DBFS)  # a syllable 20 dB over the bed: the caller again


def _bed_after(speech_share: float, frames: int = 8000) -> MusicBed:
    """A pitched music bed whose own frames the model gives 0.35 speech in `speech_share` of them, else 0.02."""
    rng = np.random.default_rng(3)
    bed = MusicBed()
    for _ in range(frames):
        prob = 0.35 if rng.uniform() < speech_share else 0.02
        bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=float(rng.uniform(-63.0, -57.0)),
                        voiced=True, speech_prob=prob)
    return bed


def test_a_voice_the_model_half_hears_over_music_counts_but_not_over_talkers() -> None:
    """Music's own frames reach 0.3 in 2-9 % of them (music10, musicline), talkers' in 28-62 % (babble10)."""
    for share in (0.02, 0.08):
        assert _bed_after(share).voice_under(0.35), share
    assert not _bed_after(0.3).voice_under(0.35)
    assert not _bed_after(0.02).voice_under(0.2)  # under BED_SPEECH_PROB: the music's own belief
