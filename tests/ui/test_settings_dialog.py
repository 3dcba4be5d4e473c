"""The settings dialog, built from the typed schema: widgets, bounds, locks, problems, meters, changes."""

from __future__ import annotations

from typing import Any

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QSpinBox
from pytestqt.qtbot import QtBot

from calmcue.engine.mailbox import Meter
from calmcue.ui.settings_dialog import MANAGED, SettingsDialog
from calmcue.ui.settings_store import KEYS


def _values() -> dict[str, Any]:
    return {key: field.default for key, field in KEYS.items()}


@pytest.fixture
def dialog(qtbot: QtBot) -> SettingsDialog:
    d = SettingsDialog(values=_values(), enforced=frozenset({"detector.sensitivity", "overlay.show_s"}),
                       problems=("/etc/xdg/calmcue/policy.toml: overlay.corner = 'middle' is not allowed",),
                       devices=(["Headset mic"], ["speaker_sink.monitor"]), autostart=(False, True, ""))
    qtbot.addWidget(d)
    return d


def test_every_schema_key_has_an_editor_with_the_schema_type_bounds_unit_and_help(dialog: SettingsDialog) -> None:
    assert set(dialog.editors) == set(KEYS)
    for key, field in KEYS.items():
        widget, meta = dialog.editors[key].widget, field.metadata
        assert meta["doc"] in widget.toolTip(), key
        if isinstance(field.default, bool):
            assert isinstance(widget, QCheckBox), key
        elif meta.get("choices"):
            assert isinstance(widget, QComboBox), key
            assert [widget.itemData(i) for i in range(widget.count())] == list(meta["choices"]), key
        elif isinstance(field.default, int) and key != "overlay.screen":
            assert isinstance(widget, QSpinBox), key
            assert (widget.minimum(), widget.maximum()) == (meta["min"], meta["max"]), key
        elif isinstance(field.default, float):
            assert isinstance(widget, QDoubleSpinBox), key
            assert (widget.minimum(), widget.maximum()) == (meta["min"], meta["max"]), key
            assert widget.suffix() == (f" {meta['unit']}" if meta.get("unit") else ""), key
        assert dialog.editors[key].get() == field.default, key


def test_sensitivity_choices_say_what_they_mean(dialog: SettingsDialog) -> None:
    combo = dialog.editors["detector.sensitivity"].widget
    assert isinstance(combo, QComboBox)
    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    assert [combo.itemText(i) for i in range(combo.count())] == ["Gentle", "Normal", "Strict"]
    assert "clearly raised" in tips[0] and "a little raised" in tips[2]


def test_enforced_keys_are_read_only_and_say_who_manages_them(dialog: SettingsDialog) -> None:
    for key in ("detector.sensitivity", "overlay.show_s"):
        assert not dialog.editors[key].widget.isEnabled()
        label = dialog.findChild(QLabel, f"managed:{key}")
        assert label is not None and label.text() == MANAGED
    assert dialog.editors["overlay.corner"].widget.isEnabled()
    assert dialog.findChild(QLabel, "managed:overlay.corner") is None


def test_problems_with_settings_files_are_shown(dialog: SettingsDialog) -> None:
    label = dialog.findChild(QLabel, "problems")
    assert label is not None and "overlay.corner = 'middle' is not allowed" in label.text()


def test_changes_are_only_what_the_user_changed_and_never_enforced_keys(dialog: SettingsDialog) -> None:
    assert dialog.changes() == {}
    dialog.editors["overlay.corner"].set("bottom-left")
    dialog.editors["detector.fast_speech.enabled"].set(False)
    dialog.editors["detector.sensitivity"].set("strict")  # locked: ignored
    assert dialog.changes() == {"overlay.corner": "bottom-left", "detector.fast_speech.enabled": False}


def test_choosing_a_device_previews_it_and_the_meters_follow_the_engine(qtbot: QtBot,
                                                                        dialog: SettingsDialog) -> None:
    mic = dialog.editors["audio.mic"].widget
    assert isinstance(mic, QComboBox)
    with qtbot.waitSignal(dialog.devices_preview) as preview:
        mic.setCurrentIndex(mic.findData("Headset mic"))
    assert preview.args == ["Headset mic", ""]
    dialog.on_meter(Meter(t_s=1.0, level_dbfs=(-20.0,), speech=(True,), agent_calibration=1.0,
                          agent_level_over_db=0.0, in_call=False, muted=False))
    assert dialog.mic_meter.fraction == pytest.approx(50 / 70)
    assert not dialog.call_meter.available
    dialog.on_meter(Meter(t_s=1.1, level_dbfs=(-70.0, -35.0), speech=(False, True), agent_calibration=1.0,
                          agent_level_over_db=0.0, in_call=True, muted=False))
    assert dialog.call_meter.available and dialog.call_meter.fraction == pytest.approx(0.5)


def test_a_saved_device_that_is_gone_is_still_shown(qtbot: QtBot) -> None:
    values = _values()
    values["audio.mic"] = "Old USB headset"
    d = SettingsDialog(values=values, enforced=frozenset(), devices=(["Headset mic"], []))
    qtbot.addWidget(d)
    assert d.editors["audio.mic"].get() == "Old USB headset"
    assert d.changes() == {}


def test_autostart_can_be_unsupported(qtbot: QtBot) -> None:
    d = SettingsDialog(values=_values(), enforced=frozenset(), autostart=(False, False, "not on this platform"))
    qtbot.addWidget(d)
    assert not d.autostart_box.isEnabled() and d.autostart_box.toolTip() == "not on this platform"
