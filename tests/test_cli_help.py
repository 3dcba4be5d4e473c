"""Every `--help` text wraps to the terminal's width with the same words at any width, and developer-only
options and commands sit under their own headings."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from calmcue.cli import DEVELOPER_COMMANDS, DEVELOPER_OPTIONS, build_parser

WIDTHS = (60, 160)
DEVELOPER_ONLY = {
    ("analyze",): {"--activity", "--no-progress"},
    ("monitor",): {"--file", "--speed", "--stats-json"},
    ("demo",): {"--speed"},
    ("bench",): {"--readme", "--rounds", "--no-progress"},
}


def parsers() -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """The top-level parser and every command's (config's actions too), with the words that reach them."""
    todo: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = [((), build_parser())]
    while todo:
        path, parser = todo.pop(0)
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [((*path, name), sub) for name, sub in action.choices.items()]


ALL = list(parsers())
IDS = [" ".join(path) or "calmcue" for path, _ in ALL]


def help_at(parser: argparse.ArgumentParser, columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    return parser.format_help()


def sections(text: str) -> dict[str, list[str]]:
    """Heading (a line ending in ':' at the left margin) -> the first word of each entry listed under it (the
    lines indented by exactly two spaces)."""
    out: dict[str, list[str]] = {"": []}
    heading = ""
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            heading = line[:-1]
            out[heading] = []
        elif line.startswith("  ") and not line.startswith("   "):
            out[heading].append(line.split()[0])
    return out


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_help_fits_the_terminal_width_with_the_same_words(path: tuple[str, ...], parser: argparse.ArgumentParser,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    texts = {columns: help_at(parser, columns, monkeypatch) for columns in WIDTHS}
    for columns, text in texts.items():
        too_long = [line for line in text.splitlines() if len(line) > columns and len(line.split()) > 1]
        assert not too_long, f"COLUMNS={columns}: lines wider than the terminal: {too_long}"
    assert texts[60].split() == texts[160].split(), "a narrower terminal only moves line breaks"


def test_paragraphs_are_reflowed_to_the_width_but_examples_keep_their_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = dict(ALL)[("analyze",)]
    wide = help_at(parser, 160, monkeypatch)
    description = wide.split("\n\n")[1]
    assert max(len(line) for line in description.splitlines()) > 130, "not the source's line breaks"
    assert "\n  calmcue analyze call.wav --json call.json --plot call.png\n" in wide
    narrow = help_at(parser, 60, monkeypatch)
    assert "\n\nAn empty or silent file is valid" in narrow, "blank lines between paragraphs stay"
    assert "energy-and-periodicity" in narrow.split(), "no word is broken at a hyphen"


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_developer_options_sit_under_their_heading(path: tuple[str, ...], parser: argparse.ArgumentParser,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    parts = sections(help_at(parser, 100, monkeypatch))
    expected = DEVELOPER_ONLY.get(path, set())
    developer = {word.rstrip(",") for word in parts.get(DEVELOPER_OPTIONS, []) if word.startswith("--")}
    assert developer == expected
    elsewhere = {word for heading, words in parts.items() if heading != DEVELOPER_OPTIONS for word in words}
    assert not expected & elsewhere, "a developer option is also listed among the agent's options"
    assert "--help" in elsewhere or "-h," in elsewhere


def test_the_top_level_help_lists_agent_commands_first_then_developer_commands(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = help_at(build_parser(), 100, monkeypatch)
    parts = sections(text)
    assert parts["commands"] == ["tray", "demo", "devices", "history", "report", "config"]
    assert parts[DEVELOPER_COMMANDS] == ["analyze", "monitor", "bench"]
    assert text.index("\ncommands:") < text.index(f"\n{DEVELOPER_COMMANDS}:")
    assert build_parser().parse_args(["bench", "--quick"]).command == "bench", "developer commands still run"


def test_the_real_command_wraps_to_columns() -> None:
    env = {**os.environ, "COLUMNS": "60"}
    out = subprocess.run([sys.executable, "-m", "calmcue", "monitor", "--help"], capture_output=True, text=True,
                         env=env, timeout=60, check=True).stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    assert f"\n{DEVELOPER_OPTIONS}:" in out
