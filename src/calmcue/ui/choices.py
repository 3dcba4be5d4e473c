"""Labels for the settings that are one of a few values. The values themselves come from the settings schema
(config/schema.py `choices`), so the tray menu and the settings dialog offer exactly what the schema allows; a
value added there shows under its own name until it is given a label here (a test checks that none lacks one).
"""

from __future__ import annotations

from PyQt6.QtCore import QT_TRANSLATE_NOOP

from calmcue.config.schema import iter_keys
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


HINTS: dict[str, dict[str, str]] = {  # what a choice means, in the agent's words (tooltips)
    "detector.sensitivity": {
        "gentle": QT_TRANSLATE_NOOP("CalmCue", "Fewer cues: only when your voice is clearly raised"),
        "normal": QT_TRANSLATE_NOOP("CalmCue", "Cues when your voice is raised well above your usual voice"),
        "strict": QT_TRANSLATE_NOOP("CalmCue", "More cues: also when your voice is only a little raised"),
    },
}


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
