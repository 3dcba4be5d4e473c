"""Starting the tray app as a process: logging, the Qt application, one CalmCue per user, signals, the event loop.

`qt_app.App` wires the parts together; this module only runs it (or, when CalmCue already runs, tells that one).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from calmcue import __version__
from calmcue.ui.i18n import install_translator
from calmcue.ui.platform import prefer_xwayland
from calmcue.ui.qt_app import App, Options
from calmcue.ui.settings_store import SettingsStore
from calmcue.ui.single_instance import SingleInstance


def _ticking(app: QApplication, slot: Callable[[], None], *, interval_ms: int) -> QTimer:
    timer = QTimer(app)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    timer.start()
    return timer


def run(options: Options) -> int:
    from calmcue.logs import setup_logging

    try:
        setup_logging()
    except OSError as err:  # no log file is no reason not to run
        print(f"calmcue: warning: no log file ({err.strerror})", file=sys.stderr)
    prefer_xwayland()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("CalmCue")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)
    install_translator(app)
    instance = SingleInstance()
    single: SingleInstance | None = instance
    if not instance.acquire():
        if not options.quit_after_demo:
            told = instance.notify_running()
            print("calmcue: CalmCue is already running; look for its icon in the system tray"
                  + ("" if told else " (it did not answer; if it hangs, end it and start again)"), file=sys.stderr)
            return 0
        single = None  # `calmcue demo` found no app to ask, yet one holds the lock (starting up): play here
    controller = App(store=SettingsStore(), options=options)
    if single is not None:
        single.serve(controller.answer)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, controller.quit))
    _ticking(app, lambda: None, interval_ms=250)  # Python signal handlers run only when Python code runs
    controller.start()
    try:
        return app.exec()
    finally:
        controller.link.stop()
        if single is not None:
            single.release()
