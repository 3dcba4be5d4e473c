"""The tray app (a real process on Xvfb) with the default devices through sound-server faults, each on its own
private PulseAudio server (tests/pulse_server.py): killed and restarted twice in a row, a module unloaded and
reloaded, a stream moved, digital silence, the chosen headset gone. The tray's state comes from its UI trace
(`tray_state` events: what the tray shows); the sources it reads from the server; the story from its log file.
The issue's headset absence is 30 s; here it is ABSENCE_S, long enough for several reopen attempts.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulse_server import PulseServer, Streams, served
from test_faults import play
from ui.ui_support import needs_xvfb
from ui.xvfb_support import Driven

BOUND_S = 30.0
ABSENCE_S = 5.0
CHOSEN = {"virtual_mic", "speaker_sink.monitor"}

pytestmark = [pytest.mark.xvfb, pytest.mark.pulse]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PulseServer]:
    needs_xvfb()
    yield from served(tmp_path / "server")


class Tray:
    def __init__(self, app: Driven, server: PulseServer, log: Path) -> None:
        self.app, self.server, self.log_path = app, server, log
        self.states: list[dict[str, Any]] = []
        self.streams = Streams(server, app.proc.pid)

    def wait_state(self, check: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        """The next tray_state event (after those already seen) that passes `check`."""
        deadline = time.monotonic() + BOUND_S
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the tray never showed {what}; it showed {[s['state'] for s in self.states]}"
            record = self.app.wait("tray_state", timeout_s=remaining)
            self.states.append(record)
            if check(record):
                return record

    def listening(self) -> None:
        self.wait_state(lambda r: r["state"] in ("calibrating", "listening"), "calibrating or listening")

    def back_on_chosen(self) -> None:
        deadline = time.monotonic() + BOUND_S
        while {s for _, s in self.server.streams({self.app.proc.pid})} != CHOSEN:
            assert time.monotonic() < deadline, f"not back on {CHOSEN}"
            time.sleep(0.1)  # polling the server's stream list: it sends no event to this test

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""

    def log_has(self, text: str, times: int) -> None:
        deadline = time.monotonic() + BOUND_S
        while self.log().count(text) < times:
            assert time.monotonic() < deadline, f"'{text}' not logged {times} time(s):\n{self.log()}"
            time.sleep(0.1)  # polling the log file: there is no event to wait on

    def finish(self, *, moved_to: str = "") -> str:
        assert self.app.proc.poll() is None, "the tray app died:\n" + self.app.stderr[-3000:]
        self.app.stop()
        assert self.app.proc.returncode == 0, self.app.stderr[-3000:]
        seen = self.streams.stop()
        allowed = CHOSEN | ({moved_to} if moved_to else set())
        assert CHOSEN <= seen <= allowed, f"read sources the user did not choose: {seen - allowed}"
        log = self.log()
        assert "tray started" in log and "tray exited cleanly" in log, log
        opened = [line for line in log.splitlines() if "audio open:" in line]
        assert opened and all("(server source virtual_mic) + speaker_sink.monitor" in ln for ln in opened), log
        return log


@pytest.fixture
def tray(start: Callable[..., Driven], server: PulseServer, tmp_path: Path,
         user_dirs: dict[str, Path]) -> Iterator[Tray]:
    (user_dirs["data"] / "notice-shown").write_text("1\n")  # no first-run dialog over the tray
    app = start([sys.executable, "-m", "calmcue"], trace=tmp_path / "trace.jsonl",
                PULSE_SERVER=f"unix:{server.socket}")
    t = Tray(app, server, user_dirs["state"] / "calmcue" / "log" / "calmcue.log")
    t.listening()
    yield t
    t.streams.stop()


def test_tray_survives_the_server_killed_and_restarted_twice(server: PulseServer, tray: Tray) -> None:
    for _ in range(2):
        server.kill()
        tray.wait_state(lambda r: r["state"] == "device_lost", "device_lost")
        server.start()
        tray.listening()
        tray.back_on_chosen()
    log = tray.finish()
    assert log.count("audio lost") >= 2, log


def test_tray_says_the_headset_is_gone_and_waits_for_it(server: PulseServer, tray: Tray, tmp_path: Path) -> None:
    voice = play(server, "mic_feed", tmp_path, seconds=60.0)
    server.unload("virtual_mic")
    gone = tray.wait_state(lambda r: "headset disconnected - waiting for it" in r["detail"], "headset disconnected")
    assert gone["state"] == "device_lost"
    default = server.pactl("get-default-source").strip()
    time.sleep(ABSENCE_S)  # the headset stays away: the fault's duration, not a wait for a result
    server.load("virtual_mic")
    tray.listening()
    tray.back_on_chosen()
    log = tray.finish(moved_to=default)
    voice.terminate()
    voice.wait(timeout=BOUND_S)
    assert "headset disconnected - waiting for it" in log


def test_tray_through_a_module_reload_a_moved_stream_and_silence(server: PulseServer, tray: Tray,
                                                                  tmp_path: Path) -> None:
    server.unload("speaker_sink")
    tray.wait_state(lambda r: "call audio disconnected - waiting for it" in r["detail"], "call audio gone")
    server.load("speaker_sink")
    tray.listening()
    tray.back_on_chosen()
    mic = next(index for index, source in server.streams({tray.app.proc.pid}) if source == "virtual_mic")
    server.pactl("move-source-output", str(mic), "call_mic")
    tray.wait_state(lambda r: "moved the capture from 'virtual_mic'" in r["detail"], "the moved stream")
    tray.listening()
    tray.back_on_chosen()
    tray.log_has("digital silence", 1)  # nothing plays into mic_feed: exact zeros
    silences = tray.log().count("digital silence")
    assert play(server, "mic_feed", tmp_path, seconds=1.0).wait(timeout=BOUND_S) == 0
    tray.log_has("sound is back", 1)
    tray.log_has("digital silence", silences + 1)  # the tone ended: zeros again
    log = tray.finish(moved_to="call_mic")
    assert "call audio disconnected" in log and "moved the capture" in log and "sound is back" in log
