"""The only road between the engine and Qt: a QTimer drains the worker's Mailbox and emits Qt signals; user
actions go back as commands on the worker's queue. Nothing here blocks, and no Qt object crosses threads."""

from __future__ import annotations

import logging
import queue
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from calmcue.engine.mailbox import CallMessage, CueMessage, EpisodeMessage, Mailbox, Meter, Stats, Status

if TYPE_CHECKING:
    from calmcue.engine.worker import Command

log = logging.getLogger(__name__)

DRAIN_MS = 10  # a cue waits at most this long in the mailbox (the engine's hop is 10 ms too)


class Bridge(QObject):
    meter = pyqtSignal(object)  # Meter
    cue = pyqtSignal(object)  # Cue
    episode = pyqtSignal(object)  # Episode
    status = pyqtSignal(str, str)  # state, detail
    stats = pyqtSignal(object)  # Stats
    call_summary = pyqtSignal(object)  # CallSummary (a call ended)

    def __init__(self, mailbox: Mailbox, commands: queue.Queue[Command] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mailbox = mailbox
        self.commands = commands
        self.last_meter: Meter | None = None
        self.last_stats: Stats | None = None
        self.state = ""
        self.detail = ""
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self.drain)

    def attach(self, mailbox: Mailbox, commands: queue.Queue[Command]) -> None:
        """Follows another worker (the demo, or a restarted engine)."""
        self.drain()
        self.mailbox, self.commands = mailbox, commands

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def send(self, command: Command) -> None:
        if self.commands is None:
            log.warning("no engine to send %s to", type(command).__name__)
            return
        self.commands.put(command)

    def drain(self) -> int:
        messages = self.mailbox.drain()
        last_meter = max((i for i, m in enumerate(messages) if isinstance(m, Meter)), default=-1)
        for index, message in enumerate(messages):
            if isinstance(message, Meter):
                if index == last_meter:  # meters are only for display: the newest is enough, kept in order
                    self.last_meter = message
                    self.meter.emit(message)
            elif isinstance(message, CueMessage):
                self.cue.emit(message.cue)
            elif isinstance(message, EpisodeMessage):
                self.episode.emit(message.episode)
            elif isinstance(message, Status):
                self.state, self.detail = message.state, message.detail
                self.status.emit(message.state, message.detail)
            elif isinstance(message, Stats):
                self.last_stats = message
                self.stats.emit(message)
            elif isinstance(message, CallMessage):
                self.call_summary.emit(message.summary)
        return len(messages)
