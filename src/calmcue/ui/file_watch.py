"""Notices edits to the settings files (also atomic replaces, which drop a plain file watch), debounced."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QFileSystemWatcher, QObject, QTimer, pyqtSignal

DEBOUNCE_MS = 300


class FileWatch(QObject):
    changed = pyqtSignal()  # once per burst of changes to any of the files

    def __init__(self, files: tuple[Path, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.files = files
        self.watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._fire)
        self.watcher.fileChanged.connect(lambda _p: self._timer.start())
        self.watcher.directoryChanged.connect(lambda _p: self._timer.start())
        self._rewatch()

    def _rewatch(self) -> None:
        watched = set(self.watcher.files()) | set(self.watcher.directories())
        for path in self.files:
            for target in (path, path.parent):  # the folder sees a file appear or be replaced
                if target.exists() and str(target) not in watched:
                    self.watcher.addPath(str(target))
                    watched.add(str(target))

    def _fire(self) -> None:
        self._rewatch()
        self.changed.emit()
