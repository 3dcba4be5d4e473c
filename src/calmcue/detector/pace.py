"""The agent's own usual pace for "Slow down": the median speaking rate over all their usual-paced speech so far.

The calibration alone (about 10 s of rate readings) pins the reference to a few sentences, and a 5-8 s rate
reading wanders with the words by 10-20 %, so a short reference is off by that much for the whole call (on the
pace benchmark's speakers the calibration's median read 0.84-1.09x, 10th-90th percentile, the median over their
later natural speech). This one keeps learning: every voiced speech frame's rate goes into a histogram of log
rates (calibration included), and the reference is its median. Readings LEARN_WITHIN or more times the current
reference are not learned, so a stretch of fast speech does not become the new usual pace (as the level baseline
never learns raised speech); nor are readings under 1 / LEARN_WITHIN of it, so what is learned is cut alike on
both sides of the median (cut on one side only, the median of a steady pace sank a few per cent over minutes of
talk, and 5 minutes at natural pace drew 22-48 % more "Slow down" episodes: the benchmark's results file). Old
readings fade: once the histogram holds MEMORY_FRAMES, every count is halved, so the reference follows a day's
drift but not a sentence's. A reference off by less than LEARN_WITHIN corrects itself (the readings learned lie
on one side of it and pull the median over); one off by more - a saved pace from a very different day - does
not, until a new microphone or a fresh calibration restarts it.

Cost: per voiced frame one list increment; the median is recomputed every UPDATE_FRAMES learned frames (a
cumulative sum over BINS counts).
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.timebase import HOP_S

LN_RATE_RANGE = (math.log(0.5), math.log(20.0))  # syllable pulses per second
BINS = 400  # 0.009 in ln units (about 1 %) a bin
LEARN_WITHIN = 1.2  # readings this far above the reference (probably fast speech), or as far below, are not learned
MEMORY_FRAMES = round(30 * 60 / HOP_S)  # about 30 minutes of voiced speech, then old counts fade by half
UPDATE_FRAMES = 100  # the median moves at most once a second of learned voicing
SEED_FRAMES = round(5 / HOP_S)  # a saved pace counts as 5 s of voiced readings, what a calibration holds ...
SEED_SPREAD_LN = 0.1  # ... spread as readings at a steady pace spread (about +-10 %: the benchmark's wander)


class PaceReference:
    """Median of the speaking rate over the speaker's usual-paced voiced speech (NaN until there is any)."""

    def __init__(self) -> None:
        self._counts: list[float] = []
        self._total = 0.0
        self._since_update = 0
        self.value = math.nan
        self.restart()

    def restart(self) -> None:
        """Learn afresh (a new microphone: the same voice may read differently)."""
        self._counts = [0.0] * BINS
        self._total = 0.0
        self._since_update = 0
        self.value = math.nan

    def seed(self, rate_syl_s: float) -> None:
        """Starts from a saved calibration's rate (when no speech has been learned yet): SEED_FRAMES readings
        spread around it as a steady pace's readings spread (SEED_SPREAD_LN), so new speech moves the median
        about as it moves a learned one."""
        if self._total > 0 or not rate_syl_s > 0 or not math.isfinite(rate_syl_s):
            return
        spread = np.linspace(-2.0, 2.0, 17)  # in units of SEED_SPREAD_LN
        weights = np.exp(-0.5 * np.square(spread))
        for offset, weight in zip(spread * SEED_SPREAD_LN, weights / weights.sum(), strict=True):
            self._add(rate_syl_s * math.exp(float(offset)), SEED_FRAMES * float(weight))
        self._update()
        self.value = rate_syl_s  # exactly the saved pace until speech moves the median (the bins are ~1 % wide)

    def observe(self, rate_syl_s: float, *, calibrating: bool) -> None:
        """One voiced speech frame's rate reading (NaN readings are skipped); while the speaker's baseline is
        `calibrating` every reading is learned (there is no usual pace to compare with yet)."""
        if not rate_syl_s > 0 or not math.isfinite(rate_syl_s):
            return
        usual = self.value
        if not calibrating and usual > 0 and not usual / LEARN_WITHIN < rate_syl_s < LEARN_WITHIN * usual:
            return
        self._add(rate_syl_s, 1.0)
        self._since_update += 1
        if self._since_update >= UPDATE_FRAMES or math.isnan(self.value):
            self._update()

    def _add(self, rate_syl_s: float, weight: float) -> None:
        lo, hi = LN_RATE_RANGE
        position = (math.log(rate_syl_s) - lo) / (hi - lo) * BINS
        self._counts[min(max(int(position), 0), BINS - 1)] += weight
        self._total += weight
        if self._total >= MEMORY_FRAMES:
            self._counts = [c * 0.5 for c in self._counts]
            self._total *= 0.5

    def _update(self) -> None:
        self._since_update = 0
        cumulative = np.cumsum(self._counts)
        index = int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))
        lo, hi = LN_RATE_RANGE
        self.value = math.exp(lo + (index + 0.5) / BINS * (hi - lo))
