"""The settings as the running app sees them: saves what the agent chooses, follows edits to the settings files
and says `applied` whenever the effective settings changed. A bad file is reported (`problem`) and the last
good settings stay.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtSignal

from calmcue.errors import CalmCueError
from calmcue.ui import trace
from calmcue.ui.i18n import translate
from calmcue.ui.settings_store import KEYS, SettingsStore

if TYPE_CHECKING:
    from calmcue.ui.file_watch import FileWatch

log = logging.getLogger(__name__)


class SettingsSync(QObject):
    applied = pyqtSignal()  # the effective settings may have changed: apply them
    problem = pyqtSignal(str, str)  # title, text: a setting was not saved, or a file is bad

    def __init__(self, store: SettingsStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.file_watch: FileWatch | None = None

    def values(self) -> dict[str, Any]:
        """Every key's effective value ("section.key" -> value)."""
        return {key: self.store.value(key) for key in KEYS}

    def save(self, changes: dict[str, Any]) -> None:
        trace.event("action", name="save", changes=changes)
        try:
            self.store.save(changes)
        except CalmCueError as err:
            self.problem.emit(translate("CalmCue", "Setting not saved"), str(err))
            return
        self.applied.emit()

    def dialog_done(self, changes: dict[str, Any]) -> None:
        """The settings dialog closed: save its changes, or apply the saved settings again (after a preview)."""
        if changes:
            self.save(changes)
        else:
            self.applied.emit()

    def watch(self) -> None:
        """Follows edits to the user file and the machine policy from now on; reports the problems found so far."""
        from calmcue.ui.file_watch import FileWatch

        self.file_watch = FileWatch((self.store.user_path, self.store.policy_path), self)
        self.file_watch.changed.connect(self._files_changed)
        self._report(self.store.problems)

    def _files_changed(self) -> None:
        before = self.store.settings, self.store.loaded.enforced
        result = self.store.reload()
        trace.event("settings_reloaded", applied=result.applied, problems=list(result.new_problems))
        if not result.applied:
            self._report(result.new_problems)
        elif (self.store.settings, self.store.loaded.enforced) != before:
            self.applied.emit()

    def _report(self, problems: tuple[str, ...]) -> None:
        if not problems:
            return
        for line in problems:
            log.warning("settings: %s", line)
        self.problem.emit(translate("CalmCue", "Some settings were not used"), "\n".join(problems) + "\n"
                          + translate("CalmCue", "CalmCue keeps using the last good settings."))
