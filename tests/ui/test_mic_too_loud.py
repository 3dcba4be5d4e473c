"""The tray app tells the agent once, calmly, that their microphone clips (detector/clipping.py), through the real
engine on its worker thread (a recording played as the demo, as in test_app.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from pytestqt.qtbot import QtBot

from calmcue.ui.qt_app import Options
from conftest import RATE, speech_with_pauses

ENGINE_MS = 30_000  # generous bound for the engine's thread to report


def test_a_clipping_microphone_gets_one_calm_notice(qtbot: QtBot, make_app: Any, tmp_path: Path) -> None:
    voice = speech_with_pauses(turns=6, level_dbfs=-30.0, f0_hz=120.0, tilt_db_per_octave=-9.0)
    clipped = np.clip(voice * np.float32(10 ** (28 / 20)), -1.0, 1.0)  # a mic turned up 28 dB into clipping
    path = tmp_path / "clipping.wav"
    sf.write(path, clipped, RATE, subtype="FLOAT")
    app = make_app(Options(demo=path, demo_speed=4.0, first_run=False))
    notices: list[tuple[str, str]] = []
    original = app.tray.notify
    app.tray.notify = lambda title, text, **kw: (notices.append((title, text)), original(title, text, **kw))
    qtbot.waitUntil(lambda: any(title == "Microphone turned up high" for title, _ in notices), timeout=ENGINE_MS)
    qtbot.waitUntil(lambda: not app.link.demo_playing, timeout=ENGINE_MS)  # the rest of the recording clips too
    said = [text for title, text in notices if title == "Microphone turned up high"]
    assert len(said) == 1 and "input gain down" in said[0]
