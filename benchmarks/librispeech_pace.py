"""LibriSpeech read speech for the pace benchmark: per-speaker calibration and 12 s stretches at a steady pace.

RAVDESS takes vary in pace by 12-27 % per actor, so a "natural" RAVDESS stretch is not at the calibration's
pace. LibriSpeech test-other (``$CALMCUE_DATA/train/resemblyzer-librispeech``, 10 readers x 10 utterances, CC BY
4.0) is read aloud from a book, at a steadier pace. No transcripts are stored there, so it has no transcript
check. For each reader the first utterances (in file order) up to CALIBRATION_S are the calibration; the others
are the pool the stretches are cut from (never the calibration's utterances).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

try:  # imported as part of the repository (tests)
    from benchmarks import sessions
except ImportError:  # run as a script
    import sessions  # type: ignore[no-redef]

CALIBRATION_S = 25.0
PAUSE_S = (0.3, 0.8)
TUNED_READERS = 5  # the first five readers (sorted by id) are the tuned half; the other five are held out


def librispeech_dir() -> Path:
    return sessions.data_root() / "train" / "resemblyzer-librispeech" / "audio_data" / "librispeech_test-other"


def missing() -> str | None:
    """Why the readers cannot be loaded here (one line: what is wrong, what to do), or None."""
    if librispeech_dir().is_dir():
        return None
    return f"no LibriSpeech test-other under {librispeech_dir()}: set CALMCUE_DATA to the shared data folder"


def readers() -> list[str]:
    """Reader ids (folder names), sorted as numbers."""
    return sorted((p.name for p in librispeech_dir().iterdir() if p.is_dir()), key=int)


@functools.cache
def utterances(reader: str) -> tuple[np.ndarray, ...]:
    """The reader's utterances in file order, each trimmed to its speech plus a short margin (16 kHz)."""
    return tuple(trimmed_to_speech(sessions.load_clip(str(path)))
                 for path in sorted((librispeech_dir() / reader).glob("*.flac")))


def trimmed_to_speech(samples: np.ndarray) -> np.ndarray:
    """A 16 kHz recording cut to its speech plus the sessions' short margin each side."""
    start_s, end_s = sessions.speech_bounds(samples, rate_hz=sessions.RATE_HZ)
    margin = sessions.SPEECH_MARGIN_S
    return samples[max(0, round((start_s - margin) * sessions.RATE_HZ)):round((end_s + margin) * sessions.RATE_HZ)]


def split(reader: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(calibration utterances, pool for the stretches): disjoint."""
    return split_calibration(utterances(reader))


def split_calibration(pieces: tuple[np.ndarray, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(the first pieces up to CALIBRATION_S, the rest)."""
    calibration: list[np.ndarray] = []
    rest = list(pieces)
    while rest and sum(len(u) for u in calibration) < CALIBRATION_S * sessions.RATE_HZ:
        calibration.append(rest.pop(0))
    return calibration, rest


def joined(parts: list[np.ndarray], *, rng: np.random.Generator) -> np.ndarray:
    """Utterances with short pauses between them."""
    out: list[np.ndarray] = []
    for part in parts:
        out += [part, np.zeros(round(rng.uniform(*PAUSE_S) * sessions.RATE_HZ), np.float32)]
    return np.concatenate(out)


def pool_speech(pool: list[np.ndarray], *, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Pool utterances in random order (each once before any repeats), cut to `seconds`."""
    order: list[np.ndarray] = []
    while sum(len(u) for u in order) < seconds * sessions.RATE_HZ:
        order += [pool[i] for i in rng.permutation(len(pool))]
    return joined(order, rng=rng)[:round(seconds * sessions.RATE_HZ)]
