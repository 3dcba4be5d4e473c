"""Pause for 15 minutes, 1 hour or until I resume: a timed pause ends by itself and says so, an open-ended one stays
paused and reminds now and then, the tooltip names the end, Snooze is not offered while paused. Durations are
injected (the menu's signal carries the seconds; the reminder interval is a parameter), never waited out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from calmcue.config.paths import demo_file
from calmcue.ui.pause import CHOICES_S, PauseClock
from calmcue.ui.qt_app import App, Options
from needs import missing

ENGINE_MS = 30_000
SHORT_S = 0.3


def test_a_timed_pause_ends_by_itself(qtbot: QtBot) -> None:
    clock = PauseClock()
    clock.start(SHORT_S)
    assert clock.paused and clock.until is not None and not clock.open_ended
    assert dt.timedelta(0) < clock.until - dt.datetime.now() <= dt.timedelta(seconds=SHORT_S)
    with qtbot.waitSignal(clock.ended, timeout=5000):
        pass
    assert not clock.paused and clock.until is None


def test_until_i_resume_has_no_end_and_reminds(qtbot: QtBot) -> None:
    clock = PauseClock(remind_every_s=0.1)
    clock.start(0.0)
    assert clock.open_ended and clock.until is None
    with qtbot.assertNotEmitted(clock.ended, wait=400):
        for _ in range(2):
            with qtbot.waitSignal(clock.remind, timeout=5000):
                pass
    assert clock.paused
    clock.stop()
    with qtbot.assertNotEmitted(clock.remind, wait=300):
        pass


def test_resuming_early_cancels_the_end(qtbot: QtBot) -> None:
    clock = PauseClock()
    clock.start(SHORT_S)
    clock.stop()
    with qtbot.assertNotEmitted(clock.ended, wait=round(SHORT_S * 2000)):
        pass


def test_the_menu_offers_fifteen_minutes_an_hour_and_until_i_resume() -> None:
    assert CHOICES_S == (900.0, 3600.0, 0.0)


# --- the running app -----------------------------------------------------------------------------------------


@pytest.fixture
def app(qtbot: QtBot, make_app: Callable[[Options], App]) -> App:
    demo = demo_file()
    if demo is None:
        missing("build/demo/demo_call.wav is missing: run 'make demo'", what="demo call")
    running = make_app(Options(demo=demo, first_run=False))
    qtbot.waitUntil(lambda: running.state.engine_state in ("calibrating", "listening"), timeout=ENGINE_MS)
    return running


def test_a_timed_pause_resumes_the_engine_by_itself_and_says_so(qtbot: QtBot, app: App) -> None:
    app.menu.pause.emit(SHORT_S)  # what "For 15 minutes" sends, shortened
    assert app.state.shown.paused_until is not None
    qtbot.waitUntil(lambda: app.tray.state == "paused", timeout=ENGINE_MS)
    until = "until " + app.state.shown.paused_until.strftime("%H:%M")
    assert app.tray.detail.endswith(until)  # after "demo call - " here
    assert until in app.tray.tooltip().split("\n")[1], "the tooltip names the time the pause ends"
    assert not app.menu.snooze_menu.isEnabled(), "nothing to snooze while paused"
    qtbot.waitUntil(lambda: app.state.engine_state in ("calibrating", "listening"), timeout=ENGINE_MS)
    assert app.tray.window is not None and "CalmCue is listening again" in app.tray.window.note.text()
    assert app.menu.pause_menu.menuAction().isVisible() and not app.pauses.clock.paused


def test_until_i_resume_stays_paused_with_a_gentle_reminder(qtbot: QtBot, app: App) -> None:
    app.pauses.clock.remind_every_s = 0.2  # an hour in the app
    next(a for a in app.menu.pause_menu.actions() if a.text() == "Until I resume").trigger()
    qtbot.waitUntil(lambda: app.tray.state == "paused", timeout=ENGINE_MS)
    assert app.tray.detail.endswith("until you resume")
    for _ in range(2):
        with qtbot.waitSignal(app.pauses.clock.remind, timeout=5000):
            pass
    assert app.tray.window is not None and "CalmCue is still paused" in app.tray.window.note.text()
    assert app.tray.state == "paused" and app.state.engine_state == "paused", "still paused after the reminders"
    app.menu.resume.emit()
    qtbot.waitUntil(lambda: app.state.engine_state in ("calibrating", "listening"), timeout=ENGINE_MS)
    assert not app.pauses.clock.paused and app.state.shown.paused_until is None
