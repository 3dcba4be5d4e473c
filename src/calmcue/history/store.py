"""The agent's own call history on their own PC: call summaries (numbers only), bounded and pruned by age.

One JSON file in the user data folder, rewritten atomically at each call's end. A damaged file is set aside
(renamed `*.bad-<time>`) with one log line and a fresh history started; an unwritable one is set aside the same
way, and if even that fails the history lives on in memory (one log line). A history a newer CalmCue wrote (IT
rolled the version back) is neither read nor touched: this session's calls stay in memory, and the newer version
finds its history as it left it. "Delete my data" removes it all.

Clock changes: every record carries a sequence number, so "the last calls" keep their order whatever the clock
did; a record dated in the future (the clock was set back) counts as today, and none is ever pruned for being
newer than now.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calmcue.config.paths import free_name
from calmcue.detector.calls import CallSummary

log = logging.getLogger(__name__)

SCHEMA = 1
FILE_NAME = "calls.json"
DAY_S = 86400.0


@dataclass(frozen=True)
class CallRecord:
    seq: int
    ended_unix: float  # wall clock when the call ended (as the agent's PC had it)
    summary: CallSummary

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "ended_unix": round(self.ended_unix, 1), "summary": self.summary.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallRecord:
        return cls(int(data["seq"]), float(data["ended_unix"]), CallSummary.from_json(data["summary"]))


class CallHistory:
    def __init__(self, path: Path, *, keep_days: int = 30, max_calls: int = 5000,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.keep_days = keep_days
        self.max_calls = max_calls
        self.clock = clock
        self.notice = ""  # one line for the agent when a damaged or unwritable history was set aside
        self._newer = False  # the file is a newer CalmCue's: left alone (see the module's docstring)
        self.records: list[CallRecord] = self._read()
        self._next_seq = max((r.seq for r in self.records), default=0) + 1
        self._write_failed = False

    # -- public -------------------------------------------------------------------------------------------
    def add(self, summary: CallSummary) -> CallRecord:
        record = CallRecord(self._next_seq, self.clock(), summary)
        self._next_seq += 1
        self.records.append(record)
        self.prune()
        self._write()
        return record

    def prune(self) -> int:
        """Drops records older than `keep_days` (by the clock now) and the oldest beyond `max_calls`."""
        before = len(self.records)
        oldest = self.clock() - self.keep_days * DAY_S
        kept = [r for r in self.records if r.ended_unix >= oldest]
        self.records = sorted(kept, key=lambda r: r.seq)[-self.max_calls:]
        return before - len(self.records)

    def last(self, count: int) -> list[CallRecord]:
        """The newest `count` calls, newest first (by sequence, so a clock change keeps the order)."""
        return sorted(self.records, key=lambda r: r.seq, reverse=True)[:count]

    def since_days(self, days: float) -> list[CallRecord]:
        """Calls of the last `days` days, oldest first; calls dated in the future count as now."""
        now = self.clock()
        return [r for r in sorted(self.records, key=lambda r: r.seq) if now - min(r.ended_unix, now) <= days * DAY_S]

    def delete(self) -> None:
        """'Delete my data': the history and any damaged copies set aside."""
        self.records = []
        delete_history(self.path)

    # -- file ---------------------------------------------------------------------------------------------
    def _read(self) -> list[CallRecord]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as err:
            self._set_aside(f"cannot be read ({err.strerror})")
            return []
        try:
            data = json.loads(text)
            if isinstance(data.get("schema"), int) and data["schema"] > SCHEMA:
                return self._leave_newer(data["schema"])
            if data.get("schema") != SCHEMA:
                raise ValueError(f"schema {data.get('schema')!r}, expected {SCHEMA}")
            return [CallRecord.from_json(item) for item in data["calls"]]
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            self._set_aside(f"is damaged ({type(err).__name__}: {err})")
            return []

    def _leave_newer(self, schema: int) -> list[CallRecord]:
        self._newer = True
        log.warning("call history %s was written by a newer CalmCue (schema %d, this one reads %d); it is left as "
                    "it is and this session's calls are kept in memory only", self.path, schema, SCHEMA)
        self.notice = (f"your call history {self.path} was written by a newer version of CalmCue; this version "
                       f"leaves it as it is and keeps today's calls until it closes")
        return []

    def _write(self) -> None:
        if self._newer:
            return
        body = json.dumps({"schema": SCHEMA, "calls": [r.to_json() for r in self.records]}, separators=(",", ":"))
        try:
            _atomic_write(self.path, body)
            self._write_failed = False
            return
        except OSError as err:
            problem = f"cannot be written ({err.strerror})"
        if self._set_aside(problem):
            try:
                _atomic_write(self.path, body)
                return
            except OSError:
                pass
        if not self._write_failed:
            log.warning("call history %s %s; keeping this session's calls in memory only", self.path, problem)
        self._write_failed = True

    def _set_aside(self, problem: str) -> bool:
        """Renames the file out of the way (kept for a look, never read again); True if it is out of the way."""
        aside = free_name(self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}"))
        try:
            if self.path.is_dir():
                self.path.rename(aside)
            else:
                os.replace(self.path, aside)
        except OSError:
            return False
        log.warning("call history %s %s: set aside as %s, a fresh history is started", self.path, problem,
                    aside.name)
        self.notice = (f"your call history {self.path} {problem}; it was set aside as {aside.name} and a fresh "
                       f"one started")
        return True


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def delete_history(path: Path) -> None:
    """Removes the history file, its temporary file and any damaged copies set aside."""
    for item in [path, path.with_name(path.name + ".tmp"), *path.parent.glob(path.name + ".bad-*")]:
        try:
            if item.is_dir():
                for child in item.iterdir():
                    child.unlink(missing_ok=True)
                item.rmdir()
            else:
                item.unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not delete %s: %s", item, err.strerror)


def history_file() -> Path:
    from calmcue.config import paths

    return paths.user_data_dir() / FILE_NAME
