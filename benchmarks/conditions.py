"""Listening conditions for the detection benchmarks: telephone band, a gain change, noise, and the room tone.

``apply_condition(samples, rate_hz, condition, seed) -> (samples, rate_hz)`` turns a clean session into one of
``CONDITIONS`` (the issue's goals are judged on these) or ``STRESS_CONDITIONS`` (built only from permissive or
generated material, reported beside them as a check on what the dev set lacks: other noises, a harsher line, a
mic of another tilt, a room; see ``detection_stress.py``); ``add_room_tone`` keeps pauses from being exact digital
zeros.
"""

from __future__ import annotations

import numpy as np
import soxr
from scipy import fft as sp_fft
from scipy import signal

try:  # imported as part of the repository (tests): benchmarks.stress
    from benchmarks import detection_stress as stress
except ImportError:  # run as a script from benchmarks/
    import detection_stress as stress  # type: ignore[no-redef]

CONDITIONS = ("clean", "phone", "gain-18", "noise10", "gainstep12")
STRESS_CONDITIONS = (*stress.CONDITIONS, "clipstep30", "gainstep-12", "phonestep12")
CLIP_STEP_DB = 30.0  # clipstep30: a gain step so large that the calm voice clips (the dev speech's calm voice sits
# near -44 dBFS, so gainstep12 never clips): clipping alone must not read as a raise, a clipped raise still must
# gainstep-12: the gain step down (the boom pushed away, the gain turned down); phonestep12: the +12 dB step on a
# telephone-band line (a softphone's agent leg: 8 kHz, 300-3400 Hz), where the tilt says less
ALL_CONDITIONS = CONDITIONS + STRESS_CONDITIONS
# clipstep12: the +12 dB step at the session's own level, clipped at full scale like a real ADC. On the detection
# benchmark's sessions it is gainstep12 again (their calm voice is far under full scale); the readers' and the
# prompts' calm voices, at their recordings' levels (-18..-33 dBFS), clip on it (prompts: 2-6 % of the samples)
LEVEL_CONDITIONS = ("clipstep12",)
STEP_CALM_MAX_DBFS = -24.0  # gainstep12, phonestep12: a session whose calm voice, stepped up, would sit over this
# active level is first brought down to it, so that the calm voice does not clip (its peaks sit 18-24 dB over its
# active level): the goal's gain step keeps the calm voice's spectral shape, which clipping does not. The detection
# benchmark's calm voices (near -44 dBFS) are left as they are, and its loud raised clips still clip on the step
PHONE_RATE_HZ = 8000
PHONE_BAND_HZ = (300.0, 3400.0)
GAIN_DB = -18.0
NOISE_BELOW_SPEECH_DB = 10.0
GAIN_STEP_DB = 12.0


def pink_noise(n_samples: int, *, seed: int) -> np.ndarray:
    """Unit-RMS pink (1/f power) noise, shaped in the frequency domain from seeded white noise."""
    if n_samples <= 0:
        return np.zeros(0, dtype=np.float32)
    rng = np.random.default_rng(seed)
    n_fft = sp_fft.next_fast_len(n_samples, real=True)
    n_bins = n_fft // 2 + 1
    spectrum = rng.standard_normal(n_bins) + 1j * rng.standard_normal(n_bins)
    spectrum /= np.sqrt(np.maximum(np.arange(n_bins, dtype=np.float64), 1.0))
    spectrum[0] = 0.0
    noise = sp_fft.irfft(spectrum, n=n_fft)[:n_samples]
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-20)).astype(np.float32)


def add_room_tone(samples: np.ndarray, *, level_dbfs: float | None, seed: int) -> np.ndarray:
    """Add pink noise of RMS ``level_dbfs`` to each channel (independent noise per channel)."""
    if level_dbfs is None:
        return samples
    out = samples.astype(np.float32, copy=True)
    columns = out.reshape(len(out), -1)
    for channel in range(columns.shape[1]):
        columns[:, channel] += pink_noise(len(out), seed=seed * 7 + channel) * np.float32(
            10 ** (level_dbfs / 20)
        )
    return out


def active_speech_level_dbfs(samples: np.ndarray, *, rate_hz: int) -> float:
    """Power-mean level over active 10 ms frames (P.56-like: frames more than 15 dB above the floor).

    The floor is the 10th percentile of the frame levels, so room tone and pauses never count as speech.
    """
    hop = rate_hz // 100
    n_frames = len(samples) // hop
    if n_frames == 0:
        return -100.0
    power = np.mean(samples[: n_frames * hop].astype(np.float64).reshape(n_frames, hop) ** 2, axis=1)
    level_db = 10.0 * np.log10(power + 1e-20)
    active = level_db > np.percentile(level_db, 10) + 15.0
    if not np.any(active):
        return -100.0
    return float(10.0 * np.log10(np.mean(power[active])))


def _phone(samples: np.ndarray, *, rate_hz: int) -> np.ndarray:
    narrow = soxr.resample(samples, rate_hz, PHONE_RATE_HZ)
    sos = signal.butter(4, PHONE_BAND_HZ, btype="bandpass", fs=PHONE_RATE_HZ, output="sos")
    return signal.sosfilt(sos, narrow, axis=0).astype(np.float32)


def _noise(
    samples: np.ndarray, *, rate_hz: int, seed: int, level_span_s: tuple[float, float] | None
) -> np.ndarray:
    out = samples.astype(np.float32, copy=True)
    columns = out.reshape(len(out), -1)
    span = slice(None)
    if level_span_s is not None:
        span = slice(int(level_span_s[0] * rate_hz), int(level_span_s[1] * rate_hz))
    for channel in range(columns.shape[1]):
        level_dbfs = active_speech_level_dbfs(columns[span, channel], rate_hz=rate_hz)
        gain = np.float32(10 ** ((level_dbfs - NOISE_BELOW_SPEECH_DB) / 20))
        columns[:, channel] += pink_noise(len(out), seed=seed * 13 + 101 + channel) * gain
    return out


def _with_headroom(samples: np.ndarray, *, rate_hz: int, level_span_s: tuple[float, float] | None,
                   step_db: float = GAIN_STEP_DB) -> np.ndarray:
    """The session (every channel) brought down as far as needed for the agent's calm voice (its active level over
    ``level_span_s``), stepped up by `step_db`, to sit at STEP_CALM_MAX_DBFS at most; the samples themselves when it
    already does."""
    calm = _calm_part(samples, rate_hz=rate_hz, level_span_s=level_span_s)[0]
    over_db = active_speech_level_dbfs(calm, rate_hz=rate_hz) + step_db - STEP_CALM_MAX_DBFS
    if not over_db > 0.0:
        return samples
    return (samples * np.float32(10 ** (-over_db / 20))).astype(np.float32)


def _gain_step(samples: np.ndarray, *, rate_hz: int, at_s: float, step_db: float = GAIN_STEP_DB) -> np.ndarray:
    """The agent's mic (channel 0) turned up by ``step_db`` at ``at_s``, clipped at full scale like a real ADC."""
    out = samples.astype(np.float32, copy=True)
    columns = out.reshape(len(out), -1)
    start = int(at_s * rate_hz)
    columns[start:, 0] = np.clip(columns[start:, 0] * np.float32(10 ** (step_db / 20)), -1.0, 1.0)
    return out


def apply_condition(
    samples: np.ndarray,
    rate_hz: int,
    condition: str,
    seed: int = 0,
    *,
    level_span_s: tuple[float, float] | None = None,
) -> tuple[np.ndarray, int]:
    """One recording condition applied to the whole session; returns the new samples and their rate.

    ``clean``: unchanged. ``phone``: soxr to 8 kHz, 4th-order Butterworth band-pass 300-3400 Hz (causal).
    ``gain-18``: -18 dB. ``noise10``: seeded pink noise, independent per channel, 10 dB below that channel's
    active speech level measured over ``level_span_s`` (default: the whole session; the benchmark passes the
    calm opening, so the noise sits 10 dB below the speaker's usual voice). ``gainstep12``: the agent's channel
    +12 dB from the end of ``level_span_s`` (the calm opening) on: a boom moved closer or the mic gain turned up
    after calibration; the clips after it keep their clean-recording truth. A session whose calm voice is too loud
    to take the step without clipping is first brought down (STEP_CALM_MAX_DBFS); ``clipstep12`` takes it at its
    own level, clipped at full scale.
    """
    if condition == "clean":
        return samples, rate_hz
    if condition == "phone":
        return _phone(samples, rate_hz=rate_hz), PHONE_RATE_HZ
    if condition == "gain-18":
        return (samples * np.float32(10 ** (GAIN_DB / 20))).astype(np.float32), rate_hz
    if condition == "noise10":
        return _noise(samples, rate_hz=rate_hz, seed=seed, level_span_s=level_span_s), rate_hz
    at_s = level_span_s[1] if level_span_s else 0.0
    if condition == "gainstep12":
        calm_fits = _with_headroom(samples, rate_hz=rate_hz, level_span_s=level_span_s)
        return _gain_step(calm_fits, rate_hz=rate_hz, at_s=at_s), rate_hz
    if condition == "clipstep12":
        return _gain_step(samples, rate_hz=rate_hz, at_s=at_s), rate_hz
    if condition in ("clipstep30", "gainstep-12"):
        step_db = CLIP_STEP_DB if condition == "clipstep30" else -GAIN_STEP_DB
        return _gain_step(samples, rate_hz=rate_hz, at_s=at_s, step_db=step_db), rate_hz
    if condition == "phonestep12":
        line = _with_headroom(_phone(samples, rate_hz=rate_hz), rate_hz=PHONE_RATE_HZ, level_span_s=level_span_s)
        return _gain_step(line, rate_hz=PHONE_RATE_HZ, at_s=at_s), PHONE_RATE_HZ
    if condition in STRESS_CONDITIONS:
        calm_dbfs = [active_speech_level_dbfs(column, rate_hz=rate_hz)
                     for column in _calm_part(samples, rate_hz=rate_hz, level_span_s=level_span_s)]
        return stress.apply(samples, rate_hz, condition, seed, calm_dbfs=calm_dbfs)
    raise ValueError(f"unknown condition {condition!r}; choose from {', '.join(ALL_CONDITIONS + LEVEL_CONDITIONS)}")


def missing(condition: str) -> str | None:
    """Why `condition` cannot be built here (material not installed: one line saying what to do), or None."""
    return stress.missing(condition) if condition in STRESS_CONDITIONS else None


def _calm_part(samples: np.ndarray, *, rate_hz: int, level_span_s: tuple[float, float] | None) -> list[np.ndarray]:
    """Each channel's samples over ``level_span_s`` (the calm opening; the whole session when None)."""
    columns = samples.reshape(len(samples), -1)
    span = slice(None) if level_span_s is None else \
        slice(int(level_span_s[0] * rate_hz), int(level_span_s[1] * rate_hz))
    return [columns[span, channel] for channel in range(columns.shape[1])]
