"""One widget per settings key, built from the typed schema (type, bounds, unit) and the plain-words table
(config/labels.py: label and tip), so a key added to the schema shows up with the right widget and range."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QT_TRANSLATE_NOOP, Qt
from PyQt6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from calmcue.config.labels import label, unit
from calmcue.ui.choices import FIELDS, hint
from calmcue.ui.choices import choices as schema_choices
from calmcue.ui.i18n import tr_label, translate

MANAGED = QT_TRANSLATE_NOOP("CalmCue", "Managed by your IT department")


class Editor:
    """One schema key's widget: `get` returns a value of the key's type, `set` shows one."""

    def __init__(self, key: str, widget: QWidget, get: Callable[[], Any], put: Callable[[Any], None]) -> None:
        self.key, self.widget, self.get, self.set = key, widget, get, put


def value_text(key: str, value: Any) -> str:
    """A value as the agent reads it: "6 s", "on", "Bottom right", "(none)"."""
    if isinstance(value, bool):
        return translate("CalmCue", "on") if value else translate("CalmCue", "off")
    if FIELDS[key].metadata.get("choices"):
        return dict(schema_choices(key)).get(value, str(value))
    if isinstance(value, int | float):
        shown = f"{value:g}"
        return f"{shown} {tr_label(unit(key))}".strip() if unit(key) else shown
    return str(value) if value else translate("CalmCue", "(none)")


def plain_tip(key: str) -> str:
    """What the setting does, in one sentence (no key names, no formulas)."""
    return tr_label(label(key).tip)


def detail_tip(key: str, *, default: Any) -> str:
    """The plain tip, the default in words and the key's name for IT (the Advanced page)."""
    lines = [plain_tip(key), translate("CalmCue", "Default: %1").replace("%1", value_text(key, default)),
             translate("CalmCue", "Setting name (for IT): %1").replace("%1", key)]
    return "\n".join(lines)


def make_editor(key: str, *, choices: list[tuple[Any, str]] | None = None, tip: str | None = None) -> Editor:
    editor = _editor_for(key, FIELDS[key], choices)
    editor.widget.setToolTip(plain_tip(key) if tip is None else tip)
    editor.widget.setObjectName(key)
    return editor


def _editor_for(key: str, field: dataclasses.Field[Any], choices: list[tuple[Any, str]] | None) -> Editor:
    meta, default = field.metadata, field.default
    if choices is None and meta.get("choices"):
        choices = list(schema_choices(key))
    if choices is not None:
        combo = QComboBox()
        for value, text in choices:
            combo.addItem(text, value)
            if isinstance(value, str) and hint(key, value):
                combo.setItemData(combo.count() - 1, hint(key, value), Qt.ItemDataRole.ToolTipRole)
        return Editor(key, combo, combo.currentData, lambda v: _select(combo, v))
    if isinstance(default, bool):
        box = QCheckBox()
        return Editor(key, box, box.isChecked, lambda v: box.setChecked(bool(v)))
    suffix = f" {tr_label(unit(key))}" if unit(key) else ""
    if isinstance(default, int):
        spin = QSpinBox()
        spin.setRange(int(meta["min"]), int(meta["max"]))
        spin.setSuffix(suffix)
        return Editor(key, spin, spin.value, lambda v: spin.setValue(int(v)))
    if isinstance(default, float):
        dspin = QDoubleSpinBox()
        dspin.setDecimals(max(2, *(_decimals(float(v)) for v in (default, meta["min"], meta["max"]))))
        dspin.setRange(float(meta["min"]), float(meta["max"]))
        dspin.setSingleStep(0.5 if float(meta["max"]) - float(meta["min"]) > 5 else 0.05)
        dspin.setSuffix(suffix)
        return Editor(key, dspin, dspin.value, lambda v: dspin.setValue(float(v)))
    line = QLineEdit()
    return Editor(key, line, line.text, lambda v: line.setText(str(v)))


def _decimals(value: float) -> int:
    """Digits after the point that `value` needs (at most 6)."""
    text = f"{value:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index < 0:  # a value not offered (a device that is gone): show it anyway
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
