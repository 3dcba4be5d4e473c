"""The tray app's link to the engine: owns the worker thread and the Bridge, plays the demo call or listens to
the microphone, sends the user's commands and re-emits what the engine says as Qt signals.

The engine modules are imported when the link starts, not when this module is imported, so the tray icon can
appear before numpy and the detector are loaded.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, pyqtSignal

from calmcue.config import paths
from calmcue.errors import CalmCueError
from calmcue.ui.i18n import translate

if TYPE_CHECKING:
    from calmcue.audio.sources import Source
    from calmcue.config.schema import Settings
    from calmcue.detector.baseline import BaselineValues
    from calmcue.engine.commands import Command
    from calmcue.engine.mailbox import Stats
    from calmcue.engine.worker import Worker
    from calmcue.ui.bridge import Bridge
    from calmcue.ui.demo_player import DemoPlan

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 3.0


class EngineLink(QObject):
    status = pyqtSignal(str, str)  # the engine's state and its one-line detail
    cue = pyqtSignal(object)  # Cue: show it now
    meter = pyqtSignal(object)  # Meter: 20 a second while a level meter is on screen, else 1 a second
    demo_changed = pyqtSignal(bool)  # True: the demo call plays instead of the microphone
    demo_ended = pyqtSignal()  # the demo recording played to its end
    problem = pyqtSignal(str, str)  # title, text: something the user should be told (a warning)
    call_summary = pyqtSignal(object)  # CallSummary: a call ended (ui/calls_link.py)
    stats = pyqtSignal(object)  # Stats, about once a second

    def __init__(self, *, settings: Callable[[], Settings], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings  # the current settings, read whenever a worker starts
        self.worker: Worker | None = None
        self.bridge: Bridge | None = None
        self.demo: DemoPlan | None = None  # what plays instead of the microphone
        self.paused = False  # the agent paused listening: the microphone stays paused after a demo too
        self._stopping = False  # a worker is being stopped on purpose: its "finished" is no news
        self._closed = True  # not started, or stopped for good: nothing starts a worker (a late "finished" neither)

    # --- start and stop ----------------------------------------------------------------------------------

    @property
    def demo_playing(self) -> bool:
        return self.demo is not None

    def start(self, demo: DemoPlan | None = None) -> None:
        from calmcue.engine.mailbox import Mailbox
        from calmcue.ui.bridge import Bridge

        self._closed = False
        self.bridge = Bridge(Mailbox(), None, self)
        self.bridge.status.connect(self._on_status)
        self.bridge.cue.connect(self.cue)
        self.bridge.meter.connect(self.meter)
        self.bridge.call_summary.connect(self.call_summary)
        self.bridge.stats.connect(self.stats)
        self.bridge.start()
        from calmcue.ui.meter import meter_watch

        meter_watch().changed.connect(self._meters_shown)
        self._start_worker(demo)

    def stop(self) -> None:
        self._closed = True  # the stopped worker's "finished" may still be on its way: it must not start another
        self._stop_worker()
        if self.bridge is not None:
            from calmcue.ui.meter import meter_watch

            with contextlib.suppress(TypeError):  # not connected (stopped twice)
                meter_watch().changed.disconnect(self._meters_shown)
            self.bridge.stop()

    def switch_demo(self, demo: DemoPlan | None) -> None:
        """Plays `demo` instead of the microphone, or (None) goes back to the microphone."""
        self._stop_worker()
        self._start_worker(demo)

    @property
    def last_stats(self) -> Stats | None:
        return self.bridge.last_stats if self.bridge is not None else None

    # --- commands ----------------------------------------------------------------------------------------

    def send(self, command: Command) -> None:
        if self.bridge is not None:
            self.bridge.send(command)

    def pause(self) -> None:
        from calmcue.engine.commands import Pause

        self.paused = True
        self.send(Pause())

    def resume(self) -> None:
        from calmcue.engine.commands import Resume

        self.paused = False
        self.send(Resume())

    def snooze(self, seconds: float) -> None:
        from calmcue.engine.commands import Snooze

        self.send(Snooze(seconds))

    def recalibrate(self) -> None:
        from calmcue.engine.commands import Recalibrate

        self.send(Recalibrate())

    def new_call(self) -> None:
        from calmcue.engine.commands import NewCall

        self.send(NewCall())

    def reload(self, settings: Settings) -> None:
        from calmcue.engine.commands import Reload

        self.send(Reload(settings))

    def _meters_shown(self, shown: bool) -> None:
        """A level meter appeared on screen (or the last one went): live meters on (off) in the engine."""
        from calmcue.engine.commands import SetMeters

        self.send(SetMeters(shown))

    def preview_devices(self, mic: str, call: str) -> None:
        """Capture from these devices now (the settings dialog's live meters); the demo is left alone."""
        from calmcue.engine.commands import SelectDevices

        if not self.demo_playing:
            self.send(SelectDevices(mic, call))

    # --- inside ------------------------------------------------------------------------------------------

    def _start_worker(self, demo: DemoPlan | None) -> None:
        from calmcue.engine.mailbox import Mailbox
        from calmcue.engine.worker import Worker
        from calmcue.ui.meter import meter_watch

        assert self.bridge is not None, "start() first"
        if self._closed:
            log.info("engine not started: the app is shutting down")
            return
        settings = self._settings()
        if demo is not None:
            factory = self._demo_factory(demo)
            # the demo voice's own saved baseline, or none; and nothing saved: it is never the agent's calibration
            baseline, baseline_path = demo.baseline, None
        else:
            from calmcue.audio.sources import DeviceSourceFactory

            factory = DeviceSourceFactory(mic=settings.audio.mic, call=settings.audio.call,
                                          latency=settings.audio.latency)
            baseline, baseline_path = self._load_baseline(), paths.baseline_file()
        mailbox = Mailbox()
        self.worker = Worker(settings=settings, source_factory=factory, mailbox=mailbox, agent_baseline=baseline,
                             baseline_path=baseline_path, meters=meter_watch().active)
        self.bridge.attach(mailbox, self.worker.commands)
        self.demo = demo
        self.demo_changed.emit(self.demo_playing)
        self.worker.start()
        if self.paused and demo is None:
            self.pause()
        log.info("engine started (%s)", f"demo {demo.path} from {demo.start_s:.2f} s" if demo else "microphone")

    def _demo_factory(self, demo: DemoPlan) -> Callable[[], Source]:
        from functools import partial

        from calmcue.audio.sources import FileSource

        return partial(FileSource, demo.path, realtime=True, speed=demo.speed, start_s=demo.start_s)

    def _stop_worker(self) -> None:
        if self.worker is None:
            return
        worker, self.worker = self.worker, None
        self._stopping = True
        try:
            if not worker.stop(timeout_s=STOP_TIMEOUT_S):
                log.warning("the engine did not stop within %.0f s", STOP_TIMEOUT_S)
            if self.bridge is not None:
                self.bridge.drain()
        finally:
            self._stopping = False

    def _load_baseline(self) -> BaselineValues | None:
        from calmcue.detector.baseline import load_baseline

        path = paths.baseline_file()
        if not path.exists():
            return None
        try:
            return load_baseline(path)
        except CalmCueError as err:
            log.warning("calibration not used: %s", err)
            text = translate("CalmCue", "%1 - CalmCue learns your usual voice again.").replace("%1", str(err))
            self.problem.emit(translate("CalmCue", "Calibration not usable"), text)
            return None

    def _on_status(self, state: str, detail: str) -> None:
        self.status.emit(state, detail)
        if state == "finished" and self.demo_playing and not (self._stopping or self._closed):
            self.demo_ended.emit()
