"""Cue history for the tray tooltip ("3 cues today"): counts per day and kind, numbers only, never audio.

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


class CueHistory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._days: dict[str, dict[str, int]] = self._read()

    def record(self, *, kind: str, speaker: str, day: dt.date | None = None) -> None:
        key = (day or dt.date.today()).isoformat()
        counts = self._days.setdefault(key, {})
        name = f"{kind}/{speaker}"
        counts[name] = counts.get(name, 0) + 1
        self._prune(day or dt.date.today())
        self._write()

    def count(self, day: dt.date | None = None) -> int:
        return sum(self._days.get((day or dt.date.today()).isoformat(), {}).values())

    def delete(self) -> None:
        self._days = {}
        self.path.unlink(missing_ok=True)

    def _prune(self, today: dt.date) -> None:
        oldest = (today - dt.timedelta(days=KEEP_DAYS)).isoformat()
        self._days = {day: counts for day, counts in self._days.items() if day >= oldest}

    def _read(self) -> dict[str, dict[str, int]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            days = data["days"]
            return {str(day): {str(k): int(v) for k, v in counts.items()} for day, counts in days.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # missing or damaged: start counting afresh (it is only a tally)

    def _write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps({"schema": 1, "days": self._days}, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as err:  # a tally that cannot be saved must not disturb the agent; it stays in memory
            log.warning("cue history not saved to %s: %s", self.path, err.strerror)


def remove_user_data(history: CueHistory | None) -> None:
    """"Delete my data": the calibration and the cue history (settings stay; they are choices, not data)."""
    paths.baseline_file().unlink(missing_ok=True)
    if history is not None:
        history.delete()
    else:
        (paths.user_data_dir() / "history.json").unlink(missing_ok=True)
