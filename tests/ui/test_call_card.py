"""The call card: its words, its window (offscreen and on the real X server), and the tray app's call wiring."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from calmcue.config.schema import HistorySettings, OverlaySettings, Settings
from calmcue.detector.calls import CallSummary
from calmcue.engine.commands import NewCall
from calmcue.history.card_text import card_sentences
from calmcue.history.report import report_file
from calmcue.history.store import CallHistory, history_file
from calmcue.ui.app_state import Shown
from calmcue.ui.call_card import CallCard
from calmcue.ui.calls_link import CallsLink
from calmcue.ui.overlay import MARGIN_PX
from calmcue.ui.qt_app import App, Options
from calmcue.ui.settings_store import SettingsStore
from calmcue.ui.tray_menu import TrayMenu
from ui.call_card_driver import SUMMARY
from ui.ui_support import needs_xvfb
from ui.xvfb_support import Driven, active_window, screenshot, wait_for, xdotool

WAIT_MS = 5000
FEELINGS = ("angry", "anger", "upset", "frustrat", "emotion", "feel", "mood", "happy", "calm down", "score", "grade")


ROSE_ONCE = "Your voice rose once (over the call, +1 dB from your usual level)."


def with_(**changes: object) -> CallSummary:
    return dataclasses.replace(SUMMARY, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, ["They were raised for 40 s and you let them finish.", ROSE_ONCE]),
    ({"agent_let_them_finish": False, "agent_raised_count": 0},
     ["They were raised for 40 s and you talked over them.", "Your voice stayed level."]),
    ({"customer_raised_count": 0, "customer_raised_s": 0.0, "agent_let_them_finish": None, "agent_raised_count": 2,
      "talk_over_count": 3},
     ["Your voice rose twice (over the call, +1 dB from your usual level).", "You started talking over them 3 times."]),
    ({"customer_raised_count": 0, "customer_raised_s": 0.0, "agent_raised_count": 0,
      "cues": {"fast_speech": 1, "no_pause": 1}},
     ["You sped up once (over the call, 1.0x your usual pace).",
      "Your longest stretch without a turn for them was 20 s."]),
    ({"customer_raised_s": 135.0}, ["They were raised for 2 min 15 s and you let them finish.",
                                     ROSE_ONCE]),
])
def test_the_card_says_one_or_two_plain_sentences(changes: dict, expected: list[str]) -> None:
    sentences = card_sentences(with_(**changes))
    assert sentences == expected
    assert not any(word in " ".join(sentences).lower() for word in FEELINGS)
    assert not any(ch.isdigit() and "%" in s for s in sentences for ch in s)  # no percentages, no score


@pytest.fixture
def card(qtbot: QtBot) -> CallCard:
    widget = CallCard(OverlaySettings(corner="bottom-left"), show_s=30.0)
    qtbot.addWidget(widget)
    return widget


def test_the_card_never_takes_focus_and_sits_in_the_overlay_corner(qtbot: QtBot, card: CallCard) -> None:
    flags = card.windowFlags()
    for flag in (Qt.WindowType.FramelessWindowHint, Qt.WindowType.WindowStaysOnTopHint, Qt.WindowType.Tool,
                 Qt.WindowType.WindowDoesNotAcceptFocus):
        assert flags & flag, flag
    assert card.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert card.focusPolicy() == Qt.FocusPolicy.NoFocus
    with qtbot.waitSignal(card.shown, timeout=WAIT_MS):
        card.show_summary(SUMMARY)
    area = QGuiApplication.primaryScreen().availableGeometry()
    g = card.geometry()
    assert g.left() == area.left() + MARGIN_PX and g.bottom() == area.bottom() - MARGIN_PX
    assert "you let them finish" in card.body.text() and card.title.text() == "Last call · 6 min 12 s"


def test_a_click_opens_the_report_and_the_card_goes_after_its_time(qtbot: QtBot, card: CallCard) -> None:
    card.show_summary(SUMMARY)
    with qtbot.waitSignals([card.clicked, card.closed], timeout=WAIT_MS):
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert not card.isVisible()
    card.show_s = 0.3
    card.show_summary(SUMMARY)
    with qtbot.waitSignal(card.closed, timeout=WAIT_MS):
        pass
    assert not card.isVisible()


def test_the_app_keeps_each_call_and_shows_the_card_only_after_a_cue(qtbot: QtBot, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("calmcue.ui.calls_link.QDesktopServices.openUrl", lambda url: opened.append(url.toLocalFile()))
    demo = [False]
    link = CallsLink(settings=Settings(history=HistorySettings(card_s=30.0)), recording=lambda: not demo[0])
    qtbot.addWidget(link.card)
    link.on_summary(with_(cues={"raised_voice": 0}))
    assert not link.card.isVisible() and len(CallHistory(history_file()).records) == 1  # kept, no card
    link.on_summary(SUMMARY)
    assert link.card.isVisible() and len(CallHistory(history_file()).records) == 2
    demo[0] = True
    link.on_summary(SUMMARY)  # the demo call is not the agent's
    assert len(CallHistory(history_file()).records) == 2
    link.open_report()
    assert opened == [str(report_file())]
    assert "data:image/png;base64," in Path(opened[0]).read_text()
    link.delete()
    assert not history_file().exists() and not Path(opened[0]).exists()
    link.shutdown()


def test_the_tray_menu_offers_new_call_and_the_report_above_settings(qtbot: QtBot) -> None:
    menu = TrayMenu(list_devices=lambda: ([], []))
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    at = texts.index("New call")
    assert texts[at: at + 3] == ["New call", "My calls report", "Settings…"]
    with qtbot.waitSignal(menu.new_call, timeout=WAIT_MS):
        menu.new_call_action.trigger()
    with qtbot.waitSignal(menu.calls_report, timeout=WAIT_MS):
        menu.report_action.trigger()
    menu.show_state(Shown(state="listening"))
    assert menu.new_call_action.isEnabled() and menu.report_action.isEnabled()
    menu.show_state(Shown(state="listening", demo_playing=True))  # the demo's calls are not kept
    assert not menu.new_call_action.isEnabled() and menu.report_action.isEnabled()
    menu.show_state(Shown(state="paused"))
    assert not menu.new_call_action.isEnabled()


def test_new_call_in_the_menu_reaches_the_engine_as_a_command(qtbot: QtBot) -> None:
    app = App(store=SettingsStore(), options=Options(first_run=False))
    sent: list[object] = []
    app.link.send = sent.append  # type: ignore[method-assign]
    app._connect()
    app.menu.new_call_action.trigger()
    assert sent == [NewCall()]


# --- on the real X server ----------------------------------------------------------------------------------


@pytest.mark.xvfb
def test_on_x_the_card_leaves_focus_alone_and_a_real_click_opens_the_report(start: Callable[..., Driven]) -> None:
    needs_xvfb()
    d = start([sys.executable, str(Path(__file__).with_name("call_card_driver.py"))])
    ready = d.wait("ready")
    background = str(ready["background"])
    wait_for(lambda: active_window() == background, "the background window to become active")
    d.send("show 60")
    shown = d.wait("shown")
    assert shown["focus"] is False and "you let them finish" in shown["text"]
    assert active_window() == background  # the agent's window kept the focus
    image = screenshot("call_card")
    x, y, w, h = shown["geometry"]
    panel = image.pixelColor(x + w // 2, y + h - 4)
    assert panel.lightness() < 80, "the dark panel is on screen where the card says it is"
    xdotool("mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "1")
    d.wait("clicked")
    d.wait("closed")
    assert active_window() == background
    d.send("show 1")
    d.wait("shown")
    d.wait("closed", timeout_s=30.0)  # dismissed by itself after its time
    d.send("quit")
