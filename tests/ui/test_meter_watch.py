"""Live meters only while one is on screen: a shown LevelMeter turns the engine's meters on through the tray's
engine link (SetMeters on the worker's queue), and hiding the last one turns them off (issue 15)."""

from __future__ import annotations

import queue

from PyQt6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from calmcue.engine.commands import SetMeters
from calmcue.engine.mailbox import Mailbox
from calmcue.ui.bridge import Bridge
from calmcue.ui.engine_link import EngineLink
from calmcue.ui.meter import LevelMeter, meter_watch


def test_level_meters_on_screen_turn_the_engines_meters_on_and_off(qtbot: QtBot) -> None:
    from calmcue.config.schema import Settings

    link = EngineLink(settings=Settings)
    commands: queue.Queue[object] = queue.Queue()
    link.bridge = Bridge(Mailbox(), commands)  # the link's road to a worker, without starting one
    meter_watch().changed.connect(link._meters_shown)
    window = QWidget()
    layout = QVBoxLayout(window)
    meters = [LevelMeter(), LevelMeter()]  # the settings dialog shows two
    for meter in meters:
        layout.addWidget(meter)
    qtbot.addWidget(window)
    try:
        assert not meter_watch().active
        window.show()
        qtbot.waitUntil(lambda: meter_watch().active, timeout=5000)
        assert commands.get_nowait() == SetMeters(True) and commands.empty(), "said once for both meters"
        meters[0].hide()
        assert meter_watch().active and commands.empty(), "one meter still shows"
        window.hide()
        assert not meter_watch().active
        assert commands.get_nowait() == SetMeters(False) and commands.empty()
    finally:
        meter_watch().changed.disconnect(link._meters_shown)
