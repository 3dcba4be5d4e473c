"""The detection benchmark on cached frames: features once, then only the detector re-runs (for tuning it).

    python benchmarks/detection_replay.py --cache /tmp/calmcue-frames [eval_detection.py arguments]

The first run analyses every session as eval_detection.py does and keeps each session's feature batches
(pickled, keyed by a hash of the conditioned samples) in the cache folder; later runs feed the cached batches to a
fresh detector, so a detector change is measured in seconds. Feature changes need a fresh cache. The figures
are those of eval_detection.py with the same arguments (report final figures from eval_detection.py itself).
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np

try:
    from benchmarks import eval_detection
except ImportError:
    import eval_detection  # type: ignore[no-redef]

import calmcue.analysis.offline as offline
from calmcue.analysis.result import AnalysisResult, FrameStore
from calmcue.config.schema import Settings
from calmcue.detector.detector import Detector
from calmcue.engine.pipeline import StepResult
from calmcue.features.extractor import FrameBatch

_analyze = offline.analyze_samples


def _cached_analyze(cache: Path):  # type: ignore[no-untyped-def]
    def analyze(samples: np.ndarray, *, rate_hz: int, settings: Settings | None = None,
                **kwargs: object) -> AnalysisResult:
        data = np.ascontiguousarray(samples, np.float32)
        path = cache / f"{hashlib.sha1(data.tobytes()).hexdigest()}_{rate_hz}.pkl"
        settings = settings or Settings()
        if not path.is_file():
            batches: list[FrameBatch] = []
            original = offline._collect

            def keep(result: AnalysisResult, step: StepResult) -> None:
                if step.batch is not None:
                    batches.append(step.batch)
                original(result, step)

            offline._collect = keep  # type: ignore[assignment]
            try:
                result = _analyze(samples, rate_hz=rate_hz, settings=settings, **kwargs)  # type: ignore[arg-type]
            finally:
                offline._collect = original  # type: ignore[assignment]
            path.write_bytes(pickle.dumps((result.channels, result.duration_s, batches)))
            return result
        channels, duration_s, batches = pickle.loads(path.read_bytes())
        for batch in batches:  # a cache written before FrameBatch had clip_share: no clipping seen
            if "clip_share" not in batch.__dict__:
                object.__setattr__(batch, "clip_share", np.zeros_like(batch.level_dbfs))
        return replay(batches, channels=channels, duration_s=duration_s, settings=settings)

    return analyze


def replay(batches: list[FrameBatch], *, channels: int, duration_s: float, settings: Settings) -> AnalysisResult:
    detector = Detector(settings.detector, channels=channels)
    result = AnalysisResult(channels=channels, duration_s=duration_s, store=FrameStore(channels=channels))
    for batch in batches:
        offline._collect(result, StepResult(batch, detector.process(batch)))
    offline._collect(result, StepResult(None, detector.finish()))
    result.episodes.sort(key=lambda e: (e.start_s, e.kind, e.speaker))
    result.gain_moves = list(detector.gain_moves)
    return result


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "--cache":
        print("usage: detection_replay.py --cache DIR [eval_detection.py arguments]", file=sys.stderr)
        return 2
    cache = Path(argv[1])
    cache.mkdir(parents=True, exist_ok=True)
    offline.analyze_samples = _cached_analyze(cache)  # type: ignore[assignment]
    return eval_detection.main(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
