"""Real telephone-band speech of voices the detector was never tuned on: Asterisk's recorded prompts.

Debian's ``asterisk-core-sounds-{en,it,fr,ru}-wav`` packages hold each a voice talent's IVR prompts, recorded and
produced for telephone lines: 8 kHz, narrowband, levelled, calm and polite (en: Allison Smith; it: Carlo; fr: June
Wallack, Canadian French; ru: the IvrvoiceRU set; CC BY-SA 3.0 and CC BY 3.0, each set's terms in
``/usr/share/doc/asterisk-core-sounds-<voice>-wav/copyright``). Nothing is copied into the repository: the
benchmarks read them where the packages put them. The detector's rules were never tuned on them; the activity
model (models/README.md) was trained with the en and it prompts among its speech, so its speech decision has heard
those two voices, not fr and ru.

Each voice's prompts of `MIN_PROMPT_S` or more are taken in an order drawn from the voice's name (the same every
run), up to `SPEECH_S` of speech, trimmed to their speech and brought to 16 kHz (soxr) as a softphone's capture of
a narrowband call would be. The first prompts up to 25 s are the calibration, as for the readers
(librispeech_pace.py).
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

try:  # imported as part of the repository (tests)
    from benchmarks import librispeech_pace, sessions
except ImportError:  # run as a script
    import librispeech_pace  # type: ignore[no-redef]
    import sessions  # type: ignore[no-redef]

SOUNDS_DIR = Path("/usr/share/asterisk/sounds")
VOICES = ("en", "it", "fr", "ru")
# each -wav package's own directory, named after its voice talent: the short names (en, fr, ...) are links that
# only the packages they recommend make (asterisk-core-sounds-fr and so on), which `make sysdeps` leaves out
VOICE_DIRS = {"en": "en_US_f_Allison", "it": "it_IT_m_Carlo", "fr": "fr_CA_f_June", "ru": "ru_RU_f_IvrvoiceRU"}
PACKAGES = " ".join(f"asterisk-core-sounds-{voice}-wav" for voice in VOICES)
MIN_PROMPT_S = 1.5  # shorter prompts are single words, digits and letters
SPEECH_S = 360.0  # six minutes of prompts a voice


def readers() -> list[str]:
    """The voices, as librispeech_pace.readers() names its readers (the benchmarks take either module)."""
    return list(VOICES)


def missing() -> str | None:
    """Why the prompts cannot be loaded here (one line: what is wrong, what to do), or None."""
    absent = [voice for voice in VOICES if not voice_dir(voice).is_dir()]
    if not absent:
        return None
    return (f"no Asterisk prompts for {', '.join(absent)} under {SOUNDS_DIR}: "
            f"install them with `apt-get install {PACKAGES}`")


def voice_dir(voice: str) -> Path:
    """Where the voice's package puts its prompts."""
    return SOUNDS_DIR / VOICE_DIRS[voice]


@functools.cache
def utterances(voice: str) -> tuple[np.ndarray, ...]:
    """The voice's prompts (16 kHz, float32, trimmed to speech), in a fixed order drawn from the voice's name."""
    paths = sorted(voice_dir(voice).glob("*.wav"))
    rng = np.random.default_rng(zlib.crc32(voice.encode()))
    out: list[np.ndarray] = []
    total = 0
    for index in rng.permutation(len(paths)):
        samples, rate_hz = sf.read(paths[index], dtype="float32", always_2d=True)
        mono = samples.mean(axis=1)
        if len(mono) < MIN_PROMPT_S * rate_hz:
            continue
        piece = librispeech_pace.trimmed_to_speech(soxr.resample(mono, rate_hz, sessions.RATE_HZ).astype(np.float32))
        out.append(piece)
        total += len(piece)
        if total >= SPEECH_S * sessions.RATE_HZ:
            break
    return tuple(out)


def split(voice: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(calibration prompts: the first up to librispeech_pace.CALIBRATION_S, the rest): disjoint."""
    return librispeech_pace.split_calibration(utterances(voice))
