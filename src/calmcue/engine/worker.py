"""The worker thread: audio source -> pipeline -> mailbox, with commands from the UI.

    worker = Worker(settings=s, source_factory=DeviceSourceFactory(mic="", call=""), mailbox=Mailbox())
    worker.start()
    worker.commands.put(Pause())          # any Command (engine/commands.py), from any thread
    for message in worker.mailbox.drain(): ...   # Meter, CueMessage, EpisodeMessage, Status, Stats
    worker.stop(timeout_s=5.0)

It owns one `threading.Thread`. It never hangs (every wait has a timeout and checks the command queue) and never
dies of an exception: the exception is logged, reported as Status("error", ...), and the session restarts after a
backoff with the agent's baseline kept. A lost or unopenable device is reported (Status "device_lost" /
"no_microphone") and reopened with backoff (0.5 s, 1 s, 2 s ... 10 s) without restarting the app; a chosen device
that is gone but expected back (DeviceAbsent: an unplugged headset, a restarting sound server) is looked for every
0.5 s instead, its status saying what is awaited. What goes to the mailbox and the log is engine/reporter.py. The
engine's clock is the sample count, so meters, cues and episodes carry engine time `t_s`, continuous across
reopenings.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from calmcue.audio.sources import DeviceAbsent, DeviceLost, PacedReads, SelectsDevices, Source, SourceEnded
from calmcue.config.schema import Settings
from calmcue.detector.baseline import BaselineValues, save_if_new
from calmcue.detector.offsets import ThresholdOffsets
from calmcue.engine import commands as cmd
from calmcue.engine import mailbox as box
from calmcue.engine.heap import keep_block_memory
from calmcue.engine.metrics import WorkerMetrics
from calmcue.engine.mic_gain import reported_gain_db
from calmcue.engine.pipeline import Pipeline, heard_nothing, quiet_read_s
from calmcue.engine.reporter import Reporter
from calmcue.errors import BadInputError, DeviceError
from calmcue.timebase import HOP_S

log = logging.getLogger("calmcue.worker")

READ_SLACK_S = 0.05  # a read waits this much longer than its audio before the worker looks at its commands
METER_EVERY_FRAMES = 5  # a Meter per 50 ms of audio while meters are on; the state is looked at as often
QUIET_METER_EVERY_FRAMES = 100  # a Meter per second of audio while they are off (the tray's own state)
STATS_EVERY_FRAMES = 100  # Stats per second of audio
BACKOFF_S = cmd.BACKOFF_S  # waits between attempts to reopen (tests shorten them here)


class Worker:
    """Runs the engine on a thread: reads the source, feeds the pipeline, posts to the mailbox."""

    def __init__(self, *, settings: Settings, source_factory: Callable[[], Source], mailbox: box.Mailbox,
                 agent_baseline: BaselineValues | None = None, baseline_path: Path | None = None,
                 meters: bool = True) -> None:
        """`source_factory()` makes a new, unopened Source each time the audio is (re)opened. If it is a
        `SelectsDevices` (as `DeviceSourceFactory` is), SelectDevices and Reload can change devices.
        `agent_baseline` seeds the agent's calibration; when calibration finishes (and at stop), the baseline is
        saved to `baseline_path` if given. `meters`: a Meter per 50 ms (True) or per second (False, until
        SetMeters(True)): the tray turns them on only while a window shows them."""
        self.settings = settings
        self.source_factory = source_factory
        self.mailbox = mailbox
        self.commands = cmd.CommandQueue()  # a command ends the source's wait (a long read while all is quiet)
        self.metrics = WorkerMetrics()
        self.report = Reporter(mailbox=mailbox, metrics=self.metrics)
        self.baseline_path = baseline_path
        self.agent_baseline = agent_baseline
        self._saved_baseline = agent_baseline
        self._thread: threading.Thread | None = None
        self._source: Source | None = None
        self._paced: PacedReads | None = None  # the open source, if it takes the engine's verdict (heard_nothing)
        self._pipeline: Pipeline | None = None
        self._pipe_key: tuple[int, int] | None = None
        self._stopping = self._paused = self._finished = False
        self._said_no_call = False
        self._backoff = cmd.Backoff(BACKOFF_S)
        self.meters = meters
        self._quiet_read_s = quiet_read_s(settings.detector, meters=meters)  # again after each command, not per block
        self._next_meter = self._next_quiet_meter = self._next_stats = 0
        self._restart_after_error = True
        self.offsets = ThresholdOffsets()  # the agent's nudges (SetThresholdOffsets), on top of the settings
        self._handlers = self._command_table()

    # -- thread control -------------------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the thread (once)."""
        if self._thread is not None:
            raise RuntimeError("the worker was already started")
        keep_block_memory()  # every read frees and allocates the same arrays: keep their pages mapped
        self._thread = threading.Thread(target=self._run, name="calmcue-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Asks the thread to end and waits up to `timeout_s`; True if it ended."""
        self.commands.put(cmd.Stop())
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- main loop ------------------------------------------------------------------------------------------
    def _run(self) -> None:
        self.report.state(box.STARTING, "opening the audio")
        while not self._stopping and not self._finished:
            try:
                self._session()
            except Exception as err:  # never die: log, report, restart after a pause
                self._on_crash(err)
        self._close_source()
        self._finish_pipeline()
        self._save_baseline()
        self.report.stats()
        self.report.state(box.FINISHED, "stopped" if self._stopping else "the audio source ended")

    def _on_crash(self, err: Exception) -> None:
        from calmcue.logs import log_exception

        where = log_exception(err)
        self.metrics.restarts += 1
        delay = self._backoff.next_s()
        self.report.state(box.ERROR, f"unexpected {type(err).__name__}: {err}; restarting in {delay:g} s "
                               f"(details in {where})")
        self._close_source()
        self._drop_pipeline()  # a fresh pipeline (it may be what failed); the agent's baseline is kept
        self._idle(delay)

    def _session(self) -> None:
        while not self._stopping and not self._finished:
            if self._paused:
                self._idle(1.0)
                continue
            if self._source is None and not self._open_source():
                continue
            self._handle_commands()
            if self._source is None or self._paused or self._stopping:
                continue
            self._step(self._source)

    def _step(self, source: Source) -> None:
        try:
            block = source.read(self._quiet_read_s + READ_SLACK_S)
        except SourceEnded:
            self._finish_pipeline()
            self._finished = True
            return
        except DeviceLost as err:
            self._lost(err)
            return
        except BadInputError as err:  # a recording damaged part-way: reading it again meets the same damage
            self.report.state(box.ERROR, f"{err}; this recording is not read further")
            self._finish_pipeline()
            self._finished = True
            return
        self._count(source)
        if block is not None and block.shape[0]:
            self._process(block, source)

    # -- the audio source -----------------------------------------------------------------------------------
    def _open_source(self) -> bool:
        source = self.source_factory()
        try:
            source.start()
        except DeviceAbsent as err:  # expected back (a headset, the sound server): look again soon
            source.stop()
            self.report.state(box.DEVICE_LOST, str(err), only_on_change=True, same_detail=True)
            self._idle(err.poll_s)
            return False
        except DeviceError as err:
            source.stop()
            delay = self._backoff.next_s()
            state = box.DEVICE_LOST if self.metrics.reopens else box.NO_MICROPHONE
            self.report.state(state, f"{err} - retrying in {delay:g} s")
            self._idle(delay)
            return False
        self._source = source
        self._paced = source if isinstance(source, PacedReads) else None
        self.commands.wake = self._paced.interrupt if self._paced is not None else None
        self.metrics.reopens += 1
        log.info("audio open: %s, %d channel(s) at %d Hz", source.label or type(source).__name__,
                 source.channels, source.rate_hz)
        self._ensure_pipeline(source)
        note = source.note
        if source.channels == 1 and note and not self._said_no_call:
            self._said_no_call = True
            self.report.state(box.NO_CALL_AUDIO, note)
        self.report.forget_state()  # the next meter says calibrating or listening again
        return True

    def _lost(self, err: DeviceLost) -> None:
        if err.silent_s is not None:
            self.metrics.loss_detect_s.append(float(err.silent_s))
        log.warning("audio lost: %s", err)
        self._close_source()
        if err.waiting:  # the message says what is awaited; look again soon (DeviceAbsent until it is back)
            self.report.state(box.DEVICE_LOST, str(err))
            self._idle(DeviceAbsent.poll_s)
            return
        delay = self._backoff.next_s()
        self.report.state(box.DEVICE_LOST, f"{err} - reconnecting in {delay:g} s")
        self._idle(delay)

    def _close_source(self) -> None:
        if self._source is not None:
            source, self._source, self._paced = self._source, None, None
            self._count(source)
            try:
                source.stop()
            except Exception as err:  # closing must never take the worker down
                log.warning("closing the audio failed: %s", err)
            self.metrics.source_closed()

    def _count(self, source: Source) -> None:
        self.metrics.source_counts(*source.stats)

    # -- the pipeline ---------------------------------------------------------------------------------------
    def _ensure_pipeline(self, source: Source) -> None:
        key = (source.channels, source.rate_hz)
        if self._pipeline is not None and key == self._pipe_key:
            return
        self._finish_pipeline()
        tuned = replace(self.settings, detector=self.offsets.apply(self.settings.detector))
        self._pipeline = Pipeline(tuned, channels=source.channels, in_rate_hz=source.rate_hz,
                                  agent_baseline=self.agent_baseline)
        self._pipe_key = key
        self._next_meter = self._next_quiet_meter = self._next_stats = 0

    def _finish_pipeline(self) -> None:
        """Closes the current pipeline's open episodes; the next one continues the engine clock."""
        if self._pipeline is None:
            return
        pipeline, self._pipeline, self._pipe_key = self._pipeline, None, None
        self.report.publish(pipeline.finish().events)
        self._track_baseline(pipeline)
        self.report.t_offset_s += (pipeline.detector.frame + 1) * HOP_S

    def _drop_pipeline(self) -> None:
        """Discards the pipeline without finishing it; the engine clock still runs on."""
        if self._pipeline is not None:
            self.report.t_offset_s += (self._pipeline.detector.frame + 1) * HOP_S
        self._pipeline, self._pipe_key = None, None

    def _process(self, block: np.ndarray, source: Source) -> None:
        if self._pipeline is None:
            self._ensure_pipeline(source)
        pipeline = self._pipeline
        assert pipeline is not None
        self.metrics.blocks += 1
        result = pipeline.push(block, mic_gain_db=reported_gain_db(source))
        if result.batch is None:
            return
        age = source.age_s()
        if age is not None:
            self.metrics.add_latency(age * 1000.0)
        self.metrics.frames += result.batch.count
        if self._paced is not None:
            self._paced.pace(quiet=heard_nothing(result.batch), quiet_read_s=self._quiet_read_s)
        self.report.publish(result.events)
        self._track_baseline(pipeline)
        self._backoff.reset()
        frame = result.batch.first_frame + result.batch.count - 1
        if frame >= self._next_meter:
            self._next_meter = frame + METER_EVERY_FRAMES
            post = self.meters or frame >= self._next_quiet_meter
            if post:
                self._next_quiet_meter = frame + QUIET_METER_EVERY_FRAMES
            self.report.meter(pipeline, result.batch, post=post)
        if frame >= self._next_stats:
            self._next_stats = frame + STATS_EVERY_FRAMES
            self.report.stats()

    # -- the agent's baseline -------------------------------------------------------------------------------
    def _track_baseline(self, pipeline: Pipeline) -> None:
        values = pipeline.detector.agent_baseline
        if values is None:
            return
        first = self.agent_baseline is None
        self.agent_baseline = values
        if first:
            log.info("agent calibration finished")
            self._save_baseline()

    def _save_baseline(self) -> None:
        self._saved_baseline = save_if_new(self.baseline_path, self.agent_baseline, saved=self._saved_baseline)

    # -- commands -------------------------------------------------------------------------------------------
    def _handle_commands(self) -> None:
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            self._apply(command)

    def _idle(self, seconds: float) -> None:
        """Waits `seconds` while obeying commands; returns early on Stop or on anything that reopens audio."""
        deadline = time.monotonic() + seconds
        while not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                command = self.commands.get(timeout=remaining)
            except queue.Empty:
                return
            if self._apply(command):
                return

    def _apply(self, command: cmd.Command) -> bool:
        """Carries out one command; True if the caller should stop waiting (the audio must be reopened)."""
        log.info("command %s", type(command).__name__)
        reopen = self._handlers.get(type(command), lambda _: False)(command)
        self._quiet_read_s = quiet_read_s(self.offsets.apply(self.settings.detector), meters=self.meters)
        return reopen

    def _command_table(self) -> dict[type, Callable[[Any], bool]]:
        """What `_apply` does per kind of command (engine/commands.py); each returns True to stop waiting."""
        return {cmd.Stop: self._on_stop, cmd.Pause: self._on_pause, cmd.Resume: self._on_resume,
                cmd.Snooze: self._on_snooze, cmd.Recalibrate: self._on_recalibrate,
                cmd.Reload: lambda c: self._reload(c.settings), cmd.NewCall: self._on_new_call,
                cmd.SelectDevices: lambda c: self._select(c.mic, c.call), cmd.SetMeters: self._on_set_meters,
                cmd.SetThresholdOffsets: self._on_offsets}

    def _on_stop(self, _: cmd.Stop) -> bool:
        self._stopping = True
        return True

    def _on_pause(self, _: cmd.Pause) -> bool:
        if not self._paused:
            self._paused = True
            self._close_source()
            self._finish_pipeline()
            self.report.state(box.PAUSED, "paused: the microphone is closed and nothing is measured")
        return False

    def _on_resume(self, _: cmd.Resume) -> bool:
        if self._paused:
            self._paused = False
            self._backoff.reset()
            self.report.state(box.STARTING, "resuming")
        return True

    def _on_snooze(self, command: cmd.Snooze) -> bool:
        self.report.snooze_until = time.monotonic() + max(0.0, command.seconds)
        return False

    def _on_recalibrate(self, _: cmd.Recalibrate) -> bool:
        self._finish_pipeline()
        self.agent_baseline = None
        self.report.state(box.CALIBRATING, "learning your usual voice again")
        return False

    def _on_new_call(self, _: cmd.NewCall) -> bool:
        if self._pipeline is not None:
            self.report.publish(self._pipeline.detector.new_call())
        return False

    def _on_set_meters(self, command: cmd.SetMeters) -> bool:
        if command.on and not self.meters:
            self._next_meter = 0  # the window that asked shows a meter from the next block on
        self.meters = command.on
        return False

    def _on_offsets(self, command: cmd.SetThresholdOffsets) -> bool:
        self.offsets = command.offsets
        if self._pipeline is not None:
            self._pipeline.detector.retune(self.offsets.apply(self.settings.detector))
        return False

    def _reload(self, settings: Settings) -> bool:
        devices_changed = settings.audio != self.settings.audio
        self.settings = settings
        self._finish_pipeline()  # the next block builds a pipeline with the new settings
        if devices_changed and isinstance(self.source_factory, SelectsDevices):
            return self._select(settings.audio.mic, settings.audio.call)
        return False

    def _select(self, mic: str, call: str) -> bool:
        if not isinstance(self.source_factory, SelectsDevices):
            log.warning("this audio source has no devices to select")
            return False
        self.source_factory = self.source_factory.with_devices(mic=mic, call=call)
        if mic != self.settings.audio.mic:  # another microphone: the agent's voice is learned afresh (issue 13)
            self._finish_pipeline()
            self.agent_baseline = None
        self.settings = replace(self.settings, audio=replace(self.settings.audio, mic=mic, call=call))
        self._close_source()
        self._said_no_call = False
        self._backoff.reset()
        self.report.state(box.STARTING, "switching devices")
        return True
