"""`calmcue devices`: the microphones and call-audio sources, with the ids --mic and --call accept."""

from __future__ import annotations

import argparse

from calmcue.audio.devices import AudioDevice, list_call_sources, list_microphones
from calmcue.errors import DeviceError


def run(args: argparse.Namespace) -> int:
    mics = list_microphones()
    calls = list_call_sources()
    if not mics:
        raise DeviceError("no microphone found; plug in a headset (or start the sound server), then try again")
    print("Microphones (calmcue monitor --mic ID or NAME; * = system default):")
    _table(mics)
    print()
    if calls:
        print("Call audio, what the customer says (--call ID or NAME; * = used when --call is not given):")
        _table(calls)
    else:
        print("Call audio: no playback monitor or loopback found; CalmCue runs on the microphone only")
        print("(talk-over needs the call audio).")
    print("Any microphone above also works as --call; --call none runs on the microphone only.")
    return 0


def _table(devices: list[AudioDevice]) -> None:
    id_width = max(len(d.id) for d in devices)
    name_width = max(len(d.name) for d in devices)
    for d in devices:
        mark = "*" if d.default else " "
        detail = f"{d.rate_hz} Hz" + (f", {d.description}" if d.description else "")
        print(f"  {mark} {d.id:<{id_width}}  {d.name:<{name_width}}  {detail}")
