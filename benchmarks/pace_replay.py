"""The pace benchmark with the rate made another way, on cached frames (issue 13 item 6, branch velocity13).

    python benchmarks/pace_replay.py --cache DIR --rate syllables|combined [eval_detection_pace.py arguments]

The first run analyses every session as eval_detection_pace.py does and keeps each session's feature batches,
with spectral_pace.py's pace (computed here from the same windows, the engine's voicing and speech decisions) and
rate.py's syllable rate (the engine's rate) stored beside each batch; every run then feeds the cached batches to a
fresh detector with the rate column made as --rate says ("syllables": rate.py alone, what main ships; "combined":
the geometric mean of the two, measured and not shipped), so a threshold or a combination is measured in seconds.
The tempo check (it reads features, not the detector) is not replayed: run with --no-tempo. With --rate syllables
the figures are eval_detection_pace.py's own (checked: detection_velocity13.txt).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

try:
    from benchmarks import detection_replay, eval_detection_pace, spectral_pace
except ImportError:
    import detection_replay  # type: ignore[no-redef]
    import eval_detection_pace  # type: ignore[no-redef]
    import spectral_pace  # type: ignore[no-redef]

import calmcue.analysis.offline as offline
import calmcue.features.extractor as extractor
from calmcue.features.spectral import power_spectrum


def _with_pace(process):  # type: ignore[no-untyped-def]
    """FeatureExtractor.process, with each batch carrying the syllable rate and the spectral pace of its frames."""
    def wrapped(self, windows):  # type: ignore[no-untyped-def]
        batch = process(self, windows)
        if not hasattr(self, "spectral_paces"):
            self.spectral_paces = [spectral_pace.SpectralPace() for _ in range(self.channels)]
        mel = spectral_pace.log_mel_db(power_spectrum(windows))
        speech = batch.speech_prob >= 0.5
        pace = np.stack([p.process(mel[:, c], batch.voiced[:, c], speech[:, c])
                         for c, p in enumerate(self.spectral_paces)], axis=1)
        object.__setattr__(batch, "syllables_s", batch.rate_syl_s)
        object.__setattr__(batch, "pace", pace)
        return batch
    return wrapped


def _rate_made(kind: str):  # type: ignore[no-untyped-def]
    replay = detection_replay.replay

    def replayed(batches, *, channels, duration_s, settings):  # type: ignore[no-untyped-def]
        made = [replace(b, rate_syl_s=b.syllables_s if kind == "syllables"
                        else spectral_pace.combined_rate(b.syllables_s, b.pace)) for b in batches]
        return replay(made, channels=channels, duration_s=duration_s, settings=settings)
    return replayed


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[0] != "--cache" or argv[2] != "--rate" or argv[3] not in ("syllables", "combined"):
        print("usage: pace_replay.py --cache DIR --rate syllables|combined [eval_detection_pace.py arguments]",
              file=sys.stderr)
        return 2
    cache = Path(argv[1])
    cache.mkdir(parents=True, exist_ok=True)
    extractor.FeatureExtractor.process = _with_pace(extractor.FeatureExtractor.process)  # type: ignore[method-assign]
    detection_replay.replay = _rate_made(argv[3])  # type: ignore[assignment]
    cached = detection_replay._cached_analyze(cache)

    def analyze(samples, **kwargs):  # type: ignore[no-untyped-def]
        cached(samples, **kwargs)  # analyses and caches a new session (its result has the engine's rate) ...
        return cached(samples, **kwargs)  # ... so every result is a replay with the rate asked for

    offline.analyze_samples = analyze  # type: ignore[assignment]
    return eval_detection_pace.main(argv[4:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
