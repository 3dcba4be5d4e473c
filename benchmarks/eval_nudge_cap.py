"""What a "not helpful" nudge costs in caught raised voices: the detection benchmark with the agent's raised-voice
threshold raised by an offset (ui/nudge.py; default the cap, +4.5 dB), applied the way the app applies it
(Detector.retune with ThresholdOffsets). Compare with --offset-db 0.

    python benchmarks/eval_nudge_cap.py [--offset-db 4.5] -- --no-two-channel --sessions 1 --conditions clean,phone

Everything after `--` goes to eval_detection.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

OFFSET_DB = 4.5


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offset-db", type=float, default=OFFSET_DB, help="raised-voice offset (default: the cap)")
    args, rest = parser.parse_known_args(argv)
    from calmcue.detector import detector
    from calmcue.detector.offsets import ThresholdOffsets

    offsets = ThresholdOffsets(raised_voice_agent_db=args.offset_db)
    plain_init = detector.Detector.__init__

    def nudged_init(self: detector.Detector, settings: Any, **kwargs: Any) -> None:
        plain_init(self, settings, **kwargs)
        self.retune(offsets.apply(settings))

    detector.Detector.__init__ = nudged_init  # type: ignore[method-assign]
    import eval_detection  # type: ignore[import-not-found]

    return int(eval_detection.main([a for a in rest if a != "--"]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
