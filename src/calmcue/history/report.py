"""The agent's own trend report, drawn from their call history: three small panels, one bar per day (cues per
call, the callers' raised-voice minutes, talk-overs per call) and a line for the 7-day average. The HTML page holds
the same picture (inlined) and the numbers under it. Used by `calmcue report` and the tray's "My calls report".
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from calmcue.errors import BadInputError
from calmcue.history.store import CallHistory
from calmcue.history.views import DayTotals, by_day, minutes_seconds

FORMATS = (".html", ".png")
BAR = "#5b8db8"
LINE = "#c07a00"


def write_report(history: CallHistory, *, out: Path, days: int, now_unix: float) -> list[DayTotals]:
    totals = by_day(history.since_days(days), days=days, now_unix=now_unix)
    png = draw(totals)
    try:
        if out.suffix.lower() == ".png":
            out.write_bytes(png)
        else:
            out.write_text(page(totals, png), encoding="utf-8")
    except OSError as err:
        raise BadInputError(f"--out {out}: cannot be written ({err.strerror}); choose another path") from None
    return totals


def draw(totals: list[DayTotals]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [t.day for t in totals]
    calls = sum(t.calls for t in totals)
    panels = [("Cues per call", [t.cues_per_call for t in totals], "{:.1f}"),
              ("Callers' raised voice, minutes", [t.customer_raised_s / 60 for t in totals], "{:.1f}"),
              ("Talk-overs per call", [t.talk_overs_per_call for t in totals], "{:.1f}")]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 7), sharex=True, layout="constrained")
    fig.suptitle(f"Your calls, last {len(totals)} days: {calls} call(s)", fontsize=13, x=0.02, ha="left")
    has_call = [t.calls > 0 for t in totals]
    for ax, (title, values, _) in zip(axes, panels, strict=True):
        ax.bar(days, values, color=BAR, width=0.7)
        ax.plot(days, _rolling(values, has_call), color=LINE, linewidth=2, label="7-day average")
        ax.set_title(title, loc="left", fontsize=11)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_ylim(bottom=0, top=max([*values, 1.0]) * 1.15)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(frameon=False, loc="upper left")
    if not calls:
        axes[1].text(0.5, 0.5, "No calls in this period yet", transform=axes[1].transAxes, ha="center",
                     va="center", fontsize=12, color="#555555")
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _rolling(values: list[float], has_call: list[bool], window: int = 7) -> list[float]:
    """The mean over the days with calls in the last `window` days (days without calls do not pull it down)."""
    out = []
    for i in range(len(values)):
        picked = [v for v, c in zip(values[max(0, i - window + 1): i + 1], has_call[max(0, i - window + 1): i + 1],
                                    strict=True) if c]
        out.append(sum(picked) / len(picked) if picked else float("nan"))
    return out


def page(totals: list[DayTotals], png: bytes) -> str:
    rows = "\n".join(
        f"<tr><td>{t.day:%a %d %b}</td><td>{t.calls}</td><td>{t.cues}</td><td>{t.cues_per_call:.1f}</td>"
        f"<td>{minutes_seconds(t.customer_raised_s)}</td><td>{t.talk_overs}</td></tr>"
        for t in reversed(totals) if t.calls)
    image = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape("My calls - CalmCue")}</title>
<style>body{{font-family:sans-serif;max-width:860px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{padding:.2em .8em;text-align:right}}
td:first-child,th:first-child{{text-align:left}}
tr:nth-child(even){{background:#f3f5f7}}</style></head>
<body><h1>My calls</h1>
<p>Numbers from your own calls, kept only on this computer. No audio and no words are kept.</p>
<img alt="Cues per call, callers' raised voice and talk-overs per call, day by day" width="800"
 src="data:image/png;base64,{image}">
<h2>Day by day</h2>
<table><tr><th>Day</th><th>Calls</th><th>Cues</th><th>Cues per call</th><th>Callers raised (m:s)</th>
<th>Talk-overs</th></tr>
{rows or '<tr><td colspan="6">No calls in this period yet.</td></tr>'}
</table></body></html>
"""


def report_file() -> Path:
    """Where the tray's "My calls report" writes its page (beside the history; removed by "Delete my data")."""
    from calmcue.history.store import history_file

    return history_file().with_name("report.html")
