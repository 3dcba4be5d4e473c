"""Real FFTs along the last axis for the per-hop features: numpy's own transforms, called without numpy.fft's
Python wrapper where that can be done safely.

numpy >= 2.0 runs `np.fft.rfft` / `irfft` as gufuncs (`numpy.fft._pocketfft_umath`); the wrapper around them
(argument checks, the normalisation factor, the output's allocation) costs a live hop about 4 % of its instructions
for the three transforms it makes (issue 15, benchmarks/results/profiles/hop12.md). Calling the gufuncs with the
factor the wrapper would pass gives the same numbers, bit for bit: the same code does the maths. The module is
private to numpy, so it is used only when it imports and gives exactly `np.fft`'s bits on a probe at import;
otherwise (numpy 1.26, or a numpy that changed it) these functions are `np.fft`'s own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np

Transform = Callable[[np.ndarray, int], np.ndarray]


def _wrapped_rfft(x: np.ndarray, n: int) -> np.ndarray:
    return np.fft.rfft(x, n, axis=-1)


def _wrapped_irfft(x: np.ndarray, n: int) -> np.ndarray:
    return np.fft.irfft(x, n, axis=-1)


def _direct() -> tuple[Transform, Transform] | None:
    """The gufunc calls, or None when they cannot be trusted to be np.fft's (checked on a probe, bit for bit)."""
    try:
        pocketfft = importlib.import_module("numpy.fft._pocketfft_umath")
        forward_even, inverse = pocketfft.rfft_n_even, pocketfft.irfft

        def rfft(x: np.ndarray, n: int) -> np.ndarray:
            # float64 rows of an even length n, as the features make them; anything else (padding, cropping, an
            # odd length, another type) is the wrapper's business
            if n % 2 or x.shape[-1] != n or x.dtype != np.float64:
                return _wrapped_rfft(x, n)
            return forward_even(x, 1, out=np.empty((*x.shape[:-1], n // 2 + 1), np.complex128))

        def irfft(x: np.ndarray, n: int) -> np.ndarray:
            if x.shape[-1] != n // 2 + 1 or x.dtype != np.complex128:
                return _wrapped_irfft(x, n)
            # the wrapper's backward normalisation: 1 / n, as numpy computes it (np.reciprocal in float64)
            return inverse(x, np.reciprocal(n, dtype=np.float64), out=np.empty((*x.shape[:-1], n)))

        probe = np.random.default_rng(15).standard_normal((3, 96))
        spectra = rfft(probe, 96)
        same = spectra.tobytes() == _wrapped_rfft(probe, 96).tobytes() and \
            irfft(spectra, 96).tobytes() == _wrapped_irfft(spectra, 96).tobytes()
        return (rfft, irfft) if same else None
    except Exception:  # ImportError, or a numpy whose private gufuncs take other arguments: the public path
        return None


rfft, irfft = _direct() or (_wrapped_rfft, _wrapped_irfft)
