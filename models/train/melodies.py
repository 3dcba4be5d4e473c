"""Generated instrumental music for training: random melodies on voice-like lead instruments (strings, reeds,
brass, a synth "solo vox" lead; no sung or spoken voice), over chords and a bass line, sometimes with drums,
written as MIDI here and rendered by FluidSynth with the FluidR3 General MIDI soundfont (Debian
fluid-soundfont-gm, MIT licence; FluidSynth itself is only a tool run here, LGPL-2.1+).

Why: a lead instrument in the voice's pitch range, gliding and with vibrato, is the music a voice starting over
a bed is most easily mistaken for (or hidden in); the Debian music the model learns from has few such leads.

    python models/train/melodies.py [--count 60] [--seconds 40]   (renders into build/model/melodies/)
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SOUNDFONT_LICENCE = "MIT (FluidR3_GM by Frank Wen, Debian fluid-soundfont-gm)"
OUT = Path(__file__).resolve().parents[2] / "build" / "model" / "melodies"
TICKS = 480  # per quarter note; the default tempo (120 bpm) makes that 960 ticks per second
TICKS_PER_S = 960
# (GM program, lowest note, highest note): leads whose range overlaps a speaking voice's pitch (about 80-400 Hz)
LEADS = ((40, 55, 88), (41, 48, 79), (42, 36, 67), (56, 54, 82), (57, 40, 70), (60, 41, 72), (64, 49, 80),
         (65, 49, 77), (66, 44, 72), (68, 58, 89), (69, 52, 81), (70, 34, 65), (71, 50, 84), (73, 60, 93),
         (22, 60, 84), (80, 48, 84), (81, 48, 84), (85, 48, 79), (16, 48, 84), (109, 55, 81))
PADS = (0, 4, 19, 24, 48, 49, 88, 89, 11)
BASSES = (32, 33, 34, 38, 43)
SCALES = ((0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10), (0, 2, 4, 7, 9), (0, 3, 5, 7, 10), (0, 2, 3, 5, 7, 9, 10))


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_file(events: list[tuple[int, bytes]]) -> bytes:
    """A format-0 standard MIDI file from (tick, message) pairs."""
    track = b""
    last = 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 != 0x80)):
        track += _varlen(tick - last) + message
        last = tick
    track += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS) + b"MTrk" + struct.pack(">I", len(track)) + track


def _note(events: list[tuple[int, bytes]], channel: int, start_s: float, dur_s: float, note: int, vel: int) -> None:
    on, off = int(start_s * TICKS_PER_S), int((start_s + dur_s) * TICKS_PER_S)
    events.append((on, bytes([0x90 | channel, note, vel])))
    events.append((max(on + 1, off), bytes([0x80 | channel, note, 0])))


def _lead(rng: np.random.Generator, events: list[tuple[int, bytes]], seconds: float, tonic: int,
          scale: tuple[int, ...]) -> None:
    program, low, high = LEADS[int(rng.integers(0, len(LEADS)))]
    events.append((0, bytes([0xC0, program])))
    events.append((0, bytes([0xB0, 1, int(rng.integers(0, 90))])))  # modulation: vibrato depth
    pitches = [n for n in range(low, high + 1) if (n - tonic) % 12 in scale]
    idx = len(pitches) // 2
    t = float(rng.uniform(0.0, 2.0))
    while t < seconds:
        phrase_end = t + rng.uniform(1.5, 6.0)  # phrases with breaths between, as a voice has
        while t < min(phrase_end, seconds):
            dur = float(rng.choice([0.12, 0.18, 0.25, 0.35, 0.5, 0.75, 1.0, 1.5], p=[.08, .12, .2, .2, .18, .12, .06,
                                                                                        .04]))
            idx = int(np.clip(idx + rng.integers(-3, 4), 0, len(pitches) - 1))
            legato = rng.uniform(0.8, 1.05)
            bend = int(np.clip(8192 + rng.normal(0, 600), 0, 16383))  # a little off-pitch, like a voice
            events.append((int(t * TICKS_PER_S), bytes([0xE0, bend & 0x7F, bend >> 7])))
            _note(events, 0, t, dur * legato, pitches[idx], int(rng.integers(60, 120)))
            t += dur
        t += float(rng.uniform(0.2, 2.5))


def _backing(rng: np.random.Generator, events: list[tuple[int, bytes]], seconds: float, tonic: int,
             scale: tuple[int, ...]) -> None:
    events.append((0, bytes([0xC1, int(rng.choice(PADS))])))
    events.append((0, bytes([0xC2, int(rng.choice(BASSES))])))
    bar_s = float(rng.uniform(1.6, 3.2))
    drums = rng.random() < 0.5
    t = 0.0
    while t < seconds:
        root = tonic - 12 + scale[int(rng.integers(0, len(scale)))]
        for step in (0, 4, 7):
            _note(events, 1, t, bar_s * 0.95, root + step, int(rng.integers(35, 75)))
        for beat in range(4):
            _note(events, 2, t + beat * bar_s / 4, bar_s / 4 * 0.9, root - 12, int(rng.integers(50, 95)))
            if drums:
                _note(events, 9, t + beat * bar_s / 4, 0.1, 36 if beat % 2 == 0 else 38, int(rng.integers(50, 100)))
                _note(events, 9, t + (beat + 0.5) * bar_s / 4, 0.05, 42, int(rng.integers(30, 80)))
        t += bar_s


def piece(rng: np.random.Generator, seconds: float) -> bytes:
    """A random piece: a lead over backing (sometimes the lead alone)."""
    tonic = int(rng.integers(48, 60))
    scale = SCALES[int(rng.integers(0, len(SCALES)))]
    events: list[tuple[int, bytes]] = []
    _lead(rng, events, seconds, tonic, scale)
    if rng.random() < 0.8:
        _backing(rng, events, seconds, tonic, scale)
    return midi_file(events)


def render(*, count: int, seconds: float, seed: int) -> list[Path]:
    """Renders `count` pieces to 16 kHz WAV files (kept between runs: the same seed gives the same pieces)."""
    if shutil.which("fluidsynth") is None or not SOUNDFONT.exists():
        raise SystemExit("generated melodies need fluidsynth and fluid-soundfont-gm: run 'make model' (as root it "
                         "installs them) or apt-get install fluidsynth fluid-soundfont-gm")
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 77])
    paths = []
    for i in range(count):
        midi = piece(rng, seconds)
        wav = OUT / f"melody-{seed}-{seconds:g}s-{i:03d}.wav"
        if not wav.exists():
            mid = wav.with_suffix(".mid")
            mid.write_bytes(midi)
            subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", "16000", "-F", str(wav), str(SOUNDFONT),
                            str(mid)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        paths.append(wav)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    print("\n".join(str(p) for p in render(count=args.count, seconds=args.seconds, seed=args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
