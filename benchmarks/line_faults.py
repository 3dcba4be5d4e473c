"""Faults of cheap hardware and mobile lines, for the detection benchmark's stress rows (issue 13 item 7).

The other stress rows add sounds (noise, music, keys) or reshape the voice (band, tilt, dynamics, rooms). These add
what a sound card or a network does to a signal, none of which the development speech has:

- ``dc``: a DC offset on the agent's microphone, 1 % of full scale (-40 dBFS: onboard codecs without a blocking
  capacitor read 0.1-2 %), over a quiet room's floor. A level read as the mean square counts the offset as sound.
- ``hum``: mains hum from a ground loop on both channels: a 50 or 60 Hz fundamental (seeded per session) with its
  harmonics up to 1 kHz, the odd ones stronger (a rectifier's buzz), 20 dB under each channel's calm voice.
  Voiced-looking, periodic, and under the pitch range of a low male voice.
- ``gsm`` / ``amr``: the GSM 06.10 full-rate codec (13 kbit/s, what a 2G/3G mobile call still falls back to) / the
  AMR narrow-band codec at 12.2 kbit/s (mode 7: today's mobile voice) on both channels, encoded and decoded by SoX;
  the calm voice set to the nominal -26 dBFS first, as a network does.
- ``loss5``: packet loss on the caller's line: 20 ms packets lost in bursts (a two-state Gilbert model: 5 % of
  packets lost, bursts of 2.5 packets on average), each lost packet played as silence (a gateway without
  concealment). The voice breaks mid-word; a pause inside a word must not read as a finished turn or a new one.
- ``dtx``: a caller's line that sends nothing while the caller is quiet (discontinuous transmission without comfort
  noise): their channel is exact zeros wherever its 10 ms level stays 30 dB under their calm voice, with a 20 ms
  attack and a 200 ms hang-over, as a codec's voice-activity gate. Every caller's word starts out of digital silence.
- ``echo``: the agent's own voice comes back on the caller's line (a speakerphone, a hybrid, an echo canceller that
  has not converged): the agent's channel, band-limited to 300-3400 Hz, 20 dB down (a linear echo path) and delayed
  120-250 ms (seeded per session), added to the caller's channel. It must not read as the caller talking.
  ``echo10``: the same only 10 dB down (a caller's laptop on speaker, no echo canceller at all).
- ``echoroom``: the agent's voice played by the caller's speakerphone into their room and picked up again: the
  echo path is a room (a made impulse response, RT60 0.3-0.5 s, as the ``reverb`` row's), then the line's band,
  15 dB down, 120-250 ms late. The room smears the echo's level track syllable by syllable.
- ``echojit``: the band-limited echo 20 dB down, its delay moved every 5-15 s by 10-40 ms within 100-300 ms (a
  jitter buffer that re-sizes as the network's delay varies), so a lag learnt a while ago goes stale.

Round figures from the hardware and network descriptions above, not fitted to the development set.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

CONDITIONS = ("dc", "hum", "gsm", "amr", "loss5", "dtx", "echo", "echo10", "echoroom", "echojit")
CODECS = {"gsm": ("gsm", []), "amr": ("amr-nb", ["-C", "7"])}  # condition: SoX file type, encoder options
ECHO_CONDITIONS = {"echo": 20.0, "echo10": 10.0, "echoroom": 15.0, "echojit": 20.0}  # condition: echo loss, dB
DC_OFFSET = 0.01  # of full scale, on the agent's channel
HUM_BELOW_SPEECH_DB = 20.0
HUM_TOP_HZ = 1000.0
LINE_CODEC_RATE_HZ = 8000
LINE_CODEC_CALM_DBFS = -26.0
PACKET_S = 0.02
LOSS_SHARE = 0.05  # of packets, on average
LOSS_BURST_PACKETS = 2.5  # mean length of a run of lost packets
DTX_BELOW_CALM_DB = 30.0
DTX_ATTACK_FRAMES = 2
DTX_HANG_FRAMES = 20
ECHO_DELAY_S = (0.12, 0.25)
ECHO_BAND_HZ = (300.0, 3400.0)
ROOM_RT60_S = (0.3, 0.5)  # a room of offices and homes (detection_stress.py's reverb row reads it too)
ECHO_JITTER_DELAY_S = (0.10, 0.30)  # echojit: the range the delay moves in
ECHO_JITTER_EVERY_S = (5.0, 15.0)  # a move after this long
ECHO_JITTER_MOVE_S = (0.01, 0.04)  # by this much, up or down
CALLER_CHANNEL = 1
AGENT_CHANNEL = 0


def missing(condition: str) -> str | None:
    """Why `condition` cannot be built here (one line: what is wrong, what to do), or None."""
    if condition in CODECS:
        try:
            formats = subprocess.run(["sox", "-h"], capture_output=True, text=True, check=False).stdout
        except OSError:
            return f"{condition}: SoX is not installed (Debian sox); run 'make sysdeps' as root"
        if f" {CODECS[condition][0]}" not in formats:
            return (f"{condition}: this SoX has no {CODECS[condition][0]} codec (Debian libsox-fmt-base, which sox "
                    "pulls in); run 'make sysdeps' as root")
    return None


def mains_hum(n_samples: int, *, rate_hz: int, seed: int) -> np.ndarray:
    """Unit-RMS hum: 50 or 60 Hz and its harmonics to HUM_TOP_HZ, odd harmonics 1/k, even ones 1/(2k)."""
    rng = np.random.default_rng([seed, 71])
    mains_hz = 50.0 if rng.random() < 0.5 else 60.0
    t = np.arange(n_samples) / rate_hz
    hum = np.zeros(n_samples)
    for k in range(1, int(HUM_TOP_HZ // mains_hz) + 1):
        amplitude = 1.0 / k if k % 2 else 0.5 / k
        hum += amplitude * np.sin(2 * np.pi * k * mains_hz * t + rng.uniform(0, 2 * np.pi))
    return (hum / np.sqrt(np.mean(hum**2))).astype(np.float32)


def codec_round_trip(column: np.ndarray, *, rate_hz: int, condition: str) -> np.ndarray:
    """One channel through SoX's encoder and decoder of CODECS[condition], returned at LINE_CODEC_RATE_HZ."""
    kind, options = CODECS[condition]
    narrow = soxr.resample(column.astype(np.float32), rate_hz, LINE_CODEC_RATE_HZ)
    with tempfile.TemporaryDirectory(prefix="calmcue-gsm-") as folder:
        wav, coded, back = (Path(folder) / name for name in ("in.wav", f"line.{kind}", "out.wav"))
        sf.write(wav, np.clip(narrow, -1.0, 1.0), LINE_CODEC_RATE_HZ, subtype="PCM_16")
        line = ["-r", str(LINE_CODEC_RATE_HZ), "-c", "1"]
        subprocess.run(["sox", "-q", str(wav), *line, *options, str(coded)], check=True)
        subprocess.run(["sox", "-q", str(coded), *line, str(back)], check=True)
        decoded, _ = sf.read(back, dtype="float32")
    out = np.zeros(len(narrow), dtype=np.float32)
    out[: min(len(out), len(decoded))] = decoded[: len(out)]
    return out


def lost_packets(n_packets: int, *, seed: int) -> np.ndarray:
    """True for each lost packet: a two-state Markov chain with LOSS_SHARE lost and bursts of LOSS_BURST_PACKETS."""
    rng = np.random.default_rng([seed, 73])
    leave_loss = 1.0 / LOSS_BURST_PACKETS
    enter_loss = leave_loss * LOSS_SHARE / (1.0 - LOSS_SHARE)
    lost = np.zeros(n_packets, dtype=bool)
    state = False
    for index, draw in enumerate(rng.random(n_packets)):
        state = draw >= leave_loss if state else draw < enter_loss
        lost[index] = state
    return lost


def dtx_gate(column: np.ndarray, *, rate_hz: int, calm_dbfs: float) -> np.ndarray:
    """The column with exact zeros wherever a voice-activity gate (see the module's docstring) is closed."""
    hop = rate_hz // 100
    n_frames = -(-len(column) // hop)
    padded = np.zeros(n_frames * hop, dtype=np.float64)
    padded[: len(column)] = column
    level_db = 10 * np.log10(np.mean(padded.reshape(n_frames, hop) ** 2, axis=1) + 1e-20)
    active = level_db > calm_dbfs - DTX_BELOW_CALM_DB
    kept = active.copy()
    for shift in range(1, DTX_HANG_FRAMES + 1):
        kept[shift:] |= active[:-shift]
    for shift in range(1, DTX_ATTACK_FRAMES + 1):
        kept[:-shift] |= active[shift:]
    return np.where(np.repeat(kept, hop)[: len(column)], column, 0.0).astype(np.float32)


def room_response(*, rt60_s: float, rate_hz: int, seed: int, direct_to_reverb_db: float = 0.0) -> np.ndarray:
    """A made impulse response: a direct path and a noise tail decaying 60 dB in `rt60_s`, `direct_to_reverb_db`."""
    rng = np.random.default_rng([seed, 43])
    t = np.arange(int(1.2 * rt60_s * rate_hz)) / rate_hz
    tail = rng.standard_normal(len(t)) * np.exp(-6.91 * t / rt60_s)
    tail[: int(0.0025 * rate_hz)] = 0.0  # the first reflections arrive a few ms after the direct sound
    tail *= 10 ** (-direct_to_reverb_db / 20) / np.sqrt(np.sum(tail**2))
    tail[0] = 1.0
    return tail


def echo_delays(n_samples: int, *, rate_hz: int, seed: int, jitter: bool) -> np.ndarray:
    """The echo's delay in samples at each sample: one delay drawn per session, or (`jitter`) a delay that moves."""
    rng = np.random.default_rng([seed, 79])
    if not jitter:
        return np.full(n_samples, round(rng.uniform(*ECHO_DELAY_S) * rate_hz))
    delays = np.empty(n_samples, dtype=np.int64)
    low, high = (round(s * rate_hz) for s in ECHO_JITTER_DELAY_S)
    delay, start = round(rng.uniform(*ECHO_DELAY_S) * rate_hz), 0
    while start < n_samples:
        end = start + round(rng.uniform(*ECHO_JITTER_EVERY_S) * rate_hz)
        delays[start:end] = delay
        move = round(rng.uniform(*ECHO_JITTER_MOVE_S) * rate_hz) * (1 if rng.random() < 0.5 else -1)
        delay = delay + move if low <= delay + move <= high else delay - move
        start = end
    return delays


def echo_of(column: np.ndarray, *, rate_hz: int, seed: int, condition: str) -> np.ndarray:
    """The agent's voice as it comes back on the caller's line (see the module's docstring)."""
    from scipy import signal

    voice = column.astype(np.float64)
    if condition == "echoroom":
        rt60_s = float(np.random.default_rng([seed, 83]).uniform(*ROOM_RT60_S))
        voice = signal.fftconvolve(voice, room_response(rt60_s=rt60_s, rate_hz=rate_hz, seed=seed))[: len(voice)]
    sos = signal.butter(4, ECHO_BAND_HZ, btype="bandpass", fs=rate_hz, output="sos")
    band = signal.sosfilt(sos, voice) * 10 ** (-ECHO_CONDITIONS[condition] / 20)
    source = np.arange(len(column)) - echo_delays(len(column), rate_hz=rate_hz, seed=seed,
                                                   jitter=condition == "echojit")
    return np.where(source >= 0, band[np.maximum(source, 0)], 0.0).astype(np.float32)


def apply(samples: np.ndarray, rate_hz: int, condition: str, seed: int, *,
          calm_dbfs: Sequence[float]) -> tuple[np.ndarray, int]:
    """One fault; ``calm_dbfs``: each channel's calm active-speech level. Returns the samples and their rate."""
    out = samples.astype(np.float32, copy=True)
    columns = out.reshape(len(out), -1)
    if condition == "dc":
        columns[:, 0] = np.clip(columns[:, 0] + np.float32(DC_OFFSET), -1.0, 1.0)
        return out, rate_hz
    if condition == "hum":
        for channel in range(columns.shape[1]):
            gain = np.float32(10 ** ((calm_dbfs[channel] - HUM_BELOW_SPEECH_DB) / 20))
            columns[:, channel] += mains_hum(len(out), rate_hz=rate_hz, seed=seed * 7 + channel) * gain
        return out, rate_hz
    if condition in CODECS:
        gains = [np.float32(10 ** ((LINE_CODEC_CALM_DBFS - calm) / 20)) for calm in calm_dbfs]
        coded = [codec_round_trip(columns[:, channel] * gains[channel], rate_hz=rate_hz, condition=condition)
                 for channel in range(columns.shape[1])]
        stacked = np.stack(coded, axis=1)
        return (stacked[:, 0] if samples.ndim == 1 else stacked), LINE_CODEC_RATE_HZ
    if condition == "loss5":
        if columns.shape[1] > CALLER_CHANNEL:
            packet = round(PACKET_S * rate_hz)
            lost = np.repeat(lost_packets(-(-len(out) // packet), seed=seed), packet)[: len(out)]
            columns[lost, CALLER_CHANNEL] = 0.0
        return out, rate_hz
    if condition == "dtx" or condition in ECHO_CONDITIONS:
        if columns.shape[1] > CALLER_CHANNEL:
            caller = columns[:, CALLER_CHANNEL]
            if condition == "dtx":
                columns[:, CALLER_CHANNEL] = dtx_gate(caller, rate_hz=rate_hz, calm_dbfs=calm_dbfs[CALLER_CHANNEL])
            else:
                echo = echo_of(columns[:, AGENT_CHANNEL], rate_hz=rate_hz, seed=seed, condition=condition)
                columns[:, CALLER_CHANNEL] = caller + echo
        return out, rate_hz
    raise ValueError(f"unknown line fault {condition!r}; choose from {', '.join(CONDITIONS)}")
