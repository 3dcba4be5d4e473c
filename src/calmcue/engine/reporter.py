"""What the worker tells the outside: cues, episodes, meters, stats and status, to the mailbox and the log.

Runs on the worker thread only. It keeps the engine clock's offset (seconds of audio analysed by earlier
pipelines), so that every event carries engine time `t_s`, continuous across reopenings, and the state last said,
so that a status is posted once per change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from calmcue.detector.calls import CallSummary
from calmcue.detector.events import Cue, Episode, Event
from calmcue.engine.mailbox import (
    CALIBRATING,
    LISTENING,
    ON_HOLD,
    CallMessage,
    CueMessage,
    EngineState,
    EpisodeMessage,
    Mailbox,
    Meter,
    Stats,
    Status,
)
from calmcue.engine.metrics import WorkerMetrics
from calmcue.engine.pipeline import Pipeline
from calmcue.timebase import HOP_S

log = logging.getLogger("calmcue.worker")


class Reporter:
    def __init__(self, *, mailbox: Mailbox, metrics: WorkerMetrics) -> None:
        self.mailbox, self.metrics = mailbox, metrics
        self.t_offset_s = 0.0  # engine time at which the current pipeline's frame 0 starts
        self.snooze_until = 0.0  # time.monotonic() until which cues are not posted
        self._state: EngineState | None = None
        self._detail = ""
        self._muted = False
        self._too_loud = False

    def publish(self, events: list[Event]) -> None:
        for event in events:
            event = self._shifted(event)
            if isinstance(event, CallSummary):
                log.info("call %.2f-%.2f s ended (%s)", event.start_s, event.end_s, event.ended_by)
                self.mailbox.post(CallMessage(event))
            elif isinstance(event, Cue):
                log.info("cue %s %s at %.2f s", event.kind, event.speaker, event.t_s)
                if time.monotonic() >= self.snooze_until:
                    self.mailbox.post(CueMessage(event))
            else:
                log.info("episode %s %s %.2f-%.2f s", event.kind, event.speaker, event.start_s, event.end_s)
                self.mailbox.post(EpisodeMessage(event))

    def _shifted(self, event: Event) -> Event:
        off = self.t_offset_s
        if not off:
            return event
        if isinstance(event, Cue):
            return replace(event, t_s=event.t_s + off)
        if isinstance(event, CallSummary):
            return replace(event, start_s=event.start_s + off, end_s=event.end_s + off)
        assert isinstance(event, Episode)
        return replace(event, start_s=event.start_s + off, end_s=event.end_s + off)

    def meter(self, pipeline: Pipeline, batch: Any, *, post: bool = True) -> None:
        """The state (on hold/calibrating/listening) and mute changes, and (`post`) a Meter from the batch's last
        frame."""
        status = pipeline.detector.status()
        if post:
            last = batch.count - 1
            levels = tuple(float(v) for v in batch.level_dbfs[last])
            speech = tuple(bool(v >= 0.5) for v in batch.speech_prob[last])
            t_s = self.t_offset_s + (batch.first_frame + batch.count) * HOP_S
            self.mailbox.post(Meter(t_s=t_s, level_dbfs=levels, speech=speech,
                                    agent_calibration=float(status.agent_calibration),
                                    agent_level_over_db=float(status.agent_level_over_db),
                                    in_call=bool(status.in_call), muted=bool(status.muted),
                                    mic_too_loud=bool(status.mic_too_loud)))
        if bool(status.mic_too_loud) != self._too_loud:
            self._too_loud = bool(status.mic_too_loud)
            log.info("the microphone clips: its input gain is too high" if self._too_loud
                     else "the microphone no longer clips")
        if bool(status.muted) != self._muted:
            self._muted = bool(status.muted)
            log.info("the microphone sends digital silence (muted?)" if self._muted else "the microphone sound is back")
        if status.on_hold:
            self.state(ON_HOLD, "no cues until the caller is back", only_on_change=True)
        elif status.agent_calibration < 1.0:
            self.state(CALIBRATING, f"learning your usual voice: {status.agent_calibration:.0%}", only_on_change=True)
        else:
            self.state(LISTENING, "", only_on_change=True)

    def stats(self) -> None:
        m = self.metrics
        p50, p99 = m.latency_percentiles(50, 99)
        self.mailbox.post(Stats(dropped_blocks=m.dropped_blocks, overflows=m.overflows, frames=m.frames,
                                restarts=m.restarts, latency_p50_ms=p50, latency_p99_ms=p99))

    def state(self, state: EngineState, detail: str, *, only_on_change: bool = False,
              same_detail: bool = False) -> None:
        """Posts a Status and logs it. `only_on_change`: not when the state is already `state` (with
        `same_detail`: the state and the detail both)."""
        if only_on_change and state == self._state and (not same_detail or detail == self._detail):
            return
        self._state, self._detail = state, detail
        log.info("status %s: %s", state, detail)
        self.mailbox.post(Status(state, detail))

    def forget_state(self) -> None:
        """The next meter says calibrating or listening again (after the audio was reopened)."""
        self._state = None
        self._muted = False
        self._too_loud = False
