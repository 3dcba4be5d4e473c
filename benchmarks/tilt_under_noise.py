"""Why a calm voice's tilt reads flatter under noise: the frames lost, or the noise left in the frames kept.

    python benchmarks/tilt_under_noise.py --cache DIR --condition sfx10 [--actors 1,2,3] [--bands]

For each actor's mono session of the detection benchmark (cached feature batches, as detection_replay.py keeps them;
a session not cached yet is analysed first), the agent's calm scored clips, the median tilt of their voiced frames:
on the clean row over all of them, on the clean row over the frames the noisy row still voices (what losing the
others does), and on the noisy row over those same frames (what the noise does to a frame that stays voiced). The
sessions are the same samples with the noise added, so the frames line up one for one. --bands: the same per 3 dB
band of the clean frame's level under the calm clips' 80th percentile (the level the baseline compares).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

try:
    from benchmarks import detection_trace, eval_detection
except ImportError:
    import detection_trace  # type: ignore[no-redef]
    import eval_detection  # type: ignore[no-redef]

BAND_DB = 3.0


def agent_frames(cache: Path, condition: str, actor: int) -> tuple[dict[str, np.ndarray], list]:  # type: ignore[type-arg]
    """The agent channel's speech level, tilt and voicing per frame, and the session's placed clips."""
    task = eval_detection.Task("mono", actor, None, 0, condition, "normal")
    samples, rate_hz, items = detection_trace._session(task)
    _, batches = detection_trace._batches(cache, samples, rate_hz)

    def column(name: str) -> np.ndarray:
        return np.concatenate([getattr(batch, name)[:, 0] for batch in batches])

    return {"level": column("speech_level_dbfs"), "tilt": column("tilt_db"), "voiced": column("voiced")}, items


def calm_mask(items: list, count: int) -> np.ndarray:  # type: ignore[type-arg]
    """Frames inside a scored calm clip's speech (frame k ends at (k + 1) hops)."""
    times_s = (np.arange(count) + 1) * 0.01
    mask = np.zeros(count, bool)
    for clip in items:
        if not clip.calibration and eval_detection.level_truth(clip.over_calm_db) is False:
            mask |= (times_s >= clip.speech_start_s) & (times_s <= clip.speech_end_s)
    return mask


def report(cache: Path, condition: str, actor: int, *, bands: bool) -> list[str]:
    clean, items = agent_frames(cache, "clean", actor)
    noisy, _ = agent_frames(cache, condition, actor)
    count = min(len(clean["level"]), len(noisy["level"]))
    calm = calm_mask(items, count)
    voiced_clean = calm & clean["voiced"][:count]
    kept = voiced_clean & noisy["voiced"][:count]
    tilt_clean, tilt_noisy = clean["tilt"][:count], noisy["tilt"][:count]
    lines = [f"actor {actor} {condition}: calm voiced frames {voiced_clean.sum()}, kept {kept.sum()} | median tilt: "
             f"clean all {np.nanmedian(tilt_clean[voiced_clean]):+.1f}, clean kept "
             f"{np.nanmedian(tilt_clean[kept]):+.1f}, noisy kept {np.nanmedian(tilt_noisy[kept]):+.1f} dB"]
    if bands:
        level = clean["level"][:count]
        under = level - np.nanpercentile(level[voiced_clean], 80)
        for low in np.arange(-18.0, 9.0, BAND_DB):
            band = (under >= low) & (under < low + BAND_DB)
            if (kept & band).sum() >= 30:
                shift = np.nanmedian(tilt_noisy[kept & band] - tilt_clean[kept & band])
                lost = (voiced_clean & band & ~kept).sum()
                lines.append(f"    {low:+5.0f} dB: kept {(kept & band).sum():4d} lost {lost:4d}"
                             f"  tilt shift of the kept {shift:+.2f} dB")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--condition", required=True)
    parser.add_argument("--actors", default="1,2,3,4,5,6")
    parser.add_argument("--bands", action="store_true", help="the shift per 3 dB band of the frame's level")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    for actor in (int(a) for a in args.actors.split(",")):
        print("\n".join(report(args.cache, args.condition, actor, bands=args.bands)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
