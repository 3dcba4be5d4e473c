"""The demo in the tray app (offscreen, real engine): its plan (saved baseline and start), the request a later
`calmcue demo` sends over the real local socket, the time left in the status, the notice that stays, and the
agent's calibration left alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from calmcue.config import paths
from calmcue.demo import shipped_demo
from calmcue.detector.baseline import BaselineValues, load_baseline, save_baseline
from calmcue.ui.demo_player import DemoPlayer, clock, load_plan
from calmcue.ui.qt_app import App, Options
from calmcue.ui.single_instance import (
    PROTOCOL,
    Action,
    Reply,
    Request,
    SingleInstance,
    decode_reply,
    decode_request,
)

ENGINE_MS = 30_000
PLAN = shipped_demo().with_name("demo_call.baseline.json")


def test_the_shipped_demo_has_a_plan_with_the_demo_voices_baseline() -> None:
    plan = load_plan(shipped_demo(), speed=2.0)
    assert plan.baseline == load_baseline(PLAN)
    assert 0 < plan.start_s < plan.length_s
    assert plan.play_s == pytest.approx((plan.length_s - plan.start_s) / 2.0)


def test_a_recording_without_a_fitting_plan_plays_whole_and_learns(tmp_path: Path) -> None:
    other = tmp_path / "call.flac"
    shutil.copy(shipped_demo(), other)
    alone = load_plan(other)
    assert alone.baseline is None and alone.start_s == 0.0 and alone.length_s > 60
    values = json.loads(PLAN.read_text())
    values["length_s"] += 5.0  # a plan made for another recording
    (tmp_path / "call.baseline.json").write_text(json.dumps(values))
    assert load_plan(other).baseline is None
    (tmp_path / "call.baseline.json").write_text("{ not json")
    assert load_plan(other).start_s == 0.0


def test_clock_rounds_up() -> None:
    assert (clock(90), clock(57.2), clock(0.2), clock(0)) == ("1:30", "0:58", "0:01", "0:00")


def test_requests_are_versioned_and_refused_when_unknown() -> None:
    request = Request(action=Action.PLAY_DEMO, file="/x/call.wav", speed=2.0)
    assert decode_request(request.encode().rstrip(b"\n")) == request
    for bad in (b'{"calmcue": 99, "action": "show"}', b'{"calmcue": 1, "action": "format-disk"}', b"show"):
        refused = decode_request(bad)
        assert isinstance(refused, Reply) and not refused.ok and refused.text
    reply = Reply(ok=True, text="playing", length_s=57.4)
    assert decode_reply(reply.encode()) == reply
    assert not decode_reply(json.dumps({"calmcue": PROTOCOL + 1, "ok": True}).encode()).ok


def test_the_demo_plays_from_its_saved_baseline_and_never_touches_the_agents(qtbot: QtBot, make_app: Any) -> None:
    app = make_app(Options(demo=shipped_demo(), first_run=False))
    worker = app.link.worker
    assert worker.agent_baseline == load_baseline(PLAN) and worker.baseline_path is None
    qtbot.waitUntil(lambda: app.tray.state == "demo", timeout=ENGINE_MS)
    line = app.tray.tooltip().split("\n")[1]
    assert line.startswith("Playing the demo call - 0:") and line.endswith(" left"), line
    assert not paths.baseline_file().exists()


def test_a_later_calmcue_demo_asks_over_the_socket_and_the_app_returns_to_the_microphone(
        qtbot: QtBot, make_app: Any, user_dirs: dict[str, Path]) -> None:
    agent = BaselineValues(-31.0, 3.0, -7.5, 4.2)
    save_baseline(paths.baseline_file(), agent)
    saved = paths.baseline_file().read_bytes()
    app = make_app(Options(first_run=False))
    assert not app.link.demo_playing and app.link.worker.agent_baseline == agent
    single = SingleInstance()  # in the runtime folder of the user_dirs fixture, as the command finds it
    assert single.acquire()
    single.serve(app.answer)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cli = subprocess.Popen([sys.executable, "-m", "calmcue", "demo", "--speed", "20"], env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        qtbot.waitUntil(lambda: cli.poll() is not None, timeout=ENGINE_MS)  # this event loop answers it
        out, err = cli.communicate()
        assert cli.returncode == 0, err
        assert out.splitlines()[0] == ("The running CalmCue is playing the demo call - watch the screen's "
                                       "bottom-right corner")
        assert app.link.demo_playing and app.link.worker.baseline_path is None
        qtbot.waitUntil(lambda: app.demo.notice is not None, timeout=ENGINE_MS)
        notice = app.demo.notice
        assert notice.isVisible() and not notice.isModal() and "demo call" in notice.text()
        assert not app.link.demo_playing and app.link.worker.agent_baseline == agent, "back to the agent's own"
        assert app.link.worker.baseline_path == paths.baseline_file()
        assert paths.baseline_file().read_bytes() == saved
        with qtbot.waitSignal(app.demo.notice_closed, timeout=ENGINE_MS):
            notice.accept()
        assert app.demo.notice is None
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate()
        single.release()


def test_a_new_demo_closes_the_last_notice(qtbot: QtBot) -> None:
    from calmcue.ui.app_state import AppState

    player = DemoPlayer(state=AppState())
    box = player.show_end_notice(after="CalmCue listens to your microphone again.")
    qtbot.waitUntil(box.isVisible)
    player.started(load_plan(shipped_demo()))
    assert player.notice is None and not box.isVisible()
    assert player.state.shown.demo_left_s == pytest.approx(load_plan(shipped_demo()).play_s, abs=1)


def test_a_paused_app_plays_the_demo_when_asked_and_is_paused_again_after_it(qtbot: QtBot, make_app: Any) -> None:
    app = make_app(Options(first_run=False))
    app.pauses.pause(0)  # until I resume
    qtbot.waitUntil(lambda: app.tray.state == "paused", timeout=ENGINE_MS)
    reply = app.answer(Request(action=Action.PLAY_DEMO, file=str(shipped_demo()), speed=20.0))
    assert reply.ok
    qtbot.waitUntil(lambda: app.tray.state == "demo", timeout=ENGINE_MS)
    qtbot.waitUntil(lambda: app.demo.notice is not None, timeout=ENGINE_MS)
    qtbot.waitUntil(lambda: app.tray.state == "paused", timeout=ENGINE_MS)
    assert app.menu.resume_action.isVisible() and not app.menu.pause_menu.menuAction().isVisible()


def test_the_demo_app_quits_when_its_notice_is_closed_unless_calmcue_was_started_meanwhile(
        qtbot: QtBot, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    quits: list[App] = []
    alone = make_app(Options(demo=shipped_demo(), quit_after_demo=True, first_run=False, demo_speed=20.0))
    monkeypatch.setattr(alone, "quit", lambda: quits.append(alone))
    qtbot.waitUntil(lambda: alone.demo.notice is not None, timeout=ENGINE_MS)
    assert alone.link.demo_playing, "the demo app has no microphone to go back to"
    alone.demo.notice.accept()
    assert quits == [alone]

    staying = make_app(Options(demo=shipped_demo(), quit_after_demo=True, first_run=False, demo_speed=20.0))
    monkeypatch.setattr(staying, "quit", lambda: quits.append(staying))
    assert staying.answer(Request(action=Action.SHOW)).ok  # `calmcue` started during the demo
    qtbot.waitUntil(lambda: staying.demo.notice is not None, timeout=ENGINE_MS)
    assert not staying.link.demo_playing, "it stays as the tray app, on the microphone"
    staying.demo.notice.accept()
    assert quits == [alone]
