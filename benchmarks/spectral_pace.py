"""Speaking pace from how fast the spectrum moves: the correlation time of the log-mel trajectory over voiced speech.

Issue 13 item 6, branch velocity13: MEASURED, NOT SHIPPED (features/rate.py is unchanged). Combined with rate.py's
syllable rate (`combined_rate`) it follows tempo better and wanders less at a steady pace, but at the threshold the
tuned halves allow it catches fewer 1.35x stretches there: benchmarks/results/detection_velocity13.txt. Kept here
to be measured (benchmarks/pace_replay.py --rate combined; benchmarks/spectral_speed.py).

Played or spoken faster, the same sequence of spectra is gone through faster. Rather than count events (syllables,
which vary a lot in number between natural sentences), this reads how long the spectrum stays alike: over the last
few seconds of speech, the autocorrelation of the per-band mean-removed log-mel spectrum (300-3400 Hz, which a
telephone line keeps) over pairs of voiced frames, and the lag at which it first falls to LEVEL. Time-scaling the
speech by a factor scales that lag by its inverse, whatever the words; a gain change moves every band alike and
the mean removal takes it out. The pace is PACE_SCALE / that lag; `combined_rate` is its geometric mean with
rate.py's syllable rate (the two err independently enough that the mean wanders less at a steady pace than
either).

Noise: each band is floored at its NOISE_PERCENTILE over the held speech frames plus NOISE_MARGIN_DB, so a band
while it holds only noise (or a codec's hiss) sits at a constant and neither correlates nor decorrelates.

Why a correlation time and not the mean frame-to-frame change: the change per second (a "speed") moves far less
than the tempo (1.35x read 1.08-1.24x on the pace benchmark's RAVDESS actors): the frame-to-frame spread of a
32 ms power spectrum's log does not speed up, and the change over any span saturates within a phone. The lag at
which the correlation falls is a ratio of the trajectory's own time scale, so it carries no such floor
(benchmarks/results/detection_velocity13.txt).

Cost: per speech hop one row copied into a ring; every UPDATE_FRAMES speech hops a partition for the floors and
a pass over the held frames for each lag until the correlation falls (eval_detection_pace.py's pace_cost_per_hop_us:
15-30 us per hop on this loaded machine with the log-mel, against 4-10 us for rate.py's step: over the ~5 us aim).
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.timebase import ANALYSIS_RATE_HZ, HOP_S, LEVEL_WINDOW

MEL_BANDS = 20
MEL_RANGE_HZ = (300.0, 3400.0)
LEVEL = 0.6  # the correlation at which the lag is read (about where a phone gives way to the next)
MAX_LAG_FRAMES = 16  # 0.16 s: natural speech falls to LEVEL within 3-8 frames
UPDATE_FRAMES = 25  # the lag is read every 0.25 s of speech ...
FLOOR_UPDATES = 8  # ... and the bands' noise floors every eighth time (2 s), ...
FLOOR_EVERY_FRAMES = 4  # ... from every fourth held frame (a percentile needs no more)
MIN_PAIRS = 100  # voiced frames the window must hold before the lag is read
NOISE_PERCENTILE = 10  # a band's floor: this percentile of it over the held speech frames ...
NOISE_MARGIN_DB = 6.0  # ... plus this
PEAK_RANGE_DB = 45.0  # and no band under the frame's loudest minus this
PACE_SCALE = 0.15  # syllables per second at a 1 s correlation time: natural speech's correlation time is 30-60 ms,
# and at this scale the pace reads about what rate.py does (its median over 2 min of the pace benchmark's 16 natural
# speakers 0.8-1.4x rate.py's), so the two can be averaged and saved calibrations keep their meaning


def mel_matrix() -> np.ndarray:
    """(257, MEL_BANDS) triangular filters on the mel scale over the 32 ms power spectrum's bins."""
    def mel(f_hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f_hz / 700.0)

    edges_mel = np.linspace(mel(np.array(MEL_RANGE_HZ[0])), mel(np.array(MEL_RANGE_HZ[1])), MEL_BANDS + 2)
    edges = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(LEVEL_WINDOW, 1.0 / ANALYSIS_RATE_HZ)
    rising = (bins[:, None] - edges[None, :-2]) / (edges[1:-1] - edges[:-2])
    falling = (edges[None, 2:] - bins[:, None]) / (edges[2:] - edges[1:-1])
    return np.clip(np.minimum(rising, falling), 0.0, None)


_MEL = mel_matrix()


def log_mel_db(power: np.ndarray) -> np.ndarray:
    """(..., 257) power spectra -> (..., MEL_BANDS) band powers in dB."""
    mel = power @ _MEL
    mel += 1e-20
    return 10.0 * np.log10(mel)


def floors_db(mel_db: np.ndarray) -> np.ndarray:
    """(bands, frames) -> each band's NOISE_PERCENTILE over every FLOOR_EVERY_FRAMES-th frame plus NOISE_MARGIN_DB,
    as a (bands, 1)."""
    some = mel_db[:, ::FLOOR_EVERY_FRAMES]
    rank = some.shape[1] * NOISE_PERCENTILE // 100
    return np.partition(some, rank, axis=1)[:, rank:rank + 1] + NOISE_MARGIN_DB


def correlation_time_frames(mel_db: np.ndarray, voiced: np.ndarray, floors: np.ndarray) -> float:
    """The lag (frames, interpolated) at which the autocorrelation of the floored, per-band mean-removed log-mel
    trajectory `mel_db` (bands, frames; oldest first) over the pairs of `voiced` frames first falls to LEVEL; NaN
    with fewer than MIN_PAIRS voiced frames or no fall within MAX_LAG_FRAMES. (Products by einsum, not `@`: a
    BLAS dot of this length may wake its threads, which on a loaded machine cost 100 times the sum itself.)"""
    count = int(np.count_nonzero(voiced))
    if count < MIN_PAIRS:
        return math.nan
    floored = np.maximum(mel_db, floors)
    np.maximum(floored, np.maximum.reduce(floored, axis=0) - PEAK_RANGE_DB, out=floored)
    floored *= voiced
    floored -= np.einsum("bt->b", floored)[:, None] / count
    floored *= voiced  # the mean taken out of the voiced frames only; unvoiced ones hold zeros
    power = float(np.einsum("bt,bt->", floored, floored)) / count
    if power <= 0:
        return math.nan
    before = 1.0
    for lag in range(1, MAX_LAG_FRAMES + 1):
        pairs = int(np.count_nonzero(voiced[lag:] & voiced[:-lag]))
        now = float(np.einsum("bt,bt->", floored[:, lag:], floored[:, :-lag])) / max(pairs, 1) / power
        if now < LEVEL:
            return lag - 1 + (before - LEVEL) / (before - now)
        before = now
    return math.nan


class SpectralPace:
    """Per-frame pace (PACE_SCALE / the spectrum's correlation time) over the last `window_speech_s` of speech."""

    def __init__(self, *, window_speech_s: float = 6.5) -> None:
        frames = self.window_frames = round(window_speech_s / HOP_S)
        # every held speech frame's log-mel and voicing, each held twice (at i and i + frames) so the window is
        # one slice (turned bands-first when read: the partition and the products then run along memory)
        self._rows = np.zeros((2 * frames, MEL_BANDS))
        self._voiced = np.zeros(2 * frames, bool)
        self._floors = np.full((MEL_BANDS, 1), -np.inf)
        self._filled = 0
        self._at = 0
        self._since_update = 0
        self._updates = 0
        self.value = math.nan

    def process(self, mel_db: np.ndarray, voiced: np.ndarray, speech: np.ndarray) -> np.ndarray:
        """(hops, MEL_BANDS) dB, (hops,) voicing and speech decisions -> (hops,) the pace after each frame (NaN
        until the window holds MIN_PAIRS voiced frames; held through pauses: it reads speech frames only)."""
        out = np.empty(len(mel_db))
        frames = self.window_frames
        for index, (is_speech, is_voiced) in enumerate(zip(speech.tolist(), voiced.tolist(), strict=True)):
            if is_speech:
                at = self._at
                self._rows[at] = self._rows[at + frames] = mel_db[index]
                self._voiced[at] = self._voiced[at + frames] = is_voiced
                self._at = (at + 1) % frames
                if self._filled < frames:
                    self._filled += 1
                self._since_update += 1
                if self._since_update >= UPDATE_FRAMES:
                    self._since_update = 0
                    self._update()
            out[index] = self.value
        return out

    def _update(self) -> None:
        start = self._at if self._filled == self.window_frames else 0
        window = slice(start, start + self._filled)
        rows = self._rows[window].T.copy()
        if self._updates % FLOOR_UPDATES == 0:
            self._floors = floors_db(rows)
        self._updates += 1
        lag = correlation_time_frames(rows, self._voiced[window], self._floors)
        self.value = PACE_SCALE / (lag * HOP_S) if lag > 0 else math.nan


def combined_rate(syllables_s: np.ndarray, pace: np.ndarray) -> np.ndarray:
    """The geometric mean of rate.py's syllable rate and this pace, frame by frame (NaN until both read)."""
    with np.errstate(invalid="ignore"):
        return np.sqrt(syllables_s * pace)
