"""One tray app per user: a lock file in the user's runtime folder, and a local socket on which a later start
talks to the running one.

The talk is one request and one reply, each a JSON object on one line, both carrying the protocol version:

    {"calmcue": 1, "action": "show"}                                    a second `calmcue`: show yourself
    {"calmcue": 1, "action": "play-demo", "file": null, "speed": 1.0}   `calmcue demo`: play the demo call
    {"calmcue": 1, "ok": true, "text": "...", "length_s": 57.4}         the reply

A request with another version or an unknown action gets `ok: false` and a text saying so.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs
from PyQt6.QtCore import QDeadlineTimer, QLockFile, QObject, pyqtSignal
from PyQt6.QtNetwork import QLocalServer, QLocalSocket

PROTOCOL = 1
CONNECT_MS = 1000
REPLY_MS = 8000  # the running app answers once the demo plays (stopping the microphone's worker takes a moment)
MAX_LINE = 64 * 1024


class Action(StrEnum):
    SHOW = "show"
    PLAY_DEMO = "play-demo"


@dataclass(frozen=True)
class Request:
    action: str
    file: str | None = None  # play-demo: another recording than the project's demo call
    speed: float = 1.0  # play-demo: 1 = real time

    def encode(self) -> bytes:
        return _line({"calmcue": PROTOCOL, **asdict(self)})


@dataclass(frozen=True)
class Reply:
    ok: bool
    text: str = ""
    length_s: float | None = None  # play-demo: how long the demo plays

    def encode(self) -> bytes:
        return _line({"calmcue": PROTOCOL, **asdict(self)})


def _line(values: dict[str, Any]) -> bytes:
    return (json.dumps(values) + "\n").encode()


def decode_request(data: bytes) -> Request | Reply:
    """The request in `data`, or the Reply that refuses it."""
    try:
        values = json.loads(data.decode())
    except (UnicodeDecodeError, ValueError):
        return Reply(ok=False, text="not a CalmCue request")
    if not isinstance(values, dict) or values.get("calmcue") != PROTOCOL:
        return Reply(ok=False, text=f"this CalmCue speaks protocol {PROTOCOL}; start the same version")
    action = values.get("action")
    if action not in set(Action):
        return Reply(ok=False, text=f"unknown request {action!r}")
    file, speed = values.get("file"), values.get("speed", 1.0)
    if not (file is None or isinstance(file, str)) or not isinstance(speed, int | float):
        return Reply(ok=False, text="bad request fields")
    return Request(action=str(action), file=file, speed=float(speed))


def decode_reply(data: bytes) -> Reply:
    try:
        values = json.loads(data.decode())
        if values.get("calmcue") != PROTOCOL:
            return Reply(ok=False, text=f"the running CalmCue speaks another protocol than {PROTOCOL}")
        length = values.get("length_s")
        return Reply(ok=bool(values["ok"]), text=str(values.get("text", "")),
                     length_s=float(length) if length is not None else None)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return Reply(ok=False, text="the running CalmCue gave an answer this version does not understand")


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


def server_name(folder: Path | None = None) -> str:
    return f"calmcue-{_user()}" if sys.platform == "win32" else str((folder or runtime_dir()) / "instance.sock")


def ask_running(request: Request, *, folder: Path | None = None, reply_ms: int = REPLY_MS) -> Reply | None:
    """Sends `request` to the running app and waits for its reply; None when no app listens. Needs no event
    loop (the socket's blocking calls), so a command can ask before it creates its own application."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(folder))
    if not socket.waitForConnected(CONNECT_MS):
        return None
    socket.write(request.encode())
    if not socket.waitForBytesWritten(CONNECT_MS):
        return Reply(ok=False, text="the running CalmCue did not take the request")
    data = b""
    deadline = QDeadlineTimer(reply_ms)
    while b"\n" not in data and not deadline.hasExpired():
        if socket.bytesAvailable() or socket.waitForReadyRead(max(1, deadline.remainingTime())):
            data += bytes(socket.readAll().data())
        elif socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
            break
    socket.abort()
    if b"\n" not in data:
        return Reply(ok=False, text="the running CalmCue did not answer")
    return decode_reply(data.split(b"\n", 1)[0])


class SingleInstance(QObject):
    message = pyqtSignal(str)  # the action of each request that came ("show", "play-demo")

    def __init__(self, folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder or runtime_dir()
        self.lock = QLockFile(str(self.folder / "instance.lock"))
        self.server_name = server_name(self.folder)
        self.server: QLocalServer | None = None
        self.handler: Callable[[Request], Reply] = lambda _request: Reply(ok=False, text="starting up")

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

    def serve(self, handler: Callable[[Request], Reply]) -> None:
        """Answers each request with `handler` (called on the Qt thread)."""
        self.handler = handler

    def ask(self, request: Request) -> Reply | None:
        return ask_running(request, folder=self.folder)

    def notify_running(self, action: str = Action.SHOW) -> bool:
        """Sends a request without waiting for the reply; True if the running instance took it."""
        socket = QLocalSocket()
        socket.connectToServer(self.server_name)
        if not socket.waitForConnected(CONNECT_MS):
            return False
        socket.write(Request(action=action).encode())
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
        received = bytearray()

        def read() -> None:
            received.extend(bytes(socket.readAll().data()))
            if b"\n" not in received and len(received) < MAX_LINE:
                return
            socket.readyRead.disconnect()
            decoded = decode_request(bytes(received).split(b"\n", 1)[0])
            if isinstance(decoded, Reply):
                reply = decoded
            else:
                self.message.emit(decoded.action)
                reply = self.handler(decoded)
            if socket.state() == QLocalSocket.LocalSocketState.ConnectedState:  # a plain notice hangs up at once
                socket.write(reply.encode())
                socket.disconnectFromServer()  # after the reply is written

        socket.readyRead.connect(read)
        socket.disconnected.connect(socket.deleteLater)
