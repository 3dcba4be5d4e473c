"""The tray app's side of calls: each summary goes to the history, the team counts (if policy turns them on) and,
after a call with a cue, the call card. The tray menu's "My calls report" opens here ("New call" is
a command to the engine: EngineLink.new_call).

ui/qt_app.py creates it once the engine starts and connects it to the EngineLink's `call_summary` and `stats`
signals, the menu's `calls_report` and the dismiss hotkey.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QUrl
from PyQt6.QtGui import QDesktopServices

from calmcue.config.schema import Settings
from calmcue.detector.calls import CallSummary
from calmcue.history.report import report_file
from calmcue.history.store import CallHistory, history_file
from calmcue.ui import trace
from calmcue.ui.call_card import CallCard

log = logging.getLogger(__name__)
REPORT_DAYS = 30


class CallsLink(QObject):
    def __init__(self, *, settings: Settings, recording: Callable[[], bool], parent: QObject | None = None) -> None:
        """`recording()` says whether calls count (not while the demo call plays)."""
        super().__init__(parent)
        from calmcue.telemetry.counts import start

        self.settings = settings
        self.recording = recording
        h = settings.history
        self.history = CallHistory(history_file(), keep_days=h.keep_days, max_calls=h.max_calls)
        self.history.prune()
        self.team_counts = start()
        self.card = CallCard(settings.overlay, show_s=h.card_s)
        self.card.clicked.connect(self.open_report)
        self.last_report: Any = None

    def on_summary(self, summary: CallSummary) -> None:
        trace.event("call_summary", cues=summary.cue_count, duration_s=round(summary.duration_s, 2))
        if not self.recording():
            return
        self.history.add(summary)
        if self.team_counts is not None:
            self.team_counts.record_call(summary)
        if self.settings.history.card and summary.cue_count >= 1:
            self.card.show_summary(summary)

    def on_stats(self, stats: Any) -> None:
        if self.team_counts is not None:
            self.team_counts.record_dropped(int(stats.dropped_blocks))

    def open_report(self) -> None:
        """Writes the report page into the user's data folder and opens it in their browser."""
        import time

        from calmcue.errors import CalmCueError
        from calmcue.history.report import write_report

        out = report_file()
        try:
            write_report(self.history, out=out, days=REPORT_DAYS, now_unix=time.time())
        except CalmCueError as err:
            log.warning("calls report not written: %s", err)
            return
        self.last_report = out
        trace.event("report_written", path=str(out))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        self.card.settings, self.card.show_s = settings.overlay, settings.history.card_s

    def delete(self) -> None:
        """'Delete my data': the call history and the report page."""
        self.history.delete()
        report_file().unlink(missing_ok=True)

    def shutdown(self) -> None:
        self.card.dismiss()
        if self.team_counts is not None:
            self.team_counts.shutdown()
