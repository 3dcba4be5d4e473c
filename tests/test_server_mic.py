"""The microphone through a `parec` child (audio/server_mic.py): when it is chosen, that both children share one
process group inside this session, that the worker wakes once both readers hold the audio it waits for, and that
a capture asked for by name keeps PortAudio.

The pairing test needs nothing; the rest run real `parec` children against the server that
scripts/with_services.sh starts (the default input virtual_mic, the call audio speaker_sink.monitor).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from calmcue.audio import server_mic
from calmcue.audio.rtcapture import Capture
from calmcue.audio.server_capture import ParecInput, pair
from calmcue.audio.sources import DeviceSource
from test_capture import (  # noqa: F401 (fixtures)
    BOUND_S,
    Player,
    assert_mic_and_call_tones,
    player,
    pulse,
    tone,
)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parec children are Linux only")


def test_paired_readers_are_due_only_once_both_hold_what_the_worker_waits_for() -> None:
    mic = ParecInput(source_id="m", name="mic", rate_hz=16000, role="microphone")
    call = ParecInput(source_id="c", name="call", rate_hz=16000)
    pair(mic, call)
    assert mic.arrived is call.arrived, "one Event: one wake-up per read"
    mic.wake_at = call.wake_at = 800
    mic.ring.push(np.zeros((800, 1), np.float32), 0.0)
    assert not mic.due() and not call.due(), "the call audio is still missing"
    call.ring.push(np.zeros((400, 1), np.float32), 0.0)
    assert not mic.due()
    call.ring.push(np.zeros((400, 1), np.float32), 0.0)
    assert mic.due() and call.due()
    mic.wake_at = 1600
    assert not call.due(), "the microphone's next read is not in yet"
    mic.finished = True
    assert call.due(), "an ended partner wakes the worker, which then reports the loss"


def test_a_capture_asked_for_by_name_keeps_the_microphone_on_portaudio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALMCUE_CAPTURE", raising=False)
    assert server_mic.wanted(Capture.AUTO)
    assert not server_mic.wanted(Capture.RTMIXER) and not server_mic.wanted(Capture.SOUNDDEVICE)
    monkeypatch.setenv("CALMCUE_CAPTURE", "sounddevice")
    assert not server_mic.wanted(Capture.AUTO)


@linux_only
def test_both_children_share_one_process_group_inside_this_session(pulse: None, player: Player) -> None:  # noqa: F811
    """Ctrl-C in a terminal signals the foreground group (this process's), not the children's; the scheduler's
    autogroup is per session, so both children stay in this one and are never starved apart."""
    source = DeviceSource()  # the default input (virtual_mic, a server source) + speaker_sink.monitor
    source.start()
    try:
        mic, call = source._mic, source._call
        assert isinstance(mic, ParecInput) and isinstance(call, ParecInput)
        assert os.getpgid(mic.pid) == os.getpgid(call.pid) == mic.pid != os.getpgrp()
        assert os.getsid(mic.pid) == os.getsid(call.pid) == os.getsid(0)
        assert_mic_and_call_tones(source, player)
    finally:
        source.stop()
    assert source.stats == (0, 0)


@linux_only
def test_portaudio_is_released_while_the_server_reads_both_streams_and_back_when_needed(
        pulse: None, player: Player, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """PortAudio's device scan (every ALSA plugin the system configures) is not held while nothing reads through
    it; listing or opening a PortAudio device initialises it again."""
    import sounddevice

    from calmcue.audio import devices
    from calmcue.ui import devices as ui_devices

    source = DeviceSource()
    source.start()
    try:
        assert isinstance(source._mic, ParecInput)
        assert sounddevice._initialized == 0, "released once both streams read through the server"
        assert any(d.name == "agent_mic" for d in devices.list_microphones()), "listed again after the release"
        assert sounddevice._initialized == 1
        monkeypatch.setattr(ui_devices, "_cache", None)
        assert "agent_mic" in dict(ui_devices.list_devices()[0]), "the tray's menu lists it ..."
        assert sounddevice._initialized == 0, "... and lets it go again"
        assert_mic_and_call_tones(source, player)
    finally:
        source.stop()
    through_portaudio = DeviceSource(mic="agent_mic", capture=Capture.SOUNDDEVICE)
    through_portaudio.start()
    try:
        assert not isinstance(through_portaudio._mic, ParecInput) and sounddevice._initialized == 1
        monkeypatch.setattr(ui_devices, "_cache", None)
        ui_devices.list_devices()
        assert sounddevice._initialized == 1, "never released under an open PortAudio stream"
        assert_mic_and_call_tones(through_portaudio, player)
    finally:
        through_portaudio.stop()


@linux_only
def test_each_read_of_two_parec_streams_sleeps_once_until_both_are_in(pulse: None, player: Player) -> None:  # noqa: F811
    """The worker neither wakes on the first stream and then waits again for the second, nor returns less than
    `read_s` of either: per read at most one wait on the shared Event."""
    source = DeviceSource()
    source.start()
    try:
        assert isinstance(source._mic, ParecInput)
        waits = 0
        real_wait = source._mic.arrived.wait

        def counted(timeout: float | None = None) -> bool:
            nonlocal waits
            waits += 1
            return real_wait(timeout)

        source._mic.arrived.wait = counted  # type: ignore[method-assign]
        player.play("mic_feed", tone(250.0, seconds=3.0))
        player.play("speaker_sink", tone(900.0, seconds=3.0))
        want = round(source.read_s * source.rate_hz)
        blocks = [source.read(BOUND_S) for _ in range(20)]
    finally:
        source.stop()
    assert all(b is not None and b.shape == (b.shape[0], 2) and b.shape[0] >= want for b in blocks)
    assert 0 < waits <= len(blocks) + 2  # waking on each stream in turn would be up to two a read


@linux_only
def test_the_microphone_is_read_at_its_server_sources_own_rate(pulse: None) -> None:  # noqa: F811
    """No resampling in the server: the reader asks for the rate the default source runs at, as `pactl` (not
    our own client) reports it."""
    import subprocess

    default = subprocess.run(["pactl", "get-default-source"], capture_output=True, text=True, check=True).stdout.strip()
    listing = subprocess.run(["pactl", "list", "short", "sources"], capture_output=True, text=True, check=True).stdout
    spec = next(line.split("\t")[3] for line in listing.splitlines() if line.split("\t")[1] == default)
    server_rate_hz = int(spec.split()[-1].removesuffix("Hz"))
    source = DeviceSource()
    source.start()
    try:
        assert isinstance(source._mic, ParecInput)
        assert source._mic.rate_hz == server_rate_hz
    finally:
        source.stop()


def test_a_blocks_age_is_the_earlier_streams_when_both_are_parec() -> None:
    """The block waited for the later stream, so the earlier one's newest sample is the older one: its age is what
    callback-to-features reports (a call audio that arrived first was not counted before; profiles/lat15.md)."""
    mic = ParecInput(source_id="m", name="mic", rate_hz=16000, role="microphone")
    call = ParecInput(source_id="c", name="call", rate_hz=16000)
    pair(mic, call)
    source = DeviceSource()
    source._mic, source._call, source.rate_hz, source.channels = mic, call, 16000, 2
    mic.ring.push(np.zeros((800, 1), np.float32), 100.0)
    call.ring.push(np.zeros((800, 1), np.float32), 99.94)  # the call audio came 60 ms before the microphone's
    assert source._take(800).shape == (800, 2)
    assert source._stamp == 99.94
    call.ring.push(np.zeros((400, 1), np.float32), 99.0)  # padded with silence: its stamp says nothing
    mic.ring.push(np.zeros((800, 1), np.float32), 101.0)
    source._take(800)
    assert source._stamp == 101.0
