"""The settings schema: every key has a type, a default, bounds, a unit and a description.

Frozen dataclasses, so a `Settings` object can be handed to the worker thread as it is.
Field metadata (`unit`, `min`, `max`, `doc`) drives validation, the settings dialog and `--help` texts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class Sensitivity(StrEnum):
    GENTLE = "gentle"
    NORMAL = "normal"
    STRICT = "strict"


SENSITIVITY_SCALE: dict[Sensitivity, float] = {Sensitivity.GENTLE: 1.25, Sensitivity.NORMAL: 1.0,
                                               Sensitivity.STRICT: 0.8}


def setting(default: Any, *, doc: str, unit: str = "", lo: float | None = None, hi: float | None = None,
            choices: tuple[str, ...] | None = None, check: Callable[[Any], str | None] | None = None) -> Any:
    """A dataclass field carrying its documentation, unit and allowed range; `check(value)` returns what is
    wrong with a value (None when it is fine), for rules a range cannot say."""
    meta = {"doc": doc, "unit": unit, "min": lo, "max": hi, "choices": choices, "check": check}
    return field(default=default, metadata=meta)


def http_url(value: str) -> str | None:
    """Empty, or an http(s) URL with a host (an OTLP/HTTP endpoint)."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL; give one like https://collector.example.com:4318/v1/metrics, or leave it empty"
    return None


@dataclass(frozen=True)
class BaselineSettings:
    calibration_speech_s: float = setting(12.0, unit="s", lo=5.0, hi=120.0,
                                          doc="Detected speech needed before a speaker's baseline is trusted "
                                              "(the detector counts conservatively: about 15 s of talking).")
    adapt_speech_s: float = setting(300.0, unit="s", lo=30.0, hi=7200.0,
                                    doc="How slowly a learned baseline follows the speaker: it moves at most 15 dB "
                                        "(or semitones) per this much voiced speech (300 s: 3 dB a minute).")
    customer_prior_level_dbfs: float = setting(-28.0, unit="dBFS", lo=-60.0, hi=-6.0,
                                               doc="Starting level assumed for a caller's calm voice (80th percentile "
                                                   "of voiced frames): a few dB above the nominal -26 dBov active "
                                                   "speech level of telephone speech (ITU-T P.56 measurement, the "
                                                   "level ITU-T P.800 tests play speech at).")
    customer_prior_tilt_db: float = setting(-10.0, unit="dB", lo=-40.0, hi=20.0,
                                            doc="Starting spectral tilt (1000-3400 Hz over 300-1000 Hz) assumed for a "
                                                "caller's calm speech: the median over the calm clips of the six "
                                                "development speakers, wide-band and telephone band alike "
                                                "(-8.6 to -12 dB per speaker; their strong raised clips -6.6 to +0.6).")


@dataclass(frozen=True)
class RaisedVoiceSettings:
    enabled_agent: bool = setting(True, doc="Cue the agent when their own voice rises.")
    enabled_customer: bool = setting(True, doc="Cue the agent when the caller's voice rises.")
    raise_index_enter_db: float = setting(12.0, unit="dB", lo=4.0, hi=60.0,
                                          doc="Raised-voice index (level rise + tilt flattening + half the pitch "
                                              "rise in semitones, over the speaker's baseline) that starts a "
                                              "raised voice.")
    raise_index_exit_db: float = setting(10.0, unit="dB", lo=0.0, hi=60.0,
                                         doc="Raised-voice index below which a raised voice starts to end.")
    level_enter_db: float = setting(6.0, unit="dB", lo=0.0, hi=30.0,
                                    doc="Level rise over baseline a raised voice needs at least.")
    level_exit_db: float = setting(4.0, unit="dB", lo=0.0, hi=30.0,
                                   doc="Level rise over baseline below which a raised voice starts to end.")
    customer_raise_index_enter_db: float = setting(8.0, unit="dB", lo=4.0, hi=60.0,
                                                   doc="Caller: the raised-voice index that starts a raised voice "
                                                       "(lower than the agent's: no gain-step risk is weighed there, "
                                                       "and a missed 'let them vent' costs more).")
    customer_level_enter_db: float = setting(5.0, unit="dB", lo=0.0, hi=30.0,
                                             doc="Caller: the level rise over their baseline a raised voice needs.")
    effort_enter_db: float = setting(2.0, unit="dB", lo=0.5, hi=30.0,
                                     doc="Tilt flattening that, or the pitch rise, a raised voice needs beside the "
                                         "level (a gain change has neither); a caller's guessed baseline needs both "
                                         "(the line gain is unknown until their own baseline is learned).")
    pitch_enter_st: float = setting(1.5, unit="semitones", lo=0.5, hi=24.0,
                                    doc="Pitch rise that, or the tilt flattening, a raised voice needs beside the "
                                        "level; a caller's guessed baseline needs both.")
    agent_min_s: float = setting(0.8, unit="s", lo=0.2, hi=10.0,
                                 doc="Agent: how long it must last (a raised sentence is often under 2 s); "
                                     "a clearly louder raise, half as long.")
    agent_exit_s: float = setting(1.5, unit="s", lo=0.2, hi=10.0, doc="Agent: calm time that ends it.")
    agent_cooldown_s: float = setting(30.0, unit="s", lo=0.0, hi=3600.0, doc="Agent: quiet time between cues.")
    agent_max_per_hour: int = setting(20, unit="per hour", lo=0, hi=200, doc="Agent: most cues in any hour.")
    customer_min_s: float = setting(0.6, unit="s", lo=0.2, hi=10.0,
                                    doc="Caller: how long it must last (a raised sentence is often under 2 s).")
    customer_exit_s: float = setting(2.0, unit="s", lo=0.2, hi=10.0, doc="Caller: calm time that ends it.")
    customer_cooldown_s: float = setting(60.0, unit="s", lo=0.0, hi=3600.0, doc="Caller: quiet time between cues.")
    customer_max_per_hour: int = setting(60, unit="per hour", lo=0, hi=200, doc="Caller: most cues in any hour.")


@dataclass(frozen=True)
class TalkOverSettings:
    enabled: bool = setting(True, doc="Cue when the agent starts talking while the caller is still talking.")
    customer_turn_min_s: float = setting(0.8, unit="s", lo=0.2, hi=10.0,
                                         doc="How long the caller must already have spoken, from the detected "
                                             "onset (which lags the first syllable by up to 0.2 s in noise).")
    agent_min_s: float = setting(0.6, unit="s", lo=0.2, hi=5.0,
                                 doc="Agent speech shorter than this is a backchannel ('mm-hm').")
    cooldown_s: float = setting(20.0, unit="s", lo=0.0, hi=3600.0, doc="Quiet time between cues.")
    max_per_hour: int = setting(20, unit="per hour", lo=0, hi=200, doc="Most cues in any hour.")


@dataclass(frozen=True)
class FastSpeechSettings:
    enabled: bool = setting(True, doc="Cue when the agent speaks much faster than their own normal pace.")
    rate_ratio_enter: float = setting(1.3, unit="x", lo=1.05, hi=3.0,
                                      doc="Speaking rate over the agent's usual pace (learned over their speech) "
                                          "that counts as fast.")
    window_speech_s: float = setting(6.5, unit="s", lo=2.0, hi=30.0, doc="Speech over which the rate is measured.")
    min_s: float = setting(1.0, unit="s", lo=0.5, hi=30.0, doc="How long the fast rate must last.")
    cooldown_s: float = setting(60.0, unit="s", lo=0.0, hi=3600.0, doc="Quiet time between cues.")
    max_per_hour: int = setting(6, unit="per hour", lo=0, hi=200, doc="Most cues in any hour.")


@dataclass(frozen=True)
class NoPauseSettings:
    enabled: bool = setting(True, doc="Cue when the agent has talked for long with no turn from the caller.")
    talk_s: float = setting(45.0, unit="s", lo=10.0, hi=600.0, doc="Talking time without a caller turn.")
    customer_turn_s: float = setting(0.5, unit="s", lo=0.1, hi=5.0, doc="Caller speech that counts as a turn.")
    mono_pause_s: float = setting(2.0, unit="s", lo=0.5, hi=10.0,
                                  doc="Without call audio: a silence this long counts as the caller's turn.")
    cooldown_s: float = setting(120.0, unit="s", lo=0.0, hi=3600.0, doc="Quiet time between cues.")
    max_per_hour: int = setting(6, unit="per hour", lo=0, hi=200, doc="Most cues in any hour.")


@dataclass(frozen=True)
class DetectorSettings:
    sensitivity: str = setting(Sensitivity.NORMAL.value, choices=tuple(s.value for s in Sensitivity),
                               doc="Scales the raised-voice and fast-speech enter thresholds: gentle x1.25, "
                                   "normal x1, strict x0.8 (talk-over and no-pause are not scaled).")
    baseline: BaselineSettings = field(default_factory=BaselineSettings)
    raised_voice: RaisedVoiceSettings = field(default_factory=RaisedVoiceSettings)
    talk_over: TalkOverSettings = field(default_factory=TalkOverSettings)
    fast_speech: FastSpeechSettings = field(default_factory=FastSpeechSettings)
    no_pause: NoPauseSettings = field(default_factory=NoPauseSettings)

    @property
    def threshold_scale(self) -> float:
        return SENSITIVITY_SCALE[Sensitivity(self.sensitivity)]


@dataclass(frozen=True)
class AudioSettings:
    mic: str = setting("", doc="Microphone by name (empty: the system default input).")
    call: str = setting("", doc="Call-audio source by name (empty: find the playback monitor, or none).")
    latency: str = setting("low", choices=("low", "high"), doc="PortAudio latency class for capture.")


@dataclass(frozen=True)
class OverlaySettings:
    corner: str = setting("bottom-right", choices=("top-left", "top-right", "bottom-left", "bottom-right"),
                          doc="Screen corner for the cue overlay (bottom right, above the taskbar, keeps clear of "
                              "the call timer and buttons that most call software puts at the top).")
    screen: int = setting(0, lo=0, hi=16, doc="Screen index for the overlay (0 = primary).")
    show_s: float = setting(6.0, unit="s", lo=1.0, hi=60.0, doc="How long a cue stays on screen.")
    min_gap_s: float = setting(10.0, unit="s", lo=0.0, hi=600.0,
                               doc="Least time from one cue to the next (a more urgent cue may replace the one "
                                   "showing).")


@dataclass(frozen=True)
class HistorySettings:
    keep_days: int = setting(30, unit="days", lo=1, hi=366,
                             doc="Call summaries (numbers only) older than this are deleted from this computer.")
    max_calls: int = setting(5000, unit="calls", lo=10, hi=50000, doc="Most call summaries kept; the oldest go first.")
    card: bool = setting(True, doc="After a call with at least one cue, show a short summary card.")
    card_s: float = setting(8.0, unit="s", lo=2.0, hi=60.0, doc="How long the call summary card stays.")


@dataclass(frozen=True)
class TelemetrySettings:
    """Team counts for IT: read from the machine policy only (a user file cannot turn them on)."""

    enabled: bool = setting(False, doc="Export aggregate counters (calls, cues per kind, raised minutes, talk-over, "
                                       "CalmCue's CPU and dropped audio) over OTLP/HTTP. Never audio or per-call "
                                       "detail.")
    endpoint: str = setting("", check=http_url,
                            doc="OTLP/HTTP metrics URL of the company's collector, e.g. "
                                "https://collector.example.com:4318/v1/metrics.")
    team: str = setting("", doc="Team label sent with the counters (empty: none).")
    site: str = setting("", doc="Site label sent with the counters (empty: none).")
    include_user: bool = setting(False, doc="Also send the agent's login name as a label. Off: no agent identity.")
    export_interval_s: float = setting(300.0, unit="s", lo=1.0, hi=86400.0, doc="How often counters are sent.")


@dataclass(frozen=True)
class Settings:
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    overlay: OverlaySettings = field(default_factory=OverlaySettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)


def iter_keys(cls: type = Settings, prefix: str = "") -> list[tuple[str, dataclasses.Field[Any]]]:
    """All leaf keys of the schema as ("section.key", field) pairs, in declaration order.

    Sections are the fields built by a default_factory (annotations are strings here, so the type is read from
    an instance).
    """
    keys: list[tuple[str, dataclasses.Field[Any]]] = []
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            keys.extend(iter_keys(type(f.default_factory()), f"{prefix}{f.name}."))
        else:
            keys.append((f"{prefix}{f.name}", f))
    return keys
