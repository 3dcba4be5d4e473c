"""Speaking rate: the syllable rhythm of the last few seconds of speech, from the envelope's modulation spectrum.

Syllables are the loudness pulses of speech: the 300-3400 Hz band envelope rises and falls once per syllable, so
its modulation spectrum has a broad hump at the syllable rate (about 2-8 Hz; Houtgast & Steeneken's modulation
transfer work, Ding et al. 2017). Played faster, every pulse comes sooner and the whole hump moves up by the
tempo factor on a log-frequency axis. A peak picker that counts nuclei (de Jong & Wempe, 2009) misses more dips
as speech gets faster (measured on the dev speech: up to about 30 % of the nuclei gone at 1.6x, where dips fill
in), so its count does not follow tempo; the hump's position does. The first cue is the peak of the hump after
smoothing it across log frequency (a shift of the whole shape, not the tallest ripple), over speech frames only
(pauses would add the phrase rhythm).

A second cue steadies it: the rate of voiced-segment onsets (a voiced run after an unvoiced gap, about one per
syllable or word in connected speech) over the same speech frames. Alone it follows tempo less well (at 1.6x the
voicing detector merges short gaps) and the modulation peak alone jumps between ripples of the hump with the
words; their geometric mean (the estimate) wanders less than the peak alone and follows tempo better than
the onsets alone (95th percentile over the median at a steady pace: 1.11-1.54
against 1.15-1.93 for the peak alone on LibriSpeech and RAVDESS; benchmarks/results/detection_issue13_pace.txt).

Cost: per speech hop one append to two ring buffers; every UPDATE_FRAMES speech hops one batch of FFTs over the
buffer (at the default 6.5 s window: 7 FFTs of 512 points and a 64x257 matrix-vector product, about 60 us), so
about 4 us per hop amortised (benchmarks/eval_detection_pace.py prints the measured figure on its last line).
The peak is recomputed every 0.2 s and the combined estimate moves every hop, so a cue's time hardly depends on
where in the stream the count started (the demo started part-way gives the whole call's cues).

"Slow down" compares this rate with the speaker's usual pace, the median of it over all their usual-paced speech
(detector/pace.py).

Against transcripts (RAVDESS: 7 syllables a sentence) it reads 0.76-0.97x the true syllables per second: it is
a rhythm, and stressed syllables pulse harder than the rest. "Slow down" compares the rate with the speaker's own
calibrated rate, so what matters is that it moves in proportion to tempo.
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.timebase import HOP_S

SUB_WINDOW_FRAMES = 256  # 2.56 s: long enough to resolve 1.5 Hz, short enough to average several over the window
SUB_HOP_FRAMES = 64
FFT_SIZE = 512
UPDATE_FRAMES = 20  # the modulation peak is recomputed every 0.2 s of speech (0.1 s: the same cues, twice the cost)
BAND_HZ = (1.5, 12.0)  # the syllable-rhythm band searched for the peak
GRID_POINTS = 64  # log-frequency grid over BAND_HZ widened by the smoothing
SMOOTH_OCTAVES = 0.58  # Gaussian smoothing across log frequency (sigma 0.4 in natural log units)
_SIGMA_LN = SMOOTH_OCTAVES * math.log(2.0)
ONSET_MIN_VOICED_FRAMES = 3  # a voiced run this long (30 ms) after ...
ONSET_MIN_GAP_FRAMES = 2  # ... at least this many unvoiced speech frames is a voiced-segment onset


def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log-frequency grid, matrix FFT bins -> smoothed power per ln f on the grid, mask of the searched band)."""
    lo, hi = BAND_HZ[0] * math.exp(-2 * _SIGMA_LN), BAND_HZ[1] * math.exp(2 * _SIGMA_LN)
    ln_grid = np.linspace(math.log(lo), math.log(hi), GRID_POINTS)
    bins_hz = np.fft.rfftfreq(FFT_SIZE, HOP_S)
    # linear interpolation of the power spectrum at each grid frequency, as a matrix; times f: power per ln f
    position = np.exp(ln_grid) / bins_hz[1]
    left = np.floor(position).astype(int)
    weight = position - left
    interp = np.zeros((GRID_POINTS, bins_hz.size))
    interp[np.arange(GRID_POINTS), left] = 1.0 - weight
    interp[np.arange(GRID_POINTS), left + 1] = weight
    interp *= np.exp(ln_grid)[:, None]
    smooth = np.exp(-0.5 * np.square((ln_grid[:, None] - ln_grid[None, :]) / _SIGMA_LN))
    band = (ln_grid >= math.log(BAND_HZ[0])) & (ln_grid <= math.log(BAND_HZ[1]))
    return ln_grid, smooth @ interp, band


_LN_GRID, _TO_GRID, _BAND = _grid()
_TAPER = np.hanning(SUB_WINDOW_FRAMES)


def rhythm_hz(envelope: np.ndarray) -> float:
    """Peak of the log-frequency-smoothed modulation spectrum of an amplitude envelope sampled every hop."""
    starts = range(0, envelope.size - SUB_WINDOW_FRAMES + 1, SUB_HOP_FRAMES)
    segments = np.stack([envelope[s:s + SUB_WINDOW_FRAMES] for s in starts])
    segments = (segments - segments.mean(axis=1, keepdims=True)) * _TAPER
    power = np.square(np.abs(np.fft.rfft(segments, FFT_SIZE, axis=1)))
    power /= power.sum(axis=1, keepdims=True) + 1e-30  # each sub-window counts alike, loud or soft
    hump = _TO_GRID @ power.mean(axis=0)
    hump = np.where(_BAND, hump, -np.inf)
    i = int(np.argmax(hump))
    if not _BAND[i - 1] or not _BAND[i + 1]:
        return float(math.exp(_LN_GRID[i]))
    left, mid, right = hump[i - 1], hump[i], hump[i + 1]  # parabolic refinement between grid points
    bend = left - 2.0 * mid + right
    offset = 0.5 * (left - right) / bend if bend < 0 else 0.0
    return float(math.exp(_LN_GRID[i] + offset * (_LN_GRID[1] - _LN_GRID[0])))


class SyllableRate:
    """Per-hop speaking rate (syllable pulses per second) over the last `window_speech_s` of speech.

    Two cues over the same speech frames, combined as a geometric mean: the modulation-spectrum peak
    (`rhythm_hz`) and the rate of voiced-segment onsets (a voiced run of ONSET_MIN_VOICED_FRAMES after at least
    ONSET_MIN_GAP_FRAMES unvoiced speech frames). Each wanders with the words in a different way, so their mean
    is steadier than either (benchmarks/eval_detection_pace.py); both move with tempo.
    """

    def __init__(self, *, window_speech_s: float = 5.0) -> None:
        self.window_frames = max(round(window_speech_s / HOP_S), SUB_WINDOW_FRAMES)
        self._ring = np.zeros(self.window_frames)
        self._onsets = np.zeros(self.window_frames, dtype=bool)
        self._onset_count = 0
        self._voiced_run = 0
        self._gap_run = ONSET_MIN_GAP_FRAMES  # the first voiced run counts as an onset
        self._filled = 0  # speech frames held (up to the window)
        self._at = 0  # next write position in the ring
        self._since_update = 0
        self._rhythm = math.nan  # the modulation peak, recomputed every UPDATE_FRAMES speech frames
        self._rate = math.nan

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        """Feeds one frame; returns the rate over the recent speech, NaN until 2.56 s of speech were heard."""
        if speech:
            onset = self._is_onset(voiced)
            self._onset_count += int(onset) - int(self._onsets[self._at])
            self._onsets[self._at] = onset
            self._ring[self._at] = 10.0 ** (band_db / 20.0)
            self._at = (self._at + 1) % self.window_frames
            self._filled = min(self._filled + 1, self.window_frames)
            self._since_update += 1
            if self._since_update >= UPDATE_FRAMES and self._filled >= SUB_WINDOW_FRAMES:
                self._since_update = 0
                self._rhythm = rhythm_hz(self.recent_envelope())
            self._rate = self._combined(self._rhythm)
        return self._rate

    def _is_onset(self, voiced: bool) -> bool:
        """True on the speech frame where a voiced run that follows an unvoiced gap becomes long enough."""
        if not voiced:
            self._voiced_run = 0
            self._gap_run += 1
            return False
        self._voiced_run += 1
        if self._voiced_run == ONSET_MIN_VOICED_FRAMES:
            onset, self._gap_run = self._gap_run >= ONSET_MIN_GAP_FRAMES, 0
            return onset
        return False

    def _combined(self, rhythm: float) -> float:
        """Geometric mean of the modulation peak and the voiced-onset rate (the peak alone while no onsets)."""
        if self._onset_count == 0 or math.isnan(rhythm):
            return rhythm
        return math.sqrt(rhythm * self._onset_count / (self._filled * HOP_S))

    def recent_envelope(self) -> np.ndarray:
        """The held speech frames' amplitude envelope, oldest first."""
        if self._filled < self.window_frames:
            return self._ring[:self._filled].copy()
        return np.roll(self._ring, -self._at)
