"""A quiet room, generated: what a headset microphone hears between calls (issue 15).

A real microphone is never digitally silent: an office hums and hisses at around -70 to -60 dBFS. Pink noise
(power falling 3 dB an octave, like ventilation and distant voices' murmur), a little brown noise (the low
rumble) and a faint mains hum (50 Hz and its odd harmonics), made in the frequency domain over a whole number of
hum periods, so the clip loops without a click. No recording is used.
"""

from __future__ import annotations

import numpy as np

ROOM_DBFS = -65.0  # RMS of the whole mix (a full-scale sine is -3.01 dBFS)
HUM_DBFS = -80.0  # RMS of the hum's fundamental
HUM_HZ = 50.0
HUM_HARMONICS = ((1, 1.0), (3, 0.5), (5, 0.25))  # (multiple of HUM_HZ, amplitude relative to the fundamental)
BROWN_SHARE = 0.3  # of the noise power, the rest pink
LOW_CUT_HZ = 20.0  # nothing below (a headset passes nothing there either)


def _shaped(rng: np.random.Generator, *, n: int, rate_hz: int, exponent: float) -> np.ndarray:
    """Circular noise of unit RMS whose power falls as 1 / f**exponent above LOW_CUT_HZ."""
    freqs = np.fft.rfftfreq(n, 1.0 / rate_hz)
    spectrum = rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size)
    gain = np.zeros(freqs.size)
    audible = freqs >= LOW_CUT_HZ
    gain[audible] = freqs[audible] ** (-exponent / 2.0)
    noise = np.fft.irfft(spectrum * gain, n)
    return noise / np.sqrt(np.mean(noise**2))


def room_noise(*, seconds: float, rate_hz: int, channels: int = 2, seed: int = 15,
               level_dbfs: float = ROOM_DBFS) -> np.ndarray:
    """(n, channels) float32 room noise at `level_dbfs` RMS per channel, independent per channel, looping
    cleanly (its length is rounded to whole hum periods)."""
    periods = max(1, round(seconds * HUM_HZ))
    n = round(periods * rate_hz / HUM_HZ)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate_hz
    hum_rms = 10.0 ** (HUM_DBFS / 20.0)
    out = np.empty((n, channels), np.float32)
    for channel in range(channels):
        noise = (np.sqrt(1.0 - BROWN_SHARE) * _shaped(rng, n=n, rate_hz=rate_hz, exponent=1.0)
                 + np.sqrt(BROWN_SHARE) * _shaped(rng, n=n, rate_hz=rate_hz, exponent=2.0))
        phase = rng.uniform(0.0, 2.0 * np.pi)
        hum = sum(a * np.sin(2.0 * np.pi * k * HUM_HZ * t + k * phase) for k, a in HUM_HARMONICS)
        hum = hum * (hum_rms * np.sqrt(2.0))  # the fundamental at HUM_DBFS RMS
        mix = noise * np.sqrt(max(10.0 ** (level_dbfs / 10.0) - np.mean(hum**2), 0.0)) + hum
        out[:, channel] = mix
    return out
