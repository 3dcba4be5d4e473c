"""The device menus show the desktop's names for devices and only devices of the right kind, against a private
PulseAudio server (tests/pulse_server.py) read through PortAudio and ALSA as the app reads it.

The server gets a headset as a desktop has one: a microphone source and a playback sink (whose monitor is what
the agent hears), each with a description. ALSA PCMs name the server's sources, as PortAudio lists them. The tray
menu is built in a child process (PortAudio reads the ALSA configuration and the server address once, at start).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from calmcue.audio.pulse import SourceInfo
from calmcue.ui.devices import call_choices, microphone_choices
from pulse_server import BOUND_S, PulseServer, served

MIC_DESCRIPTION = "Jabra Evolve2 65 Mono"
SPEAKER_DESCRIPTION = "Jabra Evolve2 65 Stereo"
ASOUNDRC = """
pcm.headset { type pulse; device "jabra_mic"; hint { show on; description "headset" } }
pcm.what_i_hear { type pulse; device "jabra_out.monitor"; hint { show on; description "monitor" } }
pcm.far_end { type pulse; device "speaker_sink.monitor"; hint { show on; description "far end" } }
"""
MENU = """
import json
from PyQt6.QtWidgets import QApplication
app = QApplication(["device-names", "-platform", "offscreen"])
from calmcue.ui.devices import list_devices
from calmcue.ui.tray_menu import TrayMenu
menu = TrayMenu(list_devices=list_devices)
chosen = []
menu.mic_chosen.connect(chosen.append)
menu.mic_menu.aboutToShow.emit()
menu.call_menu.aboutToShow.emit()
mics = [a.text() for a in menu.mic_menu.actions()]
for action in menu.mic_menu.actions():
    if action.text() == LABEL:
        action.trigger()
print(json.dumps({"mics": mics, "calls": [a.text() for a in menu.call_menu.actions()], "chosen": chosen}))
""".replace("LABEL", repr(MIC_DESCRIPTION))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PulseServer]:
    yield from served(tmp_path / "server")


def _menus(server: PulseServer, home: Path) -> dict[str, Any]:
    home.mkdir()
    (home / ".asoundrc").write_text(ASOUNDRC)
    env = dict(server.env, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", MENU], env=env, capture_output=True, text=True, timeout=BOUND_S)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_the_microphone_menu_offers_the_headset_by_its_name_and_never_a_monitor(server: PulseServer,
                                                                              tmp_path: Path) -> None:
    server.pactl("load-module", "module-null-source", "source_name=jabra_mic",
                 f'description="{MIC_DESCRIPTION}"')  # this module's own name for it
    server.pactl("load-module", "module-null-sink", "sink_name=jabra_out",
                 f"sink_properties=\"device.description='{SPEAKER_DESCRIPTION}'\"")
    menus = _menus(server, tmp_path / "home")
    mics, calls = menus["mics"], menus["calls"]
    assert mics[0] == "System default" and MIC_DESCRIPTION in mics
    assert menus["chosen"] == ["headset"]  # the setting keeps the stable device name
    for text in mics:  # what plays (monitors, the far end) is never offered as a microphone
        assert "Monitor" not in text and text not in ("what_i_hear", "far_end", "pulse", "default"), mics
    assert f"Monitor of {SPEAKER_DESCRIPTION}" in calls  # call audio: what plays, by the desktop's name
    assert not any(text == MIC_DESCRIPTION for text in calls)
    assert "jabra_out.monitor" not in calls


def _info(name: str, description: str, *, monitor: bool = False, master: str = "",
          default: bool = False) -> SourceInfo:
    return SourceInfo(name=name, description=description, monitor=monitor, master=master, default=default)


def test_sources_made_from_what_plays_are_not_microphones_unless_the_desktop_chose_one() -> None:
    sources = {s.name: s for s in (
        _info("alsa_input.usb", "USB headset"),
        _info("speakers.monitor", "Monitor of Speakers", monitor=True),
        _info("far_remap", "Remapped far end", master="speakers.monitor"),
        _info("echo_cancel", "Echo-cancelled USB headset", master="alsa_input.usb"),
        _info("feed_remap", "Virtual mic", master="speakers.monitor", default=True))}
    pcms = {"headset": "alsa_input.usb", "far": "far_remap", "ec": "echo_cancel", "virtual": "feed_remap"}
    names = ["pulse", "default", "headset", "far", "ec", "virtual", "HDA Intel PCH: ALC892 Analog (hw:1,0)",
             "speakers.monitor", "headset"]
    assert microphone_choices(names, sources=sources, pcms=pcms) == [
        ("headset", "USB headset"), ("ec", "Echo-cancelled USB headset"), ("virtual", "Virtual mic"),
        ("HDA Intel PCH: ALC892 Analog (hw:1,0)", "HDA Intel PCH: ALC892 Analog (hw:1,0)")]


def test_devices_the_desktop_names_alike_get_their_names_added() -> None:
    sources = {"a": _info("a", "Remapped source"), "b": _info("b", "Remapped source"),
               "m": _info("m", "Monitor of Null Output", monitor=True)}
    assert microphone_choices(["a", "b"], sources=sources, pcms={}) == [("a", "Remapped source (a)"),
                                                                        ("b", "Remapped source (b)")]
    assert call_choices(["m", "Speakers (loopback)"], sources=sources) == [
        ("m", "Monitor of Null Output"), ("Speakers (loopback)", "Speakers (loopback)")]
