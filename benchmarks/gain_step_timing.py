"""When the agent's gain step was found, in seconds after it and in seconds of the agent's voicing after it.

    python benchmarks/gain_step_timing.py --cache /tmp/calmcue-frames --sessions 1 --jobs 1 --sensitivity normal \
        --conditions gainstep12,gainstep-12,phonestep12

The detection eval prints the wall-clock seconds from the step to the first baseline move. In the two-channel
sessions the caller often talks for 5-10 s after the step, and no rule that listens to the agent's voice can move
sooner than the agent speaks; this tool also counts the agent's voiced frames between the step and the move (and
lists every baseline move of every session, so moves in rows without a step show too). It replays cached frames
(detection_replay.py: run it once to fill the cache); figures are those of the detector in the working tree.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
from typing import Any

import numpy as np

try:
    from benchmarks import detection_replay, eval_detection
except ImportError:
    import detection_replay  # type: ignore[no-redef]
    import eval_detection  # type: ignore[no-redef]

from calmcue.detector import speaker
from calmcue.timebase import HOP_S

_voiced_frames: list[int] = []
_step_s: list[float] = []
_rows: list[tuple[str, str, float, float, list[tuple[float, float, str]]]] = []


def _counting_step(original: Any) -> Any:
    def step(self: speaker.SpeakerTrack, frame: int, **kwargs: Any) -> Any:
        if self.gain_step is not None and kwargs.get("voiced"):  # the agent's track (the caller's has no gain step)
            _voiced_frames.append(frame)
        return original(self, frame, **kwargs)
    return step


def _recording_opening_end(original: Any) -> Any:
    def opening_end_s(items: Any) -> float:
        value = float(original(items))
        _step_s.append(value)
        return value
    return opening_end_s


def _timed_task(original: Any) -> Any:
    def run_task(task: Any) -> Any:
        _voiced_frames.clear()
        result = original(task)
        step_s = _step_s[-1]
        name = f"{task.session[:4]}{task.actor}"
        moves = [(round(t, 1), round(db, 1), kind) for t, db, kind in result.gain_found]
        if not result.gain_found:
            _rows.append((task.condition, name, math.nan, math.nan, moves))
            return result
        first_s = result.gain_found[0][0]
        voiced = np.array(_voiced_frames, dtype=float) * HOP_S
        voiced_s = float(((voiced > step_s) & (voiced <= step_s + first_s)).sum()) * HOP_S
        _rows.append((task.condition, name, first_s, voiced_s, moves))
        return result
    return run_task


def report() -> None:
    for condition in dict.fromkeys(row[0] for row in _rows):
        rows = [row for row in _rows if row[0] == condition]
        wall = np.array([row[2] for row in rows])
        voiced = np.array([row[3] for row in rows])
        found = int((~np.isnan(wall)).sum())
        if not found:
            continue
        print(f"{condition}: found {found}/{len(rows)}; s after the step: median {np.nanmedian(wall):.1f}, worst "
              f"{np.nanmax(wall):.1f}; s of the agent's voicing before the move: median {np.nanmedian(voiced):.1f}, "
              f"worst {np.nanmax(voiced):.1f}")
        for name, wall_s, voiced_s, moves in (row[1:] for row in rows):
            print(f"  {name}: {wall_s:.1f} s / {voiced_s:.1f} s voiced; moves (s after the step, dB, how) {moves}")


def main(argv: list[str]) -> int:
    speaker.SpeakerTrack.step = _counting_step(speaker.SpeakerTrack.step)  # type: ignore[method-assign]
    eval_detection.calm_opening_end_s = _recording_opening_end(eval_detection.calm_opening_end_s)
    eval_detection.run_task = _timed_task(eval_detection.run_task)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = detection_replay.main(argv)
    report()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
