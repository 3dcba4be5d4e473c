"""What the detector reports: episodes (a condition was present) and cues (what the overlay shows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Union

from calmcue.detector.kinds import CueKind, Speaker
from calmcue.detector.texts import cue_reason

if TYPE_CHECKING:
    from calmcue.detector.calls import CallSummary


def _rounded(evidence: dict[str, float]) -> dict[str, float]:
    return {key: round(float(value), 2) for key, value in evidence.items()}


@dataclass(frozen=True)
class Episode:
    kind: CueKind
    speaker: Speaker
    start_s: float
    end_s: float
    evidence: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(start_s=round(self.start_s, 2), end_s=round(self.end_s, 2), evidence=_rounded(self.evidence))
        return out


@dataclass(frozen=True)
class Cue:
    kind: CueKind
    speaker: Speaker
    t_s: float
    message: str  # the English source text of detector.texts.MESSAGES; the UI shows its translation
    evidence: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(t_s=round(self.t_s, 2), evidence=_rounded(self.evidence))
        return out

    @property
    def reason(self) -> str:
        """A short human reason, e.g. '+9 dB above your usual level' (English; the UI translates its own)."""
        return cue_reason(self.kind, self.speaker, self.evidence)


Event = Union[Episode, Cue, "CallSummary"]  # a call's summary: detector/calls.py
