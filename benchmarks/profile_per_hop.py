"""Where the time of one 10 ms hop goes, in microseconds, from a py-spy profile (`py-spy record -f raw -r RATE`).

    .venv/bin/python benchmarks/profile_per_hop.py PROFILE.txt --focus Pipeline.push --hops 11996 --rate 1000

Each sample inside FOCUS is put in the first part of the engine found walking up its stack from the innermost
frame (so YIN inside the extractor counts as YIN, not as the extractor); samples / rate / hops is the time per
hop. py-spy's sampling slows the process a little: the shares are the finding, the microseconds an estimate.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

try:  # imported as part of the repository: benchmarks.profile_summary
    from benchmarks.profile_summary import focused_stacks
except ImportError:  # run as a script from benchmarks/
    from profile_summary import focused_stacks  # type: ignore[no-redef]

# (label, function names as py-spy writes them); the first match from the innermost frame wins
PARTS = (
    ("pitch (YIN)", ("yin ", "yin_where ", "yin_audible ", "normalised_difference ", "_pick_few ", "refine_lag ")),
    ("stand-in periodicity (quiet path)", ("stand_in_periodicity ",)),
    ("activity model: ONNX run", ("Session.run ",)),
    ("activity model: its input features", ("ActivityInput.process ",)),
    ("activity model: the rest", ("ActivityModel.process ",)),
    ("level, power spectrum, band energies", ("level_dbfs ", "power_spectrum ", "spectral_shape ")),
    ("per-frame trackers (floors, voicing, octave, rate)", ("Trackers.run ", "Trackers.floors ",
                                                             "Trackers.long_quiet ", "_ChannelTrackers.run ",
                                                             "_ChannelTrackers.floors ",
                                                             "FeatureExtractor._long_quiet ")),
    ("detector (frame by frame)", ("Detector.process ",)),
    ("reframe", ("Reframer.push ",)),
    ("resample", ("StreamResampler.process ",)),
    ("extractor's own glue (arrays, masks, FrameBatch)", ("FeatureExtractor.process ",)),
    ("pipeline's own", ("Pipeline.push ",)),
)


def per_hop(path: Path, *, focus: str, hops: int, rate_hz: float) -> list[tuple[str, float, float]]:
    counts: Counter[str] = Counter()
    total = 0
    for frames, count in focused_stacks(path, focus=focus):
        total += count
        label = next((name for frame in reversed(frames) for name, keys in PARTS
                      if any(frame.startswith(key) for key in keys)), "other")
        counts[label] += count
    order = [name for name, _ in PARTS] + ["other"]
    return [(name, 100.0 * counts[name] / total, counts[name] / rate_hz / hops * 1e6)
            for name in order if counts[name]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--focus", required=True)
    parser.add_argument("--hops", type=int, required=True, help="10 ms hops processed while recording")
    parser.add_argument("--rate", type=float, default=1000.0, help="py-spy's samples per second")
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    rows = per_hop(args.profile, focus=args.focus, hops=args.hops, rate_hz=args.rate)
    out = [f"### {args.title or args.profile.name}", "", "| part | share % | us per hop |", "|---|--:|--:|"]
    out += [f"| {name} | {share:.1f} | {us:.1f} |" for name, share, us in rows]
    out.append(f"| **total** | 100.0 | {sum(us for _, _, us in rows):.1f} |")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
