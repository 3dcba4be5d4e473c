"""A real call card on a real X server, driven by test_call_card.py through stdin/stdout (JSON lines).

Opens an activated background window (the agent's own work), then reads `show SECONDS` and `quit`. Reports:
ready (window ids), shown (card geometry in device pixels), clicked (the card's click: open the report),
closed, background_clicked.
"""

from __future__ import annotations

import json
import sys

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication

from calmcue.config.schema import OverlaySettings
from calmcue.detector.calls import CallSummary
from calmcue.ui.call_card import CallCard

try:
    from overlay_driver import Background, Stdin  # run as a script from tests/ui
except ImportError:
    from ui.overlay_driver import Background, Stdin  # imported by the tests for SUMMARY

SUMMARY = CallSummary(start_s=0.0, end_s=372.0, duration_s=372.0, ended_by="call_audio_gap", call_audio=True,
                      agent_talk_s=150.0, customer_talk_s=160.0, agent_talk_share=150 / 310,
                      customer_talk_share=160 / 310, longest_agent_monologue_s=20.0, talk_over_count=0,
                      customer_raised_s=40.0, customer_raised_count=2, agent_let_them_finish=True,
                      agent_raised_s=2.0, agent_raised_count=1, agent_level_vs_baseline_db=1.0, agent_pace_ratio=1.0,
                      cues={"raised_voice": 2, "talk_over": 0, "fast_speech": 0, "no_pause": 0})


def say(**record: object) -> None:
    print(json.dumps(record), flush=True)


def main() -> int:
    app = QApplication(sys.argv[:1])
    background = Background("#3060a0")
    background.setGeometry(10, 30, 900, 500)
    background.show()
    background.activateWindow()
    background.raise_()
    card = CallCard(OverlaySettings(corner="bottom-right"), show_s=60.0)
    card.clicked.connect(lambda: say(event="clicked"))
    card.closed.connect(lambda: say(event="closed"))

    def shown() -> None:
        ratio, g = card.devicePixelRatioF(), card.geometry()
        say(event="shown", card=int(card.winId()), text=card.body.text(), focus=QApplication.focusWindow() is not None
            and QApplication.focusWindow() == card.windowHandle(),
            geometry=[round(v * ratio) for v in (g.x(), g.y(), g.width(), g.height())])

    def command(text: str) -> None:
        if text.startswith("show "):
            card.show_s = float(text[5:])
            card.show_summary(SUMMARY)
            QTimer.singleShot(300, shown)  # reported once the window system has mapped and drawn it
        elif text == "quit":
            app.quit()

    stdin = Stdin()
    stdin.line.connect(command, Qt.ConnectionType.QueuedConnection)
    stdin.start()
    say(event="ready", background=int(background.winId()))
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
