"""`calmcue history`: the agent's last calls and their week, from the history on this computer."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass

from calmcue.errors import BadInputError
from calmcue.history.store import CallHistory, CallRecord, history_file
from calmcue.history.views import by_day, minutes_seconds

WEEK_DAYS = 7


@dataclass(frozen=True)
class HistoryOptions:
    last: int = 10  # how many calls to list


def from_args(args: argparse.Namespace) -> HistoryOptions:
    return HistoryOptions(last=int(args.last))


def run(options: HistoryOptions) -> int:
    last = options.last
    if last < 1:
        raise BadInputError(f"--last {last}: give a number of calls of at least 1")
    history = open_history()
    now = time.time()
    records = history.last(last)
    out = sys.stdout
    if not history.records:
        print(f"No calls yet. After each call CalmCue keeps its numbers here ({history.path}); "
              f"no audio and no words are ever kept.", file=out)
        return 0
    print(f"Your last {len(records)} call(s), newest first (kept on this computer only):", file=out)
    print(f"  {'ended':<16} {'length':>7} {'you/them':>9} {'talk-overs':>10} {'caller raised':>13} {'cues':>5}",
          file=out)
    for record in records:
        print("  " + call_line(record, now_unix=now), file=out)
    week = by_day(history.since_days(WEEK_DAYS), days=WEEK_DAYS, now_unix=now)
    print("\nThe last 7 days:", file=out)
    print(f"  {'day':<10} {'calls':>5} {'cues':>5} {'cues/call':>9} {'caller raised':>13} {'talk-overs':>10}",
          file=out)
    for day in week:
        print(f"  {day.day:%a %d %b} {day.calls:>5} {day.cues:>5} {day.cues_per_call:>9.1f} "
              f"{minutes_seconds(day.customer_raised_s):>13} {day.talk_overs:>10}", file=out)
    calls, cues = sum(d.calls for d in week), sum(d.cues for d in week)
    print(f"  {'total':<10} {calls:>5} {cues:>5} {cues / calls if calls else 0.0:>9.1f} "
          f"{minutes_seconds(sum(d.customer_raised_s for d in week)):>13} {sum(d.talk_overs for d in week):>10}",
          file=out)
    return 0


def call_line(record: CallRecord, *, now_unix: float) -> str:
    s = record.summary
    ended = dt.datetime.fromtimestamp(min(record.ended_unix, now_unix))
    share = (f"{s.agent_talk_share:.0%}/{s.customer_talk_share:.0%}"
             if s.agent_talk_share is not None and s.customer_talk_share is not None else "mic only")
    return (f"{ended:%a %d %b %H:%M} {minutes_seconds(s.duration_s):>7} {share:>9} {s.talk_over_count:>10} "
            f"{minutes_seconds(s.customer_raised_s):>13} {s.cue_count:>5}")


def open_history() -> CallHistory:
    """The history with the user's retention settings (lenient: a bad settings file only warns)."""
    from calmcue.config import paths
    from calmcue.config.loader import load_layers

    loaded = load_layers(policy=paths.policy_file(), user=paths.user_settings_file())
    for problem in loaded.problems:
        print(f"calmcue: warning: {problem}", file=sys.stderr)
    h = loaded.settings.history
    history = CallHistory(history_file(), keep_days=h.keep_days, max_calls=h.max_calls)
    if history.notice:
        print(f"calmcue: warning: {history.notice}", file=sys.stderr)
    history.prune()
    return history
