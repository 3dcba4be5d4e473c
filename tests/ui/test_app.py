"""The whole tray app on the offscreen platform, with the real engine on its worker thread.

The demo call (build/demo/demo_call.wav, `make demo`) plays through FileSource -> Worker -> Bridge -> Overlay,
faster than real time so the tests stay short; the no-microphone case asks the real audio layer for a device
that does not exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from calmcue.config import paths
from calmcue.config.paths import demo_file
from calmcue.detector.baseline import BaselineValues, save_baseline
from calmcue.ui.calibration import CalibrationDialog
from calmcue.ui.first_run import notice_due
from calmcue.ui.qt_app import Options
from needs import missing

ENGINE_MS = 30_000  # generous bound for the engine's thread to report


@pytest.fixture
def demo() -> Path:
    path = demo_file()
    if path is None:
        missing("build/demo/demo_call.wav is missing: run 'make demo'", what="demo call")
    return path


def _action(menu: QMenu, text: str) -> QAction:
    return next(a for a in menu.actions() if a.text().split("\t")[0] == text)


def test_the_demo_call_plays_through_the_real_engine_into_the_overlay(qtbot: QtBot, make_app: Any,
                                                                      demo: Path) -> None:
    app = make_app(Options(demo=demo, demo_speed=10.0, first_run=False))
    app.overlay.configure(app.store.settings.overlay)
    with qtbot.waitSignal(app.overlay.painted, timeout=ENGINE_MS):
        pass
    assert app.overlay.message in ("Let them vent - listen, don't interrupt", "Lower your voice - stay calm",
                                   "Let them finish - listen", "Slow down")
    assert "usual" in app.overlay.reason or "still speaking" in app.overlay.reason  # in words
    tip = app.overlay.toolTip()  # the figure; for the caller, whose usual level may be a norm, why in words
    figures = ("dB above", "speaking for", "your usual pace", "their voice is raised - let them finish")
    assert any(figure in tip for figure in figures), tip  # (at 10x, a later cue may already show)
    assert app.tray.cue_showing and app.tray._icon_state() == "cue"
    assert app.history.count() == 0, "demo cues are not the agent's history"
    assert "demo call" in app.tray.detail
    with qtbot.waitSignal(app.overlay.closed, timeout=ENGINE_MS):
        _action(app.menu, "Dismiss the cue").trigger()
    assert not app.overlay.isVisible() and not app.tray.cue_showing


def test_without_a_microphone_the_tray_says_so_and_offers_the_demo(qtbot: QtBot, make_app: Any,
                                                                   user_dirs: dict[str, Path]) -> None:
    (user_dirs["config"] / "settings.toml").write_text('[audio]\nmic = "calmcue-test-no-such-microphone"\n')
    app = make_app(Options(first_run=False))
    qtbot.waitUntil(lambda: app.tray.state == "no_microphone", timeout=ENGINE_MS)
    assert app.tray.tooltip().startswith("CalmCue\nNo microphone")
    assert app.tray.window is not None and "play the demo call" in app.tray.window.note.text()
    assert _action(app.menu, "Play the demo call").isEnabled()


def test_pause_and_resume_from_the_menu_reach_the_engine(qtbot: QtBot, make_app: Any, demo: Path) -> None:
    app = make_app(Options(demo=demo, demo_speed=1.0, first_run=False))
    qtbot.waitUntil(lambda: app.state.engine_state in ("calibrating", "listening"), timeout=ENGINE_MS)
    _action(app.menu.pause_menu, "Until I resume").trigger()
    qtbot.waitUntil(lambda: app.tray.state == "paused", timeout=ENGINE_MS)
    assert _action(app.menu, "Resume").isVisible()
    _action(app.menu, "Resume").trigger()
    qtbot.waitUntil(lambda: app.tray.state == "demo", timeout=ENGINE_MS)  # the demo plays on, from its own baseline
    assert app.menu.pause_menu.menuAction().isVisible()


def test_snooze_shows_until_when_and_can_be_ended(qtbot: QtBot, make_app: Any, demo: Path) -> None:
    app = make_app(Options(demo=demo, first_run=False))
    qtbot.waitUntil(lambda: app.state.engine_state in ("calibrating", "listening"), timeout=ENGINE_MS)
    _action(app.menu.snooze_menu, "For 15 minutes").trigger()
    assert app.tray.state == "snoozed" and "until" in app.tray.detail
    assert app.menu.end_snooze_action is not None and app.menu.end_snooze_action.isVisible()
    app.menu.end_snooze_action.trigger()
    assert app.tray.state != "snoozed" and app.state.snoozed_until is None


def test_a_menu_choice_is_saved_and_sent_to_the_engine(qtbot: QtBot, make_app: Any, demo: Path) -> None:
    app = make_app(Options(demo=demo, first_run=False))
    _action(app.menu.sensitivity_menu, "Strict").trigger()
    assert 'sensitivity = "strict"' in paths.user_settings_file().read_text()
    qtbot.waitUntil(lambda: app.link.worker.settings.detector.sensitivity == "strict", timeout=ENGINE_MS)
    _action(app.menu.cues_menu, "Speaking fast").trigger()
    qtbot.waitUntil(lambda: not app.link.worker.settings.detector.fast_speech.enabled, timeout=ENGINE_MS)


def test_a_settings_file_edited_badly_keeps_the_last_good_settings(qtbot: QtBot, make_app: Any,
                                                                   user_dirs: dict[str, Path], demo: Path) -> None:
    user = user_dirs["config"] / "settings.toml"
    user.write_text('[detector]\nsensitivity = "strict"\n')
    app = make_app(Options(demo=demo, first_run=False))
    assert app.store.value("detector.sensitivity") == "strict"
    user.write_text('[detector]\nsensitivity = "furious"\n')
    qtbot.waitUntil(lambda: "furious" in app.tray.window.note.text(), timeout=ENGINE_MS)
    assert "choose one of gentle, normal, strict" in app.tray.window.note.text()
    assert str(user) in app.tray.window.note.text()
    assert app.store.value("detector.sensitivity") == "strict"
    user.write_text('[detector]\nsensitivity = "gentle"\n')
    qtbot.waitUntil(lambda: app.store.value("detector.sensitivity") == "gentle", timeout=ENGINE_MS)
    qtbot.waitUntil(lambda: app.link.worker.settings.detector.sensitivity == "gentle", timeout=ENGINE_MS)
    gentle = next(a for a in app.menu.sensitivity_menu.actions() if a.data() == "gentle")
    assert gentle.isChecked()


def test_about_names_version_devices_drops_log_and_what_works_here(qtbot: QtBot, make_app: Any,
                                                                   demo: Path) -> None:
    app = make_app(Options(demo=demo, demo_speed=5.0, first_run=False))
    qtbot.waitUntil(lambda: app.link.last_stats is not None, timeout=ENGINE_MS)
    text = app.about_text()
    for words in ("CalmCue ", "Microphone: system default", "Call audio: automatic", "Dropped audio blocks: 0",
                  "Log: ", "calmcue.log", "Global hotkey to dismiss a cue: no", "Tray icon: no"):
        assert words in text


def test_first_run_shows_the_notice_then_the_calibration(qtbot: QtBot, make_app: Any,
                                                         user_dirs: dict[str, Path]) -> None:
    app = make_app(Options(first_run=True))
    notice = app.dialogs.notice
    assert notice is not None and notice.isVisible()
    notice.calibrate_button.click()
    assert isinstance(app.dialogs.calibration, CalibrationDialog) and app.dialogs.calibration.isVisible()
    assert not notice_due(paths.user_data_dir())
    app.dialogs.calibration.close()


def test_delete_my_data_asks_first_and_no_is_the_default(qtbot: QtBot, make_app: Any, demo: Path) -> None:
    app = make_app(Options(demo=demo, first_run=False))
    save_baseline(paths.baseline_file(), BaselineValues(-30.0, 5.0, -8.0, 4.0))
    app.dialogs.ask_delete_data()
    box = app.dialogs.confirm_delete
    assert box is not None and box.isVisible()
    no = box.button(QMessageBox.StandardButton.No)
    assert no is not None and box.defaultButton() is no, "Enter keeps the data"
    no.click()
    assert paths.baseline_file().exists() and app.dialogs.confirm_delete is None
    app.dialogs.ask_delete_data()
    box = app.dialogs.confirm_delete
    assert box is not None
    yes = box.button(QMessageBox.StandardButton.Yes)
    assert yes is not None
    yes.click()
    assert not paths.baseline_file().exists()


def test_about_stays_open_after_the_menu_item_returns(qtbot: QtBot, make_app: Any, demo: Path) -> None:
    app = make_app(Options(demo=demo, first_run=False))
    _action(app.menu, "About CalmCue").trigger()
    about = app.dialogs.about
    assert about is not None and about.isVisible() and "CalmCue " in about.text()
    _action(app.menu, "About CalmCue").trigger()
    assert app.dialogs.about is about, "a second click brings the same window to the front"


def test_restore_defaults_from_settings_reaches_the_engine_and_the_menu(qtbot: QtBot, make_app: Any,
                                                                        user_dirs: dict[str, Path],
                                                                        demo: Path) -> None:
    user = user_dirs["config"] / "settings.toml"
    user.write_text('[detector]\nsensitivity = "strict"\n[detector.fast_speech]\nenabled = false\n')
    app = make_app(Options(demo=demo, first_run=False))
    qtbot.waitUntil(lambda: app.link.worker.settings.detector.sensitivity == "strict", timeout=ENGINE_MS)
    _action(app.menu, "Settings…").trigger()
    dialog = app.dialogs.settings
    assert dialog is not None
    dialog.advanced.restore_button.click()
    box = dialog.advanced.confirm
    assert box is not None and box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    yes = box.button(QMessageBox.StandardButton.Yes)
    assert yes is not None
    yes.click()
    assert "strict" not in user.read_text() and "fast_speech" not in user.read_text()
    qtbot.waitUntil(lambda: app.link.worker.settings.detector.sensitivity == "normal", timeout=ENGINE_MS)
    assert app.link.worker.settings.detector.fast_speech.enabled
    normal = next(a for a in app.menu.sensitivity_menu.actions() if a.data() == "normal")
    assert normal.isChecked()
    assert dialog.editors["detector.sensitivity"].get() == "normal" and dialog.changes() == {}
    dialog.reject()
