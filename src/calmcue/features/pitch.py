"""F0 with periodicity: a vectorised YIN (de Cheveigné & Kawahara, 2002) and a frame-to-frame octave guard.

`yin` works on many windows at once (all channels and all hops that arrived together); `OctaveGuard` is the
small stateful part that runs frame by frame, live and in batch alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calmcue.timebase import ANALYSIS_RATE_HZ, LEVEL_WINDOW, PITCH_WINDOW

F0_MIN_HZ = 60.0
F0_MAX_HZ = 500.0
TAU_MIN = int(ANALYSIS_RATE_HZ // F0_MAX_HZ)  # 32 samples
TAU_MAX = math.ceil(ANALYSIS_RATE_HZ / F0_MIN_HZ)  # 267 samples
INTEGRATION = PITCH_WINDOW - TAU_MAX  # 533 samples, about two periods at 60 Hz
NFFT = PITCH_WINDOW  # the head (INTEGRATION) at lags up to TAU_MAX ends inside the window: no wrap-around
DIP_THRESHOLD = 0.15  # YIN's absolute threshold on the normalised difference


@dataclass(frozen=True)
class PitchTrack:
    """Per-window YIN result, shapes (...). `dprime` is kept so the octave guard can look at other lags."""

    f0_hz: np.ndarray
    aperiodicity: np.ndarray  # normalised difference at the chosen lag: 0 = perfectly periodic
    dprime: np.ndarray  # (..., TAU_MAX + 1)


def normalised_difference(windows: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """YIN's cumulative-mean-normalised difference d'(tau) for tau = 0..TAU_MAX; (..., n) -> (..., TAU_MAX+1),
    written into `out` when given (`yin`'s rows of a batch, chunk by chunk: no concatenation afterwards)."""
    x = np.asarray(windows[..., -PITCH_WINDOW:], np.float32)
    # numpy's FFT in float64 (its float32 path is several times slower on batches); not scipy.fft, whose import
    # (scipy.special, array-api glue) costs the tray about 18 MB of memory
    # the window and its head: one FFT call for both. Only the head's tail is zeroed: np.zeros of the whole
    # (a fresh block from the heap, so calloc clears it byte by byte) cost 6 % of a batch hop
    padded = np.empty((2, *x.shape[:-1], NFFT), np.float64)
    padded[0, ..., :PITCH_WINDOW] = x
    padded[1, ..., :INTEGRATION] = padded[0, ..., :INTEGRATION]  # the same values as x's, without a second cast
    padded[1, ..., INTEGRATION:] = 0.0
    spectra = np.fft.rfft(padded, axis=-1)
    cross = spectra[0]
    cross *= np.conjugate(spectra[1], out=spectra[1])  # in place: batches of 100 hops make these arrays megabytes
    correlation = np.fft.irfft(cross, NFFT, axis=-1)[..., : TAU_MAX + 1]
    head_energy, difference = _energy_spans(padded[0])  # the FFT has read the window: it may be squared in place
    # the same operations in the same order as max(span + (head energy - 2 correlation), 0), in place on the
    # inverse FFT's own output and the spans (a live hop's arrays are tiny: the allocations cost more)
    np.multiply(correlation, 2.0, out=correlation)
    np.subtract(head_energy[..., None], correlation, out=correlation)
    np.add(difference, correlation, out=difference)
    np.maximum(difference, 0.0, out=difference)
    # d'(tau) = d(tau) tau / max(running sum, tiny): the same three operations in the same order, written into
    # the output and the difference itself instead of three new arrays (in batch: 5-10 % of YIN's time)
    if out is None:
        out = np.empty_like(difference)
    running = np.add.accumulate(difference[..., 1:], axis=-1, out=out[..., 1:])
    np.maximum(running, 1e-12, out=running)
    weighted = np.multiply(difference[..., 1:], _LAGS, out=difference[..., 1:])
    np.divide(weighted, running, out=running)
    out[..., 0] = 1.0
    return out


_PAIRED_ROWS = 8  # from this many rows (a batch's chunk, not a live hop) the sums of squares go two rows a chain


def _energy_spans(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For float64 windows (..., PITCH_WINDOW), overwritten: the head's energy (...) and the energy of the
    INTEGRATION samples from each lag tau = 0..TAU_MAX on (..., TAU_MAX + 1), as differences of the running sum
    of squares.

    That running sum is a serial chain (each addition waits for the one before: about 4 ns a sample, a fifth of
    YIN's time in batch). With an even number of rows, two rows run through one chain as the real and imaginary
    parts of complex numbers: a complex addition is exactly the two float additions (the same bits), and the
    pair takes little more than the time of one row (measured: 97 -> 67 us for 32 rows, the squares included)."""
    count = windows.size // PITCH_WINDOW
    if count % 2 or count < _PAIRED_ROWS:  # one row a chain, in arrays of the windows' own shape (a live hop)
        sums = np.empty((*windows.shape[:-1], PITCH_WINDOW + 1))
        sums[..., 0] = 0.0
        # np.add.accumulate is what np.cumsum calls, without fromnumeric's wrapper (a few us a live hop)
        np.add.accumulate(np.square(windows, out=windows), axis=-1, out=sums[..., 1:])
        return sums[..., INTEGRATION], np.subtract(sums[..., INTEGRATION : INTEGRATION + TAU_MAX + 1],
                                                   sums[..., : TAU_MAX + 1])
    pairs = np.empty((count // 2, PITCH_WINDOW + 1, 2))  # rows 2k and 2k + 1 side by side, sample by sample
    pairs[:, 0] = 0.0
    np.square(windows.reshape(count // 2, 2, PITCH_WINDOW), out=pairs[:, 1:].transpose(0, 2, 1))
    chains = pairs.view(np.complex128)[..., 0]
    np.add.accumulate(chains[:, 1:], axis=-1, out=chains[:, 1:])
    by_row = pairs.transpose(0, 2, 1)  # (pairs, 2, samples)
    spans = np.empty((count, TAU_MAX + 1))
    np.subtract(by_row[..., INTEGRATION : INTEGRATION + TAU_MAX + 1], by_row[..., : TAU_MAX + 1],
                out=spans.reshape(count // 2, 2, TAU_MAX + 1))
    lead = windows.shape[:-1]
    return by_row[..., INTEGRATION].reshape(lead), spans.reshape(*lead, TAU_MAX + 1)


_LAGS = np.arange(1, TAU_MAX + 1, dtype=np.float64)
_SEARCH = np.arange(TAU_MAX + 1 - TAU_MIN)


def refine_lag(dprime: np.ndarray, lag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parabolic interpolation around integer lags of 2-D `dprime`; returns (fractional lag, value there)."""
    rows = np.arange(dprime.shape[0])
    lag = np.minimum(np.maximum(lag, 1), TAU_MAX - 1)  # np.clip costs several microseconds on tiny arrays
    left, mid, right = dprime[rows, lag - 1], dprime[rows, lag], dprime[rows, lag + 1]
    curvature = left - 2.0 * mid + right
    curved = curvature > 1e-12
    shift = np.where(curved, 0.5 * (left - right) / np.where(curved, curvature, 1.0), 0.0)
    np.minimum(np.maximum(shift, -0.5, out=shift), 0.5, out=shift)
    return lag + shift, np.maximum(mid - 0.25 * (left - right) * shift, 0.0)


def yin(windows: np.ndarray) -> PitchTrack:
    """YIN on windows (..., n >= PITCH_WINDOW) at the analysis rate: the first dip under the threshold."""
    shape = windows.shape[:-1]
    rows = windows.reshape(-1, windows.shape[-1])
    if rows.shape[0] > CHUNK_ROWS:
        dprime = np.empty((rows.shape[0], TAU_MAX + 1))
        for i in range(0, rows.shape[0], CHUNK_ROWS):
            normalised_difference(rows[i : i + CHUNK_ROWS], out=dprime[i : i + CHUNK_ROWS])
    else:
        dprime = normalised_difference(rows)
    if dprime.shape[0] < _FEW_ROWS:
        f0, aperiodicity = _pick_few(dprime)
    else:
        lag, aperiodicity = refine_lag(dprime, _first_dips(dprime))
        f0 = ANALYSIS_RATE_HZ / lag
    return PitchTrack(f0_hz=f0.reshape(shape), aperiodicity=aperiodicity.reshape(shape),
                      dprime=dprime.reshape((*shape, TAU_MAX + 1)))


def _first_dips(dprime: np.ndarray) -> np.ndarray:
    """Per row of 2-D `dprime`: the integer lag of the first dip under the threshold (walking down to the bottom
    of that dip), or of the global minimum in the search range when no dip goes under it."""
    search = dprime[:, TAU_MIN:]
    below = search < DIP_THRESHOLD
    first = np.where(below.any(axis=-1), np.argmax(below, axis=-1), search.shape[-1])
    falling = np.empty_like(below)
    np.less(search[:, 1:], search[:, :-1], out=falling[:, :-1])
    falling[:, -1] = False
    falling |= first[:, None] > _SEARCH  # before the first dip: keep walking
    return np.where(first < search.shape[-1], np.argmin(falling, axis=-1), np.argmin(search, axis=-1)) + TAU_MIN


# A batch (analyze's 1 s blocks: 200 windows) goes through the FFTs in chunks: the same numbers (numpy's FFT gives
# every row the same bits whatever the rows beside it), and the work arrays stay small enough to be reused from
# the heap instead of being mapped and faulted in afresh for every block (measured: 1.5-2x the batch speed).
CHUNK_ROWS = 32
_FEW_ROWS = 8  # under this many windows (a live hop or two), the dip search runs row by row on plain floats


def _pick_few(dprime: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_first_dips` and `refine_lag` for a few rows, one row at a time: the same comparisons and the same float
    operations in the same order (so the same bits), without the twenty-odd numpy calls that cost a live hop
    more than the maths."""
    f0, aperiodicity = np.empty(dprime.shape[0]), np.empty(dprime.shape[0])
    for r, row in enumerate(dprime):
        under = (row[TAU_MIN:] < DIP_THRESHOLD).nonzero()[0]  # np.flatnonzero without its ravel and wrapper
        if under.size:
            lag = TAU_MIN + int(under[0])
            values = row[lag:].tolist()  # from the dip on: the rest of the row is never read
            step = 0
            while lag + step < TAU_MAX and values[step + 1] < values[step]:  # down to the bottom of the first dip
                step += 1
            lag += step
        else:
            lag = TAU_MIN + int(row[TAU_MIN:].argmin())  # the method: np.argmin's wrapper costs more here
        f0[r], aperiodicity[r] = _refined(row, lag)
    return f0, aperiodicity


def _refined(row: np.ndarray, lag: int) -> tuple[float, float]:
    """`refine_lag` for one row and lag on plain floats (the same float operations in the same order): F0 in Hz
    and the aperiodicity there."""
    lag = min(max(lag, 1), TAU_MAX - 1)
    left, mid, right = float(row[lag - 1]), float(row[lag]), float(row[lag + 1])
    curvature = left - 2.0 * mid + right
    shift = min(max(0.5 * (left - right) / curvature, -0.5), 0.5) if curvature > 1e-12 else 0.0
    return ANALYSIS_RATE_HZ / (lag + shift), max(mid - 0.25 * (left - right) * shift, 0.0)


DROPOUT_PROBE = 16  # samples between the probes of a window (1 ms at 16 kHz)
DROPOUT_PROBES = 10  # this many probes in a row at exact zero: a run of at least 9 ms of digital silence


def dropout_windows(windows: np.ndarray) -> np.ndarray:
    """(..., n) -> (...): which windows hold a run of exact zeros (a lost packet played as silence, a device's
    dropout) amid sound. YIN reads the edge where the sound comes back as a period and calls it voiced."""
    probes = windows[..., ::DROPOUT_PROBE] == 0.0
    if np.count_nonzero(probes) < DROPOUT_PROBES:  # a live hop's usual case, quiet 16-bit audio's scattered zeros too
        return np.zeros(windows.shape[:-1], dtype=bool)
    runs, length = probes, 1  # runs[..., i]: probes i to i + length - 1 are all at zero
    while length < DROPOUT_PROBES:  # the run's length doubles each time (1, 2, 4, 8, 10): four steps
        step = min(length, DROPOUT_PROBES - length)
        runs, length = runs[..., :-step] & runs[..., step:], length + step
    return np.logical_or.reduce(runs, axis=-1)


def yin_where(windows: np.ndarray, where: np.ndarray) -> PitchTrack:
    """`yin` on the windows (..., n) where `where` (...) is True; elsewhere F0 and aperiodicity are NaN and the
    dprime rows are undefined. While nobody speaks (a muted mic, no call, a pause) this skips the pitch entirely."""
    shape = windows.shape[:-1]
    count = int(np.count_nonzero(where))
    if count == where.size:
        return yin(windows)
    f0, aperiodicity = np.full(shape, np.nan), np.full(shape, np.nan)
    dprime = np.empty((*shape, TAU_MAX + 1))
    if count:
        track = yin_audible(windows[where])  # digital silence: YIN's numbers for it, computed once
        f0[where], aperiodicity[where], dprime[where] = track.f0_hz, track.aperiodicity, track.dprime
    return PitchTrack(f0_hz=f0, aperiodicity=aperiodicity, dprime=dprime)


_ZERO_ROW: PitchTrack | None = None


def _zero_row() -> PitchTrack:
    """`yin` of one all-zero window (the same numbers whatever else is in the batch), computed once."""
    global _ZERO_ROW
    if _ZERO_ROW is None:
        _ZERO_ROW = yin(np.zeros((1, PITCH_WINDOW), np.float32))
    return _ZERO_ROW


def yin_audible(windows: np.ndarray) -> PitchTrack:
    """`yin` with the same numbers, skipping the windows of digital silence (a muted mic, no call, a call stream
    that sends zeros between calls): their row is the same for every such window, so it is computed once."""
    silent = ~windows[..., -PITCH_WINDOW:].any(axis=-1)
    count = int(np.count_nonzero(silent))
    if count == 0:
        return yin(windows)
    zero = _zero_row()
    shape = windows.shape[:-1]
    f0, aperiodicity = np.full(shape, zero.f0_hz[0]), np.full(shape, zero.aperiodicity[0])
    dprime = np.empty((*shape, TAU_MAX + 1))
    dprime[silent] = zero.dprime[0]
    if count < silent.size:
        track = yin(windows[~silent])
        f0[~silent], aperiodicity[~silent], dprime[~silent] = track.f0_hz, track.aperiodicity, track.dprime
    return PitchTrack(f0_hz=f0, aperiodicity=aperiodicity, dprime=dprime)


_HALF = LEVEL_WINDOW // 2
_HALF_LAGS = np.arange(1, _HALF + 1, dtype=np.float64)


def silent_windows(windows: np.ndarray) -> np.ndarray:
    """(...): the windows (..., n) whose pitch window holds only zeros (digital silence)."""
    return np.logical_not(windows[..., -PITCH_WINDOW:].any(axis=-1))


def stand_in_periodicity(power: np.ndarray, *, silent: np.ndarray) -> np.ndarray:
    """A cheap periodicity (0..1) for windows where nobody has spoken for a while (the extractor's quiet path),
    given their power spectra (k, 257) and which of them are digital silence (`silent_windows`, (k,): the
    extractor reads that once a block for every window, instead of copying the quiet ones' samples out),
    where only the activity model reads it: YIN's own measure - the cumulative-mean-normalised difference,
    its minimum over YIN's lags - taken from the level window's autocorrelation (one 512-point inverse FFT of the
    power spectrum (k, 257) already computed, lags up to half the window) instead of YIN's three larger FFTs.

    The normalisation matters: a plain autocorrelation peak reads coloured noise (a fan's low rumble, pink noise)
    as periodic, and the model then calls it music. Measured against YIN on steady noise (mean periodicity,
    mean absolute difference per frame): white 0.13 against 0.12 (0.02), pink 0.08 against 0.09 (0.07).
    Digital silence keeps YIN's own value (the same numbers as before)."""
    out = np.full(silent.shape, max(1.0 - float(_zero_row().aperiodicity[0]), 0.0))
    sounding = ~silent
    if sounding.any():
        correlation = np.fft.irfft(power[sounding], n=LEVEL_WINDOW, axis=-1)[:, : _HALF + 1]
        difference = np.maximum(2.0 * (correlation[:, :1] - correlation[:, 1:]), 0.0)
        normalised = difference * _HALF_LAGS / np.maximum(np.cumsum(difference, axis=-1), 1e-30)
        out[sounding] = np.maximum(1.0 - normalised[:, TAU_MIN - 1 :].min(axis=-1), 0.0)
    return out


def octave_alternative(dprime_row: np.ndarray, f0_hz: float, *, factor: float) -> tuple[float, float]:
    """F0 and aperiodicity of the deepest dip near the lag of f0 * factor (NaN, inf when out of range)."""
    centre = round(ANALYSIS_RATE_HZ / (f0_hz * factor))
    if not TAU_MIN + 1 <= centre <= TAU_MAX - 1:
        return math.nan, math.inf
    low, high = max(TAU_MIN, centre - 2), min(TAU_MAX - 1, centre + 2)
    best = low + int(dprime_row[low : high + 1].argmin())  # the method: np.argmin's wrapper costs more here
    return _refined(dprime_row, best)  # on plain floats: refine_lag's dozen numpy calls cost more than the maths


class OctaveGuard:
    """Keeps a voiced track from jumping an octave between neighbouring frames.

    When a frame's F0 is about twice (or half) the recent track and the other octave's dip is as deep (going
    down) or almost as deep (going up), the other octave wins. Going down is held to the stricter rule because
    a wrong low start would otherwise drag the following correct frames down with it (measured on FDA-UE: a
    symmetric tolerance of 0.12 doubled the female speaker's gross errors). The recent track forgets after
    `memory_frames` unvoiced frames.
    """

    def __init__(self, *, down_tolerance: float = 0.0, up_tolerance: float = 0.05, memory_frames: int = 15) -> None:
        self.down_tolerance = down_tolerance
        self.up_tolerance = up_tolerance
        self.memory_frames = memory_frames
        self._recent_log_f0 = math.nan
        self._unvoiced_run = memory_frames

    def step(self, f0_hz: float, aperiodicity: float, dprime_row: np.ndarray, *, voiced: bool) -> float:
        """Returns the guarded F0 in Hz (NaN when unvoiced)."""
        if not voiced:
            return self.unvoiced()
        remembered = self._unvoiced_run < self.memory_frames
        if remembered:
            jump = math.log2(f0_hz) - self._recent_log_f0
            if abs(jump) > 0.75:
                down = jump > 0  # this frame is an octave above the track: the candidate is one octave down
                other, other_aperiodicity = octave_alternative(dprime_row, f0_hz, factor=0.5 if down else 2.0)
                if other_aperiodicity <= aperiodicity + (self.down_tolerance if down else self.up_tolerance):
                    f0_hz = other
        log_f0 = math.log2(f0_hz)
        self._recent_log_f0 = self._recent_log_f0 + 0.3 * (log_f0 - self._recent_log_f0) if remembered else log_f0
        self._unvoiced_run = 0
        return f0_hz

    def unvoiced(self) -> float:
        """`step` of an unvoiced frame (NaN), without its arguments: the trackers' loop takes no dprime row then."""
        self._unvoiced_run += 1
        return math.nan
