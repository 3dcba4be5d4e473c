"""`calmcue` with no command is the tray app; without a display it falls back to the terminal monitor, on the
demo call when there is no microphone; `calmcue demo` refuses bad input with one line; other commands never
import Qt."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import calmcue.ui
from calmcue.cli import build_parser
from calmcue.commands import demo, monitor
from calmcue.commands.tray import has_display
from calmcue.config.paths import demo_file
from needs import missing

BOUND_S = 60.0


def _no_display_no_sound(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PULSE_SERVER", "CALMCUE_UI_TRACE")}
    client = tmp_path / "pulse-client.conf"
    client.write_text("autospawn = no\n")  # never start a sound server of our own
    env.update(PULSE_CLIENTCONFIG=str(client), PYTHONUNBUFFERED="1")
    return env


def test_without_display_or_microphone_calmcue_plays_the_demo_in_the_terminal(tmp_path: Path) -> None:
    if demo_file() is None:
        missing("build/demo/demo_call.wav is missing: run 'make demo'", what="demo call")
    proc = subprocess.Popen([sys.executable, "-m", "calmcue"], env=_no_display_no_sound(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + BOUND_S
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("[listening]") or time.monotonic() > deadline:
                break
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=BOUND_S)
    assert any(line.startswith("demo call: ") and "demo_call.wav" in line for line in lines), lines
    assert any(line.startswith("[listening]") for line in lines), lines  # from the demo voice's baseline
    assert "no display (DISPLAY and WAYLAND_DISPLAY are unset): showing the terminal monitor instead" in stderr
    assert "no microphone found" in stderr and "playing the demo call instead" in stderr
    assert "Traceback" not in stderr
    assert proc.returncode == 0


@pytest.mark.parametrize(("args", "words"), [
    (["demo", "--file", "no/such/recording.wav"], "no/such/recording.wav"),
    (["demo", "--speed", "0"], "--speed 0 is out of range; allowed 0.1 .. 100"),
])
def test_demo_refuses_bad_input_with_one_line_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    result = subprocess.run([sys.executable, "-m", "calmcue", *args], env=_no_display_no_sound(tmp_path),
                            capture_output=True, text=True, timeout=BOUND_S)
    assert result.returncode == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_other_commands_and_the_display_check_never_import_qt() -> None:
    code = ("import sys\n"
            "from calmcue.cli import build_parser\n"
            "import calmcue.commands.tray, calmcue.commands.demo, calmcue.commands.analyze\n"
            "build_parser().parse_args(['analyze', 'x.wav'])\n"
            "calmcue.commands.tray.has_display()\n"
            "print(sorted(m for m in sys.modules if m.startswith('PyQt6')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=BOUND_S, check=True)
    assert out.stdout.strip() == "[]"


def test_has_display_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the DISPLAY/WAYLAND_DISPLAY check is for Linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert not has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert has_display()
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert has_display()


@pytest.mark.parametrize("command", ["monitor", "demo", "tray"])
def test_each_command_line_option_has_a_field_in_the_typed_options(command: str) -> None:
    args = build_parser().parse_args([command])
    module = importlib.import_module(f"calmcue.commands.{command}")
    options = module.from_args(args)
    assert dataclasses.is_dataclass(options) and type(options).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert {f.name for f in dataclasses.fields(options)} == set(vars(args)) - {"command", "run"}


def test_typed_options_carry_the_parsed_values() -> None:
    args = build_parser().parse_args(["demo", "--file", "call.wav", "--speed", "2.5"])
    assert demo.from_args(args) == demo.DemoOptions(file=Path("call.wav"), speed=2.5)
    args = build_parser().parse_args(["monitor", "--mic", "Headset", "--seconds", "3"])
    assert monitor.from_args(args) == monitor.MonitorOptions(mic="Headset", seconds=3.0)


def test_the_ui_never_imports_the_commands() -> None:
    ui = Path(calmcue.ui.__file__).parent
    for path in ui.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n.startswith("calmcue.commands") for n in names), f"{path.name} imports {names}"
