"""The detection eval's figures by half of the speakers (actors 1-3 and 4-6), from its --json output: a change
that helps one half and costs the other is tuning to the set, since the figures are re-measured on unseen speakers.

    .venv/bin/python benchmarks/detection_halves.py benchmarks/results/detection_issue13.json

Prints one line per condition, `#`-prefixed so it can head the results file: agent caught / calm flagged, caller
caught / calm flagged, cut-ins caught / polite turns flagged, for actors 1-3, then 4-6.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HALVES = (("1", "2", "3"), ("4", "5", "6"))
COLUMNS = ("raised_voice", "customer_raised", "talk_over")


def pct(per_actor: dict[str, Any], actors: tuple[str, ...], kind: str) -> float:
    hits = sum(per_actor[a][kind]["hits"] for a in actors if a in per_actor)
    n = sum(per_actor[a][kind]["n"] for a in actors if a in per_actor)
    return 100.0 * hits / n if n else float("nan")


def half_figures(condition: dict[str, Any], actors: tuple[str, ...]) -> list[float]:
    return [pct(condition[column]["per_actor"], actors, kind) for column in COLUMNS
            for kind in ("catch", "false_flag")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("summary", type=Path, help="eval_detection.py --json output")
    summary = json.loads(parser.parse_args().summary.read_text())
    print("# condition   agent caught/calm | caller caught/calm | cut-ins/polite   (actors 1-3 ; 4-6)")
    for name, condition in summary["conditions"].items():
        halves = [" ".join(f"{v:5.1f}" for v in half_figures(condition, actors)) for actors in HALVES]
        print(f"# {name:<10} {halves[0]} ; {halves[1]}")


if __name__ == "__main__":
    main()
