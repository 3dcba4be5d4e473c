"""Starting the tray app as a process: logging, the Qt application, one CalmCue per user, signals, the event loop.

`qt_app.App` wires the parts together; this module only runs it (or, when CalmCue already runs, tells that one).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PyQt6 import sip
from PyQt6.QtCore import QSocketNotifier, QTimer
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


def wake_for_signals(app: QApplication) -> QSocketNotifier | None:
    """Python runs a signal handler only once Python code runs, and an idle Qt event loop runs none. The C-level
    handler writes a byte to a socket (signal.set_wakeup_fd) that a QSocketNotifier watches, so SIGTERM and SIGINT
    are handled at once with nothing waking the app while it idles (a 250 ms timer did that 4 times a second).
    None where it cannot be set up (then the caller falls back to the timer)."""
    import socket

    try:
        reader, writer = socket.socketpair()
        for end in (reader, writer):
            end.setblocking(False)
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (OSError, ValueError):
        return None
    notifier = QSocketNotifier(sip.voidptr(reader.fileno()), QSocketNotifier.Type.Read, app)

    ends = (reader, writer)  # held by the slot below, so both sockets live as long as the connection

    def drain() -> None:  # the handlers have run by now (this is Python code); empty the socket for the next one
        try:
            while ends[0].recv(512):
                pass
        except OSError:
            pass

    notifier.activated.connect(drain)
    return notifier


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
    if wake_for_signals(app) is None:
        _ticking(app, lambda: None, interval_ms=250)  # Python signal handlers run only when Python code runs
    controller.start()
    try:
        return app.exec()
    finally:
        controller.link.stop()
        if single is not None:
            single.release()
