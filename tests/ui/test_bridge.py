"""The bridge: messages a real worker-side Mailbox holds come out as Qt signals, in order; commands go in."""

from __future__ import annotations

import queue

from pytestqt.qtbot import QtBot

from calmcue.detector.events import Cue, Episode
from calmcue.engine.commands import Pause
from calmcue.engine.mailbox import CueMessage, EpisodeMessage, Mailbox, Meter, Stats, Status
from calmcue.ui.bridge import Bridge


def _meter(t_s: float, calibration: float = 1.0) -> Meter:
    return Meter(t_s=t_s, level_dbfs=(-30.0, -40.0), speech=(True, False), agent_calibration=calibration,
                 agent_level_over_db=0.0, in_call=True, muted=False)


def test_messages_become_signals_in_order_with_only_the_newest_meter(qtbot: QtBot) -> None:
    mailbox = Mailbox()
    bridge = Bridge(mailbox)
    seen: list[object] = []
    bridge.status.connect(lambda state, detail: seen.append(("status", state)))
    bridge.cue.connect(lambda cue: seen.append(("cue", cue.kind)))
    bridge.episode.connect(lambda ep: seen.append(("episode", ep.kind)))
    bridge.meter.connect(lambda m: seen.append(("meter", m.t_s)))
    bridge.stats.connect(lambda s: seen.append(("stats", s.frames)))
    mailbox.post(_meter(0.05))
    mailbox.post(Status("calibrating", "learning"))
    mailbox.post(_meter(0.10))
    mailbox.post(CueMessage(Cue("fast_speech", "agent", 0.1, "Slow down")))
    mailbox.post(EpisodeMessage(Episode("fast_speech", "agent", 0.0, 0.1)))
    mailbox.post(Stats(dropped_blocks=0, overflows=0, frames=10))
    bridge.start()
    with qtbot.waitSignal(bridge.stats, timeout=2000):
        pass
    assert seen == [("status", "calibrating"), ("meter", 0.10), ("cue", "fast_speech"),
                    ("episode", "fast_speech"), ("stats", 10)]
    assert bridge.state == "calibrating" and bridge.last_meter is not None and bridge.last_meter.t_s == 0.10
    bridge.stop()


def test_a_meter_older_than_a_status_is_emitted_before_it(qtbot: QtBot) -> None:
    mailbox = Mailbox()
    bridge = Bridge(mailbox)
    seen: list[str] = []
    bridge.meter.connect(lambda m: seen.append(f"meter {m.agent_calibration}"))
    bridge.status.connect(lambda state, _d: seen.append(state))
    mailbox.post(_meter(1.0, calibration=1.0))
    mailbox.post(Status("calibrating"))
    assert bridge.drain() == 2
    assert seen == ["meter 1.0", "calibrating"]


def test_commands_go_to_the_worker_queue(qtbot: QtBot) -> None:
    commands: queue.Queue[object] = queue.Queue()
    bridge = Bridge(Mailbox(), commands)
    bridge.send(Pause())
    assert commands.get_nowait() == Pause()
    other: queue.Queue[object] = queue.Queue()
    mailbox = Mailbox()
    bridge.attach(mailbox, other)
    bridge.send(Pause())
    assert other.qsize() == 1 and commands.empty()


def test_a_batch_taken_before_the_bridge_followed_another_worker_keeps_its_cue_not_its_status(qtbot: QtBot) -> None:
    """The pump may have taken the old worker's last words ("stopped") just before `attach`: they reach the Qt
    thread after the new worker's status, and must not override it (the tray said "Stopped" during the demo)."""
    old, new = Mailbox(), Mailbox()
    bridge = Bridge(old)
    statuses: list[str] = []
    cues: list[str] = []
    bridge.status.connect(lambda state, detail: statuses.append(state))
    bridge.cue.connect(lambda cue: cues.append(cue.kind))
    bridge.attach(new, queue.Queue())
    new.post(Status("listening", "the demo call"))
    bridge.drain()
    stale = [CueMessage(Cue("talk_over", "agent", 1.0, "Let them finish")), Status("finished", "stopped")]
    bridge._arrive((old, stale))
    assert statuses == ["listening"] and bridge.state == "listening"
    assert cues == ["talk_over"]


class _WatchedMailbox(Mailbox):
    """A real Mailbox that notes how the pump waits on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout_s: float | None = None) -> bool:
        self.waits.append(timeout_s)
        return super().wait(timeout_s)


def test_the_pump_sleeps_until_something_is_posted_and_follows_attach_and_stop_without_a_timer(qtbot: QtBot) -> None:
    """No polling: the pump waits on the mailbox with no timeout; a post, `attach` and `stop` are what wake it."""
    first, second = _WatchedMailbox(), _WatchedMailbox()
    bridge = Bridge(first)
    bridge.start()
    pump = bridge._pump
    with qtbot.waitSignal(bridge.stats, timeout=5000):
        first.post(Stats(dropped_blocks=0, overflows=0, frames=1))
    bridge.attach(second, queue.Queue())
    with qtbot.waitSignal(bridge.status, timeout=5000) as got:
        second.post(Status("listening", "the new worker"))
    assert got.args == ["listening", "the new worker"]
    bridge.stop()
    assert first.waits and second.waits, "the pump waited on each mailbox in turn"
    assert set(first.waits + second.waits) == {None}, "every wait is without a timeout: nothing polls"
    assert pump is not None and not pump.is_alive(), "stop woke the pump and it ended"
