"""A bare capture for `calmcue bench`: two input streams whose callbacks do nothing, to measure what the audio
stack itself costs (the floor under CalmCue's own CPU use).

    python -m calmcue.audio.bare SECONDS RATE_HZ BLOCK_S DEVICE [DEVICE ...]

Each DEVICE is a PortAudio device name or id as `python -m sounddevice` lists it. It prints "capturing" once
every stream runs, then sleeps for SECONDS; exit 3 when a device cannot be opened. Nothing is stored.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _nothing(indata: Any, frames: int, time_info: Any, status: Any) -> None:
    """The callback: the samples are not even looked at."""


def capture_nothing(devices: list[str], *, rate_hz: int, block_s: float, seconds: float) -> None:
    import sounddevice as sd

    streams = []
    for device in devices:
        spec: int | str = int(device) if device.isdigit() else device
        streams.append(sd.InputStream(device=spec, channels=1, samplerate=rate_hz, dtype="float32",
                                      blocksize=max(1, round(block_s * rate_hz)), callback=_nothing))
    for stream in streams:
        stream.start()
    print("capturing", flush=True)
    time.sleep(seconds)  # the measured span: the process does nothing else
    for stream in streams:
        stream.close(ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print("usage: python -m calmcue.audio.bare SECONDS RATE_HZ BLOCK_S DEVICE [DEVICE ...]", file=sys.stderr)
        return 2
    try:
        capture_nothing(argv[3:], rate_hz=int(argv[1]), block_s=float(argv[2]), seconds=float(argv[0]))
    except Exception as err:  # one line for the bench's notes
        print(f"cannot capture from {argv[3:]}: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
              file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
