"""The agent's own nudges to the detector: how much later each cue kind starts, on top of the settings.

`ThresholdOffsets` crosses from the UI to the worker (engine/commands.py SetThresholdOffsets); `apply` turns it into
the DetectorSettings the detector runs with. Offsets only ever make a cue harder to start (a negative one counts
as zero), so the result never goes below what the settings and the machine policy say; each raised value stays
within its schema bound. How big a nudge is and when one happens is decided in the UI (ui/nudge.py).

Each offset is in the unit the agent's cue is judged in, after the sensitivity scale: +1.5 dB on the raised-voice
index means the voice must be 1.5 dB further above the usual one, whatever the sensitivity.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any

from calmcue.config.schema import DetectorSettings
from calmcue.detector.kinds import CueKind, Speaker


@dataclass(frozen=True)
class ThresholdOffsets:
    raised_voice_agent_db: float = 0.0  # on the agent's raised-voice index (level + tilt + pitch over baseline)
    raised_voice_customer_db: float = 0.0  # the same on the caller's side
    talk_over_s: float = 0.0  # on how long the agent's overlapping speech must last (longer than a backchannel)
    fast_speech_ratio: float = 0.0  # on the speaking rate over the agent's own usual pace (default 1.3x -> 1.35x)
    no_pause_s: float = 0.0  # on how long the agent talks with no turn from the caller

    def apply(self, settings: DetectorSettings) -> DetectorSettings:
        """The settings with each enter threshold raised by its offset (bounded by the schema's maximum)."""
        scale = settings.threshold_scale
        rv, to, fs, npause = settings.raised_voice, settings.talk_over, settings.fast_speech, settings.no_pause
        rv = _raised(rv, "raise_index_enter_db", _pos(self.raised_voice_agent_db) / scale)
        rv = _raised(rv, "customer_raise_index_enter_db", _pos(self.raised_voice_customer_db) / scale)
        return replace(settings, raised_voice=rv,
                       talk_over=_raised(to, "agent_min_s", _pos(self.talk_over_s)),
                       fast_speech=_raised(fs, "rate_ratio_enter", _pos(self.fast_speech_ratio) / scale),
                       no_pause=_raised(npause, "talk_s", _pos(self.no_pause_s)))

    def get(self, kind: CueKind, speaker: Speaker) -> float:
        return float(getattr(self, field_for(kind, speaker)))

    def with_offset(self, kind: CueKind, speaker: Speaker, value: float) -> ThresholdOffsets:
        return replace(self, **{field_for(kind, speaker): float(value)})

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) > 0 for f in dataclasses.fields(self))


FIELDS = {
    (CueKind.RAISED_VOICE, Speaker.AGENT): "raised_voice_agent_db",
    (CueKind.RAISED_VOICE, Speaker.CUSTOMER): "raised_voice_customer_db",
    (CueKind.TALK_OVER, Speaker.AGENT): "talk_over_s",
    (CueKind.FAST_SPEECH, Speaker.AGENT): "fast_speech_ratio",
    (CueKind.NO_PAUSE, Speaker.AGENT): "no_pause_s",
}
SETTING_KEYS = {  # the settings key each offset raises (a key IT enforces is left exactly as IT set it)
    (CueKind.RAISED_VOICE, Speaker.AGENT): "detector.raised_voice.raise_index_enter_db",
    (CueKind.RAISED_VOICE, Speaker.CUSTOMER): "detector.raised_voice.customer_raise_index_enter_db",
    (CueKind.TALK_OVER, Speaker.AGENT): "detector.talk_over.agent_min_s",
    (CueKind.FAST_SPEECH, Speaker.AGENT): "detector.fast_speech.rate_ratio_enter",
    (CueKind.NO_PAUSE, Speaker.AGENT): "detector.no_pause.talk_s",
}


def field_for(kind: CueKind, speaker: Speaker) -> str:
    try:
        return FIELDS[(CueKind(kind), Speaker(speaker))]
    except (KeyError, ValueError):
        raise ValueError(f"no threshold to nudge for {kind}/{speaker}; expected one of "
                         f"{', '.join(f'{k}/{s}' for k, s in FIELDS)}") from None


def _pos(value: float) -> float:
    return value if value > 0 else 0.0


def _raised(section: Any, name: str, offset: float) -> Any:
    if not offset:
        return section
    top = next(f for f in dataclasses.fields(section) if f.name == name).metadata.get("max")
    value = getattr(section, name) + offset
    return replace(section, **{name: min(value, top) if top is not None else value})
