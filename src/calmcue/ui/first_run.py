"""The first-run notice: what CalmCue measures, that nothing is recorded or sent, how to pause it, and how to
delete its data. Shown once per user (a marker in the user data folder), and from About at any time."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from calmcue.ui.hotkey import KEY_TEXT
from calmcue.ui.i18n import translate

MARKER = "notice-shown"


def notice_html(*, hotkey: str = KEY_TEXT, speech_s: float = 12.0) -> str:
    """`hotkey` is the global dismiss key, or "" where the desktop has none; `speech_s` the calibration setting."""
    dismiss = translate("CalmCue", "%1 hides a cue at once.").replace("%1", hotkey) if hotkey else \
        translate("CalmCue", "Dismiss the cue in the same menu hides a cue at once.")
    parts = [
        "<h3>" + translate("CalmCue", "Welcome to CalmCue") + "</h3>",
        "<p><b>" + translate("CalmCue", "What it measures.") + "</b> " + translate(
            "CalmCue", "How you speak on calls: how loud, how high and how fast, whether you talk over the "
            "caller, and how long you talk without a pause - compared with your own usual voice. It measures how "
            "you speak, never what you feel.") + "</p>",
        "<p><b>" + translate("CalmCue", "Nothing is recorded or sent.") + "</b> " + translate(
            "CalmCue", "The sound is measured on this computer and thrown away at once. CalmCue keeps only a "
            "few numbers about your usual voice (your calibration) and how many cues it showed each day. Nothing "
            "goes to your supervisor or anywhere else.") + "</p>",
        "<p><b>" + translate("CalmCue", "How to pause it.") + "</b> " + translate(
            "CalmCue", "Right-click the CalmCue icon next to the clock and choose Pause, or Snooze cues for 15 "
            "minutes or an hour.") + " " + dismiss + "</p>",
        "<p><b>" + translate("CalmCue", "Your data.") + "</b> " + translate(
            "CalmCue", "Settings > Delete my data removes your calibration and cue history.") + "</p>",
        "<p>" + translate("CalmCue", "Next, CalmCue learns your usual voice: it needs %1 seconds of you "
                                     "speaking normally.").replace("%1", f"{speech_s:g}") + "</p>",
    ]
    return "".join(parts)


def notice_due(data_dir: Path) -> bool:
    return not (data_dir / MARKER).exists()


def mark_notice_shown(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / MARKER).write_text("1\n", encoding="utf-8")
    except OSError:
        pass  # shown again next time: harmless


class FirstRunNotice(QDialog):
    """Accept = calibrate now; reject = later (CalmCue then learns from the first calls)."""

    def __init__(self, *, hotkey: str = KEY_TEXT, speech_s: float = 12.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("CalmCue", "About CalmCue - please read"))
        layout = QVBoxLayout(self)
        text = QLabel(notice_html(hotkey=hotkey, speech_s=speech_s))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setMinimumWidth(text.fontMetrics().horizontalAdvance("M") * 34)
        layout.addWidget(text)
        buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole
        self.calibrate_button = buttons.addButton(translate("CalmCue", "Calibrate now"), role.AcceptRole)
        self.later_button = buttons.addButton(translate("CalmCue", "Later"), role.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
