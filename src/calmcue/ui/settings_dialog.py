"""The settings dialog. Every editor comes from the typed schema (type, default, bounds, unit, description),
so a key added to the schema shows up here with the right widget, range and help text. Keys that machine
policy enforces are shown read-only, "Managed by your IT department"."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QT_TRANSLATE_NOOP, Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from calmcue.ui.choices import FIELDS, hint
from calmcue.ui.choices import choices as schema_choices
from calmcue.ui.cue_legend import CueLegend
from calmcue.ui.i18n import tr_label, translate
from calmcue.ui.meter import LevelMeter
from calmcue.ui.texts import CUE_LABELS
from calmcue.ui.tray import AUTO, NO_CALL

if TYPE_CHECKING:
    from calmcue.engine.mailbox import Meter

MANAGED = QT_TRANSLATE_NOOP("CalmCue", "Managed by your IT department")
GENERAL_KEYS = ("audio.mic", "audio.call", "detector.sensitivity", *(k for k, _ in CUE_LABELS), "overlay.corner",
                "overlay.screen", "overlay.show_s", "overlay.min_gap_s")


def allowed_text(field: dataclasses.Field[Any]) -> str:
    meta, default = field.metadata, field.default
    if meta.get("choices"):
        return translate("CalmCue", "one of: %1").replace("%1", ", ".join(meta["choices"]))
    if meta.get("min") is not None:
        unit = f" {meta['unit']}" if meta.get("unit") else ""
        return f"{meta['min']:g} - {meta['max']:g}{unit}"
    return translate("CalmCue", "on or off") if isinstance(default, bool) else ""


class Editor:
    """One schema key's widget: `get` returns a value of the key's type, `set` shows one."""

    def __init__(self, key: str, widget: QWidget, get: Callable[[], Any], put: Callable[[Any], None]) -> None:
        self.key, self.widget, self.get, self.set = key, widget, get, put


def make_editor(key: str, *, choices: list[tuple[Any, str]] | None = None) -> Editor:
    field = FIELDS[key]
    meta, default = field.metadata, field.default
    allowed, default_text = translate("CalmCue", "Allowed"), translate("CalmCue", "Default")
    tip = f"{meta['doc']}\n{allowed}: {allowed_text(field)}\n{default_text}: {default!r}\n{key}"
    editor = _editor_for(key, field, choices)
    editor.widget.setToolTip(tip.strip())
    editor.widget.setObjectName(key)
    return editor


def _editor_for(key: str, field: dataclasses.Field[Any], choices: list[tuple[Any, str]] | None) -> Editor:
    meta, default = field.metadata, field.default
    if choices is None and meta.get("choices"):
        choices = list(schema_choices(key))
    if choices is not None:
        combo = QComboBox()
        for value, label in choices:
            combo.addItem(label, value)
            if isinstance(value, str) and hint(key, value):
                combo.setItemData(combo.count() - 1, hint(key, value), Qt.ItemDataRole.ToolTipRole)
        return Editor(key, combo, combo.currentData, lambda v: _select(combo, v))
    if isinstance(default, bool):
        box = QCheckBox()
        return Editor(key, box, box.isChecked, lambda v: box.setChecked(bool(v)))
    if isinstance(default, int):
        spin = QSpinBox()
        spin.setRange(int(meta["min"]), int(meta["max"]))
        return Editor(key, spin, spin.value, lambda v: spin.setValue(int(v)))
    if isinstance(default, float):
        dspin = QDoubleSpinBox()
        dspin.setDecimals(max(2, *(_decimals(float(v)) for v in (default, meta["min"], meta["max"]))))
        dspin.setRange(float(meta["min"]), float(meta["max"]))
        dspin.setSingleStep(0.5 if float(meta["max"]) - float(meta["min"]) > 5 else 0.05)
        if meta.get("unit"):
            dspin.setSuffix(f" {meta['unit']}")
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


class SettingsDialog(QDialog):
    devices_preview = pyqtSignal(str, str)  # mic, call: try them now (live meters)
    delete_data = pyqtSignal()

    def __init__(self, *, values: dict[str, Any], enforced: frozenset[str], problems: tuple[str, ...] = (),
                 devices: tuple[list[str], list[str]] = ([], []), autostart: tuple[bool, bool, str] = (False, True, ""),
                 parent: QWidget | None = None) -> None:
        """`autostart` is (enabled, supported, why not)."""
        super().__init__(parent)
        self.setWindowTitle(translate("CalmCue", "CalmCue settings"))
        self.values, self.enforced = dict(values), enforced
        self.editors: dict[str, Editor] = {}
        self.mic_meter, self.call_meter = LevelMeter(), LevelMeter()
        layout = QVBoxLayout(self)
        if problems:
            layout.addWidget(self._problems(problems))
        tabs = QTabWidget()
        tabs.addTab(self._general(devices, autostart), translate("CalmCue", "General"))
        tabs.addTab(self._all_settings(), translate("CalmCue", "All settings"))
        layout.addWidget(tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for key, editor in self.editors.items():
            editor.set(values[key])
        self._connect_previews()

    # --- results -----------------------------------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """Keys whose value the user changed (enforced keys never)."""
        out = {}
        for key, editor in self.editors.items():
            value = editor.get()
            if key not in self.enforced and value != self.values[key]:
                out[key] = value
        return out

    def autostart_wanted(self) -> bool:
        return self.autostart_box.isChecked()

    def on_meter(self, meter: Meter) -> None:
        """A Meter from the bridge: channel 0 is the microphone, channel 1 the call audio."""
        levels, speech = meter.level_dbfs, meter.speech
        if levels:
            self.mic_meter.set_level(levels[0], speech[0])
        if len(levels) > 1:
            self.call_meter.set_level(levels[1], speech[1])
        else:
            self.call_meter.set_unavailable()

    # --- pages -------------------------------------------------------------------------------------------

    def _problems(self, problems: tuple[str, ...]) -> QLabel:
        text = translate("CalmCue", "Some settings could not be used; CalmCue uses the last good values instead:")
        label = QLabel(text + "\n" + "\n".join(f"• {p}" for p in problems))
        label.setWordWrap(True)
        label.setObjectName("problems")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _general(self, devices: tuple[list[str], list[str]], autostart: tuple[bool, bool, str]) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        mics, calls = devices
        group = QGroupBox(translate("CalmCue", "Devices"))
        form = QFormLayout(group)
        mic = [(AUTO, translate("CalmCue", "System default")), *((m, m) for m in mics)]
        call = [(AUTO, translate("CalmCue", "Automatic (what you hear)")),
                (NO_CALL, translate("CalmCue", "None (microphone only)")), *((c, c) for c in calls)]
        self._row(form, "audio.mic", translate("CalmCue", "Microphone"), choices=mic, extra=self.mic_meter)
        self._row(form, "audio.call", translate("CalmCue", "Call audio"), choices=call, extra=self.call_meter)
        layout.addWidget(group)
        group = QGroupBox(translate("CalmCue", "Cues"))
        form = QFormLayout(group)
        self._row(form, "detector.sensitivity", translate("CalmCue", "Sensitivity"),
                  choices=schema_choices("detector.sensitivity"))
        for key, label in CUE_LABELS:
            self._row(form, key, tr_label(label))
        layout.addWidget(group)
        group = QGroupBox(translate("CalmCue", "Where cues appear"))
        form = QFormLayout(group)
        self._row(form, "overlay.corner", translate("CalmCue", "Corner"),
                  choices=schema_choices("overlay.corner"))
        screens = [(i, f"{i}: {s.name()} ({s.size().width()} x {s.size().height()})")
                   for i, s in enumerate(QGuiApplication.screens())]
        self._row(form, "overlay.screen", translate("CalmCue", "Screen"), choices=screens)
        self._row(form, "overlay.show_s", translate("CalmCue", "Show each cue for"))
        self._row(form, "overlay.min_gap_s", translate("CalmCue", "Least time between cues"))
        form.addRow(translate("CalmCue", "Bar on the cue's left edge"), CueLegend())
        layout.addWidget(group)
        enabled, supported, why = autostart
        self.autostart_box = QCheckBox(translate("CalmCue", "Start CalmCue when I log in"))
        self.autostart_box.setChecked(enabled)
        self.autostart_box.setEnabled(supported)
        if not supported:
            self.autostart_box.setToolTip(why)
        layout.addWidget(self.autostart_box)
        delete = QPushButton(translate("CalmCue", "Delete my data…"))
        delete.setToolTip(translate("CalmCue", "Removes your calibration and your cue history from this computer."))
        delete.clicked.connect(self.delete_data.emit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(delete)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _all_settings(self) -> QWidget:
        inner = QWidget()
        form = QFormLayout(inner)
        for key in FIELDS:
            if key not in GENERAL_KEYS:
                self._row(form, key, key)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        return scroll

    def _row(self, form: QFormLayout, key: str, label: str, *, choices: list[tuple[Any, str]] | None = None,
             extra: QWidget | None = None) -> None:
        editor = make_editor(key, choices=choices)
        self.editors[key] = editor
        row = QHBoxLayout()
        row.addWidget(editor.widget, 1)
        if extra is not None:
            row.addWidget(extra, 1)
        if key in self.enforced:
            editor.widget.setEnabled(False)
            managed = QLabel(tr_label(MANAGED))
            managed.setObjectName(f"managed:{key}")
            row.addWidget(managed)
        form.addRow(label, row)

    def _connect_previews(self) -> None:
        mic, call = self.editors["audio.mic"], self.editors["audio.call"]
        for editor in (mic, call):
            widget = editor.widget
            assert isinstance(widget, QComboBox)
            widget.currentIndexChanged.connect(lambda _i: self.devices_preview.emit(mic.get(), call.get()))
