"""Tray icon and menu as a view: every action emits what the controller needs; state, tooltip, locks."""

from __future__ import annotations

from typing import Any

import pytest
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from calmcue.ui.settings_store import KEYS
from calmcue.ui.texts import CUE_LABELS
from calmcue.ui.tray import Tray, TrayMenu


def _devices() -> tuple[list[str], list[str]]:
    return ["Headset mic", "Laptop mic"], ["speaker_sink.monitor"]


@pytest.fixture
def menu(qtbot: QtBot) -> TrayMenu:
    m = TrayMenu(list_devices=_devices)
    values: dict[str, Any] = {key: field.default for key, field in KEYS.items()}
    m.set_settings(values, frozenset())
    return m


def _action(menu: QMenu, text: str) -> QAction:
    for action in menu.actions():
        if action.text().split("\t")[0] == text:
            return action
    raise AssertionError(f"no menu item {text!r} in {[a.text() for a in menu.actions()]}")


def test_the_menu_has_everything_the_issue_asks_for(menu: TrayMenu) -> None:
    top = [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]
    for item in ("Pause", "Snooze cues", "Recalibrate…", "Microphone", "Call audio", "Sensitivity", "Cues",
                 "Dismiss the cue", "Play the demo call", "Settings…", "About CalmCue", "Quit"):
        assert item in top
    assert [a.text() for a in menu.snooze_menu.actions() if a.isVisible()] == ["For 15 minutes", "For 1 hour"]
    assert [a.text() for a in menu.sensitivity_menu.actions()] == ["Gentle", "Normal", "Strict"]
    assert len(menu.cue_actions) == len(CUE_LABELS) == 5


def test_actions_emit_what_the_user_chose(qtbot: QtBot, menu: TrayMenu) -> None:
    with qtbot.waitSignal(menu.pause_toggled) as paused:
        _action(menu, "Pause").trigger()
    assert paused.args == [True]
    menu.set_paused(True)
    with qtbot.waitSignal(menu.pause_toggled) as resumed:
        _action(menu, "Resume").trigger()
    assert resumed.args == [False]
    with qtbot.waitSignal(menu.snooze) as snooze:
        _action(menu.snooze_menu, "For 1 hour").trigger()
    assert snooze.args == [3600.0]
    with qtbot.waitSignal(menu.sensitivity_chosen) as chosen:
        _action(menu.sensitivity_menu, "Strict").trigger()
    assert chosen.args == ["strict"]
    with qtbot.waitSignal(menu.cue_toggled) as toggled:
        _action(menu.cues_menu, "Speaking fast").trigger()
    assert toggled.args == ["detector.fast_speech.enabled", False]
    for text, signal in (("Recalibrate…", menu.recalibrate), ("Settings…", menu.settings),
                         ("About CalmCue", menu.about), ("Quit", menu.quit), ("Dismiss the cue", menu.dismiss)):
        with qtbot.waitSignal(signal, timeout=1000):
            _action(menu, text).trigger()


def test_device_menus_list_devices_and_emit_the_choice(qtbot: QtBot, menu: TrayMenu) -> None:
    menu.mic_menu.aboutToShow.emit()
    assert [a.text() for a in menu.mic_menu.actions()] == ["System default", "Headset mic", "Laptop mic"]
    assert _action(menu.mic_menu, "System default").isChecked()
    with qtbot.waitSignal(menu.mic_chosen) as chosen:
        _action(menu.mic_menu, "Laptop mic").trigger()
    assert chosen.args == ["Laptop mic"]
    menu.call_menu.aboutToShow.emit()
    texts = [a.text() for a in menu.call_menu.actions()]
    assert texts == ["Automatic (what you hear)", "None (microphone only)", "speaker_sink.monitor"]
    with qtbot.waitSignal(menu.call_chosen) as call:
        _action(menu.call_menu, "None (microphone only)").trigger()
    assert call.args == ["none"]


def test_enforced_settings_are_locked_in_the_menu(menu: TrayMenu) -> None:
    values: dict[str, Any] = {key: field.default for key, field in KEYS.items()}
    values["detector.sensitivity"] = "gentle"
    menu.set_settings(values, frozenset({"detector.sensitivity", "detector.talk_over.enabled"}))
    assert not menu.sensitivity_menu.isEnabled()
    assert _action(menu.sensitivity_menu, "Gentle").isChecked()
    assert not menu.cue_actions["detector.talk_over.enabled"].isEnabled()
    assert menu.cue_actions["detector.fast_speech.enabled"].isEnabled()


def test_the_tray_shows_state_and_todays_cues(qtbot: QtBot, menu: TrayMenu) -> None:
    tray = Tray(menu)
    tray.show()
    if tray.window is not None:
        qtbot.addWidget(tray.window)
    tray.set_state("listening")
    tray.set_cues_today(3)
    assert tray.tooltip() == "CalmCue\nListening\nCues today: 3"
    before = tray.icon.icon().pixmap(32, 32).toImage()
    tray.set_cue_showing(True)
    assert "Showing a cue" in tray.tooltip()
    assert tray.icon.icon().pixmap(32, 32).toImage() != before
    tray.set_cue_showing(False)
    tray.set_state("no_microphone", "no microphone found")
    assert tray.tooltip().startswith("CalmCue\nNo microphone - no microphone found")
    assert menu.status_action.text() == "No microphone"
    tray.hide()


def test_without_a_system_tray_a_small_window_says_so(qtbot: QtBot, menu: TrayMenu) -> None:
    tray = Tray(menu)
    assert not tray.available  # the offscreen platform has no tray
    tray.show()
    assert tray.window is not None and tray.window.isVisible()
    qtbot.addWidget(tray.window)
    assert "no system tray" in tray.window.note.text()
    tray.set_state("paused")
    assert "Paused" in tray.window.status.text()
    tray.notify("No microphone", "CalmCue found no microphone")
    assert "found no microphone" in tray.window.note.text()
