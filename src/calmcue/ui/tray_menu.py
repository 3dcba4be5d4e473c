"""The tray's menu: a view that shows the state it is given and emits what the agent chose (tray.py shows it)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QT_TRANSLATE_NOOP, pyqtSignal
from PyQt6.QtGui import QAction, QActionGroup, QShowEvent
from PyQt6.QtWidgets import QMenu, QWidget

from calmcue.ui.app_state import AppState, Shown
from calmcue.ui.choices import choices, hint
from calmcue.ui.feedback import ShownCue
from calmcue.ui.hotkey import DISMISS, WRONG
from calmcue.ui.i18n import tr_label, translate
from calmcue.ui.menu_trace import TracedMenu, trace_shown
from calmcue.ui.nudge import Nudge, nudge_text
from calmcue.ui.pause import CHOICES_S
from calmcue.ui.texts import CUE_LABELS

AUTO = ""  # the system default device
NO_CALL = "none"


def state_text(state: str) -> str:
    return tr_label(STATE_TEXT[state]) if state in STATE_TEXT else state


STATE_TEXT = {
    "starting": QT_TRANSLATE_NOOP("CalmCue", "Starting"),
    "listening": QT_TRANSLATE_NOOP("CalmCue", "Listening"),
    "cue": QT_TRANSLATE_NOOP("CalmCue", "Showing a cue"),
    "paused": QT_TRANSLATE_NOOP("CalmCue", "Paused"),
    "snoozed": QT_TRANSLATE_NOOP("CalmCue", "Snoozed"),
    "calibrating": QT_TRANSLATE_NOOP("CalmCue", "Learning your usual voice"),
    "no_microphone": QT_TRANSLATE_NOOP("CalmCue", "No microphone"),
    "no_call_audio": QT_TRANSLATE_NOOP("CalmCue", "Listening (no call audio)"),
    "device_lost": QT_TRANSLATE_NOOP("CalmCue", "Microphone lost - reconnecting"),
    "error": QT_TRANSLATE_NOOP("CalmCue", "Problem - restarting"),
    "on_hold": QT_TRANSLATE_NOOP("CalmCue", "Call on hold (music)"),
    "finished": QT_TRANSLATE_NOOP("CalmCue", "Stopped"),
    "demo": QT_TRANSLATE_NOOP("CalmCue", "Playing the demo call"),
}


class TrayMenu(QMenu):
    pause = pyqtSignal(float)  # for this many seconds; 0 = until I resume (ui/pause.py)
    resume = pyqtSignal()
    snooze = pyqtSignal(float)  # seconds
    dismiss = pyqtSignal()
    not_helpful = pyqtSignal(int)  # a recent cue (0 = newest): mark it not helpful, or take the mark back
    mark_latest = pyqtSignal()  # the newest cue was not helpful
    undo_nudge = pyqtSignal(str, str)  # kind, speaker: back to the settings' threshold (ui/nudge.py)
    recalibrate = pyqtSignal()
    mic_chosen = pyqtSignal(str)
    call_chosen = pyqtSignal(str)
    sensitivity_chosen = pyqtSignal(str)
    cue_toggled = pyqtSignal(str, bool)  # settings key, on
    demo = pyqtSignal(bool)  # True = play, False = stop
    new_call = pyqtSignal()  # the agent says a new call begins (mic-only setups)
    calls_report = pyqtSignal()  # open the agent's own calls report
    settings = pyqtSignal()
    about = pyqtSignal()
    quit = pyqtSignal()

    def __init__(self, *, list_devices: Callable[[], tuple[list[tuple[str, str]], list[tuple[str, str]]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list_devices = list_devices
        self.status_action = self._add(translate("CalmCue", "Starting"), enabled=False)
        self.addSeparator()
        self.dismiss_action = self._add(translate("CalmCue", "Dismiss the cue") + f"\t{DISMISS.text}",
                                        self.dismiss.emit)
        self.recent_menu = self._submenu(translate("CalmCue", "Recent cues"))
        self.pause_menu = self._submenu(translate("CalmCue", "Pause"))
        labels = (translate("CalmCue", "For 15 minutes"), translate("CalmCue", "For 1 hour"),
                  translate("CalmCue", "Until I resume"))
        for seconds, label in zip(CHOICES_S, labels, strict=True):
            self.pause_menu.addAction(label, lambda s=seconds: self.pause.emit(s))
        self.resume_action = self._add(translate("CalmCue", "Resume"), self.resume.emit)
        self.snooze_menu = self._submenu(translate("CalmCue", "Snooze cues"))
        self.snooze_menu.addAction(translate("CalmCue", "For 15 minutes"), lambda: self.snooze.emit(15 * 60.0))
        self.snooze_menu.addAction(translate("CalmCue", "For 1 hour"), lambda: self.snooze.emit(3600.0))
        self.end_snooze_action = self.snooze_menu.addAction(translate("CalmCue", "End the snooze"),
                                                            lambda: self.snooze.emit(0.0))
        self.recalibrate_action = self._add(translate("CalmCue", "Recalibrate…"), self.recalibrate.emit)
        self.addSeparator()
        self.mic_menu = self._submenu(translate("CalmCue", "Microphone"))
        self.call_menu = self._submenu(translate("CalmCue", "Call audio"))
        self.mic_menu.aboutToShow.connect(self._fill_mics)
        self.call_menu.aboutToShow.connect(self._fill_calls)
        self.sensitivity_menu = self._submenu(translate("CalmCue", "Sensitivity"))
        self._sensitivity = QActionGroup(self)
        self.sensitivity_menu.setToolTipsVisible(True)
        self.cues_menu = self._submenu(translate("CalmCue", "Cues"))
        self.cue_actions: dict[str, QAction] = {}
        self._fill_settings_menus()
        self.demo_action = self._add(translate("CalmCue", "Play the demo call"),
                                     lambda: self.demo.emit(not self.demo_playing))
        self.addSeparator()
        self.new_call_action = self._add(translate("CalmCue", "New call"), self.new_call.emit)
        self.report_action = self._add(translate("CalmCue", "My calls report"), self.calls_report.emit)
        self.settings_action = self._add(translate("CalmCue", "Settings…"), self.settings.emit)
        self.about_action = self._add(translate("CalmCue", "About CalmCue"), self.about.emit)
        self.quit_action = self._add(translate("CalmCue", "Quit"), self.quit.emit)
        self.paused = False
        self.demo_playing = False
        self.mic, self.call = AUTO, AUTO
        self.recent: tuple[ShownCue, ...] = ()
        self.nudges: tuple[Nudge, ...] = ()
        self.show_state(Shown())
        self.show_recent(())

    def _fill_settings_menus(self) -> None:
        for value, label in choices("detector.sensitivity"):
            action = self.sensitivity_menu.addAction(label)
            assert action is not None
            action.setCheckable(True)
            action.setData(value)
            action.setToolTip(hint("detector.sensitivity", value))
            self._sensitivity.addAction(action)
            action.triggered.connect(lambda _=False, v=value: self.sensitivity_chosen.emit(v))
        for key, label in CUE_LABELS:
            action = self.cues_menu.addAction(tr_label(label))
            assert action is not None
            action.setCheckable(True)
            action.toggled.connect(lambda on, k=key: self.cue_toggled.emit(k, on))
            self.cue_actions[key] = action

    # --- state shown -------------------------------------------------------------------------------------

    def follow(self, state: AppState) -> None:
        state.changed.connect(self.show_state)
        self.show_state(state.shown)

    def show_state(self, shown: Shown) -> None:
        """Words and what can be chosen now: Dismiss only with a cue on screen, Snooze only while listening."""
        self.status_action.setText(state_text(shown.state))
        self.paused = shown.paused
        pause = self.pause_menu.menuAction()
        assert pause is not None
        pause.setVisible(not shown.paused)
        self.resume_action.setVisible(shown.paused)
        self.dismiss_action.setEnabled(shown.cue_showing)
        self.snooze_menu.setEnabled(shown.can_snooze)
        self.new_call_action.setEnabled(not shown.paused and not shown.demo_playing)  # the demo's calls are not kept
        assert self.end_snooze_action is not None
        self.end_snooze_action.setVisible(shown.snoozed_until is not None)

    def show_recent(self, cues: tuple[ShownCue, ...]) -> None:
        """The last few cues, newest first, each ticked when the agent marked it not helpful."""
        self.recent = cues
        self._fill_recent()

    def show_nudges(self, nudges: tuple[Nudge, ...]) -> None:
        """The thresholds CalmCue raised after "not helpful" marks, each undone with one click."""
        self.nudges = nudges
        self._fill_recent()

    def _fill_recent(self) -> None:
        menu, cues = self.recent_menu, self.recent
        menu.clear()
        latest = menu.addAction(translate("CalmCue", "The last cue was not helpful") + f"\t{WRONG.text}",
                                self.mark_latest.emit)
        assert latest is not None
        latest.setEnabled(bool(cues) and not cues[0].not_helpful)
        if cues:
            menu.addSection(translate("CalmCue", "Tick a cue that was not helpful"))
        for index, cue in enumerate(cues):
            action = menu.addAction(f"{cue.at:%H:%M}  {cue.message}")
            assert action is not None
            action.setCheckable(True)
            action.setChecked(cue.not_helpful)
            action.setToolTip(cue.detail)
            action.triggered.connect(lambda _=False, i=index: self.not_helpful.emit(i))
        if self.nudges:
            menu.addSection(translate("CalmCue", "Adjusted after your marks"))
        for nudge in self.nudges:
            action = menu.addAction(nudge_text(nudge) + " - " + translate("CalmCue", "Undo"))
            assert action is not None
            action.setToolTip(nudge.figure)
            action.triggered.connect(lambda _=False, k=nudge.kind.value, s=nudge.speaker.value:
                                     self.undo_nudge.emit(k, s))
        menu.setToolTipsVisible(True)
        menu.setEnabled(bool(cues) or bool(self.nudges))

    def set_demo_playing(self, playing: bool) -> None:
        self.demo_playing = playing
        stop, play = translate("CalmCue", "Stop the demo call"), translate("CalmCue", "Play the demo call")
        self.demo_action.setText(stop if playing else play)

    def set_settings(self, values: dict[str, object], enforced: frozenset[str]) -> None:
        """Check marks and locks from the current settings (dotted keys)."""
        for action in self._sensitivity.actions():
            action.setChecked(action.data() == values.get("detector.sensitivity"))
        self.sensitivity_menu.setEnabled("detector.sensitivity" not in enforced)
        for key, action in self.cue_actions.items():
            action.blockSignals(True)
            action.setChecked(bool(values.get(key)))
            action.blockSignals(False)
            action.setEnabled(key not in enforced)
        self.mic, self.call = str(values.get("audio.mic", "")), str(values.get("audio.call", ""))
        self.mic_menu.setEnabled("audio.mic" not in enforced)
        self.call_menu.setEnabled("audio.call" not in enforced)

    # --- inside ------------------------------------------------------------------------------------------

    def _add(self, text: str, slot: Callable[[], object] | None = None, *, enabled: bool = True) -> QAction:
        action = self.addAction(text)
        assert action is not None
        action.setEnabled(enabled)
        if slot is not None:
            action.triggered.connect(lambda _=False: slot())
        return action

    def _submenu(self, title: str) -> QMenu:
        menu = TracedMenu(title, self)
        self.addMenu(menu)
        return menu

    def _fill_mics(self) -> None:
        mics, _ = self.list_devices()
        self._fill(self.mic_menu, [(AUTO, translate("CalmCue", "System default")), *mics], self.mic,
                   self.mic_chosen.emit)

    def _fill_calls(self) -> None:
        _, calls = self.list_devices()
        choices = [(AUTO, translate("CalmCue", "Automatic (what you hear)")),
                   (NO_CALL, translate("CalmCue", "None (microphone only)"))]
        self._fill(self.call_menu, choices + calls, self.call, self.call_chosen.emit)

    def _fill(self, menu: QMenu, choices: list[tuple[str, str]], current: str,
              emit: Callable[[str], None]) -> None:
        menu.clear()
        group = QActionGroup(menu)
        for value, label in choices:
            action = menu.addAction(label)
            assert action is not None
            action.setCheckable(True)
            action.setChecked(value == current)
            group.addAction(action)
            action.triggered.connect(lambda _=False, v=value: emit(v))

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        trace_shown(self, "tray")
