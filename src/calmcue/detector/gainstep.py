"""A gain step: everything the mic hears jumps in level at once - the room's noise and the calm voice alike.

Turning the mic gain up (a knob, the mixer, an automatic gain stage) moves the whole signal by the same number
of dB from one moment to the next: the level of the pauses (the room and the mic's own noise) and the calm
voice, whose pitch and spectral tilt do not move. A raised voice moves the voice's level, pitch and tilt, never
the pauses. On the development speech, voicing whose pitch and tilt read calm is common inside raised sentences,
so the voice alone cannot tell a step from a raise (judged by calm-sounding voicing only, a third of the agent's
raised clips went unseen); the pauses raise the question and the calm voice answers it:

- the pauses' floor (the 10th percentile of the levels of frames at least 200 ms from speech) over the last
  0.5 s sits `PAUSE_STEP_DB` or more away from that of the 3 s of pauses before: a candidate step;
- calm-sounding voicing (rebase.calm_sounding) that follows confirms it when the median of its short-term level's
  move from the calm voice's own (the same statistic, from the calibration on) over `CONFIRM_FRAMES` of it is
  the pauses' jump less at most `AGREE_DB` or more by at most `AGREE_BEYOND_DB` (raised sentences whose pitch and
  tilt read calm lift that median); the level baseline then moves at once by the smaller of the two jumps (an
  overshoot would hide the next raise; the slow re-basing corrects an undershoot). A median still under half the
  jump drops the candidate (a fan or a neighbour raised the room's level; the voice stayed put). One frame
  decides nothing: a soft calm sentence after a step once dropped it, a loud one stalled it, for 10-30 s.
- a step down is the mirror of a step up only in part. Raised sentences that read calm lift that median the
  same way, towards no move at all: after a 12 dB step down its first 0.2 s read 3-5 dB down in two dev sessions, so
  the median of `DROP_DOWN_FRAMES` of it (not of `CONFIRM_FRAMES`) drops the candidate, and the baseline moves
  by the pauses' jump (they fall towards the mic's own noise and may reach the device's floor, so they read at
  most the step).
- speech after a step often starts raised (no calm-sounding voicing for 5-20 s on the development speech): every
  voiced frame's move less the level its pitch and tilt explain (a raised voice is louder by about 1.2 dB per
  semitone and 1.5 dB per dB of tilt) also goes into a median of `EFFORT_CONFIRM_FRAMES`; near a jump of
  `EFFORT_MIN_JUMP_DB` or more it confirms the step (the move is then the pauses' jump). A raise in a room that
  got louder reads near 0 there, a gain step near the jump.
- while a candidate waits, the pauses raise no new one as long as its own jump stands (a new one lost the floor
  from before the jump), and the floor after the jump is the lowest it has read since: the breaths and echoes of
  raised sentences fill later pauses and lift their floor 2-3 dB, which made the move overshoot the step. A
  candidate whose floor came back (a door, a cough in a pause while the agent listened) gives way to the next
  jump: kept, it read a real step seconds later as no jump at all. Dropped, it gives the floor from before it
  back: the pauses since were too few to compare with, and by the time there were enough of them, a step taken
  meanwhile was all of them (a -12 dB step 3 s after a cough was found only by the slow re-basing, 18 s later).

A line that levels the voice (an automatic gain control: a headset's or the OS's "voice leveller") moves the gain
too, but it answers the voice: the gain falls while the voice is raised and comes back over the calm seconds after
it. A real step (a knob, a boom moved) comes with a calm voice and stays. So:
- when the track reads the voice raised, the pauses' floor at that moment is kept (the floor at this gain, before
  the line answers), until the pauses are back within `RETURNED_DB` of it or a step moves the baseline;
- a fall of the pauses' floor within `ANSWER_FRAMES` of a raised voice is the line answering, not a candidate (a
  candidate waiting meanwhile goes too: the pauses it jumped to fell with the voice): the pauses since then
  become the reference, and the floor from before the fall is kept;
- a candidate whose jump turns the other way while it waits was no step (a step stays);
- while a floor is kept, a rise of the pauses that does not climb `PAUSE_STEP_DB` beyond it is the line giving
  the gain back, not a candidate either; the slow re-basing takes no fall of the calm voice then (`line_dipped`),
  and the judge reads the level with what the dip took (`line_taken_db`: the kept floor over the pauses' floor now).
On the `agc` stress row the gain-step logic read such falls and returns as steps, both ways, up to nine times a
session (calm clips then read +17..+30 dB over a baseline moved down); on the gain-step rows every step came 4.7 s
or more after a raise, and nearly every fall read on `agc` within 1.5 s of one.

A boom moved nearer the mouth raises the voice but not the room, and a mic that gates its pauses to digital
silence gives no pause level: the slow re-basing (rebase.py) stays the fallback for both and for gradual changes.
Clipping is not looked at: a clipped voice reads quieter than it is, and its flattened tilt seldom sounds calm.
"""

from __future__ import annotations

import math
from collections import deque

from calmcue.detector.quantile import RunningQuantile

PAUSE_STEP_DB = 6.0  # the pauses' floor moved this much: the gain may have (steady room noise varies 1-2 dB)
PAUSE_QUANTILE = 0.1  # the room's floor: other sounds in a pause (a breath, a neighbour) only add to it
PAUSE_NEW_FRAMES = 50  # the pauses' floor now: over the last 0.5 s of pause frames
PAUSE_AFTER_MIN_FRAMES = 100  # the pauses' new level is read from 1 s of them at least
PAUSE_REFERENCE_FRAMES = 300  # ...against that of the 3 s of pauses before those
VOICE_REFERENCE_FRAMES = 500  # the calm voice: the median short-term level of the last 5 s of calm-sounding voicing
VOICE_REFERENCE_MIN_FRAMES = 100  # ...known once 1 s of it was heard
AGREE_DB = 4.0  # the calm voice moved by the pauses' jump give or take this much (calm speech varies a few dB)...
AGREE_BEYOND_DB = 8.0  # ...or up to this much beyond it: speech after a step holds raised sentences whose pitch and
# tilt read calm, which lift the calm-sounding voice's median (4-6 dB beyond a 12 dB step for some speakers); the
# baseline moves by the pauses' jump then, never by more
LEVEL_PER_PITCH_DB_PER_ST = 1.2  # how much louder a voice with more effort is: on the development speech, the level
LEVEL_PER_TILT_DB_PER_DB = 1.5  # over the calm voice rises about this much per semitone of pitch and per dB of tilt
# flattening (residual spread about 4.5 dB per clip; rebase.py)
EFFORT_CONFIRM_FRAMES = 50  # the median of 0.5 s of any voicing, less the level its effort explains...
EFFORT_AGREE_DB = 4.0  # ...within this of the pauses' jump confirms a step (the residual spread of that estimate)
EFFORT_MIN_JUMP_DB = 9.0  # ...of this size at least: breaths and echoes of raised sentences lift the pauses' floor
# 6-8 dB now and then, and raised speech whose tilt and pitch rise little once confirmed such a jump (a 7 dB move
# on top of a 12 dB step, then calm clips flagged); smaller steps wait for the calm-sounding voice
CONFIRM_FRAMES = 20  # the median move of 0.2 s of calm-sounding voicing confirms a step, or drops it
DROP_DOWN_FRAMES = 100  # ...after a step down, the median of 1 s of it drops a candidate
EXPIRE_FRAMES = 1000  # a candidate the voice has not confirmed within 10 s of voicing is dropped
ANSWER_FRAMES = 300  # a fall of the pauses within 3 s of a raised voice is a leveller answering it (falls read on
# the agc row came 0-1.5 s after the raise; a sentence's end, 200 ms to the first pause frame and 0.5 s of them)
RETURNED_DB = 3.0  # the pauses are back within this of the floor before the fall: the line gave the gain back


def effort_level_db(*, pitch_over_st: float, tilt_over_db: float) -> float:
    """The level rise (dB) that a voice's pitch and tilt over the calm voice's explain: the part of a level change
    that is effort; what is left of it is the gain."""
    return LEVEL_PER_PITCH_DB_PER_ST * pitch_over_st + LEVEL_PER_TILT_DB_PER_DB * tilt_over_db


def _under_half(moved_db: float, *, jump_db: float) -> bool:
    """The voice moved under half the pauses' jump (or not at all, the pauses having come back), or the other way."""
    return abs(moved_db) <= 0.5 * abs(jump_db) or moved_db * jump_db < 0


class GainStep:
    """The level of the pauses and of the calm voice at the current gain, and a candidate jump of both."""

    def __init__(self) -> None:
        self._pause_new: deque[float] = deque(maxlen=PAUSE_NEW_FRAMES)
        self._pause_now = RunningQuantile(PAUSE_NEW_FRAMES, quantile=PAUSE_QUANTILE)
        self._pause_reference = RunningQuantile(PAUSE_REFERENCE_FRAMES, quantile=PAUSE_QUANTILE)
        self._pause_after = RunningQuantile(PAUSE_REFERENCE_FRAMES, quantile=PAUSE_QUANTILE)  # since a jump
        self._voice = RunningQuantile(VOICE_REFERENCE_FRAMES)
        self._confirm = RunningQuantile(CONFIRM_FRAMES)
        self._confirm_any = RunningQuantile(EFFORT_CONFIRM_FRAMES)
        self._settle = RunningQuantile(DROP_DOWN_FRAMES)
        self._pause_held: list[float] = []  # the pauses' reference before the waiting candidate's jump
        self._pause_before = math.nan  # the pauses' floor before a jump
        self._pause_after_low = math.inf  # the lowest the pauses' floor read since the jump
        self.pending = False  # the pauses jumped: a step awaits the calm voice's confirmation
        self._voiced_since = 0
        self._since_raise = ANSWER_FRAMES + 1  # frames since the track last read the voice raised
        self._answer_floor = math.nan  # the pauses' floor before a fall that answered a raise (a leveller's dip)
        self._jump_sign = 1.0  # the waiting candidate's jump: up (1) or down (-1)
        self.steps = 0  # how many steps moved the baseline

    @property
    def line_dipped(self) -> bool:
        """A leveller took the gain down after a raise and has not given it all back (the floor from before is kept)."""
        return not math.isnan(self._answer_floor)

    @property
    def line_taken_db(self) -> float:
        """How many dB a leveller's dip has taken off the line now (the pauses' floor under the one kept from before
        the fall; 0.0 when nothing was taken): the level of a voice read at this gain is that much lower."""
        if not self.line_dipped or not self._pause_now:
            return 0.0
        return max(0.0, self._answer_floor - self._pause_now.value())

    def hop(self, *, raised: bool) -> None:
        """Every frame: whether the track read the voice raised (a leveller's falls answer that)."""
        self._since_raise = 0 if raised else self._since_raise + 1
        if raised and not self.line_dipped and not self.pending and \
                len(self._pause_reference) >= PAUSE_REFERENCE_FRAMES:
            self._answer_floor = self._pause_reference.value()  # the floor at this gain, before the line answers

    @property
    def voice_reference_dbfs(self) -> float:
        return self._voice.value() if len(self._voice) >= VOICE_REFERENCE_MIN_FRAMES else math.nan

    def pause(self, level_dbfs: float) -> None:
        """A frame well inside a pause (not digital silence): the level of the room and the mic's own noise."""
        pause_new, pause_after = self._pause_new, self._pause_after  # (called on every pause frame: `add` or
        if len(pause_new) == PAUSE_NEW_FRAMES:                          # `defer`, and a quantile where it is read)
            self._pause_reference.add(pause_new[0])
        pause_new.append(level_dbfs)
        pause_after.defer(level_dbfs)  # read only while a candidate waits: sorted then (quantile.RunningQuantile)
        if self.pending and len(pause_after) >= PAUSE_AFTER_MIN_FRAMES:
            self._pause_after_low = min(self._pause_after_low, pause_after.value())
            if self.pause_jump_db * self._jump_sign < 0:
                self._turned()
        self._pause_now.add(level_dbfs)
        if len(pause_new) < PAUSE_NEW_FRAMES:
            return
        if self.line_dipped and self._pause_now.value() >= self._answer_floor - RETURNED_DB:
            self._answer_floor = math.nan  # the line gave the gain back
        if len(self._pause_reference) < PAUSE_REFERENCE_FRAMES:
            return  # (the reference is emptied at a jump: a candidate keeps the floor from before it meanwhile)
        now = self._pause_now.value()
        before = self._pause_reference.value()
        if abs(now - before) < PAUSE_STEP_DB or (self.pending and self._jump_stands()):
            return
        if self._answers(now_dbfs=now, before_dbfs=before):
            self._rebase_pauses()
        else:
            self._candidate(before_dbfs=before)

    def _answers(self, *, now_dbfs: float, before_dbfs: float) -> bool:
        """The pauses' move is the line answering the voice: a fall soon after a raise (the floor before it is
        kept), or a rise that does not climb a step beyond the floor kept from before such a fall."""
        if now_dbfs < before_dbfs:
            if self._since_raise > ANSWER_FRAMES:
                return False
            self.pending = False  # (a candidate waiting meanwhile: the pauses it jumped to fell with the voice)
            self._answer_floor = before_dbfs if not self.line_dipped else max(self._answer_floor, before_dbfs)
            return True
        return self.line_dipped and now_dbfs - self._answer_floor < PAUSE_STEP_DB

    def _turned(self) -> None:
        """The waiting candidate's jump turned the other way: a step stays, so it was none. A fall after a raise
        (a leveller answering it) keeps the floor from before the candidate, as a fall read outside one does."""
        self.pending = False
        if self._since_raise <= ANSWER_FRAMES:
            floor = self._pause_before
            self._answer_floor = floor if not self.line_dipped else max(self._answer_floor, floor)
        self._rebase_pauses()

    def _rebase_pauses(self) -> None:
        """The pauses since the move are the reference now (the line's gain moved; no step of the mic's)."""
        self._pause_reference.clear()
        for value in self._pause_new:
            self._pause_reference.push(value)

    def _jump_stands(self) -> bool:
        """The waiting candidate's pauses still stand `PAUSE_STEP_DB` or more from the floor before its jump."""
        return len(self._pause_after) < PAUSE_AFTER_MIN_FRAMES or abs(self.pause_jump_db) >= PAUSE_STEP_DB

    def _candidate(self, *, before_dbfs: float) -> None:
        """The pauses' floor jumped from `before_dbfs`: a step awaits the calm voice. A candidate still waiting is
        replaced (a cough or a door in the pauses of a silent stretch once held one open past the real step, and
        the floor it had kept from before it read the step as no jump at all)."""
        self._pause_before, self.pending, self._voiced_since = before_dbfs, True, 0
        self._jump_sign = 1.0 if self._pause_now.value() > before_dbfs else -1.0
        self._pause_after_low = math.inf
        self._confirm.clear()
        self._confirm_any.clear()
        self._settle.clear()
        self._pause_after.clear()
        for value in self._pause_new:
            self._pause_after.push(value)
        self._pause_held = self._pause_reference.values()  # given back if the floor comes back (_drop())
        self._pause_reference.clear()  # the pauses before the jump no longer say what the gain is

    @property
    def pause_jump_db(self) -> float:
        """How far the pauses' floor moved: the pauses since the jump against those before it.

        The floor since the jump is the lowest it has read: later pauses hold more than the room (the breaths and
        echoes of raised sentences lift it 2-3 dB on the development speech), and an overshoot would hide raises."""
        after = min(self._pause_after_low, self._pause_after.value())
        return after - self._pause_before

    def learn(self, level_dbfs: float) -> None:
        """Calibration voicing (taken as calm): the calm voice's level at the gain the baseline is learned at."""
        self._voice.push(level_dbfs)

    def voiced(self, level_dbfs: float, *, calm_sounding: bool, effort_level_db: float = math.nan) -> float:
        """One settled voiced frame's short-term level; returns the dB the gain moved (0.0: it did not).

        While a candidate waits, each calm-sounding frame's move from the calm voice's level goes into a median of
        the last `CONFIRM_FRAMES`: once that many were heard, a median near the pauses' jump confirms the step, one
        under half of it drops the candidate (one soft or loud utterance alone decides neither). Every frame's move
        less `effort_level_db` (the level its pitch and tilt over the calm voice explain: effort_level_db()) goes
        into a second median: near a jump of `EFFORT_MIN_JUMP_DB` or more it confirms the step too, so speech that
        starts raised after the step (no calm-sounding voicing for 5-20 s on the development speech) does not hold
        it up; the pauses' jump is the move then (that estimate is the coarser)."""
        if not self.pending:
            if calm_sounding:
                self._voice.push(level_dbfs)
            return 0.0
        self._voiced_since += 1
        reference = self.voice_reference_dbfs
        if self._voiced_since > EXPIRE_FRAMES or math.isnan(reference):
            self._drop()
            return 0.0
        jump_db = self.pause_jump_db
        if self._effort_confirms(level_dbfs - effort_level_db - reference, jump_db=jump_db):
            self.pending = False
            return self._move(jump_db)
        if not calm_sounding:
            return 0.0
        moved_db = self._confirm.push(level_dbfs - reference)
        if len(self._confirm) < CONFIRM_FRAMES:
            return 0.0
        if self._voice_stayed(moved_db, jump_db=jump_db):
            self._drop()  # the calm voice is still where it was: the room changed, not the gain
            for value in self._confirm.values():
                self._voice.push(value + reference)
            return 0.0
        over_db = moved_db - jump_db  # the voice moved this much more up than the pauses (raised sentences lift it)
        if not -AGREE_DB <= over_db <= AGREE_BEYOND_DB or _under_half(moved_db, jump_db=jump_db) or \
                abs(jump_db) < PAUSE_STEP_DB or len(self._pause_after) < PAUSE_AFTER_MIN_FRAMES:
            return 0.0  # neither confirms nor drops the candidate
        self.pending = False
        # up: the smaller of the two (an overshoot would hide the next raise); down: the pauses' jump, as the voice's
        # median reads high (raised sentences) and the pauses at most the step (they may reach the device's floor)
        shift_db = min(jump_db, moved_db) if jump_db > 0 else jump_db
        return self._move(shift_db) if abs(shift_db) >= PAUSE_STEP_DB else 0.0

    def _voice_stayed(self, moved_db: float, *, jump_db: float) -> bool:
        """The calm-sounding voice's median move says the gain did not move: under half the pauses' jump.

        After a step up that median reads only higher (raised sentences whose pitch and tilt read calm lift it), so
        `CONFIRM_FRAMES` of it decide. After a step down the same lift pulls it towards no move at all, and speech
        after the step is often raised: the median of `DROP_DOWN_FRAMES` decides there."""
        self._settle.push(moved_db)
        if jump_db < 0:
            if len(self._settle) < DROP_DOWN_FRAMES:
                return False
            moved_db = self._settle.value()
        return _under_half(moved_db, jump_db=jump_db)

    def _drop(self) -> None:
        """The candidate goes. One whose pauses came back to the floor from before it (a door, a cough) gives that
        floor back as the reference: the pauses since then are too few for one, and a step that came while it
        waited would have been read against pauses after it, as no jump at all."""
        self.pending = False
        if abs(self.pause_jump_db) < PAUSE_STEP_DB:
            values = (self._pause_held + self._pause_reference.values())[-PAUSE_REFERENCE_FRAMES:]
            self._pause_reference.clear()
            for value in values:
                self._pause_reference.push(value)

    def _effort_confirms(self, gain_db: float, *, jump_db: float) -> bool:
        """A voiced frame's level move less what its effort explains (`gain_db`, NaN: not known) into the second
        median; True when that median confirms the pauses' jump (voiced())."""
        if math.isnan(gain_db):
            return False
        median_db = self._confirm_any.push(gain_db)
        return len(self._confirm_any) >= EFFORT_CONFIRM_FRAMES and abs(median_db - jump_db) <= EFFORT_AGREE_DB and \
            abs(jump_db) >= EFFORT_MIN_JUMP_DB and len(self._pause_after) >= PAUSE_AFTER_MIN_FRAMES

    def _move(self, shift_db: float) -> float:
        self.shift(shift_db)
        self.steps += 1
        self._answer_floor = math.nan  # the gain stepped: the floor from before says nothing now
        return shift_db

    def gain_moved(self, shift_db: float) -> None:
        """The system moved the mic's gain by `shift_db` (the sound server said so): the pauses and the calm voice
        moved with it, so the pauses read no jump, and a candidate waiting for one is moot."""
        for pauses in (self._pause_now, self._pause_reference, self._pause_after):
            pauses.shift(shift_db)
        self._pause_new = deque((value + shift_db for value in self._pause_new), maxlen=PAUSE_NEW_FRAMES)
        self._pause_held = [value + shift_db for value in self._pause_held]
        self._pause_before += shift_db
        self._answer_floor += shift_db  # (NaN stays NaN: no leveller's dip kept)
        self.pending = False
        self.shift(shift_db)

    def shift(self, shift_db: float) -> None:
        """The baseline moved by `shift_db` (here, or by the slow re-basing): so did the calm voice's level."""
        values = self._voice.values()
        self._voice.clear()
        for value in values:
            self._voice.push(value + shift_db)
        self._confirm.clear()

    def reset(self) -> None:
        self._pause_new.clear()
        self._pause_now.clear()
        self._pause_reference.clear()
        self._pause_after.clear()
        self._voice.clear()
        self._confirm.clear()
        self._confirm_any.clear()
        self._settle.clear()
        self._pause_held = []
        self.pending = False
        self._since_raise = ANSWER_FRAMES + 1
        self._answer_floor = math.nan
