"""The only road between the engine and Qt: the worker's Mailbox becomes Qt signals; user actions go back as
commands on the worker's queue. Nothing here blocks the Qt thread, and no Qt object crosses threads.

A small pump thread sleeps on the mailbox and hands what arrived to the Qt thread (a queued signal carrying
frozen dataclasses), so the Qt thread wakes only when there is something: a cue is shown as soon as it is
posted, and an idle tray costs nothing between messages (a 10 ms polling timer cost about 0.9 % of a core).
Meters come 20 times a second; while nothing shows them (only the tray's own receiver is connected) they are
passed on at most every METER_IDLE_S, the newest one."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QMetaMethod, QObject, pyqtSignal

from calmcue.engine.mailbox import CallMessage, CueMessage, EpisodeMessage, Mailbox, Meter, Stats, Status

if TYPE_CHECKING:
    from calmcue.engine.worker import Command

log = logging.getLogger(__name__)

PUMP_WAIT_S = 0.2  # the pump looks again at least this often (it follows `attach` to a new mailbox)
METER_IDLE_S = 0.5  # meters for the tray alone; with a window showing them (more receivers), every one


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
        self._meter_receivers = 0  # counted on connect/disconnect: read by the pump
        self._arrived.connect(self._arrive)  # emitted from the pump thread: a queued connection
        self._pump: threading.Thread | None = None
        self._running = False
        self._held_meter: Meter | None = None
        self._meter_sent = 0.0

    def connectNotify(self, signal: QMetaMethod) -> None:
        if signal.name().data() == b"meter":
            self._meter_receivers += 1
        super().connectNotify(signal)

    def disconnectNotify(self, signal: QMetaMethod) -> None:
        if signal.name().data() == b"meter":
            self._meter_receivers = max(0, self._meter_receivers - 1)
        super().disconnectNotify(signal)

    def attach(self, mailbox: Mailbox, commands: queue.Queue[Command]) -> None:
        """Follows another worker (the demo, or a restarted engine)."""
        self.drain()
        self.mailbox, self.commands = mailbox, commands
        self._held_meter = None

    def start(self) -> None:
        if self._pump is not None:
            return
        self._running = True
        self._pump = threading.Thread(target=self._pump_loop, name="calmcue-bridge", daemon=True)
        self._pump.start()

    def stop(self) -> None:
        self._running = False
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.join(2 * PUMP_WAIT_S)

    def _pump_loop(self) -> None:
        """Pump thread: waits for messages and passes them on; meters alone are thinned while nobody shows them."""
        while self._running:
            mailbox = self.mailbox
            if not mailbox.wait(PUMP_WAIT_S):
                continue
            messages = mailbox.drain()
            if self._held_meter is not None:
                messages.insert(0, self._held_meter)
                self._held_meter = None
            now = time.monotonic()
            only_meters = all(isinstance(m, Meter) for m in messages)
            if only_meters and self._meter_receivers <= 1 and now - self._meter_sent < METER_IDLE_S:
                held = messages[-1] if messages else None
                self._held_meter = held if isinstance(held, Meter) else None
                continue
            if any(isinstance(m, Meter) for m in messages):
                self._meter_sent = now
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
