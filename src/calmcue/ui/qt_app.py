"""The tray app, wired together: settings, the engine link, the app state, the tray icon, the overlay, the
hotkey and the windows.

Each part does one job and talks through Qt signals: the EngineLink owns the engine (worker and Bridge) and says
what it hears; AppState turns that into one shown state; the tray icon and its menu listen to AppState; Dialogs
owns the windows. This module only connects them and handles the few actions that touch several parts.

Start-up shows the tray icon first and only then (from the event loop) imports and starts the engine, so the
icon appears fast.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QTimer
from PyQt6.QtWidgets import QApplication

from calmcue.config import paths
from calmcue.ui import trace
from calmcue.ui.app_state import AppState
from calmcue.ui.cue_gate import CueGate
from calmcue.ui.demo_player import DemoPlayer
from calmcue.ui.devices import list_devices
from calmcue.ui.dialogs import Dialogs
from calmcue.ui.engine_link import EngineLink
from calmcue.ui.feedback import RecentCues, ShownCue
from calmcue.ui.history import CueHistory, remove_user_data
from calmcue.ui.i18n import translate
from calmcue.ui.nudge import Nudge, Nudges, nudge_file, nudge_text
from calmcue.ui.pause import PauseControl
from calmcue.ui.platform import Capability, capabilities, describe
from calmcue.ui.settings_store import SettingsStore
from calmcue.ui.settings_sync import SettingsSync
from calmcue.ui.single_instance import Action, Reply, Request
from calmcue.ui.tray import Tray
from calmcue.ui.tray_menu import TrayMenu, state_text

if TYPE_CHECKING:
    from calmcue.detector.events import Cue
    from calmcue.engine.mailbox import Meter
    from calmcue.ui.calls_link import CallsLink
    from calmcue.ui.hotkey import GlobalHotkey
    from calmcue.ui.overlay import Overlay

log = logging.getLogger(__name__)

ENGINE_START_LATEST_MS = 400  # the engine starts once the icon is in the tray, or after this long at most


@dataclass(frozen=True)
class Options:
    demo: Path | None = None  # play this recording through the engine instead of the microphone
    quit_after_demo: bool = False  # `calmcue demo`: quit once the end-of-demo notice is closed
    demo_speed: float = 1.0  # 1 = real time, as from a headset
    first_run: bool = True  # show the first-run notice when it is due


class App(QObject):
    def __init__(self, *, store: SettingsStore, options: Options) -> None:
        super().__init__()
        self.store, self.options = store, options
        self.state = AppState(self)
        self.menu = TrayMenu(list_devices=list_devices)
        self.tray = Tray(self.menu, self)
        self.tray.follow(self.state)
        self.menu.follow(self.state)
        self.link = EngineLink(settings=lambda: self.store.settings, parent=self)
        self.demo = DemoPlayer(state=self.state, link=self.link, parent=self)
        self.dialogs = Dialogs(store=store, link=self.link, parent=self)
        self.gate = CueGate(min_gap_s=store.settings.overlay.min_gap_s)
        self.sync = SettingsSync(store, self)
        self.recent = RecentCues(self)
        self.recent.changed.connect(self.menu.show_recent)
        self.nudges = Nudges(nudge_file(), locked=store.enforced, parent=self)  # "not helpful" -> thresholds
        self.recent.nudges = self.nudges
        self.pauses = PauseControl(link=self.link, state=self.state, notify=self._notify, parent=self)
        self.overlay: Overlay | None = None
        self.hotkey: GlobalHotkey | None = None
        self.wrong_key: GlobalHotkey | None = None  # "that cue was wrong"
        self.history: CueHistory | None = None
        self.calls: CallsLink | None = None  # call summaries -> call history, team counts, call card
        self.said: set[str] = set()  # one-time notices already given
        self._started = False

    # --- start and stop ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.menu.set_settings(self.sync.values(), self.store.loaded.enforced)
        self._connect()
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
        from calmcue.ui.calls_link import CallsLink
        from calmcue.ui.hotkey import KEY_TEXT, WRONG, GlobalHotkey
        from calmcue.ui.overlay import Overlay

        self.history = CueHistory(paths.user_data_dir() / "history.json")
        self.recent.history = self.history
        self._count_cues()
        self.overlay = Overlay(self.store.settings.overlay)
        self.overlay.winId()  # the native window now, not when the first cue is due
        self.overlay.painted.connect(lambda: self.state.set_cue_showing(True))
        self.overlay.closed.connect(lambda: self.state.set_cue_showing(False))
        self.hotkey = GlobalHotkey(self)
        self.hotkey.activated.connect(self._dismiss)
        self.wrong_key = GlobalHotkey(self, key=WRONG)
        self.wrong_key.activated.connect(self._mark_latest)
        self.calls = CallsLink(settings=self.store.settings, recording=lambda: not self.link.demo_playing,
                               parent=self)
        self.link.call_summary.connect(self.calls.on_summary)
        self.link.stats.connect(self.calls.on_stats)
        self.menu.calls_report.connect(self.calls.open_report)
        self.hotkey.activated.connect(self.calls.card.dismiss)
        self.link.start(self.demo.plan_for(self.options.demo, speed=self.options.demo_speed) if self.options.demo
                        else None)
        self.sync.watch()
        self._say_what_is_missing()
        trace.event("engine_started", demo=self.options.demo is not None)
        if self.options.first_run and self.options.demo is None:
            self.dialogs.maybe_first_run(hotkey_text=KEY_TEXT if self.hotkey.available else "")

    def quit(self) -> None:
        trace.event("quit")
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        """Stops the engine and closes every window this app opened (the event loop goes on)."""
        self.link.stop()
        for key in (self.hotkey, self.wrong_key):
            if key is not None:
                key.close()
        if self.overlay is not None:
            self.overlay.close()
        if self.calls is not None:
            self.calls.shutdown()
        self.dialogs.close_all()
        self.tray.hide()

    def _connect(self) -> None:
        link, m = self.link, self.menu
        link.status.connect(self.state.on_status)
        link.status.connect(self._tell_once)
        link.meter.connect(self.state.on_meter)
        link.meter.connect(self._tell_mic_too_loud)
        link.cue.connect(self._on_cue)
        link.demo_changed.connect(self.state.set_demo_playing)
        link.demo_changed.connect(self.menu.set_demo_playing)
        link.demo_changed.connect(lambda _playing: self.gate.reset())
        link.demo_ended.connect(self._demo_ended)
        self.demo.problem.connect(self._warn)
        self.demo.notice_closed.connect(lambda: self.quit() if self.options.quit_after_demo else None)
        link.problem.connect(self._warn)
        self.dialogs.problem.connect(self._warn)
        self.dialogs.settings_done.connect(self.sync.dialog_done)
        self.sync.applied.connect(self._apply_settings)
        self.sync.problem.connect(self._warn)
        self.dialogs.delete_confirmed.connect(self._delete_data)
        m.pause.connect(self.pauses.pause)
        m.pause.connect(lambda _seconds: self._dismiss())
        m.resume.connect(self.pauses.resume)
        m.undo_nudge.connect(self.nudges.undo)
        self.nudges.listed.connect(m.show_nudges)
        self.nudges.changed.connect(lambda _offsets: self._send_offsets())
        self.nudges.nudged.connect(self._nudged)
        link.demo_changed.connect(lambda _playing: self._send_offsets())  # each new worker starts without them
        m.show_nudges(self.nudges.active())
        m.snooze.connect(self._snooze)
        m.dismiss.connect(self._dismiss)
        m.mark_latest.connect(self._mark_latest)
        m.not_helpful.connect(self._toggle_not_helpful)
        m.recalibrate.connect(self.dialogs.open_calibration)
        m.mic_chosen.connect(lambda name: self.sync.save({"audio.mic": name}))
        m.call_chosen.connect(lambda name: self.sync.save({"audio.call": name}))
        m.sensitivity_chosen.connect(lambda value: self.sync.save({"detector.sensitivity": value}))
        m.cue_toggled.connect(lambda key, on: self.sync.save({key: on}))
        m.demo.connect(self._switch_demo)
        m.new_call.connect(self._new_call)
        m.settings.connect(self.dialogs.open_settings)
        m.about.connect(self.open_about)
        m.quit.connect(self.quit)
        self.tray.activated.connect(lambda: self._notify("CalmCue", self.tray.tooltip().split("\n", 1)[-1]))

    # --- what the engine says ----------------------------------------------------------------------------

    def _tell_once(self, state: str, _detail: str) -> None:
        if state in self.said:
            return
        if state == "no_microphone":
            self._warn(translate("CalmCue", "No microphone"),
                       translate("CalmCue", "CalmCue found no microphone and keeps looking. Meanwhile you can "
                                            "play the demo call from the menu."))
        elif state == "no_call_audio":
            self._notify(translate("CalmCue", "No call audio"),
                         translate("CalmCue", "Listening to your microphone only: the cue for talking over the "
                                              "caller needs the call audio. Choose it in the menu."))
        else:
            return
        self.said.add(state)

    def _tell_mic_too_loud(self, meter: Meter) -> None:
        """Once a session, calmly: the agent's voice clips (detector/clipping.py); the fix is the input gain."""
        if not meter.mic_too_loud or "mic_too_loud" in self.said:
            return
        self.said.add("mic_too_loud")
        self._notify(translate("CalmCue", "Microphone turned up high"),
                     translate("CalmCue", "Your voice reaches the top of the microphone's range, so CalmCue hears "
                                          "it less well. Turning the microphone's input gain down a little helps."))

    def _on_cue(self, cue: Cue) -> None:
        from calmcue.ui.texts import cue_message, cue_reason, cue_words

        trace.event("cue_received", kind=cue.kind, speaker=cue.speaker, t_s=cue.t_s)
        showing = self.overlay is not None and self.overlay.showing
        if not self.gate.admit(kind=cue.kind, speaker=cue.speaker, t_s=cue.t_s, showing=showing):
            trace.event("cue_held_back", kind=cue.kind, speaker=cue.speaker, t_s=cue.t_s)
            return
        counted = not self.link.demo_playing
        if counted and self.history is not None:
            self.history.record(kind=cue.kind, speaker=cue.speaker)
            self._count_cues()
        message, words, figure = cue_message(cue), cue_words(cue), cue_reason(cue)
        detail = f"{words} ({figure})" if words and figure else words or figure
        self.recent.add(ShownCue(at=dt.datetime.now(), kind=cue.kind, speaker=cue.speaker, message=message,
                                 counted=counted, detail=detail))
        if self.overlay is not None:
            self.overlay.show_cue(message, words, speaker=cue.speaker)
            self.overlay.set_detail(figure)

    def _count_cues(self) -> None:
        if self.history is not None:
            self.state.set_cues_today(self.history.count(), self.history.not_helpful())

    def _demo_ended(self) -> None:
        """A notice that stays until closed; the running app goes back to the microphone and its baseline."""
        trace.event("demo_ended")
        if self.options.quit_after_demo:
            self.demo.show_end_notice(after=translate("CalmCue", "Close this window to end the demo. To use "
                                                                 "CalmCue on your calls, start CalmCue."))
            return
        self._switch_demo(False)
        self.demo.show_end_notice(after=translate("CalmCue", "CalmCue listens to your microphone again, "
                                                             "compared with your own usual voice. To see the demo "
                                                             "again, choose Play the demo call in the menu."))

    # --- user actions ------------------------------------------------------------------------------------

    def _send_offsets(self) -> None:
        if self.link.worker is not None:
            self.link.send(self.nudges.command())

    def _nudged(self, nudge: Nudge) -> None:
        trace.event("nudge", kind=nudge.kind, speaker=nudge.speaker, steps=nudge.steps, amount=nudge.amount)
        text = nudge_text(nudge) + ". " + translate("CalmCue", "To undo it, open Recent cues in the menu.")
        # after the "Marked as not helpful" notice of the same mark, so that this one is what stays on screen
        QTimer.singleShot(0, lambda: self._notify(translate("CalmCue", "Adjusted after your marks"), text))

    def _snooze(self, seconds: float) -> None:
        trace.event("action", name="snooze", seconds=seconds)
        self.link.snooze(seconds)
        self.state.snooze(seconds)
        if seconds > 0:
            self._dismiss()

    def _dismiss(self) -> None:
        trace.event("action", name="dismiss")
        if self.overlay is not None:
            self.overlay.dismiss()

    def _mark_latest(self) -> None:
        """Ctrl+Alt+Shift+X or the menu: the cue just shown was not helpful (it goes away too)."""
        trace.event("action", name="not_helpful")
        self._dismiss()
        if self.recent.mark_latest() is None:
            return
        self._count_cues()
        self._notify(translate("CalmCue", "Marked as not helpful"),
                     translate("CalmCue", "Thank you. It stays on this computer. To take it back, untick the cue "
                                          "under Recent cues in the menu."))

    def _toggle_not_helpful(self, index: int) -> None:
        trace.event("action", name="toggle_not_helpful", index=index)
        self.recent.toggle(index)
        self._count_cues()

    def _new_call(self) -> None:
        """Mic-only setups: the agent says a new call begins; the engine ends the call so far (its summary)."""
        trace.event("action", name="new_call")
        self.link.new_call()

    def _switch_demo(self, play: bool) -> None:
        if play:
            self.demo.play(self.options.demo or paths.demo_file(), speed=self.options.demo_speed)
        else:
            self.demo.stop()

    def answer(self, request: Request) -> Reply:
        """A later start of CalmCue asks something (ui/single_instance.py)."""
        trace.event("request", action=request.action)
        if request.action != Action.PLAY_DEMO:  # a second `calmcue`: there is one CalmCue, this one
            self.options = replace(self.options, quit_after_demo=False)  # (during `calmcue demo`: stay after it)
            self._notify("CalmCue", translate("CalmCue", "CalmCue is already running."))
            return Reply(ok=True, text="shown")
        self._start_rest()  # asked while still starting: start now (it does nothing once started)
        path = Path(request.file) if request.file else self.options.demo or paths.demo_file()
        return self.demo.answer(path, speed=request.speed, corner=self.store.settings.overlay.corner)

    def open_about(self) -> None:
        self.dialogs.open_about(self.about_text())

    def about_text(self) -> str:
        from calmcue.logs import log_file
        from calmcue.ui.about import about_text

        return about_text(settings=self.store.settings, state=state_text(self.tray.state),
                          stats=self.link.last_stats, log_path=log_file(), user_path=self.store.user_path,
                          policy_path=self.store.policy_path, platform=QApplication.platformName(),
                          capabilities=describe(self._capabilities()))

    def _delete_data(self) -> None:
        remove_user_data(self.history)  # also the call history and the calls report
        if self.calls is not None:
            self.calls.delete()
        self.recent.clear()
        self.nudges.delete()
        self.state.set_cues_today(0)
        self.link.recalibrate()
        self._notify(translate("CalmCue", "Data deleted"),
                     translate("CalmCue", "Your calibration, cue history and call history are deleted."))

    def _apply_settings(self) -> None:
        settings = self.store.settings
        self.menu.set_settings(self.sync.values(), self.store.loaded.enforced)
        self.gate.min_gap_s = settings.overlay.min_gap_s
        self.nudges.announce()  # a threshold IT now enforces is no longer nudged
        if self.overlay is not None:
            self.overlay.configure(settings.overlay)
        if self.calls is not None:
            self.calls.configure(settings)
        self.link.reload(settings)

    # --- helpers -----------------------------------------------------------------------------------------

    def _notify(self, title: str, text: str, *, warning: bool = False) -> None:
        log.info("notice: %s: %s", title, text.replace("\n", " | "))
        self.tray.notify(title, text, warning=warning)

    def _warn(self, title: str, text: str) -> None:
        self._notify(title, text, warning=True)

    def _say_what_is_missing(self) -> None:
        caps = self._capabilities()
        for line in describe(caps):
            log.info("platform: %s", line)
        missing = [c for c in caps if not c.works and c.note]
        if QApplication.platformName().startswith("wayland") and missing:
            self._notify(translate("CalmCue", "Limited on this desktop"), "\n".join(describe(missing)))

    def _capabilities(self) -> list[Capability]:
        hotkey_ok = bool(self.hotkey is not None and self.hotkey.available)
        reason = self.hotkey.reason if self.hotkey is not None else ""
        excluded = self.overlay.capture_excluded if self.overlay is not None else None
        if excluded is None and sys.platform == "win32":
            excluded = True  # set on the first cue; Windows 10 2004+ has WDA_EXCLUDEFROMCAPTURE
        return capabilities(hotkey_available=hotkey_ok, hotkey_reason=reason, capture_excluded=excluded)

