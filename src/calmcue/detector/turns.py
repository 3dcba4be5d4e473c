"""Who is talking: speech runs per speaker (bridging short gaps), the mic-leak gate for the agent, talk-over."""

from __future__ import annotations

import math

from calmcue.detector.state import Transition
from calmcue.timebase import HOP_S

BRIDGE_FRAMES = 20  # gaps up to 200 ms belong to the same run of speech
TURN_BRIDGE_FRAMES = 50  # a caller's turn goes on through pauses up to 500 ms (a breath, a missed syllable)
# Over music (a masked run: SpeechRun.masked) a run that starts again this soon after the last keeps the last one's
# start: the activity model loses a caller's softer words under music, and the turn's age is what a cut-in is judged by
TURN_AGE_FRAMES = 75
# Over music the model also hears a caller's first words late (0.3-1.0 s into their turn, traced on music10 and
# musicline), while their voiced syllables already stand over the bed: a run the model starts over music is dated
# back through such lead frames (SpeechRun.lead) with gaps up to LEAD_GAP_FRAMES (an unvoiced consonant, a short
# breath), at most TURN_AGE_FRAMES back
LEAD_GAP_FRAMES = 30
STILL_TALKING_FRAMES = 15  # a speaker whose last speech is at most 150 ms old is still talking
LEAK_MARGIN_DB = 10.0  # the mic must be this much above the learned leak of the far end to count as the agent
LEAK_RISE_DB_PER_FRAME = 0.01  # the leak estimate forgets a low reading at 1 dB/s
CUT_IN_PAUSE_FRAMES = 50  # a cut-in may pause up to 500 ms ("I- / no, wait") while the caller goes on talking
# A click (a key struck on the agent's keyboard, a pen, a mouse) is a broadband impulse of 5-30 ms; through the
# 32 ms level window it is heard in at most (30 + 32) / 10 = 6.2 frames in a row, a syllable in more. The agent's
# mic counts for turn-taking only from a stretch of CLICK_FRAMES + 1 frames heard in a row (the onset is dated
# back to the stretch's first frame): see SpeechRun.
CLICK_MAX_S = 0.03
LEVEL_WINDOW_S = 0.032
CLICK_FRAMES = math.ceil((CLICK_MAX_S + LEVEL_WINDOW_S) / HOP_S - 1e-9)
# A room rings on after the caller's last word: its tail decays steadily (60 dB in the room's RT60) with no new
# onset, yet the activity model and the voicing decision go on hearing it for 0.2-0.6 s in a large room (RT60
# 0.7-0.9 s). A voice still talking keeps coming back within some dB of its peak; the tail only falls. See RoomTail.
TAIL_FALL_DB = 15.0  # fallen this far under the peak since the last onset: the room, not the caller
# A rise this far over the lowest level since the peak is a new onset (a syllable, a soft consonant after a dip); a
# tail's 32 ms level ripples by less. 3 dB let one large-room tail pass as an onset; at 6 dB a caller's soft
# unvoiced syllables on noise10 (a 4.5 dB rise, 15-19 dB under the vowel before) read as the room.
TAIL_ONSET_DB = 4.0


class SpeechRun:
    """The current run of one speaker's speech, in frames.

    With `min_stretch_frames` > 1 a frame heard as speech counts only inside a stretch of at least that many heard
    frames in a row; a shorter stretch (a click: the agent typing while the caller talks or in their own pauses)
    neither starts a run nor bridges one. On the detection benchmark's keys0 row (key sounds peaking at the calm
    voice's level) 4-7 % of the typing-only frames were heard as speech (the model's speech, or voiced: the
    buckling spring rings near 360 Hz) in stretches of 2 frames (median), 6 (90th percentile); the agent's own
    speech came in stretches of which those under 8 frames hold 1.1 % of its frames.

    Only a stretch that starts `abrupt` (the caller of `step` says so: a click's level jumps in one hop, see
    detector.py CLICK_RISE_DB) is held to that length; any other counts from its first frame. Over other talkers
    (a busy floor 10 dB under the voice) the agent's own speech comes in short stretches, and holding every stretch
    to 8 frames lost cut-ins there (the babble10 row: 93.8 -> 90.3 % caught, polite turns flagged 9.2 -> 10.6 %).

    `masked` (set by the caller of `step`, frame by frame): music plays behind the speaker (foreground.MusicBed's
    masks_voice), which hides their softer words from the activity model. A new run that starts within
    `TURN_AGE_FRAMES` of the last counted frame then keeps the old start: the turn keeps its age, by which a cut-in is
    judged; whether the speaker is still talking (`ongoing`, `talking`) is judged as before. Traced frame by frame, 5
    of the 18 missed cut-ins on each of the detection benchmark's music10 and musicline rows were a caller's turn
    broken by such a gap (0.54-0.70 s; their voice within 15 dB of the music's median level, none of it 20 dB over)
    into a run too young at the agent's onset. Inside a caller's sentence over music the model's speech never left a
    gap over 0.75 s (actors 1-6; 7 % of actors 4-6's sentences had one over 0.5 s). An age kept over 0.6 s recovered 2
    of those cut-ins per row, over 0.75-0.9 s 4, over 1.0 s 4 with one more polite answer flagged on musicline and two
    on babble10. Bridging the gaps outright (`bridge_frames` 75: the caller "still talking" up to 0.75 s after their
    last word) caught as many but flagged 5 more polite answers over babble; keeping only the age, 1. Figures:
    benchmarks/results/detection_music12.txt.

    `lead` (fed frame by frame by the caller of `step`; issue 13 item 5, talk13): over music the model also hears a
    caller's first words late, so their turn was too young when the agent cut in a second into it (6 of musicline's
    14 missed cut-ins: the model's first speech 0.3-1.0 s after their first word, their voiced syllables meanwhile
    standing over the bed). A masked run that starts within `LEAD_GAP_FRAMES` of such a lead frame starts where their
    chain began (at most `TURN_AGE_FRAMES` back). Lead frames alone never start, extend or bridge a run, so whether
    the caller is still talking is judged as before; only a turn the model hears is aged. Figures:
    benchmarks/results/detection_talk13.txt.
    """

    def __init__(self, *, bridge_frames: int = BRIDGE_FRAMES, min_stretch_frames: int = 1) -> None:
        self.bridge_frames = bridge_frames
        self.min_stretch_frames = min_stretch_frames
        self.start: int | None = None
        self.masked = False  # music hides softer words: a run resumed within TURN_AGE_FRAMES keeps its start
        self.last = -10**9
        self._stretch = 0  # frames heard in a row up to now
        self._need = 1  # frames the current stretch must reach to count
        self._lead_first = self._lead_last = -10**9  # the latest chain of lead frames (see `lead`)

    def lead(self, frame: int, heard: bool) -> None:
        """Feeds one frame that may be the speaker's voice the model has not heard yet (over music: voiced and
        standing over the bed). Such frames never start or extend a run; over music (`masked`) a run that starts
        within LEAD_GAP_FRAMES of the last of them is dated back to the first of their chain."""
        if heard:
            if frame - self._lead_last > LEAD_GAP_FRAMES:
                self._lead_first = frame
            self._lead_last = frame

    def step(self, frame: int, speaking: bool, *, abrupt: bool = False) -> bool:
        """Feeds one frame; True when a new run starts (its start, `self.start`, may be a few frames back).
        `abrupt`: the level jumped as a click's does at (or just before) this frame."""
        self._stretch = self._stretch + 1 if speaking else 0
        if self._stretch == 1:
            self._need = self.min_stretch_frames if abrupt else 1
        if self._stretch < self._need or not self._stretch:
            return False
        first = frame - self._stretch + 1 if self._stretch == self._need else frame
        onset = self.start is None or first - self.last > self.bridge_frames
        if onset and not (self.masked and first - self.last <= TURN_AGE_FRAMES):
            led = self.masked and first - self._lead_last <= LEAD_GAP_FRAMES
            self.start = min(first, max(self._lead_first, first - TURN_AGE_FRAMES)) if led else first
        self.last = frame
        return onset

    def talking(self, frame: int) -> bool:
        return self.start is not None and self._gap_end(frame) - self.last <= STILL_TALKING_FRAMES

    def ongoing(self, frame: int) -> bool:
        return self.start is not None and self._gap_end(frame) - self.last <= self.bridge_frames

    def _gap_end(self, frame: int) -> int:
        """Where the gap since the last counted frame ends: at a stretch under way (it may yet count: it is judged
        `min_stretch_frames` late), else at `frame`. A speaker who goes on after a short gap is never cut off
        while their next stretch is being judged."""
        return frame - self._stretch + 1 if self._stretch else frame

    def length(self, frame: int) -> int:
        return frame - self.start + 1 if self.start is not None else 0


class LeakGate:
    """Customer audio leaking into the headset mic (sidetone, open headsets) is not the agent speaking.

    Tracks the lowest mic-minus-far-end level difference while the far end speaks (that is the leak path);
    while the far end speaks, mic speech counts as the agent only when it stands `LEAK_MARGIN_DB` above that.
    """

    def __init__(self) -> None:
        self.leak_db = 0.0

    def agent_speaking(self, *, mic_speech: bool, mic_level_dbfs: float, far_speech: bool,
                       far_level_dbfs: float) -> bool:
        if not far_speech:
            return mic_speech
        coupling_db = mic_level_dbfs - far_level_dbfs
        self.leak_db = min(self.leak_db + LEAK_RISE_DB_PER_FRAME, coupling_db)
        return mic_speech and coupling_db > self.leak_db + LEAK_MARGIN_DB


class RoomTail:
    """Whether a channel's level is a room's tail: fallen `TAIL_FALL_DB` under the peak since the last onset.

    Speech comes in syllables, each an onset that rises well over the dip before it; a reverberant tail after the
    last word only decays (with a noise-like ripple of a dB or two), so once it has fallen `TAIL_FALL_DB` it can
    be told from the voice, in any room: a larger room decays more slowly and is judged later, never wrongly.
    Traced on the reverb08 stress row (RT60 0.7-0.9 s), the caller's counted frames that made 23 polite answers
    read as cut-ins had all fallen 21-64 dB; in 110 of 111 caught cut-ins the caller had a frame within 8.3 dB of
    the peak around the agent's onset (the other: the agent heard 1.1 s late, after the caller had finished).
    Over a noise floor (a line, a room) the level cannot fall far: no tail. Figures: detection_room13.txt.

    Over a music bed the level falls back into the music, whose own swells rise more than `TAIL_ONSET_DB` over their
    dips and, heard as speech by the model now and then (0.4-0.6), read as the caller's new syllables. `floor_dbfs`
    (foreground.MusicBed.voice_floor_dbfs: LEAD_MARGIN_DB over the bed's median, which 94 % of the bed's own voiced
    frames stay under) keeps a rise under it from being an onset: once their voice has fallen `TAIL_FALL_DB` under
    its peak, only a syllable standing over the bed brings the caller back. Traced (music13): 7 polite answers
    flagged on music10, musicline and babble10 (actors 4-6) were a finished caller kept talking or heard again by
    bed frames 3-7 dB over its median, 0.3-0.6 s after their last word and 30-45 dB under it. Figures:
    benchmarks/results/detection_music13.txt.
    """

    def __init__(self) -> None:
        self._peak_dbfs = -math.inf
        self._low_dbfs = math.inf

    def step(self, level_dbfs: float, floor_dbfs: float = -math.inf) -> bool:
        """Feeds one frame's level (NaN: not known, never a tail); True while it is the room's tail.
        `floor_dbfs`: a rise that stays under it is no onset (a music bed's own swell)."""
        rise = level_dbfs - self._low_dbfs >= TAIL_ONSET_DB and level_dbfs >= floor_dbfs
        if level_dbfs > self._peak_dbfs or rise:
            self._peak_dbfs = self._low_dbfs = level_dbfs
        self._low_dbfs = min(self._low_dbfs, level_dbfs)
        return self._peak_dbfs - level_dbfs >= TAIL_FALL_DB


class TalkOverTracker:
    """The agent starts talking while the caller, already talking for a while, still is; beyond a backchannel.

    Returns transitions like every other state machine: a start once the agent's overlapping speech outlasts a
    backchannel, an end when either stops talking. The start frame of both is the agent's onset.

    The caller is talking at the onset when their last word is at most `STILL_TALKING_FRAMES` old, or when the
    onset falls inside their turn's bridge (a breath, a soft syllable lost under talkers behind them) and they are
    heard again before the cut-in is confirmed: a caller who goes on while the agent talks was interrupted; one who
    had finished stays silent. Over babble (detector/foreground.py's syllable rule) the caller's soft last syllables
    are often not counted: measured before the caller's turn on hold was gated too, the 150 ms rule alone caught
    89.4 % of babble10's cut-ins (all actors) and this 93.8 % (polite 2.8 -> 3.7 %); noise10 95.6 -> 96.5 %, clean
    unchanged.

    Only the caller's voice counts, not the room ringing on after their last word (`RoomTail`, fed the caller's
    level each frame as `caller_level_dbfs`): a frame heard while the level is the tail neither keeps them talking
    at the onset nor has them heard again. In a large room the tail was heard for 0.2-0.6 s after the word, and a
    polite answer 0.3 s after it read as a cut-in (reverb08: 23 of 217 polite answers flagged).
    """

    def __init__(self, *, turn_min_frames: int, agent_min_frames: int) -> None:
        self.turn_min_frames = turn_min_frames
        self.agent_min_frames = agent_min_frames
        self._onset: int | None = None
        self._customer_talk_frames = 0
        self._confirmed = False
        self._spoken = 0  # frames the agent spoke since the onset
        self._paused = False  # a pause inside the cut-in was bridged
        self._caller_on = False
        self._tail = RoomTail()
        self._caller_voice = -10**9  # the last frame the caller was counted with a level that was not the tail

    @property
    def customer_talk_s(self) -> float:
        """How long the caller had been talking when the agent's current (or last) talk-over began."""
        return self._customer_talk_frames * HOP_S

    def step(self, frame: int, *, agent_onset: bool, agent: SpeechRun, customer: SpeechRun,
             caller_level_dbfs: float = math.nan, caller_floor_dbfs: float = -math.inf) -> Transition | None:
        if not self._tail.step(caller_level_dbfs, caller_floor_dbfs) and customer.last == frame:
            self._caller_voice = frame
        onset = agent.start if agent_onset and agent.start is not None else frame
        if agent_onset and self._onset is None and customer.ongoing(onset - 1) and \
                customer.length(onset) >= self.turn_min_frames:
            self._onset, self._customer_talk_frames, self._confirmed = onset, customer.length(onset), False
            self._spoken, self._paused = frame - onset, False  # the stretch before this frame was spoken
            self._caller_on = customer.talking(onset - 1) and onset - 1 - self._caller_voice <= STILL_TALKING_FRAMES
        if self._onset is None:
            return None
        if not self._confirmed:
            self._caller_on = self._caller_on or self._caller_voice >= self._onset
            if not self._caller_on and not customer.ongoing(frame):
                self._onset = None
                return None
            self._spoken += agent.last == frame
            if not agent.ongoing(frame):
                self._paused = self._pausing(frame, agent=agent, customer=customer)
                if not self._paused:
                    self._onset = None  # a backchannel: 'mm-hm'
            elif frame - self._onset + 1 >= self.agent_min_frames and self._caller_on and \
                    (not self._paused or 2 * self._spoken >= self.agent_min_frames):
                self._confirmed = True
                return Transition(True, self._onset, frame)
            return None
        if not (agent.talking(frame) and customer.talking(frame)):
            return self._end(min(agent.last, customer.last) + 1)
        return None

    @staticmethod
    def _pausing(frame: int, *, agent: SpeechRun, customer: SpeechRun) -> bool:
        """A pause inside a cut-in: the agent stopped a moment ago and the caller is still talking.

        An agent who cuts in often stops after a word and starts again ("I- / no, listen") while the caller goes
        on; only a short sound with no more speech from the agent while the caller talks is a backchannel. Across
        such a pause the agent must have spoken for half the minimum (stray mic sounds during the caller's speech
        do not add up to a cut-in).
        """
        return frame - agent.last <= CUT_IN_PAUSE_FRAMES and customer.ongoing(frame)

    def close(self, frame: int) -> Transition | None:
        """End of stream: a confirmed talk-over ends here."""
        ended = self._end(frame) if self._onset is not None and self._confirmed else None
        self._onset = None
        return ended

    def _end(self, end_frame: int) -> Transition:
        assert self._onset is not None
        onset, self._onset = self._onset, None
        return Transition(False, onset, max(end_frame, onset + self.agent_min_frames))
