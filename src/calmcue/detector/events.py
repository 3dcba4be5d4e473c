"""What the detector reports: episodes (a condition was present) and cues (what the overlay shows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from calmcue.detector.calls import CallSummary

RAISED_VOICE = "raised_voice"
TALK_OVER = "talk_over"
FAST_SPEECH = "fast_speech"
NO_PAUSE = "no_pause"
KINDS = (RAISED_VOICE, TALK_OVER, FAST_SPEECH, NO_PAUSE)
AGENT = "agent"
CUSTOMER = "customer"

MESSAGES: dict[tuple[str, str], str] = {
    (RAISED_VOICE, AGENT): "Lower your voice - stay calm",
    (RAISED_VOICE, CUSTOMER): "Let them vent - listen, don't interrupt",
    (TALK_OVER, AGENT): "Let them finish - listen",
    (FAST_SPEECH, AGENT): "Slow down",
    (NO_PAUSE, AGENT): "Pause - let the customer speak",
}


def _rounded(evidence: dict[str, float]) -> dict[str, float]:
    return {key: round(float(value), 2) for key, value in evidence.items()}


@dataclass(frozen=True)
class Episode:
    kind: str
    speaker: str
    start_s: float
    end_s: float
    evidence: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(start_s=round(self.start_s, 2), end_s=round(self.end_s, 2), evidence=_rounded(self.evidence))
        return out


@dataclass(frozen=True)
class Cue:
    kind: str
    speaker: str
    t_s: float
    message: str
    evidence: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(t_s=round(self.t_s, 2), evidence=_rounded(self.evidence))
        return out

    @property
    def reason(self) -> str:
        """A short human reason for the overlay, e.g. '+9 dB above your usual level for 1.4 s'."""
        ev = self.evidence
        who = "your" if self.speaker == AGENT else "their"
        if self.kind == RAISED_VOICE and "level_over_baseline_db" in ev:
            return (f"+{ev['level_over_baseline_db']:.0f} dB above {who} usual level "
                    f"for {ev.get('duration_s', 0.0):.1f} s")
        if self.kind == TALK_OVER:
            return f"they had been speaking for {ev.get('customer_talk_s', 0.0):.1f} s"
        if self.kind == FAST_SPEECH:
            return f"{ev.get('rate_ratio', 0.0):.1f}x your usual pace"
        if self.kind == NO_PAUSE:
            return f"{ev.get('talk_s', 0.0):.0f} s without a pause for them"
        return ""


Event = Union[Episode, Cue, "CallSummary"]  # a call's summary: detector/calls.py
