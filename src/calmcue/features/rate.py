"""Speaking rate: syllables per second over the last few seconds of speech, from two cues that move with tempo.

Syllables are the loudness pulses of speech: the 300-3400 Hz band envelope rises and falls about once per
syllable, so its modulation spectrum has a broad hump at the syllable rate (about 2-8 Hz; Houtgast & Steeneken's
modulation transfer work, Ding et al. 2017), and played faster the whole hump moves up by the tempo factor on a
log-frequency axis. Two cues are read over the same speech frames (pauses would add the phrase rhythm):

- the modulation CENTROID: the mean log frequency of the envelope's modulation power per log frequency over
  CENTROID_BAND_HZ. Unlike the hump's peak (the estimator of earlier rounds), which jumped between ripples of the
  hump with the words and under-read faster speech by up to 25 % when it jumped down, the centroid moves smoothly.
  It moves LESS than the tempo (the band's fixed edges and the envelope's frame-to-frame flutter, which does not
  speed up, pull it towards the band's middle: at 1.6x it read 1.2-1.35x on the dev speech), so it is expanded
  about a typical value: CENTROID_SYLLABLES * (centroid / CENTROID_TYPICAL_HZ) ** CENTROID_EXPONENT;
- the VOICED-ONSET RATE: voiced runs of ONSET_MIN_VOICED_FRAMES after at least ONSET_MIN_GAP_FRAMES unvoiced
  frames (about one a syllable or word), per second of ARTICULATION time: voiced frames plus the unvoiced gaps of
  at most BRIDGE_GAP_FRAMES between them, not every frame the activity detector calls speech (its hangover after
  each phrase is fixed in seconds and does not speed up, so per speech second the count fell behind the tempo:
  40 s at 1.6x held 1.50-1.57x fewer speech frames, not 1.6x).

The estimate is their weighted geometric mean (ONSET_WEIGHT on the onsets). The weight and the exponent were
fitted on librosa-stretched speech of the tuned speakers (RAVDESS actors 1-3, LibriSpeech readers 367-2033) for
the steadiest reading that follows tempo, and CENTROID_SYLLABLES on the RAVDESS transcripts of actors 1-3 (7
syllables a sentence). In the pace benchmark the estimate follows a 1.2-1.6x tempo change within 3-7 % (median)
and 11-13 % (worst) where the peak-based one of the third round was off by 7-9 % and 11-26 %, and reads 0.99-1.19x
the transcript rate (was 0.83-1.01). The exponent partly corrects the phase vocoder's envelope (on an exactly
time-scaled envelope the centroid moves a little more), so a pure synthetic syllable train, whose centroid
scales exactly, reads fast (a 7 Hz train reads about 10 syl/s). benchmarks/results/detection_issue13_pace.txt
has the figures and the alternatives tried (a syllable-nuclei peak counter, the hump's peak and variants, other
centroid bands).
On speech SPOKEN faster (11 text-to-speech voices, benchmarks/tts_pace.py) the two cues err in opposite
directions - the expanded centroid over-reads (its exponent undoes the phase vocoder, which spoken-fast speech
has not been through), the onset rate under-reads where voicing is fragmented - and their mean follows the true
tempo within 2 % median, 7 % worst on the 4 voices of its tuned half, 6 % / 21 % on the 7 held out
(benchmarks/results/detection_issue13_pace_spoken.txt, with the variants tried there).

Cost: per speech hop a few ring-buffer updates; every UPDATE_FRAMES speech hops one batch of FFTs over the buffer
(at the default 6.5 s window 7 FFTs of 512 points and a dot product), 4-7 us per hop amortised
(benchmarks/eval_detection_pace.py prints the measured figure on its last line).

"Slow down" compares this rate with the speaker's usual pace, the median of it over all their usual-paced speech
(detector/pace.py), so what matters most is that it moves in proportion to tempo.
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.timebase import HOP_S

SUB_WINDOW_FRAMES = 256  # 2.56 s: resolves 1 Hz, short enough to average several over the window
SUB_HOP_FRAMES = 64
FFT_SIZE = 512
UPDATE_FRAMES = 20  # the centroid is recomputed every 0.2 s of speech
CENTROID_BAND_HZ = (1.0, 16.0)  # the syllable-rhythm band (and its harmonics) the centroid is taken over
CENTROID_TYPICAL_HZ = 5.0  # a typical centroid of conversational speech ...
CENTROID_SYLLABLES = 4.0  # ... read as this many syllables per second
CENTROID_EXPONENT = 2.2  # undoes the centroid's compression (it moves about 1 / 2.2 of a tempo change in log)
ONSET_WEIGHT = 0.4  # of the voiced-onset rate in the geometric mean (the centroid's share is the rest)
ONSET_MIN_VOICED_FRAMES = 3  # a voiced run this long (30 ms) after ...
ONSET_MIN_GAP_FRAMES = 2  # ... at least this many unvoiced speech frames is a voiced-segment onset
BRIDGE_GAP_FRAMES = 30  # unvoiced gaps up to 0.3 s between voiced frames count as articulation time

_BINS_HZ = np.fft.rfftfreq(FFT_SIZE, HOP_S)
_LOW_HZ, _HIGH_HZ = CENTROID_BAND_HZ
_IN_BAND = (_BINS_HZ >= _LOW_HZ) & (_BINS_HZ <= _HIGH_HZ)
_PER_LN_F = _BINS_HZ[_IN_BAND]  # power per ln f = power per Hz times f
_LN_F = np.log(_BINS_HZ[_IN_BAND])
_TAPER = np.hanning(SUB_WINDOW_FRAMES)
# the sub-windows' sample indices for envelopes up to 30 s of speech (longer ones are stacked slice by slice)
_SEGMENTS = np.arange(0, 3000, SUB_HOP_FRAMES)[:, None] + np.arange(SUB_WINDOW_FRAMES)


def modulation_weights(envelope: np.ndarray) -> np.ndarray:
    """The modulation power per ln f over CENTROID_BAND_HZ's bins of an amplitude envelope sampled every hop
    (averaged over 2.56 s sub-windows, each normalised so loud and soft ones count alike)."""
    count = (envelope.size - SUB_WINDOW_FRAMES) // SUB_HOP_FRAMES + 1
    # every sub-window in one indexing call, and the sums and means as add.reduce and a division (what np.mean
    # does, without its wrapper): a dozen fewer numpy calls every UPDATE_FRAMES speech frames, the same numbers
    segments = envelope[_SEGMENTS[:count]] if count <= len(_SEGMENTS) else \
        np.stack([envelope[s:s + SUB_WINDOW_FRAMES] for s in range(0, count * SUB_HOP_FRAMES, SUB_HOP_FRAMES)])
    segments = (segments - np.add.reduce(segments, axis=1, keepdims=True) / SUB_WINDOW_FRAMES) * _TAPER
    power = np.square(np.abs(np.fft.rfft(segments, FFT_SIZE, axis=1)))
    power /= np.add.reduce(power, axis=1, keepdims=True) + 1e-30
    return (np.add.reduce(power, axis=0) / count)[_IN_BAND] * _PER_LN_F


def modulation_centroid_hz(envelope: np.ndarray) -> float:
    """exp of the mean ln f of the envelope's modulation power per ln f over CENTROID_BAND_HZ (NaN when flat)."""
    weight = modulation_weights(envelope)
    total = float(weight.sum())
    return float(math.exp(float(weight @ _LN_F) / total)) if total > 0 else math.nan


def centroid_syllables(centroid_hz: float) -> float:
    """The centroid read as syllables per second (expanded about the typical value, so it follows tempo)."""
    return CENTROID_SYLLABLES * (centroid_hz / CENTROID_TYPICAL_HZ) ** CENTROID_EXPONENT


class SyllableRate:
    """Per-hop speaking rate (syllables per second) over the last `window_speech_s` of speech: the weighted
    geometric mean of the expanded modulation centroid and the voiced-onset rate per second of articulation."""

    def __init__(self, *, window_speech_s: float = 5.0) -> None:
        self.window_frames = max(round(window_speech_s / HOP_S), SUB_WINDOW_FRAMES)
        self._ring = np.zeros(self.window_frames)
        self._onsets = [False] * self.window_frames
        self._active = [0] * self.window_frames  # articulation frames each speech frame added
        self._onset_count = 0
        self._active_count = 0
        self._voiced_run = 0
        self._gap_run = ONSET_MIN_GAP_FRAMES  # the first voiced run counts as an onset
        self._since_voiced = -1  # unvoiced speech frames since the last voiced one (-1: none voiced yet)
        self._filled = 0  # speech frames held (up to the window)
        self._at = 0  # next write position in the ring
        self._since_update = 0
        self._centroid = math.nan  # in syllables per second, recomputed every UPDATE_FRAMES speech frames
        self._rate = math.nan

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        """Feeds one frame; returns the rate over the recent speech, NaN until 2.56 s of speech were heard."""
        if speech:
            at = self._at
            onset = self._is_onset(voiced)
            self._onset_count += onset - self._onsets[at]
            self._onsets[at] = onset
            added = self._articulation(voiced)
            self._active_count += added - self._active[at]
            self._active[at] = added
            self._ring[at] = 10.0 ** (band_db / 20.0)
            self._at = (at + 1) % self.window_frames
            self._filled = min(self._filled + 1, self.window_frames)
            self._since_update += 1
            if self._since_update >= UPDATE_FRAMES and self._filled >= SUB_WINDOW_FRAMES:
                self._since_update = 0
                self._update_envelope()
            self._rate = self._combined()
        return self._rate

    def _update_envelope(self) -> None:
        """Every UPDATE_FRAMES speech frames: the cue read from the held envelope (its modulation centroid)."""
        self._centroid = centroid_syllables(modulation_centroid_hz(self.recent_envelope()))

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

    def _articulation(self, voiced: bool) -> int:
        """Articulation frames this speech frame adds: 1 if voiced, plus the unvoiced gap just before it if that
        was short (BRIDGE_GAP_FRAMES); kept with the frame, so it leaves the window with it (a bridged gap is
        counted up to 0.3 s longer than its own frames are held, against a window of several seconds)."""
        if not voiced:
            if self._since_voiced >= 0:
                self._since_voiced += 1
            return 0
        gap, self._since_voiced = self._since_voiced, 0
        return 1 + (gap if 0 < gap <= BRIDGE_GAP_FRAMES else 0)

    def _combined(self) -> float:
        """Weighted geometric mean of the centroid's rate and the onset rate (the centroid alone while no
        articulation time is held)."""
        centroid = self._centroid
        if self._onset_count == 0 or self._active_count == 0 or math.isnan(centroid):
            return centroid
        onsets = self._onset_count / (self._active_count * HOP_S)
        return math.exp(ONSET_WEIGHT * math.log(onsets) + (1.0 - ONSET_WEIGHT) * math.log(centroid))

    def recent_envelope(self) -> np.ndarray:
        """The held speech frames' amplitude envelope, oldest first."""
        if self._filled < self.window_frames:
            return self._ring[:self._filled].copy()
        return np.concatenate((self._ring[self._at:], self._ring[:self._at]))  # np.roll's values, in one call
