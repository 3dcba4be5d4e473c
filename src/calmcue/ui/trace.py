"""An opt-in event trace for tests and benchmarks: CALMCUE_UI_TRACE=FILE (or '-' for stdout).

One JSON object a line with the wall-clock time `t` (time.time(), comparable across processes), the
monotonic time `mono` and the event's fields. Events and numbers only, like the log.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, TextIO

_out: TextIO | None = None
_opened = False


def _stream() -> TextIO | None:
    global _out, _opened
    if not _opened:
        _opened = True
        target = os.environ.get("CALMCUE_UI_TRACE", "")
        if target == "-":
            _out = sys.stdout
        elif target:
            _out = open(target, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    return _out


def enabled() -> bool:
    return _stream() is not None


def event(name: str, /, **fields: Any) -> None:
    out = _stream()
    if out is None:
        return
    record = {"event": name, "t": time.time(), "mono": time.monotonic(), **fields}
    out.write(json.dumps(record, default=str) + "\n")
    out.flush()
