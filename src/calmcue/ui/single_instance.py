"""One tray app per user: a lock file in the user's runtime folder, and a local socket on which a second start
asks the running one to show itself (then exits)."""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

import platformdirs
from PyQt6.QtCore import QLockFile, QObject, pyqtSignal
from PyQt6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 1000


def runtime_dir() -> Path:
    """Per-user, private: $XDG_RUNTIME_DIR/calmcue (Linux), the local temp folder (Windows)."""
    preferred = Path(platformdirs.user_runtime_dir("calmcue", appauthor=False))
    try:
        preferred.mkdir(parents=True, exist_ok=True, mode=0o700)
        return preferred
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"calmcue-{_user()}"
        fallback.mkdir(parents=True, exist_ok=True, mode=0o700)
        return fallback


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


class SingleInstance(QObject):
    message = pyqtSignal(str)  # what a second start sent ("show")

    def __init__(self, folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder or runtime_dir()
        self.lock = QLockFile(str(self.folder / "instance.lock"))
        self.server_name = (f"calmcue-{_user()}" if sys.platform == "win32"
                            else str(self.folder / "instance.sock"))
        self.server: QLocalServer | None = None

    def acquire(self) -> bool:
        """True if this is the only instance (it then listens for later starts); False if one already runs."""
        if not self.lock.tryLock(100):
            return False
        QLocalServer.removeServer(self.server_name)  # a socket left by a crashed run
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self.server.listen(self.server_name)
        return True

    def notify_running(self, text: str = "show") -> bool:
        """Sends `text` to the running instance; True if it got it."""
        socket = QLocalSocket()
        socket.connectToServer(self.server_name)
        if not socket.waitForConnected(CONNECT_MS):
            return False
        socket.write(text.encode())
        ok = socket.waitForBytesWritten(CONNECT_MS)
        socket.disconnectFromServer()
        return ok

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()

    def _on_connection(self) -> None:
        assert self.server is not None
        socket = self.server.nextPendingConnection()
        if socket is None:
            return
        socket.readyRead.connect(lambda: self.message.emit(bytes(socket.readAll().data()).decode(errors="replace")))
        socket.disconnected.connect(socket.deleteLater)
