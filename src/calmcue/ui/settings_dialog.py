"""The settings dialog. The General page speaks in the agent's words: which devices, how sensitive, which cues,
where they appear and for how long. The Advanced page (ui/settings_advanced.py) lists every schema key by section
for IT and fine tuning. Keys that machine policy enforces are shown read-only, "Managed by your IT department"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from calmcue.ui.choices import choices as schema_choices
from calmcue.ui.choices import described, sensitivity_detail
from calmcue.ui.cue_legend import CueLegend
from calmcue.ui.devices import Choice
from calmcue.ui.i18n import tr_label, translate
from calmcue.ui.meter import LevelMeter
from calmcue.ui.settings_advanced import AdvancedPage, add_row
from calmcue.ui.settings_editors import MANAGED, Editor, make_editor
from calmcue.ui.texts import CUE_LABELS
from calmcue.ui.tray_menu import AUTO, NO_CALL

if TYPE_CHECKING:
    from calmcue.engine.mailbox import Meter

__all__ = ["GENERAL_KEYS", "MANAGED", "SettingsDialog"]

GENERAL_KEYS = ("audio.mic", "audio.call", "detector.sensitivity", *(k for k, _ in CUE_LABELS), "overlay.corner",
                "overlay.screen", "overlay.show_s", "overlay.min_gap_s")
Restore = Callable[[], Mapping[str, Any]]


class SettingsDialog(QDialog):
    devices_preview = pyqtSignal(str, str)  # mic, call: try them now (live meters)
    delete_data = pyqtSignal()

    def __init__(self, *, values: dict[str, Any], enforced: frozenset[str], problems: tuple[str, ...] = (),
                 devices: tuple[list[Choice], list[Choice]] = ([], []),
                 autostart: tuple[bool, bool, str] = (False, True, ""), restore: Restore | None = None,
                 parent: QWidget | None = None) -> None:
        """`devices` are (stored name, label) pairs; `autostart` is (enabled, supported, why not); `restore`
        clears the user's own settings and returns the effective values after it (None: no Restore button)."""
        super().__init__(parent)
        self.setWindowTitle(translate("CalmCue", "CalmCue settings"))
        self.values, self.enforced, self._restore = dict(values), enforced, restore
        self.editors: dict[str, Editor] = {}
        self.mic_meter, self.call_meter = LevelMeter(), LevelMeter()
        layout = QVBoxLayout(self)
        if problems:
            layout.addWidget(self._problems(problems))
        self.tabs = tabs = QTabWidget()
        self.general = self._general(devices, autostart)
        tabs.addTab(self.general, translate("CalmCue", "General"))
        self.advanced = AdvancedPage(editors=self.editors, enforced=enforced,
                                     restore=self._restored if restore is not None else None)
        tabs.addTab(self.advanced, translate("CalmCue", "Advanced"))
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

    def _restored(self) -> Mapping[str, Any]:
        """Restore defaults was confirmed: the user layer is cleared; what it shows from now is what is saved."""
        assert self._restore is not None
        fresh = dict(self._restore())
        self.values.update(fresh)
        return fresh

    # --- the General page --------------------------------------------------------------------------------

    def _problems(self, problems: tuple[str, ...]) -> QLabel:
        text = translate("CalmCue", "Some settings could not be used; CalmCue uses the last good values instead:")
        label = QLabel(text + "\n" + "\n".join(f"• {p}" for p in problems))
        label.setWordWrap(True)
        label.setObjectName("problems")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _general(self, devices: tuple[list[Choice], list[Choice]], autostart: tuple[bool, bool, str]) -> QWidget:
        page = QWidget()
        page.setObjectName("general")
        layout = QVBoxLayout(page)
        layout.addWidget(self._devices_group(devices))
        group = QGroupBox(translate("CalmCue", "How sensitive"))
        form = QFormLayout(group)
        self._row(form, "detector.sensitivity", translate("CalmCue", "Cue me"),
                  choices=described("detector.sensitivity"))
        self._sensitivity_tips()
        layout.addWidget(group)
        group = QGroupBox(translate("CalmCue", "Which cues"))
        form = QFormLayout(group)
        for key, label in CUE_LABELS:
            self._row(form, key, tr_label(label))
        layout.addWidget(group)
        group = QGroupBox(translate("CalmCue", "Where they appear and for how long"))
        form = QFormLayout(group)
        self._row(form, "overlay.corner", translate("CalmCue", "Corner"), choices=schema_choices("overlay.corner"))
        screens = [(i, f"{s.name()} ({s.size().width()} x {s.size().height()})" if i else
                    translate("CalmCue", "Main screen (%1)").replace("%1", s.name()))
                   for i, s in enumerate(QGuiApplication.screens())]
        self._row(form, "overlay.screen", translate("CalmCue", "Screen"), choices=screens)
        self._row(form, "overlay.show_s", translate("CalmCue", "Show each cue for"))
        self._row(form, "overlay.min_gap_s", translate("CalmCue", "Least time between cues"))
        form.addRow(translate("CalmCue", "Colour bar on each cue"), CueLegend())
        layout.addWidget(group)
        self._session_rows(layout, autostart)
        layout.addStretch(1)
        return page

    def _devices_group(self, devices: tuple[list[Choice], list[Choice]]) -> QGroupBox:
        mics, calls = devices
        group = QGroupBox(translate("CalmCue", "Devices"))
        form = QFormLayout(group)
        mic = [(AUTO, translate("CalmCue", "System default")), *mics]
        call = [(AUTO, translate("CalmCue", "Automatic (what you hear)")),
                (NO_CALL, translate("CalmCue", "None (microphone only)")), *calls]
        self._row(form, "audio.mic", translate("CalmCue", "Microphone"), choices=mic, extra=self.mic_meter)
        self._row(form, "audio.call", translate("CalmCue", "Call audio"), choices=call, extra=self.call_meter)
        return group

    def _sensitivity_tips(self) -> None:
        """Each sensitivity choice's tooltip gives the figures behind it for the current settings."""
        combo = self.editors["detector.sensitivity"].widget
        assert isinstance(combo, QComboBox)
        for i in range(combo.count()):
            detail = sensitivity_detail(combo.itemData(i), self.values)
            combo.setItemData(i, detail, Qt.ItemDataRole.ToolTipRole)

    def _session_rows(self, layout: QVBoxLayout, autostart: tuple[bool, bool, str]) -> None:
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

    def _row(self, form: QFormLayout, key: str, label: str, *, choices: list[tuple[Any, str]] | None = None,
             extra: QWidget | None = None) -> None:
        editor = make_editor(key, choices=choices)
        self.editors[key] = editor
        add_row(form, editor, label, locked=key in self.enforced, extra=extra)

    def _connect_previews(self) -> None:
        mic, call = self.editors["audio.mic"], self.editors["audio.call"]
        for editor in (mic, call):
            widget = editor.widget
            assert isinstance(widget, QComboBox)
            widget.currentIndexChanged.connect(lambda _i: self.devices_preview.emit(mic.get(), call.get()))
