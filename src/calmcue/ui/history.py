"""Cue history for the tray tooltip ("3 cues today"): counts per day and kind, and how many of them the agent
marked "not helpful". Numbers only, never audio, never sent anywhere.

Stored as JSON in the user data folder; "Delete my data" removes it together with the calibration.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from calmcue.config import paths

KEEP_DAYS = 90
log = logging.getLogger(__name__)
Tally = dict[str, dict[str, int]]  # day (ISO) -> "kind/speaker" -> count


class CueHistory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._days, self._not_helpful = self._read()

    def record(self, *, kind: str, speaker: str, day: dt.date | None = None) -> None:
        self._add(self._days, kind, speaker, day, +1)

    def mark_not_helpful(self, *, kind: str, speaker: str, marked: bool = True, day: dt.date | None = None) -> None:
        """The agent says a cue was wrong (or, with marked=False, takes that back)."""
        self._add(self._not_helpful, kind, speaker, day, +1 if marked else -1)

    def count(self, day: dt.date | None = None) -> int:
        return sum(self._days.get((day or dt.date.today()).isoformat(), {}).values())

    def not_helpful(self, day: dt.date | None = None) -> int:
        return sum(self._not_helpful.get((day or dt.date.today()).isoformat(), {}).values())

    def delete(self) -> None:
        self._days, self._not_helpful = {}, {}
        self.path.unlink(missing_ok=True)

    def _add(self, tally: Tally, kind: str, speaker: str, day: dt.date | None, step: int) -> None:
        today = day or dt.date.today()
        counts = tally.setdefault(today.isoformat(), {})
        name = f"{kind}/{speaker}"
        counts[name] = max(0, counts.get(name, 0) + step)
        if not counts[name]:
            del counts[name]
        oldest = (today - dt.timedelta(days=KEEP_DAYS)).isoformat()
        for kept in (self._days, self._not_helpful):
            for old in [d for d in kept if d < oldest or not kept[d]]:
                del kept[old]
        self._write()

    def _read(self) -> tuple[Tally, Tally]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return _tally(data["days"]), _tally(data.get("not_helpful", {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}, {}  # missing or damaged: start counting afresh (it is only a tally)

    def _write(self) -> None:
        data: dict[str, object] = {"schema": 1, "days": self._days}
        if self._not_helpful:
            data["not_helpful"] = self._not_helpful
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as err:  # a tally that cannot be saved must not disturb the agent; it stays in memory
            log.warning("cue history not saved to %s: %s", self.path, err.strerror)


def _tally(days: dict[str, dict[str, int]]) -> Tally:
    return {str(day): {str(k): int(v) for k, v in counts.items()} for day, counts in days.items()}


def remove_user_data(history: CueHistory | None) -> None:
    """"Delete my data": the calibration, the cue history, the call history and its report page (settings stay;
    they are choices, not data)."""
    from calmcue.history.report import report_file
    from calmcue.history.store import delete_history, history_file

    paths.baseline_file().unlink(missing_ok=True)
    delete_history(history_file())
    report_file().unlink(missing_ok=True)
    if history is not None:
        history.delete()
    else:
        (paths.user_data_dir() / "history.json").unlink(missing_ok=True)
