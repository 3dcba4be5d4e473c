"""The scripted demo call shipped inside the package (made by scripts/make_demo.py with espeak-ng; `make
demo-asset` rebuilds it, and a test checks the shipped file still matches what the script makes)."""

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
