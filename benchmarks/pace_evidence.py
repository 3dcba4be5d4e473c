"""The pace benchmark with the rate's window and the "Slow down" decision varied, on cached frames (issue 13 item 6,
branch pace13).

    python benchmarks/pace_evidence.py --cache DIR [--window-s 6.5] [--rule level|cusum|rise] [--drift 1.15]
        [--evidence 0.5] [--onset-weight 0.4] [--articulation-centroid] [--learn-within 1.2] [--trace FILE]
        -- [eval_detection_pace.py arguments]

The first run analyses every session as eval_detection_pace.py does and keeps each session's feature batches with
the syllable rate's own per-frame inputs (band level, voicing, speech) beside them; every run then recomputes the
rate column with a fresh rate.SyllableRate over --window-s of speech and feeds the batches to a fresh detector, so
a window or a decision rule is measured in seconds. Rules:

- "level" (what ships): "Slow down" enters while the rate over the window reads rate_ratio_enter (--enter) or more
  times the usual pace;
- "cusum": evidence accumulated over voiced speech since the pace went up, as a one-sided CUSUM of the log ratio:
  S = max(0, S + (ln(rate / usual) - ln(drift)) * hop_s) on each voiced frame; it enters while S >= --evidence
  (in ln-units times seconds of voicing: 0.5 is e.g. 3 s of voicing at 1.35x over a drift of 1.15). A pace just
  over the drift builds evidence slowly, a pace well over it quickly, and steady natural speech drains it.
- "rise": enters while the ratio reads --rise-enter or more AND --rise times or more what it read --lag-s seconds
  of voicing before: a pace that went up, rather than a reading that wanders high for a while (session 12).
The exit (staying) is the detector's own in all three. With --rule level and --window-s 6.5 the figures are
eval_detection_pace.py's own.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

try:
    from benchmarks import detection_replay, eval_detection_pace
except ImportError:
    import detection_replay  # type: ignore[no-redef]
    import eval_detection_pace  # type: ignore[no-redef]

import calmcue.analysis.offline as offline
import calmcue.detector.fast_speech as fast_speech
import calmcue.detector.pace as pace_module
import calmcue.features.extractor as extractor
import calmcue.features.rate as rate_module
import calmcue.features.trackers as trackers
from calmcue.config.schema import Settings
from calmcue.features.rate import SyllableRate
from calmcue.timebase import HOP_S


class _RecordingRate(SyllableRate):
    """rate.SyllableRate that keeps every input it was fed (for the cache)."""

    def __init__(self, *, window_speech_s: float = 5.0) -> None:
        super().__init__(window_speech_s=window_speech_s)
        self.inputs: list[tuple[float, float, float]] = []

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        self.inputs.append((band_db, float(voiced), float(speech)))
        return super().step(band_db, voiced, speech)


class _ArticulationCentroid(SyllableRate):
    """rate.SyllableRate whose modulation centroid reads only articulation frames (voiced, or unvoiced within
    BRIDGE_GAP_FRAMES after a voiced one): the activity detector's hangover after each phrase is fixed in seconds,
    does not speed up with the talker, and adds a phrase-edge step to the envelope (measured, not shipped)."""

    def __init__(self, *, window_speech_s: float = 5.0) -> None:
        super().__init__(window_speech_s=window_speech_s)
        self._art: list[float] = []

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        if speech and (voiced or 0 <= self._since_voiced < rate_module.BRIDGE_GAP_FRAMES):
            self._art.append(10.0 ** (band_db / 20.0))
            del self._art[:-self.window_frames]
        return super().step(band_db, voiced, speech)

    def _update_envelope(self) -> None:
        if len(self._art) >= rate_module.SUB_WINDOW_FRAMES:
            self._centroid = rate_module.centroid_syllables(rate_module.modulation_centroid_hz(np.array(self._art)))


def _with_inputs(process):  # type: ignore[no-untyped-def]
    def wrapped(self, windows):  # type: ignore[no-untyped-def]
        batch = process(self, windows)
        rates = self._trackers.rate
        if not all(isinstance(r, _RecordingRate) for r in rates):  # a variant's live features (the tempo check)
            return batch
        inputs = np.stack([np.array(r.inputs[-batch.count:], np.float64).reshape(batch.count, 3) for r in rates],
                          axis=1)
        for r in rates:
            r.inputs.clear()
        object.__setattr__(batch, "rate_inputs", inputs)
        return batch
    return wrapped


_ESTIMATOR: type[SyllableRate] = SyllableRate


def _recomputed(window_s: float):  # type: ignore[no-untyped-def]
    replay = detection_replay.replay

    def replayed(batches, *, channels, duration_s, settings):  # type: ignore[no-untyped-def]
        rates = [_ESTIMATOR(window_speech_s=window_s) for _ in range(channels)]
        made = []
        for batch in batches:
            column = np.array([[rates[c].step(float(row[c, 0]), bool(row[c, 1]), bool(row[c, 2]))
                                for c in range(channels)] for row in batch.rate_inputs]).reshape(batch.count,
                                                                                                channels)
            made.append(replace(batch, rate_syl_s=column))
        return replay(made, channels=channels, duration_s=duration_s, settings=settings)
    return replayed


def _cusum_enters(drift: float, evidence: float):  # type: ignore[no-untyped-def]
    """FastSpeechCue.enters as a one-sided CUSUM of the log ratio over `drift` (seconds of evidence), drained
    while the cue holds frames back (FastSpeechCue.held_back)."""
    ln_drift = math.log(drift)

    def enters(cue, ratio: float, *, voiced: bool) -> bool:  # type: ignore[no-untyped-def]
        score = getattr(cue, "_evidence", 0.0)
        if voiced:
            score = max(0.0, score + (math.log(ratio) - ln_drift) * HOP_S)
        cue._evidence = score
        return bool(score >= evidence)

    def drained(cue) -> None:  # type: ignore[no-untyped-def]
        cue._evidence = 0.0

    return enters, drained


def _rise_enters(enter: float, rise: float, lag_s: float):  # type: ignore[no-untyped-def]
    """"Slow down" enters while the ratio reads `enter` or more AND has risen `rise` times or more over the ratio
    read `lag_s` seconds of voicing before (a pace that went up, not one that reads high for a while); the exit is
    the detector's own."""
    lag = max(1, round(lag_s / HOP_S))

    def enters(cue, ratio: float, *, voiced: bool) -> bool:  # type: ignore[no-untyped-def]
        history = cue.__dict__.setdefault("_history", [])
        if voiced:
            history.append(ratio)
            del history[:-lag - 1]
        return len(history) > lag and ratio >= rise * history[0] and ratio >= enter

    return enters


_TRACE: list[tuple[int, float, float]] = []  # (frame, rate, usual pace) of every frame the last session judged


def _traced(step):  # type: ignore[no-untyped-def]
    def traced(cue, frame: int, rate_syl_s: float, **kwargs):  # type: ignore[no-untyped-def]
        transition = step(cue, frame, rate_syl_s, **kwargs)
        if kwargs["voiced"]:
            _TRACE.append((frame, rate_syl_s, cue.pace.value))
        return transition
    return traced


def _trace_stretches(path: Path):  # type: ignore[no-untyped-def]
    """slow_down_check, also writing per RAVDESS stretch: its true rate / usual rate, onset, and the engine's
    ratio (rate / usual pace learned so far) over the stretch's voiced frames: median, maximum, last."""
    check = eval_detection_pace.slow_down_check

    def traced(voice, **kwargs):  # type: ignore[no-untyped-def]
        points: list[eval_detection_pace.CurvePoint] = []
        out = check(voice, **{**kwargs, "curve": points})
        if kwargs.get("curve") is not None:
            kwargs["curve"].extend(points)
        frames = np.array(_TRACE)
        with path.open("a") as file:
            for point in points:
                inside = frames[(frames[:, 0] * HOP_S >= point.start_s) & (frames[:, 0] * HOP_S < point.end_s + 1.0)]
                ratio = inside[:, 1] / inside[:, 2]
                ratio = ratio[np.isfinite(ratio)]
                stats = (np.median(ratio), ratio.max(), ratio[-1], inside[-1, 2]) if ratio.size else (np.nan,) * 4
                file.write(f"{voice.name}\t{int(voice.tuned)}\t{point.true_over_usual:.3f}\t{int(point.onset)}\t"
                           + "\t".join(f"{v:.3f}" for v in stats) + f"\t{voice.usual_rate:.3f}\n")
        return out
    return traced


def _option(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv: list[str]) -> int:
    if "--cache" not in argv or "--" not in argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    ours, theirs = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    cache = Path(_option(ours, "--cache", ""))
    cache.mkdir(parents=True, exist_ok=True)
    window_s = float(_option(ours, "--window-s", "6.5"))
    trackers.SyllableRate = _RecordingRate  # type: ignore[misc]
    eval_detection_pace.use_rate = lambda kind: None  # the recording rate is rate.py's own
    extractor.FeatureExtractor.process = _with_inputs(extractor.FeatureExtractor.process)  # type: ignore[method-assign]
    if "--learn-within" in ours:  # detector/pace.py's learning band about the usual pace (read at every step)
        pace_module.LEARN_WITHIN = float(_option(ours, "--learn-within", ""))
    if "--onset-weight" in ours:  # rate.py's weight of the onset cue (read at every step)
        rate_module.ONSET_WEIGHT = float(_option(ours, "--onset-weight", ""))
    if "--articulation-centroid" in ours:
        global _ESTIMATOR
        _ESTIMATOR = _ArticulationCentroid
        trackers.SyllableRate = _ArticulationCentroid  # type: ignore[misc]  # the tempo check reads features live
    if window_s != Settings().detector.fast_speech.window_speech_s or "--onset-weight" in ours or \
            "--articulation-centroid" in ours:
        # the cached column is the shipped estimator's
        detection_replay.replay = _recomputed(window_s)  # type: ignore[assignment]
    cue = fast_speech.FastSpeechCue
    if _option(ours, "--rule", "level") == "cusum":
        cue.enters, cue.held_back = _cusum_enters(  # type: ignore[method-assign]
            float(_option(ours, "--drift", "1.15")), float(_option(ours, "--evidence", "0.5")))
    if _option(ours, "--rule", "level") == "rise":
        cue.enters = _rise_enters(  # type: ignore[method-assign]
            float(_option(ours, "--rise-enter", "1.2")), float(_option(ours, "--rise", "1.12")),
            float(_option(ours, "--lag-s", "4")))
    cue.step = _traced(cue.step)  # type: ignore[method-assign]
    if "--trace" in ours:
        eval_detection_pace.slow_down_check = _trace_stretches(Path(_option(ours, "--trace", "")))
    cached = detection_replay._cached_analyze(cache)

    def analyze(samples, **kwargs):  # type: ignore[no-untyped-def]
        _TRACE.clear()
        cached(samples, **kwargs)  # analyses and caches a new session ...
        return cached(samples, **kwargs)  # ... so every result is a replay with the rate and rule asked for

    offline.analyze_samples = analyze  # type: ignore[assignment]
    return eval_detection_pace.main([*theirs, "--window-s", str(window_s)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
