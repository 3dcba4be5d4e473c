"""Tray icon and menu as a view: every action emits what the controller needs; state, tooltip, locks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from calmcue.ui.app_state import AppState, Shown
from calmcue.ui.choices import choices
from calmcue.ui.feedback import ShownCue
from calmcue.ui.settings_store import KEYS
from calmcue.ui.texts import CUE_LABELS
from calmcue.ui.tray import Tray, one_line
from calmcue.ui.tray_menu import TrayMenu


def _devices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(stored name, label the agent reads)."""
    return [("headset", "Headset mic"), ("laptop", "Laptop mic")], [("speaker_sink.monitor", "Monitor of Speakers")]


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
    for item in ("Pause", "Snooze cues", "Recent cues", "Recalibrate…", "Microphone", "Call audio", "Sensitivity",
                 "Cues", "Dismiss the cue", "Play the demo call", "Settings…", "About CalmCue", "Quit"):
        assert item in top
    assert [a.text() for a in menu.snooze_menu.actions() if a.isVisible()] == ["For 15 minutes", "For 1 hour"]
    assert [a.text() for a in menu.sensitivity_menu.actions()] == ["Gentle", "Normal", "Strict"]
    assert [a.data() for a in menu.sensitivity_menu.actions()] == list(KEYS["detector.sensitivity"].metadata["choices"])
    tips = [a.toolTip() for a in menu.sensitivity_menu.actions()]
    assert "clearly raised" in tips[0] and "a little raised" in tips[2], "each sensitivity says what it means"
    assert len(menu.cue_actions) == len(CUE_LABELS) == 5


def test_actions_emit_what_the_user_chose(qtbot: QtBot, menu: TrayMenu) -> None:
    assert [a.text() for a in menu.pause_menu.actions()] == ["For 15 minutes", "For 1 hour", "Until I resume"]
    for text, seconds in (("For 15 minutes", 900.0), ("For 1 hour", 3600.0), ("Until I resume", 0.0)):
        with qtbot.waitSignal(menu.pause) as paused:
            _action(menu.pause_menu, text).trigger()
        assert paused.args == [seconds]
    assert not _action(menu, "Resume").isVisible()
    menu.show_state(Shown(state="paused"))
    assert not _action(menu, "Pause").isVisible(), "paused: Resume instead of the Pause choices"
    with qtbot.waitSignal(menu.resume):
        _action(menu, "Resume").trigger()
    menu.show_state(Shown(state="listening", cue_showing=True))
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
    assert chosen.args == ["laptop"]  # the setting keeps the device's name, the menu shows its label
    menu.call_menu.aboutToShow.emit()
    texts = [a.text() for a in menu.call_menu.actions()]
    assert texts == ["Automatic (what you hear)", "None (microphone only)", "Monitor of Speakers"]
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


def _shown_tray(qtbot: QtBot, menu: TrayMenu) -> tuple[AppState, Tray]:
    """A tray shown beside its menu, both following one app state (as the controller wires them)."""
    state = AppState()
    tray = Tray(menu)
    tray.follow(state)
    menu.follow(state)
    tray.show()
    if tray.window is not None:
        qtbot.addWidget(tray.window)
    return state, tray


def test_the_tray_and_its_menu_listen_to_the_app_state(qtbot: QtBot, menu: TrayMenu) -> None:
    state, tray = _shown_tray(qtbot, menu)
    state.on_status("listening", "")
    state.set_cues_today(3)
    assert tray.tooltip() == "CalmCue\nListening\nCues today: 3"
    before = tray.icon.icon().pixmap(32, 32).toImage()
    state.set_cue_showing(True)
    assert "Showing a cue" in tray.tooltip()
    assert tray.icon.icon().pixmap(32, 32).toImage() != before
    state.set_cue_showing(False)
    state.snooze(900.0)
    snoozed = tray.icon.icon().pixmap(32, 32).toImage()
    state.end_snooze()
    state.on_status("paused", "")
    assert tray.icon.icon().pixmap(32, 32).toImage() != snoozed, "paused and snoozed look different"
    state.on_status("no_microphone", "no microphone found")
    assert tray.tooltip().startswith("CalmCue\nNo microphone found\n")
    assert menu.status_action.text() == "No microphone"
    tray.hide()


def test_on_hold_has_its_own_icon_and_tooltip_and_a_snooze_shows_over_it(qtbot: QtBot, menu: TrayMenu) -> None:
    """The engine's on_hold state (music on the call channel) as the reporter posts it, through the AppState."""
    state, tray = _shown_tray(qtbot, menu)
    state.on_status("listening", "")
    listening = tray.icon.icon().pixmap(32, 32).toImage()
    state.on_status("on_hold", "no cues until the caller is back")
    assert state.shown.state == "on_hold" and state.shown.can_snooze
    assert tray.tooltip().startswith("CalmCue\nCall on hold (music) - no cues until the caller is back\n")
    assert menu.status_action.text() == "Call on hold (music)" and menu.snooze_menu.isEnabled()
    on_hold = tray.icon.icon().pixmap(32, 32).toImage()
    assert on_hold != listening, "on hold and listening look different"
    state.snooze(900.0)
    assert state.shown.state == "snoozed"
    state.end_snooze()
    assert state.shown.state == "on_hold" and tray.icon.icon().pixmap(32, 32).toImage() == on_hold
    tray.hide()


def test_menu_items_that_cannot_apply_are_disabled(menu: TrayMenu) -> None:
    state = AppState()
    menu.follow(state)
    state.on_status("listening", "")
    assert not _action(menu, "Dismiss the cue").isEnabled(), "no cue to dismiss"
    assert menu.snooze_menu.isEnabled()
    state.set_cue_showing(True)
    assert _action(menu, "Dismiss the cue").isEnabled()
    state.set_cue_showing(False)
    state.on_status("paused", "")
    assert not menu.snooze_menu.isEnabled(), "nothing to snooze while paused"
    assert _action(menu, "Resume").isEnabled()
    state.on_status("listening", "")
    state.snooze(900.0)
    assert menu.snooze_menu.isEnabled() and menu.end_snooze_action is not None
    assert menu.end_snooze_action.isVisible()
    state.end_snooze()
    assert not menu.end_snooze_action.isVisible()


@pytest.mark.parametrize(("label", "detail", "line"), [
    ("Learning your usual voice", "learning your usual voice: 0%", "Learning your usual voice: 0%"),
    ("Snoozed", "until 14:05", "Snoozed - until 14:05"),
    ("Listening", "", "Listening"),
])
def test_tooltips_say_one_thing_once(label: str, detail: str, line: str) -> None:
    assert one_line(label, detail) == line


def test_setting_choices_come_from_the_schema_and_each_has_a_label() -> None:
    from calmcue.ui.choices import LABELS, choice_keys

    for key in choice_keys():
        values = [value for value, _label in choices(key)]
        assert values == list(KEYS[key].metadata["choices"]), key
        assert set(values) <= set(LABELS.get(key, {})), f"{key}: a value without a label for the agent"


def test_without_a_system_tray_a_small_window_says_so(qtbot: QtBot, menu: TrayMenu) -> None:
    tray = Tray(menu)
    assert not tray.available  # the offscreen platform has no tray
    tray.show()
    assert tray.window is not None and tray.window.isVisible()
    qtbot.addWidget(tray.window)
    assert "no system tray" in tray.window.note.text()
    tray.show_state(Shown(state="paused"))
    assert "Paused" in tray.window.status.text()
    tray.notify("No microphone", "CalmCue found no microphone")
    assert "found no microphone" in tray.window.note.text()


def test_recent_cues_can_each_be_marked_not_helpful(qtbot: QtBot, menu: TrayMenu) -> None:
    assert not menu.recent_menu.isEnabled(), "no cues yet"
    at = dt.datetime(2025, 3, 4, 14, 5)
    cues = (ShownCue(at=at, kind="fast_speech", speaker="agent", message="Slow down", counted=True,
                     detail="much faster than your usual pace (1.7x your usual pace)"),
            ShownCue(at=at, kind="talk_over", speaker="agent", message="Let them finish - listen", counted=True,
                     not_helpful=True))
    menu.show_recent(cues)
    assert menu.recent_menu.isEnabled()
    items = [a for a in menu.recent_menu.actions() if a.isCheckable()]
    assert [a.text() for a in items] == ["14:05  Slow down", "14:05  Let them finish - listen"]
    assert [a.isChecked() for a in items] == [False, True]
    assert items[0].toolTip() == "much faster than your usual pace (1.7x your usual pace)", "the figure, on hover"
    with qtbot.waitSignal(menu.not_helpful) as marked:
        items[1].trigger()
    assert marked.args == [1]
    latest = _action(menu.recent_menu, "The last cue was not helpful")
    assert latest.text().endswith("\tCtrl+Alt+Shift+X") and latest.isEnabled()
    with qtbot.waitSignal(menu.mark_latest, timeout=1000):
        latest.trigger()
