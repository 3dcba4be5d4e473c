"""Stress conditions for the detection benchmark: what the development set lacks, from permissive or made material.

The issue's goals are judged on ``conditions.CONDITIONS``; these rows are a check on how far the detector carries
to lines, rooms and noises it was never tuned on (reported beside the goals, never part of them):

- ``babble10``: six talkers at once, made from LibriSpeech utterances (``train/resemblyzer-librispeech``, CC BY
  4.0), 10 dB under each channel's calm voice (colleagues on the floor; a caller in a busy place);
- ``sfx10``: household and street sounds (``train/speechcommands-wids_tutorial`` background noises: dishes, a tap,
  an exercise bike, a cat, white noise; ``train/ambient-engine-sfx``: water, hum, wind, bicycles, footsteps; CC BY
  4.0 / public domain), one per channel and session, looped, 10 dB under the calm voice;
- ``codec``: a harsher telephone line: 8 kHz, a 6th-order 300-3400 Hz band, the calm voice set to -26 dBFS (a
  nominal line level) and then G.711-like 8-bit mu-law companding, which clips at full scale - a loud voice clips;
- ``bright6`` / ``dull6``: a microphone and a line with another tilt: a high-shelf of +6 / -6 dB from 1 kHz up
  (RBJ biquad, shelf slope 1) on both channels;
- ``reverb``: a room: each channel convolved with a made impulse response (a direct path and an exponentially
  decaying noise tail, RT60 drawn from 0.3-0.5 s, direct-to-reverberant ratio 0 dB: a mic at arm's length);
  ``reverb08``: the same in a large untreated room (RT60 0.7-0.9 s: an open-plan floor, a caller on speakerphone in
  a kitchen), where a caller's last word rings on under the agent's answer;
- ``music10``: instrumental music 10 dB under each channel's calm voice (a radio in the agent's room, a TV or radio
  behind the caller), a different piece per channel and session from a seeded offset, looped;
- ``musicline``: the same music on the caller's channel only (a caller in a shop); mono sessions stay clean;
- ``agcline`` / ``agc``: a line with automatic gain control (a mobile phone's or softphone's AGC and limiter,
  ``line_agc.py``) on the caller's channel only / on both channels (a headset or OS "enhancement" levelling the
  agent's microphone too); mono sessions get it on their one channel in ``agc`` only;
- ``comp``: a fast compressor on both channels (a headset DSP's or a softphone's "voice" dynamics,
  ``line_compressor.py``): 3:1 over a threshold 6 dB above each channel's calm voice, 5 ms attack, 150 ms release,
  so a raise is squeezed from its first syllable on, unlike the slow AGC's;
- ``hotline`` / ``quietline`` / ``hotline22``: a caller's line hotter or quieter than the telephone prior guesses
  (softphones, mobile networks and gateways differ by +-10 dB and more): the caller's channel only, +10 dB
  (clipped at full scale, as a codec would) / -12 dB / +22 dB (clipped); the agent's channel and mono sessions
  stay as recorded. The development set's callers speak at -36..-46 dBFS (active level), 8-18 dB under the
  prior's -28 dBFS: ``hotline`` brings them to about the prior, ``hotline22`` 4-14 dB over it (as an AGC line
  sits), ``quietline`` 20-30 dB under it;
- ``keys`` / ``keys0``: the agent typing into the CRM, heard by the headset mic (the agent's channel only; the
  caller's line stays clean). Real key sounds (Debian ``bucklespring-data``: an IBM Model M recorded per key, a
  press and a release file per scan code; Ico Doornekampt, GPL-2+). Typing comes in bursts of 2-8 s at 3-7 keys/s
  (each burst its own rate, intervals jittered +-50 %, a key held 50-150 ms between its press and its release),
  with 1-6 s between bursts, placed over the whole session without looking at the speech, so bursts fall
  while the caller speaks, in the agent's pauses and under the agent's own voice. Level rule: each key's louder
  half (press or release; the recorded release is -9 to +12 dB against its press) peaks, as its loudest 10 ms
  RMS, ``KEYS_CONDITIONS[condition]`` dB (``keys``: 10 dB; ``keys0``: 0 dB) under the agent's calm active-speech
  level (measured like the other rows' calm level); the other half keeps its recorded level against it;
- ``dc`` / ``hum`` / ``gsm`` / ``amr`` / ``loss5`` / ``dtx`` / ``echo`` / ``echo10`` / ``echoroom`` / ``echojit``:
  faults of cheap hardware and mobile lines (a DC offset on the microphone, mains hum, the GSM and AMR codecs, bursty
  packet loss and a line that sends nothing in pauses on the caller's side, the agent's voice echoed back, through a
  room or with a delay that moves): ``line_faults.py``.

The music is music the activity model never heard in training (models/README.md, models/train/sources.py): the
Debian packages ``hyperrogue-music`` (Shawn Parrotte, Lincoln Domina, Will Savino; CC BY-SA 3.0) and
``asc-music`` (Michael Kievernagel; GPL-2+), installed by ``make sysdeps``. Without them the music rows cannot be
built: ``missing(condition)`` says so and the benchmark skips them; the same holds for the key sounds.

``apply(samples, rate_hz, condition, seed, calm_dbfs=[per channel])`` returns the new samples and their rate.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from scipy import signal

try:  # imported as part of the repository (tests): benchmarks.line_agc
    from benchmarks import line_agc, line_compressor, line_faults
except ImportError:  # run as a script from benchmarks/
    import line_agc  # type: ignore[no-redef]
    import line_compressor  # type: ignore[no-redef]
    import line_faults  # type: ignore[no-redef]

CONDITIONS = ("babble10", "sfx10", "codec", "bright6", "dull6", "reverb", "music10", "musicline", "agcline", "agc",
              "comp", "keys", "keys0", "hotline", "quietline", "hotline22", "reverb08", *line_faults.CONDITIONS)
MUSIC_CONDITIONS = ("music10", "musicline")
KEYS_CONDITIONS = {"keys": 10.0, "keys0": 0.0}  # condition: KEYS_BELOW_SPEECH_DB
KEYS_DIR = "/usr/share/buckle/wav"  # Debian bucklespring-data: NN-0.wav press, NN-1.wav release per scan code
KEYS_PACKAGE = "bucklespring-data"
KEYS_BURST_S = (2.0, 8.0)
KEYS_GAP_S = (1.0, 6.0)
KEYS_PER_S = (3.0, 7.0)
KEYS_HOLD_S = (0.05, 0.15)
KEYS_JITTER = 0.5  # each interval between presses is the burst's mean interval times 1 +- this
NOISE_BELOW_SPEECH_DB = 10.0
BABBLE_TALKERS = 6
CODEC_RATE_HZ = 8000
CODEC_BAND_HZ = (300.0, 3400.0)
CODEC_CALM_DBFS = -26.0  # the calm voice at a nominal line level; a voice 20 dB over it reaches full scale
MU = 255.0
MU_STEPS = 127  # codes per sign (8 bits: a sign and 7 bits of magnitude), full scale at the top code
SHELF_HZ = 1000.0
SHELF_DB = 6.0
RT60_S = line_faults.ROOM_RT60_S  # the reverb row's room, and the room the echoroom row's echo goes through
RT60_LARGE_S = (0.7, 0.9)  # reverb08
DIRECT_TO_REVERB_DB = 0.0
SFX_FILES = (
    "speechcommands-wids_tutorial/data/_background_noise_/doing_the_dishes.wav",
    "speechcommands-wids_tutorial/data/_background_noise_/dude_miaowing.wav",
    "speechcommands-wids_tutorial/data/_background_noise_/exercise_bike.wav",
    "speechcommands-wids_tutorial/data/_background_noise_/running_tap.wav",
    "speechcommands-wids_tutorial/data/_background_noise_/white_noise.wav",
    "ambient-engine-sfx/packages/web/public/assets/water.mp3",
    "ambient-engine-sfx/packages/web/public/assets/hum.mp3",
    "ambient-engine-sfx/packages/web/public/assets/wind1.mp3",
    "ambient-engine-sfx/packages/web/public/assets/bikes.mp3",
    "ambient-engine-sfx/packages/web/public/assets/footsteps.mp3",
)
LIBRISPEECH_DIR = "resemblyzer-librispeech/audio_data/librispeech_train-clean-100"
# music the activity model was not trained on (Debian hyperrogue-music: CC BY-SA 3.0; asc-music: GPL-2+)
MUSIC_GLOBS = (("/usr/share/hyperrogue/music", "*.ogg"), ("/usr/share/games/asc/music", "*.mp3"))
MUSIC_PACKAGES = ("hyperrogue-music", "asc-music")
CALLER_CHANNEL = 1
LINE_GAIN_CONDITIONS = {"hotline": 10.0, "quietline": -12.0, "hotline22": 22.0}  # condition: caller line gain, dB


def train_dir() -> Path:
    try:
        from benchmarks import sessions
    except ImportError:
        import sessions  # type: ignore[no-redef]
    return sessions.data_root() / "train"


@functools.lru_cache(maxsize=64)
def _load(path: str, rate_hz: int) -> np.ndarray:
    samples, file_rate_hz = sf.read(path, dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    if file_rate_hz != rate_hz:
        mono = soxr.resample(mono, file_rate_hz, rate_hz)
    mono = mono - np.mean(mono)
    out = (mono / (np.sqrt(np.mean(mono.astype(np.float64) ** 2)) + 1e-20)).astype(np.float32)
    out.flags.writeable = False
    return out


def _looped(source: np.ndarray, n_samples: int, *, rng: np.random.Generator) -> np.ndarray:
    start = int(rng.integers(0, len(source)))
    reps = (start + n_samples) // len(source) + 1
    return np.tile(source, reps)[start:start + n_samples]


def sfx_noise(n_samples: int, *, rate_hz: int, seed: int) -> np.ndarray:
    """One of SFX_FILES (seeded), from a seeded offset, looped to length; unit RMS."""
    rng = np.random.default_rng([seed, 17])
    name = SFX_FILES[int(rng.integers(len(SFX_FILES)))]
    return _looped(_load(str(train_dir() / name), rate_hz), n_samples, rng=rng)


def babble_noise(n_samples: int, *, rate_hz: int, seed: int) -> np.ndarray:
    """BABBLE_TALKERS streams of LibriSpeech utterances (each a random run of speakers, equal level), summed; unit
    RMS."""
    files = sorted(str(path) for path in (train_dir() / LIBRISPEECH_DIR).glob("*.flac"))
    if not files:
        raise FileNotFoundError(f"no LibriSpeech files in {train_dir() / LIBRISPEECH_DIR}")
    rng = np.random.default_rng([seed, 29])
    total = np.zeros(n_samples, dtype=np.float64)
    for _ in range(BABBLE_TALKERS):
        stream: list[np.ndarray] = []
        length = 0
        while length < n_samples:
            utterance = _load(files[int(rng.integers(len(files)))], rate_hz)
            stream.append(utterance)
            length += len(utterance)
        total += np.concatenate(stream)[:n_samples]
    return (total / (np.sqrt(np.mean(total**2)) + 1e-20)).astype(np.float32)


def music_files() -> list[str]:
    """The unseen music pieces installed here, sorted (empty when the Debian packages are missing)."""
    return sorted(str(path) for folder, pattern in MUSIC_GLOBS for path in Path(folder).glob(pattern))


def missing(condition: str) -> str | None:
    """Why `condition` cannot be built on this machine (one line: what is wrong, what to do), or None."""
    if condition in MUSIC_CONDITIONS and len(music_files()) < 2:
        return (f"{condition}: the unseen music is not installed (Debian {' and '.join(MUSIC_PACKAGES)}); "
                "run 'make sysdeps' as root")
    if condition in KEYS_CONDITIONS and not key_codes():
        return f"{condition}: the key sounds are not installed (Debian {KEYS_PACKAGE}); run 'make sysdeps' as root"
    return line_faults.missing(condition)


def key_codes() -> list[str]:
    """The scan codes that have both a press (NN-0.wav) and a release (NN-1.wav) here, sorted (empty if absent)."""
    folder = Path(KEYS_DIR)
    return sorted(path.name[:-6] for path in folder.glob("*-0.wav") if (folder / f"{path.name[:-6]}-1.wav").exists())


def _peak_db(sound: np.ndarray, rate_hz: int) -> float:
    """The loudest 10 ms frame's RMS level, in dB."""
    hop = rate_hz // 100
    n_frames = max(1, len(sound) // hop)
    padded = np.zeros(n_frames * hop, dtype=np.float64)
    padded[: min(len(sound), len(padded))] = sound[: len(padded)]
    return float(10 * np.log10(np.max(np.mean(padded.reshape(n_frames, hop) ** 2, axis=1)) + 1e-20))


@functools.lru_cache(maxsize=8)
def key_sounds(rate_hz: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """(press, release) per scan code at `rate_hz`, both scaled by the same gain so the louder of the two peaks at
    0 dB (its loudest 10 ms at unit RMS); the other keeps its recorded level against it."""
    pairs = []
    for code in key_codes():
        press, release = (_raw(str(Path(KEYS_DIR) / f"{code}-{half}.wav"), rate_hz) for half in (0, 1))
        gain = np.float32(10 ** (-max(_peak_db(press, rate_hz), _peak_db(release, rate_hz)) / 20))
        pairs.append((press * gain, release * gain))
    return tuple(pairs)


def _raw(path: str, rate_hz: int) -> np.ndarray:
    samples, file_rate_hz = sf.read(path, dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    mono = mono - np.mean(mono)
    return (soxr.resample(mono, file_rate_hz, rate_hz) if file_rate_hz != rate_hz else mono).astype(np.float32)


def typing_bursts(duration_s: float, *, seed: int) -> list[tuple[float, float, float]]:
    """(start_s, end_s, keys_per_s) of each burst of typing over `duration_s` (seeded)."""
    rng = np.random.default_rng([seed, 61])
    bursts, t_s = [], float(rng.uniform(*KEYS_GAP_S))
    while t_s < duration_s:
        end_s = min(duration_s, t_s + float(rng.uniform(*KEYS_BURST_S)))
        bursts.append((t_s, end_s, float(rng.uniform(*KEYS_PER_S))))
        t_s = end_s + float(rng.uniform(*KEYS_GAP_S))
    return bursts


def typing(n_samples: int, *, rate_hz: int, seed: int) -> np.ndarray:
    """The sound of typing (see the module's docstring), each key's louder half peaking at 0 dB; seeded."""
    sounds = key_sounds(rate_hz)
    rng = np.random.default_rng([seed, 67])
    out = np.zeros(n_samples, dtype=np.float32)

    def add(sound: np.ndarray, at_s: float) -> None:
        start = int(at_s * rate_hz)
        length = min(len(sound), n_samples - start)
        if length > 0:
            out[start:start + length] += sound[:length]

    for start_s, end_s, keys_per_s in typing_bursts(n_samples / rate_hz, seed=seed):
        t_s = start_s
        while t_s < end_s:
            press, release = sounds[int(rng.integers(len(sounds)))]
            add(press, t_s)
            add(release, t_s + float(rng.uniform(*KEYS_HOLD_S)))
            t_s += float(rng.uniform(1 - KEYS_JITTER, 1 + KEYS_JITTER)) / keys_per_s
    return out


def music(n_samples: int, *, rate_hz: int, seed: int, n_channels: int) -> list[np.ndarray]:
    """A different piece per channel (seeded: a session keeps its pieces), each from a seeded offset, looped to
    length; unit RMS."""
    files = music_files()
    rng = np.random.default_rng([seed, 53])
    picks = rng.choice(len(files), size=n_channels, replace=False)
    return [_looped(_load(files[int(pick)], rate_hz), n_samples, rng=rng) for pick in picks]


def _with_noise(samples: np.ndarray, noise: Sequence[np.ndarray], *, calm_dbfs: Sequence[float],
                channels: Sequence[int] | None = None) -> np.ndarray:
    out = samples.astype(np.float32, copy=True)
    columns = out.reshape(len(out), -1)
    for channel in range(columns.shape[1]) if channels is None else channels:
        gain = np.float32(10 ** ((calm_dbfs[channel] - NOISE_BELOW_SPEECH_DB) / 20))
        columns[:, channel] += noise[channel] * gain
    return out


def mu_law(samples: np.ndarray) -> np.ndarray:
    """8-bit mu-law companding (mu = 255): clipped at full scale, quantised in the compressed domain, expanded."""
    clipped = np.clip(samples, -1.0, 1.0)
    compressed = np.sign(clipped) * np.log1p(MU * np.abs(clipped)) / np.log1p(MU)
    quantised = np.round(compressed * MU_STEPS) / MU_STEPS
    return (np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(MU)) / MU).astype(np.float32)


def codec_line(samples: np.ndarray, rate_hz: int, *, calm_dbfs: Sequence[float]) -> np.ndarray:
    narrow = soxr.resample(samples, rate_hz, CODEC_RATE_HZ)
    sos = signal.butter(6, CODEC_BAND_HZ, btype="bandpass", fs=CODEC_RATE_HZ, output="sos")
    band = signal.sosfilt(sos, narrow, axis=0).reshape(len(narrow), -1)
    for channel in range(band.shape[1]):
        band[:, channel] *= 10 ** ((CODEC_CALM_DBFS - calm_dbfs[channel]) / 20)
    return mu_law(band).reshape(narrow.shape)


def high_shelf_sos(*, gain_db: float, corner_hz: float, rate_hz: int) -> np.ndarray:
    """RBJ audio-EQ-cookbook high shelf (shelf slope 1) as one second-order section."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * corner_hz / rate_hz
    alpha = np.sin(w0) / 2 * np.sqrt(2.0)
    cos_w0, root = np.cos(w0), 2 * np.sqrt(a) * alpha
    b = [a * ((a + 1) + (a - 1) * cos_w0 + root), -2 * a * ((a - 1) + (a + 1) * cos_w0),
         a * ((a + 1) + (a - 1) * cos_w0 - root)]
    den = [(a + 1) - (a - 1) * cos_w0 + root, 2 * ((a - 1) - (a + 1) * cos_w0), (a + 1) - (a - 1) * cos_w0 - root]
    return np.array([[*(np.array(b) / den[0]), 1.0, den[1] / den[0], den[2] / den[0]]])


def caller_line_gain(samples: np.ndarray, *, gain_db: float) -> np.ndarray:
    """The caller's channel (CALLER_CHANNEL) scaled by `gain_db` and clipped at full scale (a codec's limit); the
    other channel, and a mono session, unchanged."""
    out = samples.astype(np.float32, copy=True)
    if samples.ndim == 1 or samples.shape[1] <= CALLER_CHANNEL:
        return out
    out[:, CALLER_CHANNEL] = np.clip(out[:, CALLER_CHANNEL] * np.float32(10 ** (gain_db / 20)), -1.0, 1.0)
    return out


def apply(samples: np.ndarray, rate_hz: int, condition: str, seed: int, *,
          calm_dbfs: Sequence[float]) -> tuple[np.ndarray, int]:
    """One stress condition; ``calm_dbfs``: each channel's calm active-speech level (the noise is set under it)."""
    n_samples = len(samples)
    n_channels = 1 if samples.ndim == 1 else samples.shape[1]
    if condition in ("babble10", "sfx10"):
        make = babble_noise if condition == "babble10" else sfx_noise
        noise = [make(n_samples, rate_hz=rate_hz, seed=seed * 11 + channel) for channel in range(n_channels)]
        return _with_noise(samples, noise, calm_dbfs=calm_dbfs), rate_hz
    if condition in MUSIC_CONDITIONS:
        pieces = music(n_samples, rate_hz=rate_hz, seed=seed, n_channels=n_channels)
        if condition == "music10":
            return _with_noise(samples, pieces, calm_dbfs=calm_dbfs), rate_hz
        channels = [CALLER_CHANNEL] if n_channels > CALLER_CHANNEL else []
        return _with_noise(samples, pieces, calm_dbfs=calm_dbfs, channels=channels), rate_hz
    if condition in ("agcline", "agc"):
        channels = range(n_channels) if condition == "agc" else [CALLER_CHANNEL] if n_channels > CALLER_CHANNEL else []
        return line_agc.agc_line(samples, rate_hz, channels=channels, calm_dbfs=calm_dbfs), rate_hz
    if condition == "comp":
        return line_compressor.compressed_line(samples, rate_hz, channels=range(n_channels),
                                               calm_dbfs=calm_dbfs), rate_hz
    if condition in LINE_GAIN_CONDITIONS:
        return caller_line_gain(samples, gain_db=LINE_GAIN_CONDITIONS[condition]), rate_hz
    if condition in KEYS_CONDITIONS:  # the agent's channel (0) only
        gain = np.float32(10 ** ((calm_dbfs[0] - KEYS_CONDITIONS[condition]) / 20))
        out = samples.astype(np.float32, copy=True)
        out.reshape(n_samples, -1)[:, 0] += typing(n_samples, rate_hz=rate_hz, seed=seed) * gain
        return out, rate_hz
    if condition in line_faults.CONDITIONS:
        return line_faults.apply(samples, rate_hz, condition, seed, calm_dbfs=calm_dbfs)
    if condition == "codec":
        return codec_line(samples, rate_hz, calm_dbfs=calm_dbfs), CODEC_RATE_HZ
    if condition in ("bright6", "dull6"):
        gain_db = SHELF_DB if condition == "bright6" else -SHELF_DB
        sos = high_shelf_sos(gain_db=gain_db, corner_hz=SHELF_HZ, rate_hz=rate_hz)
        return signal.sosfilt(sos, samples, axis=0).astype(np.float32), rate_hz
    if condition in ("reverb", "reverb08"):
        columns = samples.reshape(n_samples, -1)
        span_s = RT60_S if condition == "reverb" else RT60_LARGE_S
        rt60_s = float(np.random.default_rng([seed, 41]).uniform(*span_s))  # one room per session
        responses = [line_faults.room_response(rt60_s=rt60_s, rate_hz=rate_hz, seed=seed + channel,
                                               direct_to_reverb_db=DIRECT_TO_REVERB_DB)
                     for channel in range(n_channels)]
        out = np.stack([signal.fftconvolve(columns[:, channel], responses[channel])[:n_samples]
                        for channel in range(n_channels)], axis=1)
        return out.reshape(samples.shape).astype(np.float32), rate_hz
    raise ValueError(f"unknown stress condition {condition!r}; choose from {', '.join(CONDITIONS)}")
