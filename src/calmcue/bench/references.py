"""The reference implementations CalmCue is compared with, run on the same frames as CalmCue's own code.

- librosa.yin and librosa.pyin: per 10 ms hop (one 800-sample window, the same window CalmCue's pitch sees,
  60-500 Hz) and over a whole file (800-sample frames every 160 samples, their native batch use);
- webrtcvad (the `webrtcvad-wheels` build): per 10 ms hop of 16-bit samples;
- Silero VAD (ONNX, one thread): per 32 ms chunk, its native size (see `silero.py`).

Each reference is optional: a missing package makes it "unavailable" with a reason, never a failure.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from calmcue.bench.silero import Unavailable
from calmcue.features.pitch import F0_MAX_HZ, F0_MIN_HZ
from calmcue.timebase import ANALYSIS_RATE_HZ, HOP, PITCH_WINDOW

PITCH_ARGS: dict[str, Any] = {"fmin": F0_MIN_HZ, "fmax": F0_MAX_HZ, "sr": ANALYSIS_RATE_HZ,
                              "frame_length": PITCH_WINDOW, "center": False}


def _librosa() -> Any:
    try:
        import librosa
    except ImportError:
        raise Unavailable("librosa is not installed (pip install librosa)") from None
    return librosa


def librosa_yin_hop() -> Callable[[np.ndarray], Any]:
    """F0 of one 800-sample window (one frame)."""
    librosa = _librosa()
    return lambda window: librosa.yin(window, **PITCH_ARGS)


def librosa_pyin_hop() -> Callable[[np.ndarray], Any]:
    """pYIN on one 800-sample window: its per-frame cost, HMM decoding of a one-frame track included."""
    librosa = _librosa()

    def run(window: np.ndarray) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return librosa.pyin(window, **PITCH_ARGS)

    return run


def librosa_yin_file(samples: np.ndarray) -> np.ndarray:
    """F0 of every 800-sample frame, one hop apart: frame j is CalmCue's frame j + 4 (same samples)."""
    return np.asarray(_librosa().yin(samples, hop_length=HOP, **PITCH_ARGS))


def librosa_pyin_file(samples: np.ndarray, *, fill_unvoiced: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(F0 in Hz, voiced flags) per frame as in `librosa_yin_file`; unvoiced F0 is NaN unless `fill_unvoiced`."""
    librosa = _librosa()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f0, voiced, _ = librosa.pyin(samples, hop_length=HOP, fill_na=None if fill_unvoiced else np.nan,
                                     **PITCH_ARGS)
    return np.asarray(f0), np.asarray(voiced)


def webrtcvad_hop(*, mode: int = 2) -> Callable[[bytes], bool]:
    """`is_speech` on one 10 ms hop of 16-bit little-endian samples at 16 kHz."""
    try:
        import webrtcvad
    except ImportError:
        raise Unavailable("webrtcvad is not installed (pip install webrtcvad-wheels)") from None
    vad = webrtcvad.Vad(mode)
    return lambda pcm: bool(vad.is_speech(pcm, ANALYSIS_RATE_HZ))


def to_pcm16_hops(samples: np.ndarray) -> list[bytes]:
    """The signal as 16-bit hops of 160 samples, converted before timing (webrtcvad's input format)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    return [pcm[i : i + HOP].tobytes() for i in range(0, pcm.size - HOP + 1, HOP)]
