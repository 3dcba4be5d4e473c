"""Frames in, episodes and cues out: both speakers' raised voice, talk-over, fast speech and no pause.

Runs frame by frame on plain floats (the stateful half of the engine); its clock is the frame index, so the same
frames give the same events live and offline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import BaselineValues, SpeakerBaseline
from calmcue.detector.calls import CallEnd, CallFrame, CallTracker
from calmcue.detector.clipping import CLIPPED_SHARE, ClipWatch, restored_level_dbfs
from calmcue.detector.echo import EchoGate
from calmcue.detector.events import Cue, Episode, Event
from calmcue.detector.fast_speech import FastSpeechCue
from calmcue.detector.foreground import MUSIC_PROB, Foreground, MusicBed, heard_speech
from calmcue.detector.hold import HOLD_VOICE_MARGIN_DB, HeldBack, HeldFrame, HoldState, hold_music
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.detector.policy import CueLimiter, cue_limits
from calmcue.detector.speaker import GainMove, SpeakerTrack, Thresholds
from calmcue.detector.state import EpisodeMachine, Transition
from calmcue.detector.texts import MESSAGES
from calmcue.detector.turns import CLICK_FRAMES, TURN_BRIDGE_FRAMES, LeakGate, SpeechRun, TalkOverTracker
from calmcue.features.activity import SPEECH_PROB
from calmcue.features.extractor import ChannelFrame, FrameBatch
from calmcue.timebase import HOP_S, frame_time_s

CALL_MEMORY_FRAMES = round(60 / HOP_S)  # call audio heard in the last minute: we are in a call
NEW_CALL_GAP_FRAMES = round(10 / HOP_S)  # call audio back after 10 s of digital silence: the next call
MUTED_FRAMES = 50  # 0.5 s of exact digital silence on the mic: muted
SILENT_LEVEL_DBFS = -99.9
SIGNAL_LEVEL_DBFS = -90.0
# The agent's raise being confirmed (agent_min_s) survives 0.3 s below the exit thresholds: inside a raised
# sentence the short-term values dip (a dull vowel, a scream whose pitch sits in the tilt's low band), and one
# such dip restarted the wait. The caller's shorter minimum needs none.
AGENT_PENDING_GAP_FRAMES = 30
PAUSE_AFTER_SPEECH_FRAMES = 20  # the room's level is read 200 ms after speech (no decay, breath or echo of it)
# A click (a key, a pen, a mouse: a broadband impulse of 5-30 ms) lifts the level by CLICK_RISE_DB or more from one
# hop to the next, which a room's steady noise never does; the room's level (gainstep.py) is not read until
# CLICK_RING_FRAMES after it (the key's sound and its ring). Typing in the agent's pauses lifted the pauses' floor,
# and its end read as a step down: on the keys rows (benchmarks/detection_stress.py) a false -6 dB step left calm
# clips reading raised (keys: calm flagged 2.8 -> 0 %; keys0: 8.3 -> 2.8 %, raised caught 86.3 -> 95.4 %)
CLICK_RISE_DB = 10.0
CLICK_RING_FRAMES = 30
# A stretch of the agent's speech that starts while such a jump is still in the level window (CLICK_FRAMES: the
# ring of a key may be heard a few frames after its strike) may be a click: turns.SpeechRun counts it for
# turn-taking only from CLICK_FRAMES + 1 frames in a row


@dataclass(frozen=True)
class DetectorStatus:
    """A snapshot for meters: how each speaker compares with their baseline right now."""

    frame: int
    agent_calibration: float  # 0..1
    agent_level_over_db: float
    agent_pitch_over_st: float
    customer_level_over_db: float
    in_call: bool
    muted: bool
    on_hold: bool = False  # music on the call channel (activity model only)
    mic_too_loud: bool = False  # much of the agent's voicing clips: their mic gain is too high (detector/clipping.py)


class Detector:
    def __init__(self, settings: DetectorSettings, *, channels: int,
                 agent_baseline: BaselineValues | None = None) -> None:
        self.settings = settings
        self.two_channel = channels == 2
        scale = settings.threshold_scale
        rv = settings.raised_voice
        thresholds = Thresholds.from_settings(rv, scale=scale)
        agent_base = SpeakerBaseline(calibration_speech_s=settings.baseline.calibration_speech_s,
                                     adapt_speech_s=settings.baseline.adapt_speech_s)
        if agent_baseline is not None:
            agent_base.values, agent_base.from_prior = agent_baseline, False
        self.agent = SpeakerTrack(baseline=agent_base, thresholds=thresholds, min_s=rv.agent_min_s,
                                  exit_s=rv.agent_exit_s, pending_gap_frames=AGENT_PENDING_GAP_FRAMES)
        self._thresholds = thresholds
        self.customer = self._fresh_customer()
        to, fs, npause = settings.talk_over, settings.fast_speech, settings.no_pause
        self._fast = FastSpeechCue(fs, scale=scale)  # "Slow down" (detector/fast_speech.py)
        if agent_baseline is not None:
            self._fast.pace.seed(agent_baseline.rate_syl_s)
        self._no_pause = EpisodeMachine(min_frames=round(npause.talk_s / HOP_S), exit_frames=0)
        self._limiters = {key: CueLimiter(limits) for key, limits in cue_limits(settings).items()}
        self._agent_run = SpeechRun(min_stretch_frames=CLICK_FRAMES + 1)  # not clicks (typing: turns.CLICK_FRAMES)
        self._customer_run = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
        self._leak, self._echo = LeakGate(), EchoGate()  # the caller in the mic; the agent in the call audio
        self._agent_fg, self._customer_fg = Foreground(), Foreground()
        self._agent_bed, self._customer_bed = MusicBed(), MusicBed()
        self._talk_over = TalkOverTracker(turn_min_frames=round(to.customer_turn_min_s / HOP_S),
                                           agent_min_frames=round(to.agent_min_s / HOP_S))
        self._stretch_start: int | None = None
        self._customer_turn_frames = round(npause.customer_turn_s / HOP_S)
        self._pause_frames = round(npause.mono_pause_s / HOP_S)
        self._last_call_signal, self._zero_run = -10**9, 0
        self._mic_quiet = 0  # frames since the mic last heard speech
        self._last_level_dbfs, self._since_click = SILENT_LEVEL_DBFS, 10**9
        self._hold = HoldState()
        self._held = HeldBack()  # the caller's frames while on hold wait a second (detector/hold.py)
        self.on_hold = False
        self.frame = -1
        self._events: list[Event] = []
        self.clip_watch = ClipWatch()
        # call start/end and each call's summary (detector/calls.py)
        self.calls = CallTracker(call_audio=self.two_channel, gap_frames=NEW_CALL_GAP_FRAMES,
                                 baseline=lambda: self.agent_baseline)

    # -- public -------------------------------------------------------------------------------------------
    def process(self, batch: FrameBatch) -> list[Event]:
        """Feeds a batch of frames; returns the episodes that ended and the cues that fired, in time order."""
        self._events = []
        agent, *others = batch.frames_by_channel()
        customer = others[0] if self.two_channel else None
        music = hold_music(batch.music_prob[:, 1], batch.speech_prob[:, 1]) if self.two_channel \
            else [False] * batch.count
        heard_music = (batch.music_prob >= MUSIC_PROB).tolist()  # NaN (the classic activity) is no music
        for i, agent_frame in enumerate(agent):
            # wind or running water on the line reads as music to the model, but it is not periodic: no hold
            # (detector/foreground.py's MusicBed.pitched)
            self.on_hold = self._hold.step(music=music[i] and self._customer_bed.pitched)
            self._step(batch.first_frame + i, agent_frame, customer[i] if customer else None, heard_music[i])
        return self._events

    def finish(self) -> list[Event]:
        """End of stream: closes open episodes."""
        self._events = []
        frame = self.frame + 1
        for machine, kind, speaker in self._machines():
            transition = machine.close(frame)
            if transition is not None:
                self._episode_ended(kind, speaker, transition)
        self._on(self._talk_over.close(frame), CueKind.TALK_OVER, Speaker.AGENT)
        self.calls.observe(self._events)
        self._events.extend(self.calls.finish(frame))
        return self._events

    def new_call(self) -> list[Event]:
        """The agent's "New call": the call in progress ends now (its summary); the next starts afresh."""
        self._events = []
        if self.two_channel:
            self._start_new_call(self.frame + 1)
        self.calls.observe(self._events)
        self._events.extend(self.calls.end(self.frame + 1, CallEnd.NEW_CALL))
        return self._events

    def status(self) -> DetectorStatus:
        return DetectorStatus(
            frame=self.frame, agent_calibration=self.agent.baseline.calibration_progress,
            agent_level_over_db=self.agent.over[0], agent_pitch_over_st=self.agent.over[1],
            customer_level_over_db=self.customer.over[0], in_call=self._in_call(), muted=self._muted(),
            on_hold=self.on_hold, mic_too_loud=self.clip_watch.too_high)

    def new_microphone(self) -> None:
        """The agent switched microphones: their baseline starts afresh (no cue until it is learned again)."""
        self.agent.restart()
        self.clip_watch.reset()
        self._fast.restart()

    def mic_gain_moved(self, shift_db: float) -> None:
        """The system moved the agent's mic gain by `shift_db` (a slider, a headset's knob, a softphone's gain
        control, as the sound server reports them): the agent's baseline follows at once (SpeakerTrack.gain_moved)
        instead of finding the change from the voice seconds later."""
        self.agent.gain_moved(self.frame, shift_db)

    def retune(self, settings: DetectorSettings) -> None:
        """New enter thresholds from the next frame on (the agent's nudges, detector/offsets.py); the baselines,
        open episodes, cooldowns and the call go on as they were."""
        self.settings, scale = settings, settings.threshold_scale
        self.agent.thresholds = self._thresholds = Thresholds.from_settings(settings.raised_voice, scale=scale)
        self.customer.thresholds = Thresholds.from_settings(settings.raised_voice, scale=scale, customer=True)
        self._fast.retune(settings.fast_speech, scale=scale)
        self._talk_over.agent_min_frames = round(settings.talk_over.agent_min_s / HOP_S)
        self._no_pause.min_frames = round(settings.no_pause.talk_s / HOP_S)

    @property
    def gain_moves(self) -> list[GainMove]:
        """The agent's level baseline moved for a gain change: when, by how much, how found (benchmarks read it)."""
        return self.agent.gain_moves

    @property
    def agent_baseline(self) -> BaselineValues | None:
        """The agent's calibrated voice, its rate being the usual pace learned so far (what a saved calibration
        keeps: detector/pace.py)."""
        values = self.agent.baseline.values if not self.agent.baseline.from_prior else None
        if values is None or not self._fast.pace.value > 0:
            return values
        return replace(values, rate_syl_s=self._fast.pace.value)

    @property
    def customer_baseline(self) -> BaselineValues | None:
        return self.customer.baseline.values if self.two_channel else None

    # -- per frame ----------------------------------------------------------------------------------------
    def _step(self, frame: int, agent: ChannelFrame, customer: ChannelFrame | None, music: list[bool]) -> None:
        """One frame; `music`: the activity model hears music, per channel."""
        self.frame = frame
        first_event = len(self._events)
        self._zero_run = self._zero_run + 1 if agent.level_dbfs <= SILENT_LEVEL_DBFS else 0
        agent_speech = heard_speech(agent)
        agent_turn = self._agent_bed.turn_speech(heard=True, model_speech=agent.speech_prob >= SPEECH_PROB,
                                                 music=music[0], level_dbfs=agent.level_dbfs, voiced=agent.voiced)
        self._mic_quiet = 0 if agent_speech else self._mic_quiet + 1
        rise_db, self._last_level_dbfs = agent.level_dbfs - self._last_level_dbfs, agent.level_dbfs
        self._since_click = 0 if rise_db >= CLICK_RISE_DB else self._since_click + 1
        in_pause = self._mic_quiet > PAUSE_AFTER_SPEECH_FRAMES and agent.level_dbfs > SILENT_LEVEL_DBFS and \
            self._since_click > CLICK_RING_FRAMES  # a key struck in a pause (and its ring) is not the room
        # over a music bed the pauses hold the music: its swells and fades are no gain step (detector/foreground.py)
        pause_level_dbfs = agent.level_dbfs if in_pause and not self._agent_bed.active else math.nan
        customer_speech = call_signal = caller_turn = False
        if customer is not None:
            mine = not self._echo.step(agent_level_dbfs=agent.level_dbfs, agent_speech=agent_speech,
                                       caller_level_dbfs=customer.level_dbfs)  # not the agent's echo (echo.py)
            heard = heard_speech(customer) and mine
            customer_speech = heard and not self.on_hold  # hold music is no caller
            call_signal = customer.level_dbfs > SIGNAL_LEVEL_DBFS
            turn = self._customer_bed.turn_speech(
                heard=heard, model_speech=mine and customer.speech_prob >= SPEECH_PROB, music=music[1],
                level_dbfs=customer.level_dbfs, voiced=customer.voiced, speech_prob=customer.speech_prob)
            self._customer_run.masked = self._customer_bed.masks_voice  # music hides soft words (turns.SpeechRun)
            agent_speech = self._step_customer(frame, customer, agent_speech=agent_speech, heard=heard, turn=turn,
                                               mic_level_dbfs=agent.level_dbfs)
            caller_turn = customer_speech and turn  # the caller's voice, not a music bed behind them
        agent_own = self._agent_fg.step(heard=agent_speech, level_dbfs=agent.level_dbfs, other_heard=caller_turn)
        agent_onset = self._agent_run.step(frame, agent_own and agent_turn, abrupt=self._since_click <= CLICK_FRAMES)
        if agent.voiced and agent_speech:
            self.clip_watch.voiced(agent.clip_share)
        clipped = agent.clip_share >= CLIPPED_SHARE
        level_dbfs = restored_level_dbfs(agent.speech_level_dbfs, agent.clip_share)  # clipping hid this much
        tilt_db = math.nan if clipped else agent.tilt_db  # and added harmonics that flatten the tilt: not read
        # (a state machine's transition is looked at only when there is one: an enum lookup costs 0.12 us - issue 15)
        transition = self.agent.step(frame, level_dbfs=level_dbfs, f0_hz=agent.f0_hz, tilt_db=tilt_db,
                                     rate_syl_s=agent.rate_syl_s, voiced=agent.voiced and agent_speech,
                                     speech=agent_speech, pause_level_dbfs=pause_level_dbfs,
                                     clipped=clipped, own_voice=agent_turn, heard_dbfs=agent.level_dbfs,
                                     line_level_dbfs=math.nan if self._agent_bed.active else agent.level_dbfs)
        if transition is not None:
            self._on(transition, CueKind.RAISED_VOICE, Speaker.AGENT)
        self._on(self._fast.step(frame, agent.rate_syl_s, voiced=agent.voiced and agent_speech, speech=agent_speech,
                                 calibrating=self.agent.baseline.values is None or self.agent.baseline.from_prior,
                                 since_voiced_frames=frame - self.agent.last_voiced),
                 CueKind.FAST_SPEECH, Speaker.AGENT)
        self._step_no_pause(frame, agent_speech)
        if customer is not None:
            transition = self._talk_over.step(frame, agent_onset=agent_onset, agent=self._agent_run,
                                              customer=self._customer_run, caller_level_dbfs=customer.level_dbfs,
                                              caller_floor_dbfs=self._customer_bed.voice_floor_dbfs())
            if transition is not None:
                self._on(transition, CueKind.TALK_OVER, Speaker.AGENT)
        facts = CallFrame(agent_speech, customer_speech, call_signal, agent.voiced and agent_speech,
                          agent.speech_level_dbfs, agent.rate_syl_s, self._stretch_start)
        self._events.extend(self.calls.step(frame, facts, self._events[first_event:]))

    def _step_customer(self, frame: int, customer: ChannelFrame, *, agent_speech: bool, heard: bool, turn: bool,
                       mic_level_dbfs: float) -> bool:
        """The call-audio channel: a new call, the caller's raised voice; returns whether the agent is speaking.

        While on hold the caller's frames wait a second for the raised-voice track (detector/hold.py): if the hold
        state ends, that second was the start of the caller's voice. Their turn runs live on the activity model's
        speech meanwhile (a cut-in is judged when the agent starts, often before the hold state has ended)."""
        customer_speech, mic_heard = heard and not self.on_hold, agent_speech
        if customer.level_dbfs > SIGNAL_LEVEL_DBFS:
            if self._last_call_signal >= 0 and frame - self._last_call_signal > NEW_CALL_GAP_FRAMES:
                self._start_new_call(frame)
            self._last_call_signal = frame
        agent_speech = self._leak.agent_speaking(mic_speech=agent_speech, mic_level_dbfs=mic_level_dbfs,
                                                 far_speech=customer_speech, far_level_dbfs=customer.level_dbfs)
        self._customer_run.lead(frame, self._customer_bed.voice_lead(customer))  # heard late over music (turns.py)
        if self.on_hold:
            late = self._held.hold(HeldFrame(frame, customer, heard))
            if late is not None:
                self._caller_frame(late.frame, late.values, speech=False, turn=False, mic_heard=mic_heard)
            live = customer.speech_prob >= SPEECH_PROB or \
                (customer.voiced and self._customer_bed.over(customer.level_dbfs, margin_db=HOLD_VOICE_MARGIN_DB))
            live = self._customer_fg.live(frame, heard=live, level_dbfs=customer.level_dbfs)  # not the room
            self._customer_run.step(frame, (turn and live) or self._customer_bed.voice_under(customer.speech_prob))
        else:
            for item in self._held.release():  # the raised-voice track only: the turn had them live
                self._caller_frame(item.frame, item.values, speech=item.heard, turn=False, mic_heard=mic_heard)
            self._caller_frame(frame, customer, speech=customer_speech, turn=turn, mic_heard=mic_heard)
        return agent_speech

    def _caller_frame(self, frame: int, customer: ChannelFrame, *, speech: bool, turn: bool, mic_heard: bool) -> None:
        """One frame of the caller: only their foreground voice (not talkers behind them) feeds the turn and the
        raised-voice track, and over a music bed only the model's speech the turn (detector/foreground.py);
        `turn` False: this frame does not feed the turn; `mic_heard`: the microphone hears speech now."""
        foreground = self._customer_fg.step(heard=speech, level_dbfs=customer.level_dbfs, other_heard=mic_heard)
        self._customer_run.step(frame, foreground and turn)
        # over a music bed the pauses hold the music, no floor of the line (linefloor.py), as on the agent's side
        self._on(self.customer.step(frame, level_dbfs=customer.speech_level_dbfs, f0_hz=customer.f0_hz,
                                    tilt_db=customer.tilt_db, rate_syl_s=customer.rate_syl_s,
                                    voiced=customer.voiced and foreground, speech=foreground,
                                    heard_dbfs=customer.level_dbfs,
                                    line_level_dbfs=math.nan if self._customer_bed.active else customer.level_dbfs),
                 CueKind.RAISED_VOICE, Speaker.CUSTOMER)

    def _step_no_pause(self, frame: int, agent_speech: bool) -> None:
        customer_turn = self._customer_run.ongoing(frame) and \
            self._customer_run.length(frame) >= self._customer_turn_frames
        paused = frame - self._agent_run.last >= self._pause_frames
        if customer_turn or paused:
            self._stretch_start = None
        elif agent_speech and self._stretch_start is None:
            self._stretch_start = frame
        talking = self._stretch_start is not None
        transition = self._no_pause.step(frame, entering=talking, staying=talking)
        if transition is not None:
            self._on(transition, CueKind.NO_PAUSE, Speaker.AGENT)

    # -- events -------------------------------------------------------------------------------------------
    def _on(self, transition: Transition | None, kind: CueKind, speaker: Speaker) -> None:
        if transition is None:
            return
        if transition.started:
            self._episode_started(kind, speaker, transition)
        else:
            self._episode_ended(kind, speaker, transition)

    def _episode_started(self, kind: CueKind, speaker: Speaker, transition: Transition) -> None:
        """A confirmed episode: show a cue if the call, the mic, the hold state and the limits allow it."""
        if not self._in_call() or self._muted() or self.on_hold:
            return
        frame = transition.end_frame
        if self._limiters[(kind, speaker)].allow(frame):
            evidence = self._evidence(kind, speaker, transition.start_frame, frame)
            self._events.append(Cue(kind, speaker, frame_time_s(frame), MESSAGES[(kind, speaker)], evidence))

    def _episode_ended(self, kind: CueKind, speaker: Speaker, transition: Transition) -> None:
        evidence = self._evidence(kind, speaker, transition.start_frame, transition.end_frame)
        self._events.append(Episode(kind, speaker, _start_s(transition.start_frame),
                                    _start_s(transition.end_frame), evidence))

    def _evidence(self, kind: CueKind, speaker: Speaker, start: int, end: int) -> dict[str, float]:
        duration_s = (end - start) * HOP_S
        if kind == CueKind.RAISED_VOICE:
            return (self.agent if speaker == Speaker.AGENT else self.customer).evidence(duration_s=duration_s)
        if kind == CueKind.FAST_SPEECH:
            return self._fast.evidence(duration_s=duration_s)
        if kind == CueKind.TALK_OVER:
            return {"customer_talk_s": self._talk_over.customer_talk_s, "overlap_s": duration_s}
        return {"talk_s": duration_s}

    def _machines(self) -> list[tuple[EpisodeMachine, CueKind, Speaker]]:
        return [(self.agent.machine, CueKind.RAISED_VOICE, Speaker.AGENT),
                (self.customer.machine, CueKind.RAISED_VOICE, Speaker.CUSTOMER),
                (self._fast.machine, CueKind.FAST_SPEECH, Speaker.AGENT),
                (self._no_pause, CueKind.NO_PAUSE, Speaker.AGENT)]

    def _fresh_customer(self) -> SpeakerTrack:
        """The caller's track, starting from the telephone-speech prior (every call has a new caller)."""
        b, rv = self.settings.baseline, self.settings.raised_voice
        prior = BaselineValues(b.customer_prior_level_dbfs, math.nan, b.customer_prior_tilt_db, math.nan)
        baseline = SpeakerBaseline(calibration_speech_s=b.calibration_speech_s, adapt_speech_s=b.adapt_speech_s,
                                   prior=prior)
        thresholds = Thresholds.from_settings(rv, scale=self.settings.threshold_scale, customer=True)
        return SpeakerTrack(baseline=baseline, thresholds=thresholds, min_s=rv.customer_min_s,
                            exit_s=rv.customer_exit_s, rebase=False)

    def _start_new_call(self, frame: int) -> None:
        """The call audio came back after a long digital silence: a new caller, a new baseline and cooldown."""
        ended = self.customer.machine.close(self._last_call_signal + 1)
        if ended is not None:
            self._episode_ended(CueKind.RAISED_VOICE, Speaker.CUSTOMER, ended)
        self.customer = self._fresh_customer()
        self._held.release()
        limiter = self._limiters[(CueKind.RAISED_VOICE, Speaker.CUSTOMER)]
        self._limiters[(CueKind.RAISED_VOICE, Speaker.CUSTOMER)] = CueLimiter(limiter.limits)
        self._customer_run, self._echo = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES), EchoGate()  # a new line's echo

    def _in_call(self) -> bool:
        return not self.two_channel or self.frame - self._last_call_signal <= CALL_MEMORY_FRAMES

    def _muted(self) -> bool:
        return self._zero_run >= MUTED_FRAMES


def _start_s(frame: int) -> float:
    """The time at which frame `frame` begins (the end of the previous frame)."""
    return frame_time_s(frame - 1)
