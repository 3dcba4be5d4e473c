"""How long the worker's reads wait while nothing is heard (issue 15): as long as the shortest minimum duration of a
cue allows (the onset of a raised voice is then analysed before its cue is due), short while a level meter is on
screen, and short again from the first block with sound. Driven by sample index: a source that honours the pace
and remembers where each read ended."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from calmcue.audio.sources import PacedReads, SyntheticSource
from calmcue.config.schema import Settings
from calmcue.engine.mailbox import CueMessage, Mailbox, Message
from calmcue.engine.pipeline import LONGEST_QUIET_READ_S, METER_QUIET_READ_S, quiet_read_s
from calmcue.engine.worker import Worker
from conftest import RATE, silence, speech_with_pauses, syllables

READ_S = 0.05  # what a DeviceSource reads while something is heard


class PacedSource(SyntheticSource):
    """Samples in memory, read in blocks of `quiet_read_s` while the engine hears nothing, else READ_S (what
    DeviceSource waits for), as fast as the worker asks. `reads`: (end of the read in seconds, its length)."""

    def __init__(self, samples: np.ndarray) -> None:
        super().__init__(samples, rate_hz=RATE)
        self.quiet, self.quiet_read_s = False, 0.0
        self.reads: list[tuple[float, float]] = []
        self.interrupts = 0

    def pace(self, *, quiet: bool, quiet_read_s: float | None = None) -> None:
        self.quiet = quiet
        if quiet_read_s is not None:
            self.quiet_read_s = quiet_read_s

    def interrupt(self) -> None:
        self.interrupts += 1

    def read(self, timeout_s: float) -> np.ndarray | None:
        self.block = round((self.quiet_read_s if self.quiet else READ_S) * RATE)
        block = super().read(timeout_s)
        if block is not None:
            self.reads.append((self._pos / RATE, block.shape[0] / RATE))
        return block


class CueTimes(Mailbox):
    """A mailbox that notes, for each cue, where the read it came out of ended."""

    def __init__(self, source: PacedSource) -> None:
        super().__init__()
        self.source = source
        self.cues: list[tuple[float, float]] = []  # (the cue's engine time, end of the read that posted it)

    def post(self, message: Message) -> None:
        if isinstance(message, CueMessage):
            self.cues.append((message.cue.t_s, self.source.reads[-1][0]))
        super().post(message)


def _calm_quiet_then_loud(quiet_s: float) -> np.ndarray:
    """About 30 s of calm speech (the agent's calibration), `quiet_s` of a quiet room, then a raised voice."""
    calm = speech_with_pauses(turns=9, turn_s=3.0, level_dbfs=-30.0, seed=1)
    loud = syllables(seconds=3.0, level_dbfs=-16.0, f0_hz=180.0, tilt_db_per_octave=-3.0, seed=9)
    return np.concatenate([calm, silence(quiet_s, seed=5), loud, silence(1.0, seed=6)])


def test_a_quiet_read_is_the_shortest_cue_minimum_within_its_bounds_and_short_while_a_meter_shows() -> None:
    detector = Settings().detector
    assert quiet_read_s(detector, meters=True) == METER_QUIET_READ_S
    shortest = min(detector.raised_voice.customer_min_s, detector.talk_over.agent_min_s)
    assert quiet_read_s(detector, meters=False) == pytest.approx(min(LONGEST_QUIET_READ_S, shortest))
    quick = replace(detector, raised_voice=replace(detector.raised_voice, agent_min_s=0.3))
    assert quiet_read_s(quick, meters=False) == pytest.approx(0.3), "a shorter minimum shortens the reads"
    quickest = replace(detector, talk_over=replace(detector.talk_over, agent_min_s=0.2))
    assert quiet_read_s(quickest, meters=False) == pytest.approx(0.2)
    slow = replace(detector, raised_voice=replace(detector.raised_voice, agent_min_s=5.0, customer_min_s=5.0),
                   talk_over=replace(detector.talk_over, agent_min_s=5.0),
                   fast_speech=replace(detector.fast_speech, min_s=5.0))
    assert quiet_read_s(slow, meters=False) == pytest.approx(LONGEST_QUIET_READ_S), "never longer than the cap"


@pytest.mark.parametrize("quiet_s", [3.0, 3.2, 3.4])
@pytest.mark.parametrize("agent_min_s", [0.8, 0.3])
def test_a_raised_voice_after_quiet_reads_is_cued_within_one_short_read(quiet_s: float, agent_min_s: float) -> None:
    """Whichever point of a long quiet read the onset falls on, its cue comes out of a read that ended at most one
    short read after the cue's own frame: the minimum duration plus what a short read adds, as without long reads."""
    source = PacedSource(_calm_quiet_then_loud(quiet_s))
    mailbox = CueTimes(source)
    settings = Settings()
    settings = replace(settings, detector=replace(settings.detector, raised_voice=replace(
        settings.detector.raised_voice, agent_min_s=agent_min_s)))
    worker = Worker(settings=settings, mailbox=mailbox, source_factory=lambda: source, meters=False)
    assert isinstance(source, PacedReads)
    worker.start()
    assert _ran_to_the_end(worker)
    long_reads = [length for _, length in source.reads if length > READ_S + 1e-9]
    assert long_reads and max(long_reads) == pytest.approx(quiet_read_s(settings.detector, meters=False), abs=0.01)
    assert mailbox.cues, "the raised voice was cued"
    for t_s, read_end_s in mailbox.cues:
        assert read_end_s - t_s <= READ_S + 0.01, f"cue at {t_s:.2f} s came out of a read ending {read_end_s:.2f} s"


def test_the_first_block_with_sound_brings_the_short_reads_back() -> None:
    source = PacedSource(_calm_quiet_then_loud(3.0))
    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=lambda: source, meters=False)
    worker.start()
    assert _ran_to_the_end(worker)
    onset_s = source.samples.shape[0] / RATE - 4.0  # the raised voice: 3 s, then 1 s of quiet
    after = [(end, length) for end, length in source.reads if end > onset_s]
    assert after[0][1] > READ_S, "the read holding the onset was a long one"
    assert all(length == pytest.approx(READ_S) for _, length in after[1:20]), "short reads while there is sound"


def test_a_command_interrupts_the_open_source_s_wait() -> None:
    """Whatever the reads' length, a command put on the worker's queue ends the open source's wait
    (CommandQueue.wake -> PacedReads.interrupt): it is obeyed at once, not when a long quiet read ends."""
    import time

    from calmcue.engine.commands import CommandQueue, Snooze

    woken: list[int] = []
    commands = CommandQueue()
    commands.put(Snooze(0.0))
    commands.wake = lambda: woken.append(1)
    commands.put(Snooze(0.0))
    assert woken == [1] and commands.qsize() == 2, "queued as before, and woken once a command is in"
    source = PacedSource(np.zeros(RATE, np.float32))
    source.loop = True
    worker = Worker(settings=Settings(), mailbox=Mailbox(), source_factory=lambda: source, meters=False)
    worker.start()
    try:
        deadline = time.monotonic() + 60.0
        while not source.reads and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.commands.put(Snooze(0.0))
        assert source.interrupts == 1, "the open source's wait was ended"
    finally:
        assert worker.stop(timeout_s=60.0)


def _ran_to_the_end(worker: Worker) -> bool:
    """Waits (bounded) for the worker to finish by itself at the end of the source."""
    assert worker._thread is not None
    worker._thread.join(60.0)
    return not worker.alive
