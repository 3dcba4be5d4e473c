"""A speaking rate LEARNED from pairs (issue 13 item 6, seventh round): measured, NOT shipped (rate.py is unchanged).

"Slow down" compares the rate with the speaker's usual pace (detector/pace.py), so what the rate needs is a LOG
that moves by ln(tempo) when the same speaker speaks faster; its absolute scale matters little. This estimator
reads five cues over the held speech frames and learns how to weigh them from pairs of the same speech at known
tempos (benchmarks/train_rate.py; no transcripts needed):

- the modulation CENTROID of the 300-3400 Hz band envelope over CENTROID_BAND_HZ (as rate.py's);
- MEAN CROSSINGS: upward crossings of its own mean by the log envelope smoothed over 30 ms, per second (about one
  a loudness pulse; a gain change cannot move it);
- VOICED ONSETS per second of ARTICULATION (as rate.py's);
- the ARTICULATION share and the VOICED share of the held speech frames.

The rate is exp(RATE_OFFSET + RATE_WEIGHTS . cues), the cues in CUE_NAMES order, fitted by ridge least squares on
LibriSpeech train-clean-100 (251 readers, CC BY 4.0), LJ Speech (public domain) and CMU ARCTIC (permissive)
time-stretched 0.8-1.6x, plus same-pace pairs (other words of the same reader; the same words with 0.3 s longer
pauses), each weighted 5 (train_rate.py --steady 5 --pauses 5). On the fit's held-out readers it beat rate.py's
estimate (tempo error median 6.2 % against 8.0 %, worst 25.4 % against 28.9 %, steady-pace spread 0.101 against
0.114), but on the pace benchmark's held-out halves it did not beat it everywhere (tempo error on LibriSpeech
readers 2414-3331 4 / 11 / 16 % against 3 / 10 / 13 %; fewer catches at the threshold the tuned halves allow), so
it is kept here to be measured (`eval_detection_pace.py --rate learned`), not shipped:
benchmarks/results/detection_pace7.txt has the figures.

It has rate.py's step interface (SyllableRate.step), so the benchmark swaps it into the engine's trackers. Cost:
per speech hop a few ring-buffer updates; every UPDATE_FRAMES speech hops one batch of FFTs, a smoothing and the
five-term sum (the eval prints the measured per-hop figure).
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.features.rate import SUB_WINDOW_FRAMES, SyllableRate, modulation_centroid_hz
from calmcue.timebase import HOP_S

CROSSING_SMOOTH_FRAMES = 3  # the log envelope is smoothed over 30 ms before its mean crossings are counted
CUE_NAMES = ("ln centroid Hz", "ln mean crossings per s", "ln onsets per articulation s", "ln articulation share",
             "ln voiced share")
# ln rate = RATE_OFFSET + RATE_WEIGHTS . cues (CUE_NAMES order): fitted by train_rate.py --steady 5 --pauses 5
RATE_WEIGHTS = (0.8355, 0.2725, 0.3830, 0.0330, -0.2557)
RATE_OFFSET = -0.9783

__all__ = ["CUE_NAMES", "SUB_WINDOW_FRAMES", "LearnedRate", "envelope_cues"]


def mean_crossings_per_s(envelope: np.ndarray) -> float:
    """Upward crossings of its own mean by the log envelope smoothed over CROSSING_SMOOTH_FRAMES, per second of
    envelope (about one a loudness pulse: a syllable count that a level change cannot move)."""
    smooth = np.convolve(np.log(np.maximum(envelope, 1e-5)), np.full(CROSSING_SMOOTH_FRAMES, 1.0), mode="valid")
    above = smooth > smooth.mean()
    return int(np.count_nonzero(above[1:] & ~above[:-1])) / (envelope.size * HOP_S)


def envelope_cues(envelope: np.ndarray) -> tuple[float, float]:
    """(ln centroid, ln mean crossings per s) of the envelope; NaN when it is flat. Crossings are smoothed by
    half a count so a window without any stays finite."""
    centroid = modulation_centroid_hz(envelope)
    crossings = mean_crossings_per_s(envelope) + 0.5 / (envelope.size * HOP_S)
    return (math.log(centroid), math.log(crossings)) if centroid > 0 else (math.nan, math.nan)


class LearnedRate(SyllableRate):
    """Per-hop speaking rate (syllables per second) over the last `window_speech_s` of speech: exp of a learned
    weighted sum of rate cues (CUE_NAMES) read over the held speech frames. SyllableRate's ring, onsets and
    articulation time, plus the voiced share; the rate moves only when the envelope's cues are read again."""

    def __init__(self, *, window_speech_s: float = 5.0) -> None:
        super().__init__(window_speech_s=window_speech_s)
        self._voiced = [False] * self.window_frames
        self._voiced_count = 0
        self._envelope_cues = (math.nan, math.nan)  # recomputed every UPDATE_FRAMES speech frames
        self._learned = math.nan

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        """Feeds one frame; returns the rate over the recent speech, NaN until 2.56 s of speech were heard."""
        if speech:
            at = self._at  # the slot SyllableRate.step is about to write
            self._voiced_count += voiced - self._voiced[at]
            self._voiced[at] = voiced
        return super().step(band_db, voiced, speech)

    def _update_envelope(self) -> None:
        self._envelope_cues = envelope_cues(self.recent_envelope())
        self._learned = self._weighted()

    def timing_cues(self) -> tuple[float, float, float]:
        """(ln onsets per articulation second, ln articulation share, ln voiced share) of the held speech frames,
        each count smoothed by half a count so an empty window stays finite."""
        held = max(self._filled, 1)
        active_s = (self._active_count + 0.5) * HOP_S
        return (math.log((self._onset_count + 0.5) / active_s), math.log((self._active_count + 0.5) / held),
                math.log((self._voiced_count + 0.5) / held))

    def cues(self) -> np.ndarray:
        """The rate cues (CUE_NAMES order) of the held speech as of the last spectral update."""
        return np.array((*self._envelope_cues, *self.timing_cues()))

    def _combined(self) -> float:
        return self._learned

    def _weighted(self) -> float:
        """exp(RATE_OFFSET + RATE_WEIGHTS . cues); NaN until the envelope's cues were first read."""
        centroid, crossings = self._envelope_cues
        if math.isnan(centroid):
            return math.nan
        onsets, articulation, voiced = self.timing_cues()
        w = RATE_WEIGHTS
        return math.exp(RATE_OFFSET + w[0] * centroid + w[1] * crossings + w[2] * onsets + w[3] * articulation
                        + w[4] * voiced)
