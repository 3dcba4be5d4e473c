"""Issue 13: a change of microphone starts a fresh baseline; the same microphone keeps it."""

from __future__ import annotations

from calmcue.audio.sources import SyntheticSource
from calmcue.config.schema import Settings
from calmcue.detector.baseline import BaselineValues
from calmcue.engine.commands import SelectDevices
from calmcue.engine.mailbox import Mailbox, Meter
from calmcue.engine.worker import Worker
from conftest import silence
from test_worker import BOUND_S, Collector

SEED = BaselineValues(level_dbfs=-30.0, pitch_st=3.0, tilt_db=-9.0, rate_syl_s=4.0)


class Factory:
    def __init__(self, mic: str) -> None:
        self.mic = mic

    def __call__(self) -> SyntheticSource:
        return SyntheticSource(silence(1.0), rate_hz=16000, realtime=True, loop=True)

    def with_devices(self, *, mic: str, call: str) -> Factory:
        return Factory(mic)


def _select(mic: str) -> Worker:
    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=Factory(""), agent_baseline=SEED)
    collector = Collector(worker)
    worker.start()
    try:
        assert collector.wait_until(lambda ms: any(isinstance(m, Meter) for m in ms))
        worker.commands.put(SelectDevices(mic=mic, call=""))
        assert collector.wait_until(lambda ms: worker.settings.audio.mic == mic)
    finally:
        assert worker.stop(timeout_s=BOUND_S)
    return worker


def test_a_new_microphone_starts_a_fresh_baseline() -> None:
    assert _select("another headset").agent_baseline is None


def test_selecting_the_same_microphone_keeps_the_baseline() -> None:
    assert _select("").agent_baseline == SEED
