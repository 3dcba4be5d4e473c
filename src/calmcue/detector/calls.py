"""Calls: where each one starts and ends, and a numbers-only summary of it for the agent's own reflection.

A small state machine fed frame by frame by the detector (its clock is the frame index, never the wall clock),
so a file and a live stream fed the same samples give identical summaries.

    idle --call audio (two channels) / agent speech (mic only)--> in call
    in call --call audio digitally silent for the new-call gap / manual "new call" / end of stream--> idle

With call audio, a call runs from its first to its last frame of call audio (the end is known once the gap has
passed). Mic-only, a call starts at the agent's first speech and ends only by the "new call" command or the end
of the stream. A call with under a second of speech from anyone (a notification sound) gives no summary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from calmcue.detector.baseline import LEVEL_QUANTILE, BaselineValues
from calmcue.detector.events import Cue, Episode
from calmcue.detector.kinds import CueKind, Speaker
from calmcue.timebase import HOP_S

MIN_SPEECH_FRAMES = 100  # a call needs at least 1 s of speech (either side) to be summarised
LEVEL_BIN_DB = 0.1
LEVEL_FLOOR_DBFS = -100.0
RATE_BIN_SYL_S = 0.05
RATE_MAX_SYL_S = 20.0


class CallEnd(StrEnum):
    CALL_AUDIO_GAP = "call_audio_gap"  # the call audio went digitally silent
    NEW_CALL = "new_call"  # the agent chose "New call"
    END_OF_STREAM = "end_of_stream"  # the recording ended, or the engine stopped or paused


@dataclass(frozen=True)
class CallSummary:
    """One call in numbers (no audio, no words, no judgement). Times are engine seconds; None = unknown."""

    start_s: float
    end_s: float
    duration_s: float
    ended_by: str  # a CallEnd value
    call_audio: bool  # False: mic only (the caller's side is unknown)
    agent_talk_s: float
    customer_talk_s: float | None
    agent_talk_share: float | None  # the agent's part of all talk time, 0..1
    customer_talk_share: float | None
    longest_agent_monologue_s: float  # the longest agent talk without a caller turn
    talk_over_count: int  # times the agent started talking over the caller (episodes, whether or not cued)
    customer_raised_s: float  # time the caller's voice was raised
    customer_raised_count: int
    agent_let_them_finish: bool | None  # no talk-over while the caller's voice was raised; None: never raised
    agent_raised_s: float
    agent_raised_count: int
    agent_level_vs_baseline_db: float | None  # the agent's active-speech level in this call over their baseline
    agent_pace_ratio: float | None  # the agent's median speaking rate in this call over their baseline rate
    cues: dict[str, int] = field(default_factory=dict)  # cues shown, by kind

    @property
    def cue_count(self) -> int:
        return sum(self.cues.values())

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, float):
                out[key] = None if not math.isfinite(value) else round(value, 3 if key.endswith("share") else 2)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallSummary:
        """The inverse of `to_json` (for the history store); raises KeyError/TypeError/ValueError if damaged."""
        names = [f.name for f in cls.__dataclass_fields__.values()]
        values = {name: data[name] for name in names if name != "cues"}
        cues = {str(k): int(v) for k, v in dict(data.get("cues") or {}).items()}
        for key in ("start_s", "end_s", "duration_s", "agent_talk_s", "longest_agent_monologue_s",
                    "customer_raised_s", "agent_raised_s"):
            values[key] = float(values[key])
        for key in ("talk_over_count", "customer_raised_count", "agent_raised_count"):
            values[key] = int(values[key])
        return cls(**values, cues=cues)


class _Histogram:
    """Counts of values in fixed bins: a quantile over a call of any length in bounded memory."""

    def __init__(self, *, lo: float, hi: float, step: float) -> None:
        self.lo, self.step = lo, step
        self.counts = [0] * (round((hi - lo) / step) + 1)
        self.n = 0

    def add(self, value: float) -> None:
        index = min(max(round((value - self.lo) / self.step), 0), len(self.counts) - 1)
        self.counts[index] += 1
        self.n += 1

    def quantile(self, q: float) -> float:
        if self.n == 0:
            return math.nan
        target, seen = q * self.n, 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= target and count:
                return self.lo + index * self.step
        return self.lo + (len(self.counts) - 1) * self.step


@dataclass
class _Call:
    """The numbers of one open call, added up frame by frame."""

    start: int
    last_signal: int
    agent_frames: int = 0
    customer_frames: int = 0
    longest_monologue: int = 0
    talk_overs: list[tuple[float, float]] = field(default_factory=list)
    customer_raised: list[tuple[float, float]] = field(default_factory=list)
    agent_raised_s: float = 0.0
    agent_raised_count: int = 0
    cues: dict[str, int] = field(default_factory=lambda: dict.fromkeys(map(str, CueKind), 0))
    level: _Histogram = field(default_factory=lambda: _Histogram(lo=LEVEL_FLOOR_DBFS, hi=0.0, step=LEVEL_BIN_DB))
    rate: _Histogram = field(default_factory=lambda: _Histogram(lo=0.0, hi=RATE_MAX_SYL_S, step=RATE_BIN_SYL_S))

    def observe(self, event: object) -> None:
        if isinstance(event, Cue):
            if event.kind in self.cues:
                self.cues[event.kind] += 1
            return
        if not isinstance(event, Episode):
            return
        span = (event.start_s, event.end_s)
        if event.kind == CueKind.TALK_OVER:
            self.talk_overs.append(span)
        elif event.kind == CueKind.RAISED_VOICE and event.speaker == Speaker.CUSTOMER:
            self.customer_raised.append(span)
        elif event.kind == CueKind.RAISED_VOICE and event.speaker == Speaker.AGENT:
            self.agent_raised_count += 1
            self.agent_raised_s += event.end_s - event.start_s


class CallFrame(NamedTuple):
    """What the detector knows about one frame that matters for the call. A NamedTuple, not a frozen dataclass:
    the detector makes one every frame and it never leaves the engine's thread (a dataclass's init costs 0.6 us
    more, about 4 % of the detector's time per hop: issue 15)."""

    agent_speech: bool  # after the mic-leak gate
    customer_speech: bool
    call_signal: bool  # the call audio is not digital silence (always False mic-only)
    agent_voiced: bool
    agent_level_dbfs: float  # the agent's noise-compensated level (what the baseline is learned from)
    agent_rate_syl_s: float
    monologue_start: int | None  # where the agent's current talk without a caller turn began


class CallTracker:
    def __init__(self, *, call_audio: bool, gap_frames: int,
                 baseline: Callable[[], BaselineValues | None]) -> None:
        self.call_audio = call_audio
        self.gap_frames = gap_frames
        self.baseline = baseline
        self.call: _Call | None = None
        self.frame = -1

    @property
    def in_call(self) -> bool:
        return self.call is not None

    def step(self, frame: int, facts: CallFrame, events: Iterable[object]) -> list[CallSummary]:
        """Feeds one frame and the events the detector produced in it; returns the summary of a call that ended."""
        self.frame = frame
        call = self.call
        if call is not None:
            for event in events:
                call.observe(event)
        out: list[CallSummary] = []
        if call is not None and self.call_audio and frame - call.last_signal > self.gap_frames:
            out += self.end(call.last_signal + 1, CallEnd.CALL_AUDIO_GAP)
            call = None
        if call is None:
            starts = facts.call_signal if self.call_audio else facts.agent_speech
            if not starts:
                return out
            call = self.call = _Call(start=frame, last_signal=frame)
        self._count(frame, call, facts)
        return out

    def _count(self, frame: int, call: _Call, facts: CallFrame) -> None:
        if facts.call_signal:
            call.last_signal = frame
        call.customer_frames += facts.customer_speech
        if not facts.agent_speech:
            return
        call.agent_frames += 1
        if facts.monologue_start is not None:
            call.longest_monologue = max(call.longest_monologue, frame - max(facts.monologue_start, call.start) + 1)
        if facts.agent_voiced and math.isfinite(facts.agent_level_dbfs):
            call.level.add(facts.agent_level_dbfs)
        if math.isfinite(facts.agent_rate_syl_s):
            call.rate.add(facts.agent_rate_syl_s)

    def observe(self, events: Iterable[object]) -> None:
        """Events produced outside a frame step (episodes closed at the end of the stream)."""
        if self.call is not None:
            for event in events:
                self.call.observe(event)

    def finish(self, frame: int) -> list[CallSummary]:
        """End of stream: the open call ends with its call audio (or here, mic-only)."""
        if self.call is None:
            return []
        end = min(frame, self.call.last_signal + 1) if self.call_audio else frame
        return self.end(end, CallEnd.END_OF_STREAM)

    def end(self, end_frame: int, reason: CallEnd) -> list[CallSummary]:
        """Ends the open call at `end_frame` (exclusive); its summary, or nothing if there was hardly any speech."""
        call, self.call = self.call, None
        if call is None or call.agent_frames + call.customer_frames < MIN_SPEECH_FRAMES:
            return []
        return [self._summary(call, max(end_frame, call.start + 1), reason)]

    def _summary(self, call: _Call, end_frame: int, reason: CallEnd) -> CallSummary:
        agent_s = call.agent_frames * HOP_S
        customer_s = call.customer_frames * HOP_S if self.call_audio else None
        talk_s = agent_s + (customer_s or 0.0)
        agent_share = agent_s / talk_s if self.call_audio and talk_s > 0 else None
        raised = call.customer_raised
        overlapping = sum(1 for t0, t1 in call.talk_overs for r0, r1 in raised if t0 < r1 and r0 < t1)
        level_over, pace = _against_baseline(call, self.baseline())
        return CallSummary(
            start_s=_time_s(call.start), end_s=_time_s(end_frame), duration_s=(end_frame - call.start) * HOP_S,
            ended_by=str(reason), call_audio=self.call_audio, agent_talk_s=agent_s, customer_talk_s=customer_s,
            agent_talk_share=agent_share, customer_talk_share=None if agent_share is None else 1.0 - agent_share,
            longest_agent_monologue_s=call.longest_monologue * HOP_S, talk_over_count=len(call.talk_overs),
            customer_raised_s=sum(r1 - r0 for r0, r1 in raised), customer_raised_count=len(raised),
            agent_let_them_finish=(overlapping == 0) if raised else None, agent_raised_s=call.agent_raised_s,
            agent_raised_count=call.agent_raised_count, agent_level_vs_baseline_db=level_over,
            agent_pace_ratio=pace, cues=dict(call.cues))


def _against_baseline(call: _Call, base: BaselineValues | None) -> tuple[float | None, float | None]:
    if base is None:
        return None, None
    level = call.level.quantile(LEVEL_QUANTILE) - base.level_dbfs
    rate = call.rate.quantile(0.5)
    pace = rate / base.rate_syl_s if base.rate_syl_s > 0 and math.isfinite(rate) else math.nan
    return (level if math.isfinite(level) else None), (pace if math.isfinite(pace) else None)


def _time_s(frame: int) -> float:
    """The time at which frame `frame` begins (the end of the previous frame), as episodes use."""
    return frame * HOP_S
