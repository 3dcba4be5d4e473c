"""The recordings the activity model learns from, each with its licence, read into memory at 16 kHz.

Only data whose licence allows shipping a derived model inside a GPL-3.0 product is listed here. RAVDESS, EmoDB
and FDA-UE (non-commercial or research-only) are never read by this code; AMI is kept for evaluation.
Held-out files (`HELD_OUT_*`) are left out of training so benchmarks/eval_activity.py can score unseen music.
Never read either (unseen benchmark material): Debian hyperrogue-music and asc-music (the detection benchmark's
music rows, eval_activity.py --onsets), bucklespring-data (keyboard sounds) and AMI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 16_000
FORBIDDEN = ("ravdess16k", "emodb16k", "fda_ue", "hyperrogue", "/asc/", "bucklespring", "/ami/")


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # speech | music | noise
    pattern: str  # glob, relative to `root`
    root: str  # "data" (CALMCUE_DATA) or an absolute folder (Debian packages)
    licence: str
    origin: str
    max_files: int = 100_000
    max_s_per_file: float = 1e9


SOURCES: tuple[Source, ...] = (
    Source("librispeech-train-clean-100", "speech", "train/resemblyzer-librispeech/audio_data/"
           "librispeech_train-clean-100/*.flac", "data", "CC BY 4.0", "LibriSpeech (Panayotov et al. 2015)"),
    Source("speechcommands-v0.02", "speech", "train/speechcommands-testset-v0.02-subset/**/*.wav", "data",
           "CC BY 4.0", "Google Speech Commands v0.02 (Warden 2018)"),
    Source("sc09-digits", "speech", "train/speechcommands-wids_tutorial/data/sc09/**/*.wav", "data", "CC BY 4.0",
           "Google Speech Commands (Warden 2018)"),
    Source("ljspeech", "speech", "train/coqui-tts-ljspeech/**/*.wav", "data", "public domain",
           "LJ Speech 1.1 (Ito 2017), LibriVox"),
    Source("cmu-arctic", "speech", "train/pyroomacoustics-cmu-arctic/**/*.wav", "data",
           "CMU ARCTIC licence (permissive, attribution)", "CMU ARCTIC (Kominek & Black 2003)"),
    Source("asterisk-core-sounds-en", "speech", "en_US_f_Allison/*.wav", "/usr/share/asterisk/sounds",
           "CC BY-SA 3.0", "Debian asterisk-core-sounds-en-wav (Digium, Allison Smith)", max_files=400),
    Source("asterisk-core-sounds-it", "speech", "it_IT_m_Carlo/*.wav", "/usr/share/asterisk/sounds",
           "CC BY-SA 3.0 (per /usr/share/doc/asterisk-core-sounds-it-wav/copyright)",
           "Debian asterisk-core-sounds-it-wav", max_files=400),
    Source("asterisk-moh-opsound", "music", "*.wav", "/usr/share/asterisk/moh", "CC BY-SA 3.0",
           "Debian asterisk-moh-opsound-wav (opsound.org artists)"),
    Source("fretsonfire-sectoid", "music", "sectoid/**/*.ogg", "/usr/share/games/fretsonfire/data/songs",
           "MIT", "Debian fretsonfire-songs-sectoid", max_s_per_file=120.0),
    Source("fretsonfire-muldjord", "music", "muldjord/**/*.ogg", "/usr/share/games/fretsonfire/data/songs",
           "CC BY-SA 3.0", "Debian fretsonfire-songs-muldjord", max_s_per_file=120.0),
    Source("singularity-music", "music", "*.ogg", "/usr/share/games/singularity/music", "CC BY-SA 3.0",
           "Debian singularity-music", max_s_per_file=120.0),
    Source("speechcommands-background-noise", "noise", "train/speechcommands-wids_tutorial/data/"
           "_background_noise_/*.wav", "data", "CC BY 4.0", "Google Speech Commands background noise"),
)

# unseen in training; benchmarks/eval_activity.py scores music taken as speech on these
HELD_OUT_MUSIC = ("macroform-robot_dity.wav", "Aberrations.ogg", "armygeddon")


def data_root() -> Path:
    return Path(os.environ.get("CALMCUE_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


def files_of(source: Source) -> list[Path]:
    root = data_root() if source.root == "data" else Path(source.root)
    found = sorted(root.glob(source.pattern))
    if any(part in str(path) for path in found for part in FORBIDDEN):
        raise SystemExit(f"{source.name}: matches evaluation-only data; fix the pattern")
    return found[: source.max_files]


def is_held_out(path: Path) -> bool:
    return any(mark in str(path) for mark in HELD_OUT_MUSIC)


def read_16k(path: Path, *, max_s: float = 1e9) -> np.ndarray:
    """Mono float32 at 16 kHz (channels averaged), at most `max_s` seconds from the start."""
    info = sf.info(str(path))
    frames = int(min(info.frames, max_s * info.samplerate)) if info.frames > 0 else -1
    data, rate = sf.read(str(path), frames=frames, dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if rate != RATE:
        mono = soxr.resample(mono, rate, RATE, quality="HQ")
    return np.ascontiguousarray(mono, np.float32)


def load(kind: str, *, held_out: bool = False) -> tuple[list[np.ndarray], list[Source]]:
    """All clips of one kind (training files, or only the held-out ones), and the sources that gave them."""
    clips: list[np.ndarray] = []
    used: list[Source] = []
    for source in SOURCES:
        if source.kind != kind:
            continue
        paths = [p for p in files_of(source) if is_held_out(p) == held_out]
        got = [read_16k(p, max_s=source.max_s_per_file) for p in paths]
        got = [clip for clip in got if clip.size >= RATE // 4]
        if got:
            clips.extend(got)
            used.append(source)
    return clips, used
