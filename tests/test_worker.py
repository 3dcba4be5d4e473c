"""The worker thread: same events as offline analysis, commands, faults, restarts, the saved calibration.

These run the real worker thread on in-memory and file sources (no sound server needed); the device paths
are tested through PulseAudio in test_capture.py and test_live_pulse.py. Waiting is on mailbox messages with a
generous bound, never on sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from calmcue.analysis.offline import analyze_file, analyze_samples
from calmcue.audio.sources import DeviceLost, FileSource, SourceEnded, SyntheticSource
from calmcue.config.schema import Settings
from calmcue.detector.baseline import load_baseline
from calmcue.engine import worker as worker_module
from calmcue.engine.commands import Pause, Recalibrate, Resume, SelectDevices, Snooze
from calmcue.engine.mailbox import (
    MAX_MESSAGES,
    CueMessage,
    EpisodeMessage,
    Mailbox,
    Message,
    Meter,
    Stats,
    Status,
)
from calmcue.engine.worker import Worker
from calmcue.errors import DeviceError
from conftest import RATE, silence, speech_with_pauses, syllables
from needs import missing

pytestmark = pytest.mark.usefixtures("classic_activity")


REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "build" / "demo" / "demo_call.wav"
BOUND_S = 60.0  # generous: a loaded 2-core CI box


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setattr(worker_module, "BACKOFF_S", (0.05, 0.1))
    # the worker logs its restarts: keep that log out of the user's own log folder
    monkeypatch.setattr("calmcue.logs.log_dir", lambda: tmp_path_factory.getbasetemp() / "log")


def agent_raises_voice() -> np.ndarray:
    """25 s of calm speech with pauses (calibration), then 4 s clearly louder and higher, then silence."""
    calm = speech_with_pauses(turns=8, turn_s=3.0, level_dbfs=-30.0, seed=1)
    loud = syllables(seconds=4.0, level_dbfs=-16.0, f0_hz=180.0, tilt_db_per_octave=-3.0, seed=9)
    return np.concatenate([calm, loud, silence(3.0)])


class Collector:
    """Drains a worker's mailbox and waits (bounded) for a condition on everything received so far."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.messages: list[Message] = []

    def wait_until(self, condition: Callable[[list[Message]], bool], timeout_s: float = BOUND_S) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            self.messages += self.worker.mailbox.drain()
            if condition(self.messages):
                return True
            if time.monotonic() > deadline:
                return False
            self.worker.mailbox.wait(0.05)

    def states(self) -> list[str]:
        return [m.state for m in self.messages if isinstance(m, Status)]

    def of(self, kind: type) -> list:
        return [m for m in self.messages if isinstance(m, kind)]


def finished(messages: list[Message]) -> bool:
    return any(isinstance(m, Status) and m.state == "finished" for m in messages)


def has_state(state: str) -> Callable[[list[Message]], bool]:
    return lambda messages: any(isinstance(m, Status) and m.state == state for m in messages)


def run_to_end(worker: Worker) -> Collector:
    collector = Collector(worker)
    worker.start()
    assert collector.wait_until(finished), f"the worker did not finish: {collector.states()}"
    assert worker.stop(timeout_s=BOUND_S)
    collector.messages += worker.mailbox.drain()
    return collector


def events_of(collector: Collector) -> tuple[list, list]:
    cues = [m.cue for m in collector.of(CueMessage)]
    episodes = sorted((m.episode for m in collector.of(EpisodeMessage)), key=lambda e: (e.start_s, e.kind))
    return cues, episodes


def as_json(events: list) -> list[dict]:
    """Events as the JSON contract writes them (evidence rounded to 0.01: float32 sums over a batch of hops
    differ in the last bits with the batch size, so the unrounded evidence may differ by about 1e-6)."""
    return [event.to_json() for event in events]


# --- live = offline -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("block_s", [0.01, 317 / 16000, 0.064])
def test_worker_gives_the_same_events_as_analyze(block_s: float) -> None:
    samples = agent_raises_voice()
    reference = analyze_samples(samples, rate_hz=16000, keep_frames=False)
    assert reference.cues, "the scenario must produce a cue"
    worker = Worker(settings=Settings(), mailbox=Mailbox(),
                    source_factory=lambda: SyntheticSource(samples, rate_hz=16000, block_s=block_s))
    cues, episodes = events_of(run_to_end(worker))
    assert as_json(cues) == as_json(reference.cues)
    assert as_json(episodes) == as_json(reference.episodes)


def test_file_source_through_the_worker_matches_analyze_file() -> None:
    if not DEMO.exists():
        missing(f"{DEMO} missing: make demo", what="demo call")
    reference = analyze_file(DEMO, keep_frames=False)
    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=lambda: FileSource(DEMO, realtime=False))
    cues, episodes = events_of(run_to_end(worker))
    assert as_json(cues) == as_json(reference.cues)
    assert as_json(episodes) == as_json(reference.episodes)
    assert len(cues) >= 2


def test_file_source_delivers_the_file_and_pairs_a_far_end(tmp_path: Path) -> None:
    agent = syllables(seconds=1.0, seed=2)
    far = syllables(seconds=0.7, f0_hz=200.0, seed=3)
    sf.write(tmp_path / "agent.wav", agent, 16000, subtype="FLOAT")
    sf.write(tmp_path / "far.wav", far, 16000, subtype="FLOAT")
    source = FileSource(tmp_path / "agent.wav", realtime=False, far_end=tmp_path / "far.wav")
    source.start()
    blocks = []
    with pytest.raises(SourceEnded):
        while True:
            block = source.read(1.0)
            assert block is not None
            blocks.append(block)
    got = np.concatenate(blocks)
    assert got.shape == (16000, 2)
    np.testing.assert_allclose(got[:, 0], agent, atol=1e-6)
    np.testing.assert_allclose(got[:11200, 1], far, atol=1e-6)
    assert not got[11200:, 1].any()


# --- commands --------------------------------------------------------------------------------------------------


def test_a_recording_damaged_part_way_is_said_once_and_not_read_again(tmp_path: Path) -> None:
    """A file whose samples turn to NaN after a while: the worker says so and finishes; reopening the file would
    only meet the same damage again (it restarted it every 0.5 s, for ever)."""
    damaged = np.concatenate([speech_with_pauses(turns=2, turn_s=1.0, level_dbfs=-30.0, seed=2), silence(1.0)])
    damaged[-RATE // 2:] = np.nan
    path = tmp_path / "damaged.wav"
    sf.write(path, damaged, RATE, subtype="FLOAT")
    opened: list[FileSource] = []

    def factory() -> FileSource:
        opened.append(FileSource(path, realtime=False))
        return opened[-1]

    collector = run_to_end(Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory))
    errors = [m.detail for m in collector.of(Status) if m.state == "error"]
    assert len(errors) == 1 and "NaN" in errors[0] and "not read further" in errors[0]
    assert len(opened) == 1


def test_snooze_holds_back_cues_but_not_episodes() -> None:
    samples = agent_raises_voice()
    worker = Worker(settings=Settings(), mailbox=Mailbox(),
                    source_factory=lambda: SyntheticSource(samples, rate_hz=16000))
    worker.commands.put(Snooze(3600.0))
    cues, episodes = events_of(run_to_end(worker))
    assert cues == []
    assert [e.kind for e in episodes] == ["raised_voice"]


def test_pause_closes_the_source_and_resume_reopens_it() -> None:
    opened: list[SyntheticSource] = []

    def factory() -> SyntheticSource:
        opened.append(SyntheticSource(silence(5.0), rate_hz=16000, realtime=True, loop=True))
        return opened[-1]

    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory)
    collector = Collector(worker)
    worker.start()
    try:
        assert collector.wait_until(lambda ms: len([m for m in ms if isinstance(m, Meter)]) >= 2)
        worker.commands.put(Pause())
        assert collector.wait_until(has_state("paused"))
        assert len(opened) == 1 and not opened[0].started
        worker.commands.put(Resume())
        assert collector.wait_until(lambda ms: len(opened) == 2 and opened[1].started)
        assert collector.wait_until(lambda ms: ms[-1].__class__ is Meter and collector.states()[-1] != "paused")
    finally:
        assert worker.stop(timeout_s=BOUND_S)
    meters = collector.of(Meter)
    times = [m.t_s for m in meters]
    assert times == sorted(times), "engine time runs on across a pause"


def test_recalibrate_forgets_the_agent_baseline(tmp_path: Path) -> None:
    samples = agent_raises_voice()
    worker = Worker(settings=Settings(), mailbox=Mailbox(), baseline_path=tmp_path / "baseline.json",
                    source_factory=lambda: SyntheticSource(samples, rate_hz=16000, realtime=True, speed=8.0,
                                                           loop=True))
    collector = Collector(worker)
    worker.start()
    try:
        assert collector.wait_until(lambda ms: any(isinstance(m, Meter) and m.agent_calibration == 1.0
                                                   for m in ms)), collector.states()
        count = len(collector.messages)
        worker.commands.put(Recalibrate())
        assert collector.wait_until(lambda ms: any(isinstance(m, Meter) and m.agent_calibration < 1.0
                                                   for m in ms[count:]))
        assert "calibrating" in collector.states()[-3:]
    finally:
        assert worker.stop(timeout_s=BOUND_S)


def test_select_devices_reopens_with_the_new_devices() -> None:
    class Factory:
        def __init__(self, mic: str, call: str, made: list[tuple[str, str]]) -> None:
            self.mic, self.call, self.made = mic, call, made

        def __call__(self) -> SyntheticSource:
            self.made.append((self.mic, self.call))
            return SyntheticSource(silence(1.0), rate_hz=16000, realtime=True, loop=True)

        def with_devices(self, *, mic: str, call: str) -> Factory:
            return Factory(mic, call, self.made)

    made: list[tuple[str, str]] = []
    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=Factory("a", "b", made))
    collector = Collector(worker)
    worker.start()
    try:
        assert collector.wait_until(lambda ms: any(isinstance(m, Meter) for m in ms))
        worker.commands.put(SelectDevices(mic="headset", call="speakers.monitor"))
        assert collector.wait_until(lambda ms: made[-1] == ("headset", "speakers.monitor"))
        assert worker.settings.audio.mic == "headset"
    finally:
        assert worker.stop(timeout_s=BOUND_S)


# --- faults ----------------------------------------------------------------------------------------------------


class FaultySource(SyntheticSource):
    """Raises `error` at the `at_read`-th read (counted across all instances sharing `reads`)."""

    def __init__(self, samples: np.ndarray, *, error: Exception, at_read: int, reads: list[int]) -> None:
        super().__init__(samples, rate_hz=16000, realtime=True, speed=4.0)
        self.error, self.at_read, self.reads = error, at_read, reads

    def read(self, timeout_s: float) -> np.ndarray | None:
        self.reads[0] += 1
        if self.reads[0] == self.at_read:
            raise self.error
        return super().read(timeout_s)


@pytest.mark.parametrize(("error", "state"), [(RuntimeError("boom"), "error"),
                                              (DeviceLost("the headset was unplugged"), "device_lost")])
def test_a_fault_is_reported_and_the_worker_carries_on(error: Exception, state: str) -> None:
    samples = speech_with_pauses(turns=2, turn_s=1.0)
    reads = [0]
    made: list[FaultySource] = []

    def factory() -> FaultySource:
        made.append(FaultySource(samples, error=error, at_read=40, reads=reads))
        return made[-1]

    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory)
    collector = run_to_end(worker)
    states = collector.states()
    assert state in states, states
    assert states[-1] == "finished"
    assert len(made) == 2, "the source is reopened after the fault"
    assert not made[0].started, "the faulty source was closed"
    assert worker.metrics.restarts == (1 if state == "error" else 0)
    detail = next(m.detail for m in collector.of(Status) if m.state == state)
    assert str(error) in detail
    meters = collector.of(Meter)
    assert meters[-1].t_s > 2.0, "audio after the fault was analysed"
    assert [m.t_s for m in meters] == sorted(m.t_s for m in meters)


def test_a_device_that_will_not_open_is_retried_until_it_does() -> None:
    attempts = [0]

    def factory() -> SyntheticSource:
        attempts[0] += 1
        fail = "cannot open 'Headset' (busy); close the other program" if attempts[0] <= 2 else ""
        return SyntheticSource(silence(1.0), rate_hz=16000, fail_open=fail)

    collector = run_to_end(Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory))
    states = collector.states()
    assert states.count("no_microphone") == 2, states
    assert "calibrating" in states
    assert attempts[0] == 3


def test_stop_is_prompt_while_waiting_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "BACKOFF_S", (3600.0,))

    def factory() -> SyntheticSource:
        return SyntheticSource(silence(1.0), fail_open="no device")

    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory)
    collector = Collector(worker)
    worker.start()
    assert collector.wait_until(has_state("no_microphone"))
    assert worker.stop(timeout_s=BOUND_S), "the worker must not wait out an hour-long backoff"
    assert collector.wait_until(finished)


def test_mic_only_is_said_once() -> None:
    class MicOnly(SyntheticSource):
        def start(self) -> None:
            super().start()
            self.note = "no call audio found: running on the microphone only"

    reads = [0]

    def factory() -> SyntheticSource:
        reads[0] += 1
        if reads[0] == 1:
            return FaultySource(silence(2.0), error=DeviceLost("gone"), at_read=10, reads=[0])
        return MicOnly(silence(1.0))

    collector = run_to_end(Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory))
    assert collector.states().count("no_call_audio") == 1


# --- calibration -----------------------------------------------------------------------------------------------


def test_the_agent_calibration_is_saved_when_it_finishes(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "baseline.json"
    samples = agent_raises_voice()
    worker = Worker(settings=Settings(), mailbox=Mailbox(), baseline_path=path,
                    source_factory=lambda: SyntheticSource(samples, rate_hz=16000))
    collector = run_to_end(worker)
    assert path.exists()
    saved = load_baseline(path)
    assert worker.agent_baseline is not None
    assert saved.level_dbfs == pytest.approx(worker.agent_baseline.level_dbfs, abs=0.01)
    assert -40.0 < saved.level_dbfs < -20.0
    assert "calibrating" in collector.states() and "listening" in collector.states()


def test_a_seeded_baseline_skips_calibration() -> None:
    samples = agent_raises_voice()
    seed = analyze_samples(samples[: 16000 * 25], rate_hz=16000, keep_frames=False).baselines["agent"]
    assert seed is not None
    worker = Worker(settings=Settings(), mailbox=Mailbox(), agent_baseline=seed,
                    source_factory=lambda: SyntheticSource(samples[16000 * 25 :], rate_hz=16000))
    collector = run_to_end(worker)
    assert "calibrating" not in collector.states()
    assert [c.kind for c in events_of(collector)[0]] == ["raised_voice"]


# --- mailbox ---------------------------------------------------------------------------------------------------


def test_mailbox_drops_old_meters_first_and_keeps_events() -> None:
    box = Mailbox(max_messages=10)
    box.post(Status("listening", ""))
    for i in range(20):
        box.post(Meter(t_s=i, level_dbfs=(-30.0,), speech=(True,), agent_calibration=1.0,
                       agent_level_over_db=0.0, in_call=True, muted=False))
    box.post(Stats(dropped_blocks=0, overflows=0, frames=1))
    got = box.drain()
    assert len(got) == 10
    assert isinstance(got[0], Status)
    assert [m.t_s for m in got if isinstance(m, Meter)][-1] == 19
    assert isinstance(got[-1], Stats)
    assert box.drain() == []
    assert MAX_MESSAGES >= 1000


def test_synthetic_source_refuses_to_open_with_a_clear_error() -> None:
    with pytest.raises(DeviceError, match="plug"):
        SyntheticSource(silence(0.1), fail_open="no headset: plug one in").start()


def test_latency_histogram_percentiles() -> None:
    from calmcue.engine.metrics import LatencyHistogram

    hist = LatencyHistogram()
    for ms in range(1, 101):
        hist.add(float(ms))
    assert hist.percentile(50) == pytest.approx(50.0, abs=0.2)
    assert hist.percentile(99) == pytest.approx(99.0, abs=0.2)
    assert (hist.max_ms, hist.count) == (100.0, 100)


# --- devices that are gone but expected back -------------------------------------------------------------------


def test_an_absent_device_is_said_and_looked_for_without_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from calmcue.audio.sources import DeviceAbsent

    monkeypatch.setattr(worker_module, "BACKOFF_S", (3600.0,))  # a backoff would stall this test for an hour
    monkeypatch.setattr(DeviceAbsent, "poll_s", 0.05)
    attempts = [0]

    class Absent(SyntheticSource):
        def start(self) -> None:
            attempts[0] += 1
            if attempts[0] <= 3:
                raise DeviceAbsent("headset disconnected - waiting for it ('virtual_mic')")
            super().start()

    collector = run_to_end(Worker(settings=Settings(), mailbox=Mailbox(),
                                  source_factory=lambda: Absent(silence(1.0), rate_hz=16000)))
    lost = [m.detail for m in collector.of(Status) if m.state == "device_lost"]
    assert lost == ["headset disconnected - waiting for it ('virtual_mic')"], "said once, in the words given"
    assert attempts[0] == 4
    assert "calibrating" in collector.states()


def test_a_loss_that_waits_is_said_as_it_is_and_its_detection_time_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from calmcue.audio.sources import DeviceAbsent

    monkeypatch.setattr(worker_module, "BACKOFF_S", (3600.0,))
    monkeypatch.setattr(DeviceAbsent, "poll_s", 0.05)
    reads = [0]
    made: list[SyntheticSource] = []
    error = DeviceLost("headset disconnected - waiting for it ('usb')", silent_s=0.04, waiting=True)

    def factory() -> SyntheticSource:
        made.append(FaultySource(silence(2.0), error=error, at_read=10, reads=reads))
        return made[-1]

    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=factory)
    collector = run_to_end(worker)
    details = [m.detail for m in collector.of(Status) if m.state == "device_lost"]
    assert details == [str(error)], "no 'reconnecting in' after words that already say it is awaited"
    assert worker.metrics.loss_detect_s == [0.04]
    assert len(made) == 2


def test_live_meters_come_only_while_turned_on_and_the_state_is_still_said() -> None:
    """Meters off (the tray with no level meter on screen): one Meter per second of audio, for the tray's own state;
    SetMeters(True) (a window shows a level meter): one per 50 ms from the next block; off again: one per second.
    Engine time (t_s), not the clock, tells them apart."""
    from itertools import pairwise

    from calmcue.engine.commands import SetMeters

    source = SyntheticSource(speech_with_pauses(turns=4, turn_s=2.0, level_dbfs=-30.0, seed=3), rate_hz=16000,
                             loop=True)
    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=lambda: source, meters=False)
    collector = Collector(worker)

    def meters_after(t_s: float) -> list[float]:
        return [m.t_s for m in collector.of(Meter) if m.t_s > t_s]

    worker.start()
    try:
        assert collector.wait_until(lambda ms: len(meters_after(0.0)) >= 4)
        assert "calibrating" in collector.states(), "the state is said with meters off"
        worker.commands.put(SetMeters(True))
        assert collector.wait_until(lambda ms: any(b - a < 0.5 for a, b in pairwise(meters_after(0.0))))
        dense_from = next(a for a, b in pairwise(meters_after(0.0)) if b - a < 0.5)
        assert collector.wait_until(lambda ms: len(meters_after(dense_from)) >= 20)
        worker.commands.put(SetMeters(False))
        last_dense = collector.of(Meter)[-1].t_s
        assert collector.wait_until(lambda ms: len(meters_after(last_dense)) >= 30)
    finally:
        assert worker.stop(timeout_s=BOUND_S)
    times = [m.t_s for m in collector.of(Meter)]
    gaps = [(a, b - a) for a, b in pairwise(times)]  # (start, gap)
    off_before = [g for a, g in gaps if a < dense_from]
    assert off_before and min(off_before) >= 0.99, "meters off: one per second of audio"
    on = [g for a, g in gaps if dense_from <= a < last_dense][:19]
    # one per read of 50 ms of audio; a worker that fell behind on a loaded machine reads what has piled up at once
    # (one meter for that longer read), so single gaps may be longer - but never near the one-a-second rate
    assert on and sorted(on)[len(on) // 2] <= 0.051 and max(on) < 0.5, "meters on: one per 50 ms of audio"
    tail = [g for a, g in gaps if a > last_dense][-10:]
    assert len(tail) == 10 and min(tail) >= 0.99, "off again: one per second"
