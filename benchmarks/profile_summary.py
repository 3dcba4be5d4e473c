"""Summarise a py-spy profile (`py-spy record -f raw`) as a Markdown table: the share of samples per function,
inclusive and self, counted only inside stacks that pass through FOCUS (e.g. `run_blocks` or `Pipeline.push`).

    .venv/bin/py-spy record -r 200 -f raw -o /tmp/batch.txt -- .venv/bin/python SCRIPT
    .venv/bin/python benchmarks/profile_summary.py /tmp/batch.txt --focus run_blocks --title "..." > OUT.md

Line numbers are dropped (a function is one row), so summaries of two versions can be compared side by side.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

LINE = re.compile(r" \(([^()]*?):\d+\)$")


def _function(frame: str) -> str:
    """`name (path/file.py:123)` -> `name (file.py)`; site-packages paths are cut to the package."""
    match = LINE.search(frame)
    if not match:
        return frame
    path = match.group(1)
    short = "/".join(path.split("/")[-2:])
    return f"{frame[: match.start()]} ({short})"


def focused_stacks(path: Path, *, focus: str) -> Iterator[tuple[list[str], int]]:
    """A raw py-spy profile's stacks (outermost frame first) that pass through `focus`, with their sample counts."""
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if focus in stack and count.isdigit():
            yield stack.split(";"), int(count)


def summarise(path: Path, *, focus: str, top: int) -> tuple[int, list[tuple[str, float, float]]]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for stack, n in focused_stacks(path, focus=focus):
        total += n
        frames = [_function(f) for f in stack]
        own[frames[-1]] += n
        for name in set(frames):
            inclusive[name] += n
    rows = [(name, 100.0 * n / total, 100.0 * own[name] / total) for name, n in inclusive.most_common(top)]
    return total, rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--focus", required=True, help="only stacks through this function name")
    parser.add_argument("--title", default="")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    total, rows = summarise(args.profile, focus=args.focus, top=args.top)
    out = [f"# {args.title or args.profile.name}", "", f"{total} samples through `{args.focus}`.", "",
           "| function | inclusive % | self % |", "|---|--:|--:|"]
    out += [f"| `{name}` | {inc:.1f} | {own:.1f} |" for name, inc, own in rows]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
