"""First-run notice, calibration wizard and single-instance guard."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from calmcue.engine.mailbox import Meter
from calmcue.ui.calibration import CalibrationDialog
from calmcue.ui.first_run import FirstRunNotice, notice_html
from calmcue.ui.single_instance import SingleInstance


def _meter(calibration: float, *, level: float = -30.0, speech: bool = True, muted: bool = False,
           t_s: float = 1.0) -> Meter:
    return Meter(t_s=t_s, level_dbfs=(level,), speech=(speech,), agent_calibration=calibration,
                 agent_level_over_db=0.0, in_call=False, muted=muted)


def test_the_notice_says_what_is_measured_that_nothing_is_kept_and_how_to_pause(qtbot: QtBot) -> None:
    text = notice_html()
    for words in ("What it measures.", "never what you feel", "Nothing is recorded or sent.", "How to pause it.",
                  "Pause", "Delete my data", "it needs 12 seconds of you speaking"):
        assert words in text
    assert "Ctrl+Alt+Shift+C hides a cue" in text
    assert "Ctrl+Alt" not in notice_html(hotkey="") and "Dismiss the cue" in notice_html(hotkey="")
    assert "it needs 30 seconds" in notice_html(speech_s=30.0), "the text quotes the setting"
    notice = FirstRunNotice()
    qtbot.addWidget(notice)
    with qtbot.waitSignal(notice.accepted, timeout=1000):
        notice.calibrate_button.click()


def test_calibration_follows_the_engine_and_ignores_the_old_baseline(qtbot: QtBot) -> None:
    dialog = CalibrationDialog(speech_s=12.0)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "needs 12 seconds of your speech" in dialog.findChildren(QLabel)[0].text()
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Your voice" in labels and "Learned" in labels, "the meter and the progress bar are labelled"
    with qtbot.waitSignal(dialog.start, timeout=1000):
        dialog.begin()
    dialog.on_meter(_meter(1.0))  # still the old calibration: the engine has not restarted yet
    assert dialog.progress.value() == 0 and not dialog.learned
    dialog.on_status("calibrating", "learning your usual voice again")
    dialog.on_meter(_meter(0.4))
    assert dialog.progress.value() == 40
    assert dialog.meter.fraction > 0 and "Hearing you" in dialog.hearing.text()
    dialog.on_meter(_meter(0.5, muted=True, level=-100.0, speech=False, t_s=2.0))
    assert dialog.hearing.text().startswith("I can't hear you yet - check that the headset")
    assert not dialog.finish_button.isVisible()
    dialog.on_meter(_meter(1.0, t_s=3.0))
    assert dialog.learned and dialog.progress.value() == 100
    assert dialog.hearing.text() == "Done - CalmCue knows your usual voice."
    assert dialog.finish_button.isVisible() and dialog.finish_button.isDefault()
    dialog.on_meter(_meter(1.0, muted=True, level=-100.0, speech=False, t_s=9.0))
    assert dialog.hearing.text() == "Done - CalmCue knows your usual voice.", "done stays done"
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        dialog.finish_button.click()


def test_calibration_says_when_it_hears_nothing(qtbot: QtBot) -> None:
    dialog = CalibrationDialog()
    qtbot.addWidget(dialog)
    dialog.begin()
    dialog.on_meter(_meter(0.0, level=-90.0, speech=False, t_s=1.0))
    assert dialog.hearing.text() == "Waiting for your voice…"
    dialog.on_meter(_meter(0.0, level=-90.0, speech=False, t_s=4.5))
    assert dialog.hearing.text().startswith("I can't hear you yet")
    assert "muted" not in dialog.hearing.text()


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
