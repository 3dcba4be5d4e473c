"""The only road between the engine and Qt: the worker's Mailbox becomes Qt signals; user actions go back as
commands on the worker's queue. Nothing here blocks the Qt thread, and no Qt object crosses threads.

A small pump thread sleeps on the mailbox (no timeout: `attach` and `stop` wake it) and hands what arrived to the
Qt thread (a queued signal carrying frozen dataclasses), so the Qt thread wakes only when there is something: a
cue is shown as soon as it is posted, and an idle tray costs nothing between messages (a 10 ms polling timer cost
about 0.9 % of a core). How many meters come is the engine's business: 20 a second while a window shows them,
one a second otherwise (ui/engine_link.py sends the worker SetMeters as level meters appear and go)."""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtSignal

from calmcue.engine.mailbox import CallMessage, CueMessage, EpisodeMessage, Mailbox, Meter, Stats, Status

if TYPE_CHECKING:
    from calmcue.engine.commands import Command

log = logging.getLogger(__name__)

STOP_WAIT_S = 0.5  # `stop` waits this long for the pump thread to end


class Bridge(QObject):
    meter = pyqtSignal(object)  # Meter
    cue = pyqtSignal(object)  # Cue
    episode = pyqtSignal(object)  # Episode
    status = pyqtSignal(str, str)  # state, detail
    stats = pyqtSignal(object)  # Stats
    call_summary = pyqtSignal(object)  # CallSummary (a call ended)
    _arrived = pyqtSignal(object)  # (mailbox, messages), from the pump thread to the Qt thread

    def __init__(self, mailbox: Mailbox, commands: queue.Queue[Command] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mailbox = mailbox
        self.commands = commands
        self.last_meter: Meter | None = None
        self.last_stats: Stats | None = None
        self.state = ""
        self.detail = ""
        self._arrived.connect(self._arrive)  # emitted from the pump thread: a queued connection
        self._pump: threading.Thread | None = None
        self._running = False

    def attach(self, mailbox: Mailbox, commands: queue.Queue[Command]) -> None:
        """Follows another worker (the demo, or a restarted engine)."""
        self.drain()
        old, self.mailbox, self.commands = self.mailbox, mailbox, commands
        old.wake()  # the pump sleeps on the old mailbox: it looks again and finds the new one

    def start(self) -> None:
        if self._pump is not None:
            return
        self._running = True
        self._pump = threading.Thread(target=self._pump_loop, name="calmcue-bridge", daemon=True)
        self._pump.start()

    def stop(self) -> None:
        self._running = False
        pump, self._pump = self._pump, None
        self.mailbox.wake()
        if pump is not None:
            pump.join(STOP_WAIT_S)

    def _pump_loop(self) -> None:
        """Pump thread: sleeps until the mailbox has something (or is woken), then passes it on."""
        while self._running:
            mailbox = self.mailbox
            mailbox.wait()
            messages = mailbox.drain()
            if messages and self._running:
                self._arrived.emit((mailbox, messages))

    def send(self, command: Command) -> None:
        if self.commands is None:
            log.warning("no engine to send %s to", type(command).__name__)
            return
        self.commands.put(command)

    def drain(self) -> int:
        """Takes what is in the mailbox now and emits it, on the calling (Qt) thread."""
        messages = self.mailbox.drain()
        self._dispatch(messages)
        return len(messages)

    def _arrive(self, batch: tuple[Mailbox, list[Any]]) -> None:
        """On the Qt thread: a batch the pump took. If the bridge has followed another worker since (`attach`), the
        batch keeps its cues, episodes and summaries, but its status and meters are stale: the new worker's count."""
        mailbox, messages = batch
        if mailbox is not self.mailbox:
            messages = [m for m in messages if not isinstance(m, Status | Meter)]
        self._dispatch(messages)

    def _dispatch(self, messages: list[Any]) -> None:
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
