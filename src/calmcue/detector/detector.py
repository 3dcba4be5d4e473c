"""Frames in, episodes and cues out: both speakers' raised voice, talk-over, fast speech and no pause.

Runs frame by frame on plain floats (the stateful half of the engine); its clock is the frame index, so the same
frames give the same events live and offline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from calmcue.audio.signal import HOP_S, frame_time_s
from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import BaselineValues, SpeakerBaseline
from calmcue.detector.events import (
    AGENT,
    CUSTOMER,
    FAST_SPEECH,
    MESSAGES,
    NO_PAUSE,
    RAISED_VOICE,
    TALK_OVER,
    Cue,
    Episode,
    Event,
)
from calmcue.detector.policy import CueLimiter, Limits
from calmcue.detector.speaker import RECENT_SPEECH_FRAMES, SpeakerTrack, Thresholds
from calmcue.detector.state import EpisodeMachine, Transition
from calmcue.detector.turns import TURN_BRIDGE_FRAMES, LeakGate, SpeechRun
from calmcue.features.extractor import FrameBatch

SPEECH_PROB = 0.5
CALL_MEMORY_FRAMES = round(60 / HOP_S)  # call audio heard in the last minute: we are in a call
NEW_CALL_GAP_FRAMES = round(10 / HOP_S)  # call audio back after 10 s of digital silence: the next call
MUTED_FRAMES = 50  # 0.5 s of exact digital silence on the mic: muted
SILENT_LEVEL_DBFS = -99.9
SIGNAL_LEVEL_DBFS = -90.0
FAST_EXIT_S = 1.0
# Hold music (the activity model's music_prob on the call channel): on hold after about 1.5 s of mostly music,
# off again after about 1 s without. The model already keeps music out of speech_prob; this state also stops cues.
HOLD_SMOOTHING = 0.98  # per frame: a 0.5 s running share of music frames
HOLD_ENTER, HOLD_EXIT = 0.8, 0.3


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


class Detector:
    def __init__(self, settings: DetectorSettings, *, channels: int,
                 agent_baseline: BaselineValues | None = None) -> None:
        self.settings = settings
        self.two_channel = channels == 2
        scale = settings.threshold_scale
        rv = settings.raised_voice
        thresholds = Thresholds.from_settings(rv, scale=scale)
        calibration_s = settings.baseline.calibration_speech_s
        agent_base = SpeakerBaseline(calibration_speech_s=calibration_s)
        if agent_baseline is not None:
            agent_base.values, agent_base.from_prior = agent_baseline, False
        self.agent = SpeakerTrack(baseline=agent_base, thresholds=thresholds, min_s=rv.agent_min_s,
                                  exit_s=rv.agent_exit_s)
        self._thresholds = thresholds
        self.customer = self._fresh_customer()
        to, fs, npause = settings.talk_over, settings.fast_speech, settings.no_pause
        self._fast = EpisodeMachine(min_frames=round(fs.min_s / HOP_S), exit_frames=round(FAST_EXIT_S / HOP_S))
        self._fast_ratio_enter = 1.0 + (fs.rate_ratio_enter - 1.0) * scale
        self._fast_ratio = math.nan  # the agent's latest speaking rate over their baseline rate
        self._no_pause = EpisodeMachine(min_frames=round(npause.talk_s / HOP_S), exit_frames=0)
        self._limiters = {
            (RAISED_VOICE, AGENT): CueLimiter(Limits(rv.enabled_agent, rv.agent_cooldown_s, rv.agent_max_per_hour)),
            (RAISED_VOICE, CUSTOMER): CueLimiter(Limits(rv.enabled_customer, rv.customer_cooldown_s,
                                                        rv.customer_max_per_hour)),
            (TALK_OVER, AGENT): CueLimiter(Limits(to.enabled, to.cooldown_s, to.max_per_hour)),
            (FAST_SPEECH, AGENT): CueLimiter(Limits(fs.enabled, fs.cooldown_s, fs.max_per_hour)),
            (NO_PAUSE, AGENT): CueLimiter(Limits(npause.enabled, npause.cooldown_s, npause.max_per_hour)),
        }
        self._agent_run, self._customer_run = SpeechRun(), SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)
        self._leak = LeakGate()
        self._talk_over = _TalkOverTracker(turn_min_frames=round(to.customer_turn_min_s / HOP_S),
                                           agent_min_frames=round(to.agent_min_s / HOP_S))
        self._stretch_start: int | None = None
        self._customer_turn_frames = round(npause.customer_turn_s / HOP_S)
        self._pause_frames = round(npause.mono_pause_s / HOP_S)
        self._last_call_signal = -10**9
        self._zero_run = 0
        self._music_share = 0.0
        self.on_hold = False
        self.frame = -1
        self._events: list[Event] = []

    # -- public -------------------------------------------------------------------------------------------
    def process(self, batch: FrameBatch) -> list[Event]:
        """Feeds a batch of frames; returns the episodes that ended and the cues that fired, in time order."""
        self._events = []
        columns = [batch.level_dbfs, batch.speech_level_dbfs, batch.f0_hz, batch.tilt_db, batch.rate_syl_s,
                   batch.speech_prob, batch.voiced]
        agent = list(zip(*(c[:, 0].tolist() for c in columns), strict=True))
        customer = list(zip(*(c[:, 1].tolist() for c in columns), strict=True)) if self.two_channel else None
        music = (batch.music_prob[:, 1] >= 0.5).tolist() if self.two_channel else [False] * batch.count
        for i, agent_frame in enumerate(agent):
            self._step_hold(music[i])
            self._step(batch.first_frame + i, agent_frame, customer[i] if customer else None)
        return self._events

    def finish(self) -> list[Event]:
        """End of stream: closes open episodes."""
        self._events = []
        frame = self.frame + 1
        for machine, kind, speaker in self._machines():
            transition = machine.close(frame)
            if transition is not None:
                self._episode_ended(kind, speaker, transition)
        self._talk_over.close(frame, self)
        return self._events

    def status(self) -> DetectorStatus:
        return DetectorStatus(
            frame=self.frame, agent_calibration=self.agent.baseline.calibration_progress,
            agent_level_over_db=self.agent.over[0], agent_pitch_over_st=self.agent.over[1],
            customer_level_over_db=self.customer.over[0], in_call=self._in_call(), muted=self._muted(),
            on_hold=self.on_hold)

    @property
    def agent_baseline(self) -> BaselineValues | None:
        return self.agent.baseline.values if not self.agent.baseline.from_prior else None

    @property
    def customer_baseline(self) -> BaselineValues | None:
        return self.customer.baseline.values if self.two_channel else None

    # -- per frame ----------------------------------------------------------------------------------------
    def _step(self, frame: int, agent: tuple, customer: tuple | None) -> None:
        self.frame = frame
        level, speech_level, f0, tilt, rate, prob, voiced = agent
        self._zero_run = self._zero_run + 1 if level <= SILENT_LEVEL_DBFS else 0
        agent_speech = prob >= SPEECH_PROB
        customer_speech = False
        if customer is not None:
            c_level, c_speech_level, c_f0, c_tilt, c_rate, c_prob, c_voiced = customer
            customer_speech = c_prob >= SPEECH_PROB and not self.on_hold
            if c_level > SIGNAL_LEVEL_DBFS:
                if self._last_call_signal >= 0 and frame - self._last_call_signal > NEW_CALL_GAP_FRAMES:
                    self._start_new_call(frame)
                self._last_call_signal = frame
            agent_speech = self._leak.agent_speaking(mic_speech=agent_speech, mic_level_dbfs=level,
                                                     far_speech=customer_speech, far_level_dbfs=c_level)
            self._customer_run.step(frame, customer_speech)
            self._on(self.customer.step(frame, level_dbfs=c_speech_level, f0_hz=c_f0, tilt_db=c_tilt, rate_syl_s=c_rate,
                                        voiced=c_voiced and customer_speech, speech=customer_speech),
                     RAISED_VOICE, CUSTOMER)
        agent_onset = self._agent_run.step(frame, agent_speech)
        self._on(self.agent.step(frame, level_dbfs=speech_level, f0_hz=f0, tilt_db=tilt, rate_syl_s=rate,
                                 voiced=voiced and agent_speech, speech=agent_speech), RAISED_VOICE, AGENT)
        self._step_fast(frame, rate)
        self._step_no_pause(frame, agent_speech)
        if customer is not None:
            self._talk_over.step(frame, agent_onset, self._agent_run, self._customer_run, self)

    def _step_fast(self, frame: int, rate: float) -> None:
        base = self.agent.baseline.values
        if base is None or self.agent.baseline.from_prior or not base.rate_syl_s > 0 or math.isnan(rate):
            entering = staying = False
        else:
            recent = frame - self.agent.last_voiced <= RECENT_SPEECH_FRAMES
            ratio = rate / base.rate_syl_s
            entering = recent and ratio >= self._fast_ratio_enter
            staying = recent and ratio >= 1.0 + 0.6 * (self._fast_ratio_enter - 1.0)
            self._fast_ratio = ratio
        self._on(self._fast.step(frame, entering=entering, staying=staying), FAST_SPEECH, AGENT)

    def _step_no_pause(self, frame: int, agent_speech: bool) -> None:
        customer_turn = self._customer_run.ongoing(frame) and \
            self._customer_run.length(frame) >= self._customer_turn_frames
        paused = frame - self._agent_run.last >= self._pause_frames
        if customer_turn or paused:
            self._stretch_start = None
        elif agent_speech and self._stretch_start is None:
            self._stretch_start = frame
        talking = self._stretch_start is not None
        self._on(self._no_pause.step(frame, entering=talking, staying=talking), NO_PAUSE, AGENT)

    # -- events -------------------------------------------------------------------------------------------
    def _on(self, transition: Transition | None, kind: str, speaker: str) -> None:
        if transition is None:
            return
        if transition.started:
            self._episode_started(kind, speaker, transition)
        else:
            self._episode_ended(kind, speaker, transition)

    def _episode_started(self, kind: str, speaker: str, transition: Transition) -> None:
        evidence = self._evidence(kind, speaker, transition.start_frame, transition.end_frame)
        self.fire(kind, speaker, transition.end_frame, evidence)

    def _episode_ended(self, kind: str, speaker: str, transition: Transition) -> None:
        evidence = self._evidence(kind, speaker, transition.start_frame, transition.end_frame)
        self._events.append(Episode(kind, speaker, _start_s(transition.start_frame),
                                    _start_s(transition.end_frame), evidence))

    def fire(self, kind: str, speaker: str, frame: int, evidence: dict[str, float]) -> None:
        """A confirmed episode: show a cue if the call, the mic and the limits allow it."""
        if not self._in_call() or self._muted() or self.on_hold:
            return
        if self._limiters[(kind, speaker)].allow(frame):
            self._events.append(Cue(kind, speaker, frame_time_s(frame), MESSAGES[(kind, speaker)], evidence))

    def add_episode(self, episode: Episode) -> None:
        self._events.append(episode)

    def _evidence(self, kind: str, speaker: str, start: int, end: int) -> dict[str, float]:
        duration_s = (end - start) * HOP_S
        if kind == RAISED_VOICE:
            return (self.agent if speaker == AGENT else self.customer).evidence(duration_s=duration_s)
        if kind == FAST_SPEECH:
            base = self.agent.baseline.values
            return {"rate_ratio": self._fast_ratio,
                    "baseline_rate_syl_s": base.rate_syl_s if base else math.nan, "duration_s": duration_s}
        return {"talk_s": duration_s}

    def _machines(self) -> list[tuple[EpisodeMachine, str, str]]:
        return [(self.agent.machine, RAISED_VOICE, AGENT), (self.customer.machine, RAISED_VOICE, CUSTOMER),
                (self._fast, FAST_SPEECH, AGENT), (self._no_pause, NO_PAUSE, AGENT)]

    def _fresh_customer(self) -> SpeakerTrack:
        """The caller's track, starting from the telephone-speech prior (every call has a new caller)."""
        b, rv = self.settings.baseline, self.settings.raised_voice
        prior = BaselineValues(b.customer_prior_level_dbfs, math.nan, b.customer_prior_tilt_db, math.nan)
        return SpeakerTrack(baseline=SpeakerBaseline(calibration_speech_s=b.calibration_speech_s, prior=prior),
                            thresholds=self._thresholds, min_s=rv.customer_min_s, exit_s=rv.customer_exit_s)

    def _start_new_call(self, frame: int) -> None:
        """The call audio came back after a long digital silence: a new caller, a new baseline and cooldown."""
        ended = self.customer.machine.close(self._last_call_signal + 1)
        if ended is not None:
            self._episode_ended(RAISED_VOICE, CUSTOMER, ended)
        self.customer = self._fresh_customer()
        limiter = self._limiters[(RAISED_VOICE, CUSTOMER)]
        self._limiters[(RAISED_VOICE, CUSTOMER)] = CueLimiter(limiter.limits)
        self._customer_run = SpeechRun(bridge_frames=TURN_BRIDGE_FRAMES)

    def _step_hold(self, music: bool) -> None:
        self._music_share = HOLD_SMOOTHING * self._music_share + (1.0 - HOLD_SMOOTHING) * float(music)
        self.on_hold = self._music_share >= (HOLD_EXIT if self.on_hold else HOLD_ENTER)

    def _in_call(self) -> bool:
        return not self.two_channel or self.frame - self._last_call_signal <= CALL_MEMORY_FRAMES

    def _muted(self) -> bool:
        return self._zero_run >= MUTED_FRAMES


class _TalkOverTracker:
    """The agent starts talking while the caller, already talking for a while, still is; beyond a backchannel."""

    def __init__(self, *, turn_min_frames: int, agent_min_frames: int) -> None:
        self.turn_min_frames = turn_min_frames
        self.agent_min_frames = agent_min_frames
        self._onset: int | None = None
        self._customer_talk_frames = 0
        self._confirmed = False

    def step(self, frame: int, agent_onset: bool, agent: SpeechRun, customer: SpeechRun,
             detector: Detector) -> None:
        if agent_onset and self._onset is None and customer.talking(frame - 1) and \
                customer.length(frame) >= self.turn_min_frames:
            self._onset, self._customer_talk_frames, self._confirmed = frame, customer.length(frame), False
        if self._onset is None:
            return
        if not self._confirmed:
            if not agent.ongoing(frame):
                self._onset = None  # a backchannel: 'mm-hm'
            elif frame - self._onset + 1 >= self.agent_min_frames:
                self._confirmed = True
                detector.fire(TALK_OVER, AGENT, frame, self._evidence(frame))
            return
        if not (agent.talking(frame) and customer.talking(frame)):
            self._end(min(agent.last, customer.last) + 1, detector)

    def close(self, frame: int, detector: Detector) -> None:
        if self._onset is not None and self._confirmed:
            self._end(frame, detector)
        self._onset = None

    def _end(self, end_frame: int, detector: Detector) -> None:
        assert self._onset is not None
        end_frame = max(end_frame, self._onset + self.agent_min_frames)
        detector.add_episode(Episode(TALK_OVER, AGENT, _start_s(self._onset), _start_s(end_frame),
                                     self._evidence(end_frame)))
        self._onset = None

    def _evidence(self, frame: int) -> dict[str, float]:
        assert self._onset is not None
        return {"customer_talk_s": self._customer_talk_frames * HOP_S, "overlap_s": (frame - self._onset) * HOP_S}


def _start_s(frame: int) -> float:
    """The time at which frame `frame` begins (the end of the previous frame)."""
    return frame_time_s(frame - 1)
