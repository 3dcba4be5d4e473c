"""Foreground speech for talk-over: a speaker's own voice, not the talkers (`Foreground`) or the music (`MusicBed`)
behind them heard as speech.

In an open-plan room the activity model hears the other agents behind a headset wearer as speech, on the mic and
on the caller's line alike. For talk-over that made the agent "speak" through the caller's turns (a real cut-in
found the agent already talking: no onset) and kept the caller's turn going after they stopped (a polite answer
read as a cut-in): on the detection benchmark's babble10 row (six talkers 10 dB under each calm voice) cut-ins
were caught 65.5 % and polite answers flagged 41.9 %.

Two facts separate the room from the speaker, both relative to the channel itself (so a gain change, a gain step
or a line level moves nothing):
- cross-talk: a channel with talkers behind its speaker is heard as speech through most of the other speaker's
  turns; a quiet room or steady noise is not (the rare overlaps of real conversation stay far under
  `CROSS_ENTER`). Only such a channel is gated; elsewhere every frame heard as speech counts, as before.
- level: the background is steady and under the voice, so it fills the bottom of the channel's own distribution
  of speech-frame levels; a frame counts as the speaker when it stands `MARGIN_DB` over that distribution's
  `REFERENCE_QUANTILE` (the last `REFERENCE_FRAMES` speech frames). A raise only passes more easily.
- a syllable, not a frame (issue 13 item 5): with that gate alone babble10 still flagged 9.7 % of polite answers
  (cut-ins 93.8 %). Traced frame by frame (one session per actor, 21 flags), a frame of the room 6-9 dB over its
  usual level - six talkers' loudest syllables; 9-10 % of the room's frames heard as speech, bursts of a few frames -
  had kept a finished caller's turn going past their last word (11 flags: the caller's last counted frame 0.2-2.2 s
  after it, several on hold, where the turn ran live on the model's speech with no gate at all), started the agent's
  run 0.1-0.8 s before their first word while the caller was still talking (5), or both (5). The room's energy over
  a syllable's length is steady where one frame's is not: the power mean of the last `SYLLABLE_FRAMES` frames over
  the room passes 0.5-0.9 % of the room's frames for 84 % of the speakers' own at 8 dB, against 9-10 % for the
  frame at 6 dB (actors 1-3). So a frame starts or brings back the speaker only when that mean too stands
  `SYLLABLE_MARGIN_DB` over the room; for `PRESENT_FRAMES` after such a frame (a run's bridge) the speaker's
  softer frames count on the frame test alone, so a sentence is not cut at every soft syllable (without that hold
  cut-ins on actors 4-6 fell to 83.9 %). The caller's turn on hold runs live through the same gate (`live`).
  Figures: benchmarks/results/detection_babble11.txt.

The caller's raised-voice track reads the same decision: on babble10 the talkers behind a calm caller, voiced and
heard as speech in every pause, went into the caller's learned calm voice (its 80th-percentile level 3.3 dB under
the clean line's, its pitch 1.7 semitones lower), so calm turns read 5-7 dB over it and 14.2 % of the caller's calm
clips were flagged (0.8 % with the gate; goal rows unchanged to the clip). The agent's track keeps every frame
(the mic's gain-step and re-basing logic learn from its pauses and calm voice).

Tried and dropped (detection_replay.py --no-mono, normal): the level over the extractor's noise floor, >= 14 or
16 dB, gated always (babble10 cut-ins 82.3 / 79.6 %, polite 7.4 / 2.8 %) cost noise10 cut-ins 95.6 -> 61.9 /
47.8 % (speech 10 dB over pink noise stands a median 16 dB over the floor; the babble alone 8 dB); the level over
the speech frames' 10 % quantile gated always cost clean 98.2 -> 92.0 % and noise10 -> 77.9 %. For the syllable
rule (babble10, actors 1-3, cut-ins / polite; main 94.7 / 8.3 %): the frame test alone at 6 dB with the syllable
test at 5 / 6 / 7 dB, 93.0 / 4.6, 93.0 / 3.7, 91.2 / 1.9 % (mean over 8 or 20 frames: no better); the speaker's
presence held 30 or 50 frames, polite 4.6 % or 8.3 %; held from any counted frame instead of the last syllable
(one loud frame of the room after another chains a finished turn on: same babble10 figures, but on a made room
heard as speech in every frame, tests/test_talk_over_room.py, answers 0.3-0.4 s after the caller were flagged);
on hold the frame test alone, cut-ins one clip more (91.2 %, all actors) - the same gate on and off hold was kept.
"""

from __future__ import annotations

import math
from collections import deque

from calmcue.detector.quantile import RunningQuantile
from calmcue.features.activity import SPEECH_PROB
from calmcue.features.extractor import ChannelFrame

REFERENCE_FRAMES = 1000  # the last 10 s of the channel's speech frames
REFERENCE_QUANTILE = 0.1
MARGIN_DB = 6.0
# the share of the other speaker's speech frames in which this channel is heard as speech too: a running mean
# (about 5 s of the other's speech); the gate comes on over CROSS_ENTER and goes off under CROSS_EXIT
CROSS_RATE = 0.002
CROSS_ENTER, CROSS_EXIT = 0.42, 0.27
WARM_FRAMES = 100  # the first second of speech always counts (no distribution yet)
SYLLABLE_FRAMES = 12  # a syllable's length: the speaker's energy over it, not one frame's, must stand over the room
SYLLABLE_MARGIN_DB = 7.0
PRESENT_FRAMES = 20  # a speaker heard in the last 200 ms (a run's bridge, turns.BRIDGE_FRAMES) is still talking


class _VoiceGate:
    """The level test of `Foreground`: a frame is the speaker's when it stands `MARGIN_DB` over the room and, unless
    the speaker was counted in the last `PRESENT_FRAMES`, the power mean of the last `SYLLABLE_FRAMES` frames stands
    `SYLLABLE_MARGIN_DB` over it (the speaker starts or comes back with a syllable, not one loud frame of the room)."""

    def __init__(self) -> None:
        self._powers: deque[float] = deque(maxlen=SYLLABLE_FRAMES)  # every frame's power, heard or not
        self._since_syllable = 10**9  # frames since the last frame counted for its syllable
        self.last_frame = -1

    def step(self, *, heard: bool, level_dbfs: float, reference_dbfs: float) -> bool:
        """One frame; `reference_dbfs`: the room's level (NaN: no gate, every frame heard counts)."""
        self._powers.append(10.0 ** (level_dbfs / 10.0))
        self._since_syllable += 1
        return heard and self._over(level_dbfs, reference_dbfs)

    def follow(self, other: _VoiceGate) -> None:
        """Goes on from where `other` is (its last frames and when it last counted the speaker)."""
        self._powers = deque(other._powers, maxlen=SYLLABLE_FRAMES)
        self._since_syllable = other._since_syllable

    def _over(self, level_dbfs: float, reference_dbfs: float) -> bool:
        if math.isnan(reference_dbfs):
            return True
        if level_dbfs < reference_dbfs + MARGIN_DB:
            return False
        if 10.0 * math.log10(sum(self._powers) / len(self._powers)) >= reference_dbfs + SYLLABLE_MARGIN_DB:
            self._since_syllable = 0
            return True
        return self._since_syllable <= PRESENT_FRAMES


class Foreground:
    """One channel: whether a frame heard as speech is its own speaker (for the talk-over runs; on the call channel
    also for the caller's raised-voice track)."""

    def __init__(self) -> None:
        self._reference = RunningQuantile(REFERENCE_FRAMES, quantile=REFERENCE_QUANTILE)
        self.cross_share = 0.0
        self.active = False  # the channel hears talkers behind its speaker: the level gate is on
        self._gate, self._live = _VoiceGate(), _VoiceGate()

    def step(self, *, heard: bool, level_dbfs: float, other_heard: bool) -> bool:
        """One frame: `heard`, this channel heard as speech; `other_heard`, the other channel heard as speech."""
        if other_heard:
            self.cross_share += CROSS_RATE * (float(heard) - self.cross_share)
            self.active = self.cross_share >= (CROSS_EXIT if self.active else CROSS_ENTER)
        reference = self._reference.push(level_dbfs) if heard else math.nan
        return self._gate.step(heard=heard, level_dbfs=level_dbfs, reference_dbfs=self._room(reference))

    def live(self, frame: int, *, heard: bool, level_dbfs: float) -> bool:
        """`step`'s decision for a frame that reaches `step` only later (the caller's turn on hold runs live while
        their frames wait a second for the raised-voice track: detector/hold.py); the room's level is read as it
        is, nothing is learned from the frame."""
        if frame != self._live.last_frame + 1:  # a new stretch: it goes on from the frames `step` had
            self._live.follow(self._gate)
        self._live.last_frame = frame
        room = self._room(self._reference.value() if len(self._reference) else math.nan)
        return self._live.step(heard=heard, level_dbfs=level_dbfs, reference_dbfs=room)

    def _room(self, reference_dbfs: float) -> float:
        """The room's level when the gate is on, else NaN."""
        if not self.active or len(self._reference) < WARM_FRAMES:
            return math.nan
        return reference_dbfs


# A channel has a music bed when the activity model hears music in most of the frames it hears no speech in: a
# running share over those frames (about 2 s of them), on over BED_ENTER, off under BED_EXIT. Speech over a quiet
# room or steady noise never comes near it (clean pauses: 0 % music; the model's music in clean word frames does
# not count, those frames are speech).
MUSIC_PROB = 0.5
BED_RATE = 0.005
BED_ENTER, BED_EXIT = 0.5, 0.3
BED_FRAMES = 500  # the bed's level: the median level of the last 5 s of its frames (music, no speech)
BED_MARGIN_DB = 20.0  # a voiced frame this far over it is the speaker, whatever the model says
# A voiced frame this far over it may be the speaker's voice before the model hears it: it can only date back a turn
# the model starts (turns.SpeechRun.lead). On music10 (actors 1-3) 6 % of the bed's own voiced frames stand this far
# over its median, 26 % of the caller's voiced frames the model missed
LEAD_MARGIN_DB = 10.0
# A bed is pitched (music: periodic) when its own frames, those at or under its median level (no voice stands there),
# are voiced in at least PITCHED_SHARE of them: a running share (about 5 s of such frames); a bed starts pitched.
PITCHED_RATE = 0.002
PITCHED_SHARE = 0.02
# The model gives music's own frames almost no speech probability and a voice over it some, less than over a quiet
# line (the music takes the rest of its belief): over a pitched bed whose own frames reach BED_SPEECH_PROB in under
# BED_SPEECH_SHARE of them (a running share read as `voiced_share` is), a frame that reaches it is the speaker
# (MusicBed.voice_under). Babble is speech to the model in more of its frames, so a bed of talkers never passes.
# The share sits over every music bed's own and far under talkers': after the first 60 s while the bed masks
# (music13; per session, actors 1-6, median / max) music10 and musicline 1.8-2.9 / 6.8-9.0 %, babble10 28-39 /
# 40-62 %. At 5 % (talk13) the rule went off in a music piece's busier passages (a caller lost at 5.9 %, music10
# actor 5 at 56.9 s); 10 % had flagged one more polite answer on music10 and on musicline (actors 1-3), which the
# music floor (voice_floor_dbfs) now stops. Figures: benchmarks/results/detection_music13.txt.
BED_SPEECH_PROB = 0.3
BED_SPEECH_SHARE = 0.1


class MusicBed:
    """One channel: music playing behind its speaker (a radio in the agent's room, a shop or TV behind the caller).

    The detector hears speech where the activity model does or where a frame is voiced (the model misses strained,
    shouted speech, heard_speech); but music is voiced too, so over a music bed the speaker "talked" through
    every pause: on the detection benchmark's music10 row (unseen music 10 dB under each calm voice) polite answers
    were flagged as talk-over 31.3 % (musicline, music behind the caller only: 36.4 %). Over a music bed a frame
    counts for whose turn it is when the model hears speech in it, or when it is voiced and stands `BED_MARGIN_DB`
    over the bed's median level (the model is slow to hear a voice start over music; its loudest vowels cannot be
    the bed). On the talk-over rows (music10, musicline, babble10, sfx10; cut-ins caught / polite flagged): model
    speech only 80.5/1.8, 81.4/2.3, 89.4/9.7, 87.6/0.9; with the 20 dB rule 82.3/1.8, 83.2/2.8, 93.8/9.7, 87.6/0.9.
    The margin was read off a flat stretch, measured with the rule applied on hold too (which
    tests/test_model_hold.py refused: detector/hold.py): 12 dB 85.0/5.1, 87.6/4.6, 93.8/9.2, 89.4/0.9; 15 and 18 dB
    85.0/2.8, 87.6/3.2, 93.8/9.2-9.7, 89.4/0.9; 24 dB 84.1/1.8, 85.8/2.3, 93.8/9.7, 88.5/0.9.
    Babble reads as music to the model (97 % of its frames), so a channel with talkers behind it has a bed too.

    Not every bed is music (issue 13 item 5): household and street sounds on the caller's line (wind, running
    water, a bicycle, footsteps: the detection benchmark's sfx10 row) read as music to the model in most of their
    frames, and over them it takes the caller's calm voice for speech late or not at all (voiced frames only), so
    with the 20 dB rule a cut-in a second into the caller's turn found the turn too young (under the 0.8 s minimum)
    or no caller: 7 of sfx10's 11 missed cut-ins (traced frame by frame; the other 4 are missed on noise10 too).
    What separates them from music is periodicity: a bed's own frames (those at or under its median level, where
    no voice stands) are voiced in 20-60 % of them for the benchmark's music pieces and in at most 1-2 % for these
    sounds (the pitch tracker's chance voicing on noise). A bed whose own frames are voiced in under
    `PITCHED_SHARE` of them (a running share over about 5 s of them, `PITCHED_RATE`; a bed starts pitched) is
    `pitched` no more: a voiced frame over it counts for the turn as off a bed, and it puts no call on hold
    (detector.py). The rate was read slow enough that a music piece's quiet passages do not pass: at 0.01 and
    10 %, two pieces on the line were unpitched in 19 and 45 % of their time and music10/musicline polite answers
    flagged 2.3/2.8 -> 6.9/8.3 %, music10's agent raised clips caught 92.8 -> 86.9 %. The mic's bed reads it too (the
    agent's onsets were heard on time in every traced miss; at these values no row moved by it). The same rule
    keeps such a line off hold, whose held-back frames had cost the caller's raised voice over these sounds.
    Figures: benchmarks/results/detection_sfx11.txt.
    The raised-voice tracks keep every voiced frame: their quantiles read past music under the voice, and a shout
    the model misses is what they are for (without them the agent's raised clips over music were caught 73.9 %
    instead of 92.8 %).
    """

    def __init__(self) -> None:
        self.share = 0.0
        self.active = False
        self.voiced_share = 1.0  # of the bed's own frames (at or under its median level)
        self.speech_share = 1.0  # of the same frames, those reaching BED_SPEECH_PROB (a bed starts as if all did)
        self._levels = RunningQuantile(BED_FRAMES)

    @property
    def masks_voice(self) -> bool:
        """Music plays behind the speaker: the activity model loses their softer words under it (turns.SpeechRun)."""
        return self.active and self.pitched

    @property
    def pitched(self) -> bool:
        """The bed is periodic, as music is: a voiced frame over it may be the bed (else it is a voice)."""
        return self.voiced_share >= PITCHED_SHARE

    def turn_speech(self, *, heard: bool, model_speech: bool, music: bool, level_dbfs: float,
                    voiced: bool = True, speech_prob: float = 1.0) -> bool:
        """One frame (call it for every frame): whether `heard` speech counts for turn-taking; `voiced`: the
        frame is periodic (the pitch tracker's decision; left True, the bed stays pitched); `speech_prob`: the
        model's (left 1.0, `voice_under` stays off)."""
        if not model_speech:
            self.share += BED_RATE * (float(music) - self.share)
            self.active = self.share >= (BED_EXIT if self.active else BED_ENTER)
            if music:  # the level is read over an active bed (and on hold): while none is on, no sorting
                if self.active:
                    if level_dbfs <= self._levels.value():  # NaN (no level yet): not read
                        self.voiced_share += PITCHED_RATE * (float(voiced) - self.voiced_share)
                        self.speech_share += PITCHED_RATE * (float(speech_prob >= BED_SPEECH_PROB) - self.speech_share)
                    self._levels.add(level_dbfs)
                else:
                    self._levels.defer(level_dbfs)
        if model_speech or not self.masks_voice:
            return heard
        return heard and self.over(level_dbfs, margin_db=BED_MARGIN_DB)

    def voice_lead(self, frame: ChannelFrame) -> bool:
        """A voiced frame `LEAD_MARGIN_DB` over the bed: perhaps the speaker, not yet heard by the model."""
        return frame.voiced and self.over(frame.level_dbfs, margin_db=LEAD_MARGIN_DB)

    def voice_floor_dbfs(self) -> float:
        """Where a voice over the bed starts: `LEAD_MARGIN_DB` over its median (-inf while no bed masks a voice or
        no level is known). The bed's own swells stay under it in 94 % of its voiced frames (music10, see above)."""
        floor = self._levels.value() + LEAD_MARGIN_DB if self.masks_voice else math.nan
        return -math.inf if math.isnan(floor) else floor

    def voice_under(self, speech_prob: float) -> bool:
        """A frame the model gives `BED_SPEECH_PROB` over a music bed it almost never gives that: the speaker."""
        return self.masks_voice and self.speech_share < BED_SPEECH_SHARE and speech_prob >= BED_SPEECH_PROB

    def over(self, level_dbfs: float, *, margin_db: float) -> bool:
        """The frame stands `margin_db` over the bed's median level (False while no level is known)."""
        return level_dbfs >= self._levels.value() + margin_db


def heard_speech(frame: ChannelFrame) -> bool:
    """Speech for the detector: the activity decision says so, or the frame is voiced (periodic, above the floor).

    The learned model's speech decision misses much of the loudest, most strained speech (shouting is not what it
    learned as speech), which is exactly the speech the raised-voice cues are for; the classic voicing decision
    (periodicity over the noise floor) keeps it. Hold music, the one periodic sound that is not a voice, is
    handled by the hold state.
    """
    return frame.speech_prob >= SPEECH_PROB or frame.voiced
