"""Labels for the settings that are one of a few values. The values themselves come from the settings schema
(config/schema.py `choices`), so the tray menu and the settings dialog offer exactly what the schema allows; a
value added there shows under its own name until it is given a label here (a test checks that none lacks one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PyQt6.QtCore import QT_TRANSLATE_NOOP

from calmcue.config.schema import SENSITIVITY_SCALE, Sensitivity, iter_keys
from calmcue.ui.i18n import tr_label

FIELDS = dict(iter_keys())

LABELS: dict[str, dict[str, str]] = {
    "detector.sensitivity": {
        "gentle": QT_TRANSLATE_NOOP("CalmCue", "Gentle"),
        "normal": QT_TRANSLATE_NOOP("CalmCue", "Normal"),
        "strict": QT_TRANSLATE_NOOP("CalmCue", "Strict"),
    },
    "overlay.corner": {
        "top-left": QT_TRANSLATE_NOOP("CalmCue", "Top left"),
        "top-right": QT_TRANSLATE_NOOP("CalmCue", "Top right"),
        "bottom-left": QT_TRANSLATE_NOOP("CalmCue", "Bottom left"),
        "bottom-right": QT_TRANSLATE_NOOP("CalmCue", "Bottom right"),
    },
    "audio.latency": {
        "low": QT_TRANSLATE_NOOP("CalmCue", "Low (cues sooner)"),
        "high": QT_TRANSLATE_NOOP("CalmCue", "High (fewer audio dropouts)"),
    },
}


HINTS: dict[str, dict[str, str]] = {  # what a choice means, in the agent's words (tooltips, settings)
    # Sensitivity scales the raised-voice and fast-pace thresholds (config/schema.py SENSITIVITY_SCALE: gentle
    # x1.25, strict x0.8); talking over and long talk are not affected. `sensitivity_detail` gives the figures.
    "detector.sensitivity": {
        "gentle": QT_TRANSLATE_NOOP("CalmCue", "cues only when a voice is clearly raised"),
        "normal": QT_TRANSLATE_NOOP("CalmCue", "cues when a voice is raised well above its usual level"),
        "strict": QT_TRANSLATE_NOOP("CalmCue", "cues when a voice is a little raised"),
    },
}
DETAIL = QT_TRANSLATE_NOOP("CalmCue", "A cue about your voice needs it at least %1 dB louder than usual; a cue "
                                      "about your pace needs it %2% faster than usual. Cues for talking over the "
                                      "caller and for long talk do not change.")


def hint(key: str, value: str) -> str:
    """What choosing `value` for `key` means, translated ("" when there is nothing to add)."""
    text = HINTS.get(key, {}).get(value)
    return tr_label(text) if text else ""


def choice_keys() -> list[str]:
    """Every schema key whose value is one of a fixed set."""
    return [key for key, field in FIELDS.items() if field.metadata.get("choices")]


def choices(key: str) -> list[tuple[str, str]]:
    """(value, translated label) for each value the schema allows for `key`, in the schema's order."""
    values: tuple[str, ...] = FIELDS[key].metadata.get("choices") or ()
    if not values:
        raise KeyError(f"{key} is not a choice in the settings schema")
    labels = LABELS.get(key, {})
    return [(value, tr_label(labels[value]) if value in labels else value) for value in values]


def described(key: str) -> list[tuple[str, str]]:
    """Like `choices`, with what each choice means after its name: "Gentle - cues only when ..."."""
    return [(value, f"{label} - {hint(key, value)}" if hint(key, value) else label) for value, label in choices(key)]


def sensitivity_detail(value: str, values: Mapping[str, Any]) -> str:
    """The figures behind a sensitivity choice for these settings (the detector scales them the same way)."""
    scale = SENSITIVITY_SCALE[Sensitivity(value)]
    level_db = float(values["detector.raised_voice.level_enter_db"]) * scale
    faster = (float(values["detector.fast_speech.rate_ratio_enter"]) - 1.0) * scale * 100.0
    return tr_label(DETAIL).replace("%1", f"{level_db:.1f}").replace("%2", f"{faster:.0f}")
