"""The scripted demo call shipped inside the package (made by scripts/make_demo.py with espeak-ng; `make
demo-asset` rebuilds it, and a test checks the shipped file still matches what the script makes).

Beside it, `demo_call.baseline.json` is the demo's plan for the tray app: the demo agent's usual voice as the
engine learns it from the calm opening, and where the app starts playing when it uses that saved baseline
(ui/demo_player.py reads it)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEMO_NAME = "demo_call.flac"


def shipped_demo() -> Path:
    """The packaged demo call: 16 kHz stereo FLAC, channel 0 = agent, channel 1 = customer."""
    return Path(str(files(__package__).joinpath(DEMO_NAME)))


def shipped_events() -> Path:
    """The scripted events of the demo call (what happens when), next to the audio."""
    return shipped_demo().with_name("demo_call.events.json")
