"""First-run notice, calibration wizard and single-instance guard."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from calmcue.engine.mailbox import Meter
from calmcue.ui.calibration import CalibrationDialog
from calmcue.ui.first_run import FirstRunNotice, notice_html
from calmcue.ui.single_instance import SingleInstance


def _meter(calibration: float, *, level: float = -30.0, speech: bool = True, muted: bool = False) -> Meter:
    return Meter(t_s=1.0, level_dbfs=(level,), speech=(speech,), agent_calibration=calibration,
                 agent_level_over_db=0.0, in_call=False, muted=muted)


def test_the_notice_says_what_is_measured_that_nothing_is_kept_and_how_to_pause(qtbot: QtBot) -> None:
    text = notice_html()
    for words in ("What it measures.", "never what you feel", "Nothing is recorded or sent.", "How to pause it.",
                  "Pause", "Delete my data", "about 20 seconds"):
        assert words in text
    assert "Ctrl+Alt+Shift+C hides a cue" in text
    assert "Ctrl+Alt" not in notice_html(hotkey="") and "Dismiss the cue" in notice_html(hotkey="")
    notice = FirstRunNotice()
    qtbot.addWidget(notice)
    with qtbot.waitSignal(notice.accepted, timeout=1000):
        notice.calibrate_button.click()


def test_calibration_follows_the_engine_and_ignores_the_old_baseline(qtbot: QtBot) -> None:
    dialog = CalibrationDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.start, timeout=1000):
        dialog.begin()
    dialog.on_meter(_meter(1.0))  # still the old calibration: the engine has not restarted yet
    assert dialog.progress.value() == 0 and not dialog.learned
    dialog.on_status("calibrating", "learning your usual voice again")
    dialog.on_meter(_meter(0.4))
    assert dialog.progress.value() == 40
    assert dialog.meter.fraction > 0 and "Hearing you" in dialog.hearing.text()
    dialog.on_meter(_meter(0.5, muted=True, level=-100.0, speech=False))
    assert "muted" in dialog.hearing.text()
    dialog.on_meter(_meter(1.0))
    assert dialog.learned and dialog.progress.value() == 100
    assert "Done" in dialog.hearing.text()


def test_calibration_says_when_there_is_no_microphone(qtbot: QtBot) -> None:
    dialog = CalibrationDialog()
    qtbot.addWidget(dialog)
    dialog.begin()
    dialog.on_status("no_microphone", "no microphone found; plug in a headset")
    assert dialog.hearing.text() == "no microphone found; plug in a headset"


def test_a_second_instance_is_refused_and_the_first_is_told(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire()
    second = SingleInstance(tmp_path)
    assert not second.acquire()
    with qtbot.waitSignal(first.message, timeout=3000) as got:
        assert second.notify_running("show")
    assert got.args == ["show"]
    first.release()
    third = SingleInstance(tmp_path)
    assert third.acquire(), "free again once the first has quit"
    third.release()
