"""The agent's call history: bounded, pruned, robust to damage and clock changes; `calmcue history` / `report`."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from calmcue.cli import main
from calmcue.detector.calls import CallSummary
from calmcue.history.store import DAY_S, CallHistory, delete_history
from calmcue.history.views import by_day

NOW = 1_800_000_000.0  # a fixed wall clock for the tests


def summary(*, cues: int = 1, talk_overs: int = 0, raised_s: float = 0.0, start_s: float = 0.0) -> CallSummary:
    return CallSummary(start_s=start_s, end_s=start_s + 300.0, duration_s=300.0, ended_by="call_audio_gap",
                       call_audio=True, agent_talk_s=120.0, customer_talk_s=100.0, agent_talk_share=120 / 220,
                       customer_talk_share=100 / 220, longest_agent_monologue_s=30.0, talk_over_count=talk_overs,
                       customer_raised_s=raised_s, customer_raised_count=1 if raised_s else 0,
                       agent_let_them_finish=(talk_overs == 0) if raised_s else None, agent_raised_s=0.0,
                       agent_raised_count=0, agent_level_vs_baseline_db=1.5, agent_pace_ratio=1.1,
                       cues={"raised_voice": cues, "talk_over": 0, "fast_speech": 0, "no_pause": 0})


class Clock:
    def __init__(self, t: float = NOW) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_calls_are_kept_across_restarts_and_pruned_by_age_and_count(tmp_path: Path) -> None:
    clock = Clock(NOW - 40 * DAY_S)
    history = CallHistory(tmp_path / "calls.json", keep_days=30, max_calls=5, clock=clock)
    history.add(summary(cues=9))  # 40 days old by the end
    clock.t = NOW
    for i in range(6):
        history.add(summary(cues=i))
    again = CallHistory(tmp_path / "calls.json", keep_days=30, max_calls=5, clock=clock)
    assert [r.summary.cue_count for r in again.last(10)] == [5, 4, 3, 2, 1]
    assert [r.to_json() for r in again.records] == [r.to_json() for r in history.records]
    text = (tmp_path / "calls.json").read_text()
    assert "cues" in text and "message" not in text  # numbers, not the words of cues


def test_a_damaged_history_is_set_aside_with_one_log_line(tmp_path: Path, caplog) -> None:
    path = tmp_path / "calls.json"
    path.write_text('{"schema": 1, "calls": [{"seq": 1, "ended_unix": "yesterday"')
    with caplog.at_level(logging.WARNING, logger="calmcue.history.store"):
        history = CallHistory(path, clock=Clock())
    assert history.records == []
    assert len(caplog.records) == 1 and "set aside" in caplog.records[0].getMessage()
    assert len(list(tmp_path.glob("calls.json.bad-*"))) == 1 and not path.exists()
    history.add(summary())
    assert len(CallHistory(path, clock=Clock()).records) == 1  # a fresh history was started


def test_a_history_a_newer_calmcue_wrote_is_left_as_it_is(tmp_path: Path, caplog) -> None:
    """IT rolled CalmCue back: the older version must not set the newer one's history aside or overwrite it."""
    path = tmp_path / "calls.json"
    newer = json.dumps({"schema": 2, "calls": [{"seq": 1, "ended_unix": NOW, "summary": {"a new": "shape"}}]})
    path.write_text(newer)
    with caplog.at_level(logging.WARNING, logger="calmcue.history.store"):
        history = CallHistory(path, clock=Clock())
        history.add(summary(cues=3))
    assert path.read_text() == newer and not list(tmp_path.glob("calls.json.bad-*"))
    assert [r.summary.cue_count for r in history.last(5)] == [3]  # this session's call, in memory
    assert "newer version" in history.notice
    assert len(caplog.records) == 1 and "newer CalmCue" in caplog.records[0].getMessage()


def test_an_unwritable_history_is_set_aside_and_a_fresh_one_written(tmp_path: Path, caplog) -> None:
    path = tmp_path / "calls.json"
    path.mkdir()  # something that cannot be written as a file
    (path / "junk").write_text("x")
    with caplog.at_level(logging.WARNING, logger="calmcue.history.store"):
        history = CallHistory(path, clock=Clock())
        history.add(summary())
    assert path.is_file() and len(CallHistory(path, clock=Clock()).records) == 1
    assert sum("set aside" in r.getMessage() for r in caplog.records) == 1


def test_a_clock_set_back_keeps_the_order_and_the_week(tmp_path: Path) -> None:
    clock = Clock(NOW)
    history = CallHistory(tmp_path / "calls.json", clock=clock)
    history.add(summary(cues=1))
    clock.t = NOW - 3 * 365 * DAY_S  # the clock jumps years back
    history.add(summary(cues=2))
    assert [r.summary.cue_count for r in history.last(5)] == [2, 1]  # by sequence, not by clock
    assert len(history.records) == 2  # nothing pruned for being "in the future"
    week = by_day(history.since_days(7), days=7, now_unix=clock.t)
    assert len(week) == 7 and sum(d.calls for d in week) == 2 and week[-1].calls == 2  # both count as today


def test_delete_removes_the_history_and_what_was_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "calls.json"
    (tmp_path / "calls.json.bad-20260101-000000").write_text("{")
    CallHistory(path, clock=Clock()).add(summary())
    delete_history(path)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CALMCUE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALMCUE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALMCUE_POLICY_FILE", str(tmp_path / "no-policy.toml"))
    return tmp_path / "data" / "calls.json"


def test_history_command_prints_the_last_calls_and_the_week(user_dirs: Path, capsys) -> None:
    history = CallHistory(user_dirs)
    for cues in (1, 3):
        history.add(summary(cues=cues, talk_overs=1, raised_s=65.0))
    assert main(["history", "--last", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "last 1 call" in lines[0]
    assert lines[2].split()[-1] == "3"  # the newest call's cues
    total = next(line for line in lines if line.strip().startswith("total")).split()
    assert total[1:4] == ["2", "4", "2.0"] and total[4] == "2:10"  # calls, cues, cues per call, raised m:s


def test_history_command_without_calls_says_so(user_dirs: Path, capsys) -> None:
    assert main(["history"]) == 0
    assert "No calls yet" in capsys.readouterr().out


def test_report_writes_a_png_and_an_html_page(user_dirs: Path, tmp_path: Path) -> None:
    history = CallHistory(user_dirs)
    history.add(summary(cues=2, talk_overs=1, raised_s=120.0))
    assert main(["report", "--days", "7", "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["report", "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    assert "data:image/png;base64," in page
    row = next(line for line in page.splitlines() if line.startswith("<tr><td>") and "colspan" not in line)
    assert "<td>1</td><td>2</td><td>2.0</td><td>2:00</td><td>1</td>" in row


@pytest.mark.parametrize("args", [["--out", "r.pdf"], ["--days", "0", "--out", "r.png"],
                                  ["--out", "no/such/folder/r.png"]])
def test_report_bad_arguments_exit_2_with_one_line(user_dirs: Path, tmp_path: Path, capsys, args) -> None:
    out = [str(tmp_path / a) if a.startswith(("r.", "no/")) else a for a in args]
    assert main(["report", *out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("calmcue: --")


def test_history_json_holds_no_text_but_the_end_reason(user_dirs: Path) -> None:
    CallHistory(user_dirs, clock=time.time).add(summary())
    data = json.loads(user_dirs.read_text())
    strings = [v for v in data["calls"][0]["summary"].values() if isinstance(v, str)]
    assert strings == ["call_audio_gap"]
