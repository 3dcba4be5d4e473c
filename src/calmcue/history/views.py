"""Day-by-day views of the call history, for `calmcue history`, `calmcue report` and the call card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from calmcue.history.store import CallRecord


@dataclass(frozen=True)
class DayTotals:
    day: dt.date
    calls: int
    cues: int
    customer_raised_s: float
    talk_overs: int
    agent_raised: int

    @property
    def cues_per_call(self) -> float:
        return self.cues / self.calls if self.calls else 0.0

    @property
    def talk_overs_per_call(self) -> float:
        return self.talk_overs / self.calls if self.calls else 0.0


def local_day(record: CallRecord, *, now_unix: float) -> dt.date:
    """The local date a call ended (a call dated in the future, after a clock change, counts as today)."""
    return dt.datetime.fromtimestamp(min(record.ended_unix, now_unix)).date()


def by_day(records: list[CallRecord], *, days: int, now_unix: float) -> list[DayTotals]:
    """Totals for each of the last `days` local days, oldest first, with empty days included."""
    today = dt.datetime.fromtimestamp(now_unix).date()
    first = today - dt.timedelta(days=days - 1)
    groups: dict[dt.date, list[CallRecord]] = {first + dt.timedelta(days=i): [] for i in range(days)}
    for record in records:
        day = local_day(record, now_unix=now_unix)
        if day in groups:
            groups[day].append(record)
    return [DayTotals(day, len(rs), sum(r.summary.cue_count for r in rs),
                      sum(r.summary.customer_raised_s for r in rs), sum(r.summary.talk_over_count for r in rs),
                      sum(r.summary.agent_raised_count for r in rs))
            for day, rs in groups.items()]


def minutes_seconds(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"
