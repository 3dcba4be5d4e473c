"""A real overlay on a real X server, driven by test_xvfb.py through stdin/stdout (JSON lines).

    python overlay_driver.py --corner bottom-left --background "#ffffff" [--fullscreen]

Opens a solid background window (activated, like the agent's CRM or call software), the CalmCue overlay and its
global hotkey, then reads commands: `show MESSAGE|REASON[|SPEAKER]`, `quit`. Reports: ready (window ids, overlay
geometry in device pixels), painted, visible, closed, clicked (a mouse press that reached the background window).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PyQt6.QtWidgets import QApplication, QWidget

from calmcue.config.schema import OverlaySettings
from calmcue.ui.hotkey import GlobalHotkey
from calmcue.ui.overlay import Overlay


def say(**record: object) -> None:
    print(json.dumps(record), flush=True)


class Background(QWidget):
    def __init__(self, colour: str) -> None:
        super().__init__()
        self.colour = QColor(colour)
        self.setWindowTitle("calmcue-test-background")

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.colour)
        p.end()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        pos = event.globalPosition()
        ratio = self.devicePixelRatioF()
        say(event="clicked", x=round(pos.x() * ratio), y=round(pos.y() * ratio))


class Stdin(QObject):
    line = pyqtSignal(str)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for text in sys.stdin:
            self.line.emit(text.strip())
        self.line.emit("quit")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corner", default="top-right")
    parser.add_argument("--background", default="#3060a0")
    parser.add_argument("--fullscreen", action="store_true")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    background = Background(args.background)
    if args.fullscreen:
        background.showFullScreen()
    else:
        background.setGeometry(10, 30, 1260, 640)  # under the overlay in every corner but the tray's
        background.show()
    background.activateWindow()
    background.raise_()
    overlay = Overlay(OverlaySettings(corner=args.corner, show_s=60.0))
    hotkey = GlobalHotkey()
    hotkey.activated.connect(overlay.dismiss)
    overlay.painted.connect(lambda: say(event="painted"))
    overlay.closed.connect(lambda: say(event="closed"))

    def on_visible() -> None:
        ratio = overlay.devicePixelRatioF()
        g = overlay.geometry()
        say(event="visible", overlay=int(overlay.winId()), background=int(background.winId()),
            geometry=[round(g.x() * ratio), round(g.y() * ratio), round(g.width() * ratio),
                      round(g.height() * ratio)], ratio=ratio)

    overlay.faded_in.connect(on_visible)

    def command(text: str) -> None:
        if text.startswith("show "):
            message, _, rest = text[5:].partition("|")
            reason, _, speaker = rest.partition("|")
            overlay.show_cue(message, reason, speaker=speaker or "agent")
        elif text == "quit":
            hotkey.close()
            app.quit()

    stdin = Stdin()
    stdin.line.connect(command, Qt.ConnectionType.QueuedConnection)
    stdin.start()
    say(event="ready", background=int(background.winId()), hotkey=hotkey.available, hotkey_reason=hotkey.reason)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
