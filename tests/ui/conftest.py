"""UI test fixtures: an offscreen QApplication, private user folders, and Qt warnings that fail the test.

Any Qt message of warning level or worse fails the test during which it came, unless the allow-list in
ui_support.py explains it (known platform noise, each with its reason). The X server tests check the stderr of
the app processes they start against the xcb allow-list in the same file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from calmcue.ui.qt_app import App, Options
from calmcue.ui.settings_store import SettingsStore
from ui.ui_support import QtMessages
from ui.xvfb_support import Driven, app_env

ENGINE_MS = 30_000  # generous bound for the engine's thread to start


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    """pytest-qt's QApplication is offscreen, whatever DISPLAY says: real X windows run in subprocesses."""
    return ["calmcue-tests", "-platform", "offscreen"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.no_qt_log)  # qt_messages below captures instead, with the allow-list


@pytest.fixture(autouse=True)
def qt_messages() -> Iterator[QtMessages]:
    """Fails the test on any Qt warning, critical or fatal message that the allow-list does not explain."""
    from PyQt6.QtCore import qInstallMessageHandler

    record = QtMessages()
    previous = qInstallMessageHandler(record.handler)
    try:
        yield record
    finally:
        qInstallMessageHandler(previous)
    bad = record.unexpected()
    if bad:
        pytest.fail("Qt warned during the test (allow-list: tests/ui/ui_support.py):\n"
                    + "\n".join(f"  {r}" for r in bad), pytrace=False)


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Settings, data, policy, autostart, runtime and log folders inside tmp_path: never the real home."""
    dirs = {name: tmp_path / name for name in ("config", "data", "xdg_config", "runtime", "state")}
    for path in dirs.values():
        path.mkdir(mode=0o700)
    dirs["policy"] = tmp_path / "policy.toml"
    monkeypatch.setenv("CALMCUE_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("CALMCUE_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("CALMCUE_POLICY_FILE", str(dirs["policy"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs["xdg_config"]))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(dirs["runtime"]))
    monkeypatch.setenv("XDG_STATE_HOME", str(dirs["state"]))
    monkeypatch.delenv("CALMCUE_UI_TRACE", raising=False)
    return dirs


@pytest.fixture
def start() -> Iterator[Callable[..., Driven]]:
    """Starts app processes on the X server (stopped after the test); Qt warnings in them fail the test."""
    started: list[Driven] = []

    def run(args: list[str], *, trace: Path | None = None, **env: str) -> Driven:
        extra = dict(env)
        if trace is not None:
            extra["CALMCUE_UI_TRACE"] = str(trace)
        driven = Driven(args, env=app_env(**extra), trace=trace)
        started.append(driven)
        return driven

    yield run
    for driven in started:
        driven.stop()
    problems = [p for d in started for p in d.qt_problems()]
    assert not problems, "Qt warned in an app process:\n" + "\n".join(problems)


@pytest.fixture
def make_app(qtbot: QtBot) -> Iterator[Callable[[Options], App]]:
    """Starts the tray app in this process (offscreen) with the given options; each is shut down after the test."""
    apps: list[App] = []
    engines_before = {t.ident for t in threading.enumerate() if t.name == "calmcue-worker"}

    def make(options: Options) -> App:
        app = App(store=SettingsStore(), options=options)
        apps.append(app)
        app.start()
        qtbot.waitUntil(lambda: app.link.worker is not None, timeout=ENGINE_MS)
        return app

    yield make
    for app in apps:
        app.shutdown()

    def left() -> list[threading.Thread]:  # engines this test started that still run
        return [t for t in threading.enumerate() if t.name == "calmcue-worker" and t.ident not in engines_before]

    qtbot.wait(200)  # a late "finished" from the stopped engine is delivered now: it must not start another
    qtbot.waitUntil(lambda: not left(), timeout=ENGINE_MS)
