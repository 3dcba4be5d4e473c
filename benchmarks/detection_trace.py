"""What the raised-voice judge saw, clip by clip, in one cached session of the detection benchmark (for tracing).

    python benchmarks/detection_trace.py --cache DIR --condition agcline --session two_channel --actor 3 [--all]

Replays the session's cached feature batches (detection_replay.py's cache; a session not cached yet is analysed and
cached first) through a Detector whose speaker tracks are watched frame by frame, and prints, per scored clip (the
agent's in a mono session, the caller's in a two-channel one; misses and false flags only unless --all), medians over
the clip's speech: the short-term level, pitch and tilt over the baseline, the effort they explain
(gainstep.effort_level_db), the level the judge read and the thresholds it used, the share of frames entering and
staying, the squeeze (linefloor.LevelSqueeze), gainstep's line_taken_db, the reading over the pauses' floor, the dip
read from the calm voice (linedip.py), and on the agcline / agc rows the AGC's true gain over the clip against the
gain it started settled at (line_agc.py). It patches the detector's functions in this process only.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

try:
    from benchmarks import conditions, detection_replay, eval_detection, line_agc, sessions
except ImportError:
    import conditions  # type: ignore[no-redef]
    import detection_replay  # type: ignore[no-redef]
    import eval_detection  # type: ignore[no-redef]
    import line_agc  # type: ignore[no-redef]
    import sessions  # type: ignore[no-redef]

import calmcue.detector.speaker as speaker
from calmcue.config.schema import DetectorSettings, Settings
from calmcue.detector.detector import Detector
from calmcue.detector.gainstep import effort_level_db
from calmcue.detector.linefloor import LineFloor
from calmcue.timebase import frame_time_s

COLUMNS = ("frame", "level_over", "pitch_over", "tilt_over", "judged", "level_need", "index_need", "entering",
           "staying", "squeeze", "taken", "floor_over", "dip")


class Watch:
    """Wraps SpeakerTrack._conditions, judge() and LineFloor.level_over_db; keeps one row per voiced frame per track
    (0: the agent's, 1: the caller's) and the AGC gains line_agc computed for the session."""

    def __init__(self) -> None:
        self.rows: dict[int, list[tuple[float, ...]]] = {0: [], 1: []}
        self.gains: list[np.ndarray] = []
        self._judged: tuple[float, ...] | None = None
        self._floor = math.nan

    def install(self) -> None:
        conditions_fn, judge_fn = speaker.SpeakerTrack._conditions, speaker.judge
        floor_fn, gains_fn = LineFloor.level_over_db, line_agc.frame_gains_db
        watch = self

        def judge(level: float, pitch: float, tilt: float, t: Any, *, guessed_baseline: bool = False) -> Any:
            result = judge_fn(level, pitch, tilt, t, guessed_baseline=guessed_baseline)
            watch._judged = (level, t.level_enter_db, t.index_enter_db, *result)
            return result

        def level_over(line: LineFloor, short_term_dbfs: float, *, calm_sounding: bool) -> float:
            watch._floor = floor_fn(line, short_term_dbfs, calm_sounding=calm_sounding)
            return watch._floor

        def step_conditions(track: Any, frame: int, *, clipped: bool, own_voice: bool) -> Any:
            watch._judged, watch._floor = None, math.nan
            result = conditions_fn(track, frame, clipped=clipped, own_voice=own_voice)
            if watch._judged is not None and track.last_voiced == frame:
                watch.rows[0 if track.gain_step is not None else 1].append(watch._row(track, frame))
            return result

        def gains(frame_db: np.ndarray, *, start_level_dbfs: float) -> np.ndarray:
            values = gains_fn(frame_db, start_level_dbfs=start_level_dbfs)
            watch.gains.append(values)
            return values

        speaker.judge = judge
        speaker.SpeakerTrack._conditions = step_conditions  # type: ignore[method-assign]
        LineFloor.level_over_db = level_over  # type: ignore[method-assign]
        line_agc.frame_gains_db = gains

    def _row(self, track: Any, frame: int) -> tuple[float, ...]:
        assert self._judged is not None
        taken = track.gain_step.line_taken_db if track.gain_step is not None else math.nan
        dip = track.dip.dip_db if getattr(track, "dip", None) is not None else math.nan
        return (frame, *track.over, *self._judged, track.line.squeeze.squeeze_db, taken, self._floor, dip)


def _session(task: Any) -> tuple[np.ndarray, int, list[Any]]:
    if task.session == "mono":
        samples, items = sessions.build_mono_session(task.actor, task.seed)
    else:
        samples, items = sessions.build_two_channel_session(task.actor, task.customer_actor, task.seed)
    samples, rate_hz = conditions.apply_condition(samples, sessions.RATE_HZ, task.condition,
                                                  eval_detection.condition_seed(task),
                                                  level_span_s=(0.0, eval_detection.calm_opening_end_s(items)))
    return samples, rate_hz, items


def _batches(cache: Path, samples: np.ndarray, rate_hz: int) -> tuple[int, list[Any]]:
    data = np.ascontiguousarray(samples, np.float32)
    path = cache / f"{hashlib.sha1(data.tobytes()).hexdigest()}_{rate_hz}.pkl"
    if not path.is_file():
        detection_replay._cached_analyze(cache)(samples, rate_hz=rate_hz, settings=Settings())
    channels, _, batches = pickle.loads(path.read_bytes())
    return channels, batches


def _clips(items: list[Any], *, mono: bool) -> list[tuple[str, float, float, float, float, float]]:
    """(file, truth dB, window start, window end, speech start, speech end) per scored clip."""
    if mono:
        return [(c.file, c.over_calm_db, c.start_s, c.end_s, c.speech_start_s, c.speech_end_s)
                for c in items if not c.calibration]
    return [(t.customer_file, t.customer_over_calm_db, t.customer_start_s, t.customer_end_s,
             t.customer_speech_start_s, t.customer_speech_end_s) for t in items]


def _entering_run_s(col: dict[str, np.ndarray]) -> float:
    """The longest stretch (s) from a voiced frame entering to the last voiced frame still entering or staying."""
    times = np.array([frame_time_s(int(f)) for f in col["frame"]])
    best, start = 0.0, math.nan
    for t, entering, staying in zip(times, col["entering"], col["staying"], strict=True):
        if math.isnan(start) and entering:
            start = t
        elif not (entering or staying):
            start = math.nan
        if not math.isnan(start):
            best = max(best, t - start)
    return best


def _line(tag: str, name: str, truth: float, rows: np.ndarray, true_gain_db: float, since_s: float,
          speech_s: float) -> str:
    col = {name: rows[:, i] for i, name in enumerate(COLUMNS)}
    effort = np.array([effort_level_db(pitch_over_st=p, tilt_over_db=t)
                       for p, t in zip(col["pitch_over"], col["tilt_over"], strict=True)])

    def med(values: np.ndarray) -> float:
        return float(np.nanmedian(values)) if np.isfinite(values).any() else math.nan

    return (f"{tag} {frame_time_s(int(col['frame'][0])):7.1f}s {name[-24:]} truth {truth:+5.1f} | over: level "
            f"{med(col['level_over']):+5.1f} pitch {med(col['pitch_over']):+5.1f} tilt {med(col['tilt_over']):+5.1f} "
            f"effort {med(effort):+5.1f} | judged {med(col['judged']):+5.1f} need {med(col['level_need']):.1f} index "
            f"{med(col['index_need']):.1f} entering {col['entering'].mean():.2f} staying {col['staying'].mean():.2f} | "
            f"squeeze {med(col['squeeze']):4.1f} taken {med(col['taken']):4.1f} floor {med(col['floor_over']):+5.1f} "
            f"dip {med(col['dip']):4.1f} | AGC gain {true_gain_db:+5.1f} | {since_s:5.1f} s after an episode | speech "
            f"{speech_s:4.2f} s, voiced {len(rows) * 0.01:4.2f} s, entering run {_entering_run_s(col):4.2f} s")


def trace(args: argparse.Namespace) -> list[str]:
    watch = Watch()
    watch.install()
    customer = eval_detection.customer_for(args.actor) if args.session == "two_channel" else None
    task = eval_detection.Task(args.session, args.actor, customer, args.seed, args.condition, "normal")
    samples, rate_hz, items = _session(task)
    channels, batches = _batches(args.cache, samples, rate_hz)
    detector = Detector(Settings(detector=DetectorSettings()).detector, channels=channels)
    events = [event for batch in batches for event in detector.process(batch)] + list(detector.finish())
    role = 0 if args.session == "mono" else 1
    who = "agent" if role == 0 else "customer"
    episodes = [e for e in events if type(e).__name__ == "Episode" and e.kind == "raised_voice" and e.speaker == who]
    rows = np.array(watch.rows[role], dtype=float)
    times = np.array([frame_time_s(int(f)) for f in rows[:, 0]])
    gain = watch.gains[min(role, len(watch.gains) - 1)] if watch.gains else None
    lines = []
    for name, truth, start_s, end_s, speech_start_s, speech_end_s in _clips(items, mono=role == 0):
        target = eval_detection.level_truth(truth)
        if target is None:
            continue
        hit = any(e.start_s < end_s + (1.0 if target else 0.0) and e.end_s > start_s for e in episodes)
        if hit == target and not args.all:
            continue
        span = (times >= speech_start_s) & (times <= speech_end_s + 0.3)
        if not span.any():
            continue
        true_gain_db = math.nan
        if gain is not None:
            lo, hi = int(speech_start_s / 0.01), int(speech_end_s / 0.01)
            true_gain_db = float(np.median(gain[lo:hi]) - gain[0])
        since_s = min((speech_start_s - e.end_s for e in episodes if e.end_s <= speech_start_s), default=math.inf)
        tag = ("MISS" if target else "FLAG") if hit != target else ("hit " if target else "calm")
        lines.append(_line(tag, name, truth, rows[span], true_gain_db, since_s, speech_end_s - speech_start_s))
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--condition", required=True)
    parser.add_argument("--session", choices=("mono", "two_channel"), required=True)
    parser.add_argument("--actor", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all", action="store_true", help="every scored clip, not only misses and false flags")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    print("\n".join(trace(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
