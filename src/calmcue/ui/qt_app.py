"""The tray app: settings, tray icon, overlay, hotkey and the engine's worker, wired together.

Start-up shows the tray icon first and only then (from the event loop) imports and starts the engine, so the
icon appears fast. The engine runs on its own thread; this side sees it only through the Bridge (mailbox in,
commands out).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from calmcue import __version__
from calmcue.commands.demo import demo_file
from calmcue.config import paths
from calmcue.errors import CalmCueError
from calmcue.ui import autostart, trace
from calmcue.ui.devices import list_devices
from calmcue.ui.i18n import install_translator, translate
from calmcue.ui.platform import capabilities, describe, prefer_xwayland
from calmcue.ui.settings_store import KEYS, SettingsStore
from calmcue.ui.single_instance import SingleInstance
from calmcue.ui.tray import Tray, TrayMenu, state_text

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 3.0
ENGINE_START_LATEST_MS = 400  # the engine starts once the icon is in the tray, or after this long at most
DEMO_END_GRACE_MS = 1500  # `calmcue demo` quits this long after the call ends (or once the last cue faded)
ENGINE_STATES_SNOOZABLE = ("listening", "calibrating", "no_call_audio", "on_hold")


@dataclass(frozen=True)
class Options:
    demo: Path | None = None  # play this recording through the engine instead of the microphone
    quit_after_demo: bool = False  # `calmcue demo`: quit when the recording ends
    demo_speed: float = 1.0  # 1 = real time, as from a headset
    first_run: bool = True  # show the first-run notice when it is due


class App(QObject):
    def __init__(self, *, store: SettingsStore, options: Options) -> None:
        super().__init__()
        self.store = store
        self.options = options
        self.menu = TrayMenu(list_devices=list_devices)
        self.tray = Tray(self.menu, self)
        self.engine_state, self.engine_detail = "starting", ""
        self.channels = 0
        self.snoozed_until: dt.datetime | None = None
        self.demo_playing = False
        self.stopping = False  # a worker is being stopped on purpose: its "finished" is no news
        self._started = False
        self.worker: Any = None
        self.overlay: Any = None
        self.bridge: Any = None
        self.hotkey: Any = None
        self.history: Any = None
        self.settings_dialog: Any = None
        self.calibration: Any = None
        self.notice: Any = None
        self.said: set[str] = set()  # one-time notices already given
        self.file_watch: Any = None
        self._snooze_timer = _timer(self, self._snooze_over, single=True)

    # --- start and stop ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.menu.set_settings(self._values(), self.store.loaded.enforced)
        self._connect_menu()
        self.tray.show()
        trace.event("tray_shown", available=self.tray.available)
        # Importing and starting the engine keeps the event loop busy for a few hundred ms: let the tray host
        # embed the icon first (it needs the event loop), then start.
        if self.tray.available:
            self.tray.embedded.connect(self._start_rest)
            QTimer.singleShot(ENGINE_START_LATEST_MS, self._start_rest)
        else:
            QTimer.singleShot(0, self._start_rest)

    def _start_rest(self) -> None:
        if self._started:
            return  # the tray embedded the icon, then the fallback timer fired (or the reverse)
        self._started = True
        from calmcue.ui.bridge import Bridge
        from calmcue.ui.history import CueHistory
        from calmcue.ui.hotkey import GlobalHotkey
        from calmcue.ui.overlay import Overlay
        from calmcue.ui.texts import cue_message, cue_reason

        self._texts = (cue_message, cue_reason)

        self.history = CueHistory(paths.user_data_dir() / "history.json")
        self.tray.set_cues_today(self.history.count())
        self.overlay = Overlay(self.store.settings.overlay)
        self.overlay.winId()  # the native window now, not when the first cue is due
        self.overlay.painted.connect(lambda: self.tray.set_cue_showing(True))
        self.overlay.closed.connect(self._cue_closed)
        self.hotkey = GlobalHotkey(self)
        self.hotkey.activated.connect(self._dismiss)
        self.bridge = Bridge(self._new_mailbox(), None, self)
        self.bridge.status.connect(self._on_status)
        self.bridge.cue.connect(self._on_cue)
        self.bridge.meter.connect(self._on_meter)
        self.bridge.start()
        self._start_worker(self.options.demo)
        self._watch_files()
        self._report_problems(self.store.problems)
        caps = self._capabilities()
        for line in describe(caps):
            log.info("platform: %s", line)
        missing = [c for c in caps if not c.works and c.note]
        if QApplication.platformName().startswith("wayland") and missing:
            self._notify(translate("CalmCue", "Limited on this desktop"), "\n".join(describe(missing)))
        trace.event("engine_started", demo=self.options.demo is not None)
        if self.options.first_run and self.options.demo is None:
            self._maybe_first_run()

    def quit(self) -> None:
        trace.event("quit")
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        """Stops the engine and closes every window this app opened (the event loop goes on)."""
        self._stop_worker()
        if self.bridge is not None:
            self.bridge.stop()
        if self.hotkey is not None:
            self.hotkey.close()
        for window in (self.overlay, self.settings_dialog, self.calibration, self.notice):
            if window is not None:
                window.close()
        self.tray.hide()

    # --- the engine --------------------------------------------------------------------------------------

    @staticmethod
    def _new_mailbox() -> Any:
        from calmcue.engine.mailbox import Mailbox

        return Mailbox()

    def _start_worker(self, demo: Path | None) -> None:
        from calmcue.engine.worker import Worker

        settings = self.store.settings
        if demo is not None:
            from functools import partial

            from calmcue.audio.sources import FileSource

            factory: Any = partial(FileSource, demo, realtime=True, speed=self.options.demo_speed)
            baseline, baseline_path = None, None  # the demo's voice must never become the user's calibration
        else:
            from calmcue.audio.sources import DeviceSourceFactory

            factory = DeviceSourceFactory(mic=settings.audio.mic, call=settings.audio.call,
                                          latency=settings.audio.latency)
            baseline, baseline_path = self._load_baseline(), paths.baseline_file()
        mailbox = self._new_mailbox()
        self.worker = Worker(settings=settings, source_factory=factory, mailbox=mailbox, agent_baseline=baseline,
                             baseline_path=baseline_path)
        self.bridge.attach(mailbox, self.worker.commands)
        self.demo_playing = demo is not None
        self.menu.set_demo_playing(self.demo_playing)
        self.channels = 0
        self.worker.start()
        log.info("engine started (%s)", f"demo {demo}" if demo else "microphone")

    def _stop_worker(self) -> None:
        if self.worker is None:
            return
        worker, self.worker = self.worker, None
        self.stopping = True
        try:
            if not worker.stop(timeout_s=STOP_TIMEOUT_S):
                log.warning("the engine did not stop within %.0f s", STOP_TIMEOUT_S)
            if self.bridge is not None:
                self.bridge.drain()
        finally:
            self.stopping = False

    def _load_baseline(self) -> Any:
        from calmcue.detector.baseline import load_baseline

        path = paths.baseline_file()
        if not path.exists():
            return None
        try:
            return load_baseline(path)
        except CalmCueError as err:
            log.warning("calibration not used: %s", err)
            text = translate("CalmCue", "%1 - CalmCue learns your usual voice again.").replace("%1", str(err))
            self._notify(translate("CalmCue", "Calibration not usable"), text, warning=True)
            return None

    def _send(self, command: object) -> None:
        if self.bridge is not None:
            self.bridge.send(command)

    # --- messages from the engine ------------------------------------------------------------------------

    def _on_status(self, state: str, detail: str) -> None:
        self.engine_state, self.engine_detail = state, detail
        if state == "no_microphone" and "no_microphone" not in self.said:
            self.said.add("no_microphone")
            self._notify(translate("CalmCue", "No microphone"),
                         translate("CalmCue", "CalmCue found no microphone and keeps looking. Meanwhile you can "
                                              "play the demo call from the menu."), warning=True)
        elif state == "no_call_audio" and "no_call_audio" not in self.said:
            self.said.add("no_call_audio")
            self._notify(translate("CalmCue", "No call audio"),
                         translate("CalmCue", "Listening to your microphone only: the cue for talking over the "
                                              "caller needs the call audio. Choose it in the menu."))
        elif state == "finished" and self.demo_playing and not self.stopping:
            self._demo_ended()
        self._show_state()

    def _on_meter(self, meter: Any) -> None:
        channels = len(meter.level_dbfs)
        if channels != self.channels:
            self.channels = channels
            self._show_state()

    def _on_cue(self, cue: Any) -> None:
        trace.event("cue_received", kind=cue.kind, speaker=cue.speaker, t_s=cue.t_s)
        if not self.demo_playing:
            self.history.record(kind=cue.kind, speaker=cue.speaker)
            self.tray.set_cues_today(self.history.count())
        message, reason = self._texts
        self.overlay.show_cue(message(cue), reason(cue))

    def _show_state(self) -> None:
        state, detail = self.engine_state, self.engine_detail
        if state in ("listening", "calibrating") and self.channels == 1:
            state = "no_call_audio" if state == "listening" else state
        if self.snoozed_until is not None and state in ENGINE_STATES_SNOOZABLE:
            state = "snoozed"
            detail = translate("CalmCue", "until %1").replace("%1", self.snoozed_until.strftime("%H:%M"))
        if self.demo_playing:
            detail = translate("CalmCue", "demo call") + (f" - {detail}" if detail else "")
        self.menu.set_paused(state == "paused")
        self.tray.set_state(state, detail)

    def _demo_ended(self) -> None:
        self._notify(translate("CalmCue", "Demo call ended"), translate("CalmCue", "That was the demo call."))
        if self.options.quit_after_demo:
            if self.overlay is not None and self.overlay.isVisible():
                self.overlay.closed.connect(self.quit)
            else:
                QTimer.singleShot(DEMO_END_GRACE_MS, self.quit)
        else:
            self._switch_demo(False)

    # --- user actions ------------------------------------------------------------------------------------

    def _connect_menu(self) -> None:
        m = self.menu
        m.pause_toggled.connect(self._pause)
        m.snooze.connect(self._snooze)
        m.dismiss.connect(self._dismiss)
        m.recalibrate.connect(self.open_calibration)
        m.mic_chosen.connect(lambda name: self._save({"audio.mic": name}))
        m.call_chosen.connect(lambda name: self._save({"audio.call": name}))
        m.sensitivity_chosen.connect(lambda value: self._save({"detector.sensitivity": value}))
        m.cue_toggled.connect(lambda key, on: self._save({key: on}))
        m.demo.connect(self._switch_demo)
        m.settings.connect(self.open_settings)
        m.about.connect(self.open_about)
        m.quit.connect(self.quit)
        self.tray.activated.connect(self._on_tray_click)

    def _pause(self, pause: bool) -> None:
        from calmcue.engine.worker import Pause, Resume, Snooze

        trace.event("action", name="pause" if pause else "resume")
        if pause:
            self._send(Pause())
            self._dismiss()
        else:
            self._send(Resume())
            if self.snoozed_until is not None:
                self._send(Snooze(0.0))
                self._snooze_over()

    def _snooze(self, seconds: float) -> None:
        from calmcue.engine.worker import Snooze

        trace.event("action", name="snooze", seconds=seconds)
        self._send(Snooze(seconds))
        self._snooze_timer.stop()
        if seconds <= 0:
            self._snooze_over()
            return
        self.snoozed_until = dt.datetime.now() + dt.timedelta(seconds=seconds)
        self._snooze_timer.start(round(seconds * 1000))
        self.menu.set_snoozed(self.snoozed_until)
        self._dismiss()
        self._show_state()

    def _snooze_over(self) -> None:
        self.snoozed_until = None
        self.menu.set_snoozed(None)
        self._show_state()

    def _dismiss(self) -> None:
        trace.event("action", name="dismiss")
        if self.overlay is not None:
            self.overlay.dismiss()

    def _cue_closed(self) -> None:
        self.tray.set_cue_showing(False)

    def _on_tray_click(self) -> None:
        self._notify("CalmCue", self.tray.tooltip().split("\n", 1)[-1])

    def _switch_demo(self, play: bool) -> None:
        demo = self.options.demo or demo_file()
        if play and demo is None:
            self._notify(translate("CalmCue", "No demo call"),
                         translate("CalmCue", "The demo recording is missing; build it with 'make demo'."),
                         warning=True)
            return
        trace.event("action", name="demo" if play else "stop_demo")
        self._stop_worker()
        self._start_worker(demo if play else None)
        self._show_state()

    def _save(self, changes: dict[str, Any]) -> None:
        trace.event("action", name="save", changes=changes)
        try:
            self.store.save(changes)
        except CalmCueError as err:
            self._notify(translate("CalmCue", "Setting not saved"), str(err), warning=True)
            return
        self._apply_settings()

    def _apply_settings(self) -> None:
        from calmcue.engine.worker import Reload

        self.menu.set_settings(self._values(), self.store.loaded.enforced)
        if self.overlay is not None:
            self.overlay.configure(self.store.settings.overlay)
        self._send(Reload(self.store.settings))

    # --- dialogs -----------------------------------------------------------------------------------------

    def open_settings(self) -> None:
        from calmcue.ui.settings_dialog import SettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return
        ok, why = autostart.supported()
        dialog = SettingsDialog(values=self._values(), enforced=self.store.loaded.enforced,
                                problems=self.store.problems, devices=list_devices(),
                                autostart=(autostart.is_enabled(), ok, why))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        if self.bridge is not None:
            self.bridge.meter.connect(dialog.on_meter)
        dialog.devices_preview.connect(self._preview_devices)
        dialog.delete_data.connect(self.delete_data)
        dialog.finished.connect(self._settings_done)
        dialog.show()
        trace.event("dialog", name="settings")

    def _preview_devices(self, mic: str, call: str) -> None:
        from calmcue.engine.worker import SelectDevices

        if not self.demo_playing:
            self._send(SelectDevices(mic, call))

    def _settings_done(self, result: int) -> None:
        dialog, self.settings_dialog = self.settings_dialog, None
        if dialog is None:
            return
        if self.bridge is not None:
            self.bridge.meter.disconnect(dialog.on_meter)
        if result == int(dialog.DialogCode.Accepted):
            if autostart.supported()[0] and dialog.autostart_wanted() != autostart.is_enabled():
                try:
                    autostart.set_enabled(dialog.autostart_wanted())
                except CalmCueError as err:
                    self._notify(translate("CalmCue", "Start with the session"), str(err), warning=True)
            changes = dialog.changes()
            if changes:
                self._save(changes)
                return
        self._apply_settings()  # back to the saved devices after a preview

    def open_calibration(self) -> None:
        from calmcue.engine.worker import Recalibrate
        from calmcue.ui.calibration import CalibrationDialog

        if self.calibration is not None:
            self.calibration.raise_()
            return
        if self.demo_playing:
            self._switch_demo(False)
        dialog = CalibrationDialog()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.calibration = dialog
        dialog.start.connect(lambda: self._send(Recalibrate()))
        self.bridge.meter.connect(dialog.on_meter)
        self.bridge.status.connect(dialog.on_status)
        dialog.finished.connect(self._calibration_done)
        dialog.show()
        dialog.begin()
        trace.event("dialog", name="calibration")

    def _calibration_done(self, _result: int) -> None:
        dialog, self.calibration = self.calibration, None
        if dialog is not None and self.bridge is not None:
            self.bridge.meter.disconnect(dialog.on_meter)
            self.bridge.status.disconnect(dialog.on_status)

    def open_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, translate("CalmCue", "About CalmCue"), self.about_text())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.show()
        trace.event("dialog", name="about")

    def about_text(self) -> str:
        from calmcue.logs import log_file
        from calmcue.ui.about import about_text

        stats = self.bridge.last_stats if self.bridge is not None else None
        return about_text(settings=self.store.settings, state=state_text(self.tray.state), stats=stats,
                          log_path=log_file(), user_path=self.store.user_path, policy_path=self.store.policy_path,
                          platform=QApplication.platformName(), capabilities=describe(self._capabilities()))

    def delete_data(self) -> None:
        from calmcue.engine.worker import Recalibrate

        answer = QMessageBox.question(None, translate("CalmCue", "Delete my data"), translate(
            "CalmCue", "Delete your calibration and your cue history from this computer? CalmCue then learns "
            "your usual voice again from your next calls."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        remove_user_data(self.history)
        self.tray.set_cues_today(0)
        self._send(Recalibrate())
        self._notify(translate("CalmCue", "Data deleted"),
                     translate("CalmCue", "Your calibration and cue history are deleted."))

    def _maybe_first_run(self) -> None:
        from calmcue.ui.first_run import FirstRunNotice, mark_notice_shown, notice_due

        if not notice_due(paths.user_data_dir()):
            return
        from calmcue.ui.hotkey import KEY_TEXT

        notice = FirstRunNotice(hotkey=KEY_TEXT if self.hotkey is not None and self.hotkey.available else "")
        self.notice = notice
        notice.accepted.connect(self.open_calibration)
        notice.finished.connect(lambda _r: mark_notice_shown(paths.user_data_dir()))
        notice.show()
        trace.event("dialog", name="first_run")

    # --- settings files ----------------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        return {key: self.store.value(key) for key in KEYS}

    def _watch_files(self) -> None:
        from calmcue.ui.file_watch import FileWatch

        self.file_watch = FileWatch((self.store.user_path, self.store.policy_path), self)
        self.file_watch.changed.connect(self._files_changed)

    def _files_changed(self) -> None:
        before = self.store.settings, self.store.loaded.enforced
        result = self.store.reload()
        trace.event("settings_reloaded", applied=result.applied, problems=list(result.new_problems))
        if not result.applied:
            self._report_problems(result.new_problems)
        elif (self.store.settings, self.store.loaded.enforced) != before:
            self._apply_settings()

    def _report_problems(self, problems: tuple[str, ...]) -> None:
        if not problems:
            return
        for line in problems:
            log.warning("settings: %s", line)
        self._notify(translate("CalmCue", "Some settings were not used"),
                     "\n".join(problems) + "\n" + translate("CalmCue", "CalmCue keeps using the last good settings."),
                     warning=True)

    # --- helpers -----------------------------------------------------------------------------------------

    def _notify(self, title: str, text: str, *, warning: bool = False) -> None:
        log.info("notice: %s: %s", title, text.replace("\n", " | "))
        self.tray.notify(title, text, warning=warning)

    def _capabilities(self) -> list[Any]:
        hotkey_ok = bool(self.hotkey is not None and self.hotkey.available)
        reason = self.hotkey.reason if self.hotkey is not None else ""
        excluded = self.overlay.capture_excluded if self.overlay is not None else None
        if excluded is None and sys.platform == "win32":
            excluded = True  # set on the first cue; Windows 10 2004+ has WDA_EXCLUDEFROMCAPTURE
        return capabilities(hotkey_available=hotkey_ok, hotkey_reason=reason, capture_excluded=excluded)


def _timer(parent: QObject, slot: Any, *, single: bool = False, interval_ms: int = 0) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(single)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def remove_user_data(history: Any) -> None:
    """"Delete my data": the calibration and the cue history (settings stay; they are choices, not data)."""
    paths.baseline_file().unlink(missing_ok=True)
    if history is not None:
        history.delete()
    else:
        (paths.user_data_dir() / "history.json").unlink(missing_ok=True)


def _keep_python_signals(app: QApplication) -> None:
    """Ctrl+C and SIGTERM quit cleanly: Python handlers only run when Python code runs, so tick."""
    _timer(app, lambda: None, interval_ms=250).start()


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
    single: SingleInstance | None = None
    if not options.quit_after_demo:
        single = SingleInstance()
        if not single.acquire():
            told = single.notify_running()
            print("calmcue: CalmCue is already running; look for its icon in the system tray"
                  + ("" if told else " (it did not answer; if it hangs, end it and start again)"), file=sys.stderr)
            return 0
    controller = App(store=SettingsStore(), options=options)
    if single is not None:
        running = translate("CalmCue", "CalmCue is already running.")
        single.message.connect(lambda _text: controller._notify("CalmCue", running))
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, controller.quit))
    _keep_python_signals(app)
    controller.start()
    try:
        return app.exec()
    finally:
        controller._stop_worker()
        if single is not None:
            single.release()
