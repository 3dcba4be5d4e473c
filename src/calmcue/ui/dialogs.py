"""The tray app's windows other than the cue overlay: settings, calibration, About, "Delete my data" and the
first-run notice.

Each open window is kept referenced here until it closes: a parentless window that only a local variable holds
is deleted as soon as the method that opened it returns (About did exactly that once). Opening a window that is
already open brings it to the front instead of opening a second one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import QMessageBox, QWidget

from calmcue.config import paths
from calmcue.errors import CalmCueError
from calmcue.ui import autostart, trace
from calmcue.ui.devices import list_devices
from calmcue.ui.i18n import translate

if TYPE_CHECKING:
    from calmcue.ui.calibration import CalibrationDialog
    from calmcue.ui.engine_link import EngineLink
    from calmcue.ui.first_run import FirstRunNotice
    from calmcue.ui.settings_dialog import SettingsDialog
    from calmcue.ui.settings_store import SettingsStore

log = logging.getLogger(__name__)


class Dialogs(QObject):
    settings_done = pyqtSignal(dict)  # the settings dialog closed: the changed keys ({} after Cancel)
    delete_confirmed = pyqtSignal()  # the user said Yes to "Delete my data"
    problem = pyqtSignal(str, str)  # title, text: something the user should be told (a warning)

    def __init__(self, *, store: SettingsStore, link: EngineLink, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.link = store, link
        self.settings: SettingsDialog | None = None
        self.calibration: CalibrationDialog | None = None
        self.about: QMessageBox | None = None
        self.confirm_delete: QMessageBox | None = None
        self.notice: FirstRunNotice | None = None

    def open_windows(self) -> list[QWidget]:
        return [w for w in (self.settings, self.calibration, self.about, self.confirm_delete, self.notice)
                if w is not None]

    def close_all(self) -> None:
        for window in self.open_windows():
            window.close()

    # --- settings ----------------------------------------------------------------------------------------

    def open_settings(self) -> None:
        from calmcue.ui.settings_dialog import SettingsDialog
        from calmcue.ui.settings_store import KEYS

        if _front(self.settings):
            return
        ok, why = autostart.supported()
        dialog = SettingsDialog(values={key: self.store.value(key) for key in KEYS},
                                enforced=self.store.loaded.enforced, problems=self.store.problems,
                                devices=list_devices(), autostart=(autostart.is_enabled(), ok, why),
                                restore=self._restore_defaults)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings = dialog
        self.link.meter.connect(dialog.on_meter)
        dialog.devices_preview.connect(self.link.preview_devices)
        dialog.delete_data.connect(self.ask_delete_data)
        dialog.finished.connect(self._settings_finished)
        dialog.show()
        trace.event("dialog", name="settings")

    def _restore_defaults(self) -> dict[str, Any]:
        """The agent confirmed Restore defaults: clear their own settings now and apply what is left."""
        from calmcue.ui.settings_store import KEYS

        try:
            self.store.restore_defaults()
        except CalmCueError as err:
            self.problem.emit(translate("CalmCue", "Defaults not restored"), str(err))
        self.settings_done.emit({})  # no changes: the saved settings are applied again
        return {key: self.store.value(key) for key in KEYS}

    def _settings_finished(self, result: int) -> None:
        dialog, self.settings = self.settings, None
        if dialog is None:
            return
        self.link.meter.disconnect(dialog.on_meter)
        changes: dict[str, Any] = {}
        if result == int(dialog.DialogCode.Accepted):
            self._apply_autostart(dialog.autostart_wanted())
            changes = dialog.changes()
        self.settings_done.emit(changes)

    def _apply_autostart(self, wanted: bool) -> None:
        if not autostart.supported()[0] or wanted == autostart.is_enabled():
            return
        try:
            autostart.set_enabled(wanted)
        except CalmCueError as err:
            self.problem.emit(translate("CalmCue", "Start with the session"), str(err))

    # --- calibration -------------------------------------------------------------------------------------

    def open_calibration(self) -> None:
        from calmcue.ui.calibration import CalibrationDialog

        if _front(self.calibration):
            return
        if self.link.demo_playing:
            self.link.switch_demo(None)  # the demo's voice is not the agent's
        dialog = CalibrationDialog(speech_s=self.store.settings.detector.baseline.calibration_speech_s)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.calibration = dialog
        dialog.start.connect(self.link.recalibrate)
        self.link.meter.connect(dialog.on_meter)
        self.link.status.connect(dialog.on_status)
        dialog.finished.connect(self._calibration_finished)
        dialog.show()
        dialog.begin()
        trace.event("dialog", name="calibration")

    def _calibration_finished(self, _result: int) -> None:
        dialog, self.calibration = self.calibration, None
        if dialog is not None:
            self.link.meter.disconnect(dialog.on_meter)
            self.link.status.disconnect(dialog.on_status)

    # --- about, delete my data, first run ----------------------------------------------------------------

    def open_about(self, text: str) -> None:
        if self.about is not None:
            self.about.setText(text)
            _front(self.about)
            return
        box = QMessageBox(QMessageBox.Icon.Information, translate("CalmCue", "About CalmCue"), text)
        box.setObjectName("about")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(lambda _r: setattr(self, "about", None))
        self.about = box
        box.show()
        trace.event("dialog", name="about")

    def ask_delete_data(self) -> None:
        """Asks first; No is the default button, so Enter keeps the data."""
        if _front(self.confirm_delete):
            return
        box = QMessageBox(QMessageBox.Icon.Question, translate("CalmCue", "Delete my data"), translate(
            "CalmCue", "Delete your calibration, your cue history and your call history from this computer? "
            "CalmCue then learns your usual voice again from your next calls."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setObjectName("delete_data")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._delete_answered)
        self.confirm_delete = box
        box.show()
        trace.event("dialog", name="delete_data")

    def _delete_answered(self, _result: int) -> None:
        box, self.confirm_delete = self.confirm_delete, None
        if box is not None and box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
            self.delete_confirmed.emit()

    def maybe_first_run(self, *, hotkey_text: str) -> None:
        """The first-run notice, once per user; "Calibrate now" opens the calibration."""
        from calmcue.ui.first_run import FirstRunNotice, mark_notice_shown, notice_due

        if not notice_due(paths.user_data_dir()):
            return
        notice = FirstRunNotice(hotkey=hotkey_text,
                                speech_s=self.store.settings.detector.baseline.calibration_speech_s)
        self.notice = notice
        notice.accepted.connect(self.open_calibration)
        notice.finished.connect(lambda _r: mark_notice_shown(paths.user_data_dir()))
        notice.show()
        trace.event("dialog", name="first_run")


def _front(window: QWidget | None) -> bool:
    """Brings an open window to the front; False when there is none."""
    if window is None:
        return False
    window.show()
    window.raise_()
    window.activateWindow()
    return True
