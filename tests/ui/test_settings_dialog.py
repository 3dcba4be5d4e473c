"""The settings dialog, built from the typed schema: widgets, bounds, locks, problems, meters, changes; the
General page in the agent's words, the Advanced page with every key by section, and Restore defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from calmcue.config.labels import label, section_title, sections, unit
from calmcue.config.schema import SENSITIVITY_SCALE, Sensitivity
from calmcue.engine.mailbox import Meter
from calmcue.ui.settings_advanced import row_label
from calmcue.ui.settings_dialog import GENERAL_KEYS, MANAGED, SettingsDialog
from calmcue.ui.settings_editors import detail_tip
from calmcue.ui.settings_store import KEYS, SettingsStore
from ui.settings_driver import shown_texts


def _values() -> dict[str, Any]:
    return {key: field.default for key, field in KEYS.items()}


@pytest.fixture
def dialog(qtbot: QtBot) -> SettingsDialog:
    d = SettingsDialog(values=_values(), enforced=frozenset({"detector.sensitivity", "overlay.show_s"}),
                       problems=("/etc/xdg/calmcue/policy.toml: overlay.corner = 'middle' is not allowed",),
                       devices=([("Headset mic", "Jabra headset")], [("speaker_sink.monitor", "Monitor of Speakers")]),
                       autostart=(False, True, ""))
    qtbot.addWidget(d)
    return d


def test_every_schema_key_has_an_editor_with_the_schema_type_bounds_unit_and_help(dialog: SettingsDialog) -> None:
    assert set(dialog.editors) == set(KEYS)
    for key, field in KEYS.items():
        widget, meta = dialog.editors[key].widget, field.metadata
        assert widget.toolTip().startswith(label(key).tip), key
        if isinstance(field.default, bool):
            assert isinstance(widget, QCheckBox), key
        elif meta.get("choices"):
            assert isinstance(widget, QComboBox), key
            assert [widget.itemData(i) for i in range(widget.count())] == list(meta["choices"]), key
        elif isinstance(field.default, int) and key != "overlay.screen":
            assert isinstance(widget, QSpinBox), key
            assert (widget.minimum(), widget.maximum()) == (meta["min"], meta["max"]), key
            assert widget.suffix() == (f" {meta['unit']}" if meta.get("unit") else ""), key
        elif isinstance(field.default, float):
            assert isinstance(widget, QDoubleSpinBox), key
            assert (widget.minimum(), widget.maximum()) == (meta["min"], meta["max"]), key
            assert widget.suffix() == (f" {meta['unit']}" if meta.get("unit") else ""), key
        assert dialog.editors[key].get() == field.default, key


def test_sensitivity_choices_say_what_they_mean_with_the_figures_of_these_settings(qtbot: QtBot,
                                                                                   dialog: SettingsDialog) -> None:
    combo = dialog.editors["detector.sensitivity"].widget
    assert isinstance(combo, QComboBox)
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts[0] == "Gentle - cues only when a voice is clearly raised"
    assert texts[1].startswith("Normal - ") and texts[2] == "Strict - cues when a voice is a little raised"
    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    level = KEYS["detector.raised_voice.level_enter_db"].default
    ratio = KEYS["detector.fast_speech.rate_ratio_enter"].default
    for tip, value in zip(tips, ("gentle", "normal", "strict"), strict=True):
        scale = SENSITIVITY_SCALE[Sensitivity(value)]
        assert f"{level * scale:.1f} dB louder" in tip and f"{(ratio - 1) * scale * 100:.0f}% faster" in tip
    values = _values() | {"detector.raised_voice.level_enter_db": 8.0}  # the figures follow the settings
    other = SettingsDialog(values=values, enforced=frozenset())
    qtbot.addWidget(other)
    other_combo = other.editors["detector.sensitivity"].widget
    assert isinstance(other_combo, QComboBox)
    assert "10.0 dB louder" in other_combo.itemData(0, Qt.ItemDataRole.ToolTipRole)


def test_the_general_page_shows_no_raw_key_names_formulas_or_python_values(qtbot: QtBot,
                                                                          dialog: SettingsDialog) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = shown_texts(dialog.general)
    assert any("Least time between cues" in text for text in texts)  # the page is really read
    leaves = {key.rpartition(".")[2] for key in KEYS if "_" in key.rpartition(".")[2]}
    for text in texts:
        assert not any(key in text for key in KEYS), text
        assert not any(leaf in text for leaf in leaves), text
        assert "'" not in text.replace("don't", "").replace("caller's", "").replace("'mm-hm'", ""), text
        assert "x1." not in text and "index" not in text.lower(), text


def test_the_advanced_page_lists_every_key_under_its_section_with_a_label_and_unit(dialog: SettingsDialog) -> None:
    for section, keys in sections():
        group = dialog.advanced.findChild(QGroupBox, f"section:{section}")
        assert group is not None, section
        assert group.title() == section_title(section) and group.title() != section
        form = group.layout()
        assert isinstance(form, QFormLayout)
        rows = [form.itemAt(i, QFormLayout.ItemRole.LabelRole).widget() for i in range(form.rowCount())]
        shown = [row.text() for row in rows if isinstance(row, QLabel)]
        assert shown == [row_label(key) for key in keys], section
        for key in keys:
            assert label(key).text != key and "_" not in label(key).text, key
            if unit(key):
                assert row_label(key).endswith(f"({unit(key)})"), key
            if key in GENERAL_KEYS:
                assert group.findChild(QLabel, f"general:{key}") is not None, key
            else:
                widget = dialog.editors[key].widget
                assert group.isAncestorOf(widget), key
                assert f"Setting name (for IT): {key}" in widget.toolTip(), key
                assert "Default: " in widget.toolTip() and "'" not in widget.toolTip().split("Default: ")[1], key


def test_tooltips_give_defaults_in_words(dialog: SettingsDialog) -> None:
    assert "Default: Normal" in detail_tip("detector.sensitivity", default="normal")
    assert "Default: 6 dB" in dialog.editors["detector.raised_voice.level_enter_db"].widget.toolTip()
    assert "Default: off" in dialog.editors["telemetry.enabled"].widget.toolTip()


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
    d = SettingsDialog(values=values, enforced=frozenset(), devices=([("Headset mic", "Jabra headset")], []))
    qtbot.addWidget(d)
    assert d.editors["audio.mic"].get() == "Old USB headset"
    assert d.changes() == {}


def test_autostart_can_be_unsupported(qtbot: QtBot) -> None:
    d = SettingsDialog(values=_values(), enforced=frozenset(), autostart=(False, False, "not on this platform"))
    qtbot.addWidget(d)
    assert not d.autostart_box.isEnabled() and d.autostart_box.toolTip() == "not on this platform"


@pytest.fixture
def stored(qtbot: QtBot, user_dirs: dict[str, Path]) -> tuple[SettingsDialog, SettingsStore]:
    """A dialog over real files: the user changed two keys; IT sets a default and locks the sensitivity."""
    policy = user_dirs["policy"]
    policy.write_text('[defaults]\noverlay.show_s = 4.0\n[enforced]\ndetector.sensitivity = "strict"\n')
    store = SettingsStore(policy_path=policy)
    store.save({"overlay.show_s": 20.0, "detector.fast_speech.enabled": False, "detector.sensitivity": "gentle"})

    def restore() -> dict[str, Any]:
        store.restore_defaults()
        return {key: store.value(key) for key in KEYS}

    d = SettingsDialog(values={key: store.value(key) for key in KEYS}, enforced=store.loaded.enforced,
                       restore=restore)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d, store


def _answer(qtbot: QtBot, dialog: SettingsDialog, button: QMessageBox.StandardButton) -> None:
    dialog.advanced.restore_button.click()
    box = dialog.advanced.confirm
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=5000)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)  # a stray Enter changes nothing
    assert "IT department" in box.text()
    answered = box.button(button)
    assert answered is not None
    with qtbot.waitSignal(box.finished, timeout=5000):
        answered.click()


def test_restore_defaults_clears_only_the_user_layer_and_keeps_what_it_locks(
        qtbot: QtBot, stored: tuple[SettingsDialog, SettingsStore], user_dirs: dict[str, Path]) -> None:
    dialog, store = stored
    policy_before = user_dirs["policy"].read_bytes()
    assert dialog.editors["overlay.show_s"].get() == 20.0 and store.value("detector.sensitivity") == "strict"
    _answer(qtbot, dialog, QMessageBox.StandardButton.Yes)
    assert "show_s" not in store.user_path.read_text() and "fast_speech" not in store.user_path.read_text()
    assert store.value("overlay.show_s") == 4.0  # IT's default, not the built-in 6 s
    assert dialog.editors["overlay.show_s"].get() == 4.0
    assert dialog.editors["detector.fast_speech.enabled"].get() is True
    locked = dialog.editors["detector.sensitivity"]
    assert locked.get() == "strict" and not locked.widget.isEnabled()
    assert dialog.findChild(QLabel, "managed:detector.sensitivity") is not None
    assert user_dirs["policy"].read_bytes() == policy_before
    assert dialog.changes() == {}  # what it shows now is what is saved


def test_a_cancelled_restore_changes_nothing(qtbot: QtBot, stored: tuple[SettingsDialog, SettingsStore]) -> None:
    dialog, store = stored
    before = store.user_path.read_bytes()
    dialog.editors["overlay.corner"].set("top-left")  # an unsaved edit stays too
    _answer(qtbot, dialog, QMessageBox.StandardButton.No)
    assert store.user_path.read_bytes() == before
    assert dialog.editors["overlay.show_s"].get() == 20.0
    assert dialog.changes() == {"overlay.corner": "top-left"}


def test_without_a_store_there_is_no_restore_button(dialog: SettingsDialog) -> None:
    assert dialog.advanced.restore_button.isHidden()
