"""The settings dialog as the agent meets it, on the real X server over real settings files: the General page in
plain words, the Advanced page with every key under its section, and Restore defaults answered from the keyboard
(Enter takes the default, No; Alt+Y says yes). Screenshots in test-artifacts/."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from calmcue.config import paths
from calmcue.config.labels import section_title, sections
from calmcue.ui.settings_advanced import row_label
from calmcue.ui.settings_store import KEYS
from ui.test_tray_menu_xvfb import assert_has_content, geometry, visible_windows
from ui.ui_support import needs_xvfb
from ui.xvfb_support import Driven, screenshot, wait_for, xdotool

pytestmark = pytest.mark.xvfb
DRIVER = Path(__file__).with_name("settings_driver.py")


@pytest.fixture
def files(user_dirs: dict[str, Path]) -> tuple[Path, Path]:
    """IT sets a default and locks the sensitivity; the agent changed two settings (and the locked one)."""
    policy = user_dirs["policy"]
    policy.write_text('[defaults]\noverlay.show_s = 4.0\n[enforced]\ndetector.sensitivity = "strict"\n')
    user = paths.user_settings_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[overlay]\nshow_s = 20.0\n[detector]\nsensitivity = "gentle"\n'
                    '[detector.fast_speech]\nenabled = false\n')
    return policy, user


def _press(window: str, *keys: str) -> None:
    xdotool("windowactivate", "--sync", window, check=False)
    xdotool("key", "--clearmodifiers", *keys)


def _ask(d: Driven) -> str:
    d.send("restore")
    asking = d.wait("asking")
    assert asking["default"].replace("&", "") == "No" and "IT department" in asking["text"]
    window = str(asking["window"])
    wait_for(lambda: window in visible_windows("^Restore defaults$"), "the Restore defaults question on screen")
    return window


def test_on_x_the_pages_speak_plainly_and_restore_defaults_asks_and_keeps_it_s_locks(
        start: Callable[..., Driven], files: tuple[Path, Path]) -> None:
    needs_xvfb()
    policy, user = files
    policy_before, user_before = policy.read_bytes(), user.read_bytes()
    d = start([sys.executable, str(DRIVER)])
    ready = d.wait("ready")
    window = str(ready["window"])
    wait_for(lambda: window in visible_windows("^CalmCue settings$"), "the settings window on screen")
    assert_has_content(screenshot("settings_general"), geometry(window), "settings, General page")
    general = ready["general"]
    assert "Least time between cues" in general and "Managed by your IT department" in general
    assert any(text.startswith("Gentle - cues only when a voice is clearly raised") for text in general)
    leaves = {key.rpartition(".")[2] for key in KEYS if "_" in key.rpartition(".")[2]}
    assert not [t for t in general if any(key in t for key in KEYS) or any(leaf in t for leaf in leaves)]

    d.send("advanced")
    shown = d.wait("advanced")["sections"]
    for section, keys in sections():
        assert shown[f"section:{section}"] == [section_title(section), *(row_label(key) for key in keys)]
    assert_has_content(screenshot("settings_advanced"), geometry(window), "settings, Advanced page")

    question = _ask(d)
    screenshot("settings_restore_question")
    _press(question, "Return")  # the default button: No
    answer = d.wait("answered")
    assert answer["yes"] is False and user.read_bytes() == user_before
    assert answer["shown"]["overlay.show_s"] == 20.0

    question = _ask(d)
    _press(question, "alt+y")
    answer = d.wait("answered")
    assert answer["yes"] is True
    assert "show_s" not in answer["user_file"] and "fast_speech" not in answer["user_file"]
    assert answer["values"] == {"overlay.show_s": 4.0, "detector.fast_speech.enabled": True,
                                "detector.sensitivity": "strict"}  # IT's default and IT's lock
    assert answer["shown"] == answer["values"] and answer["locked"] is True
    assert policy.read_bytes() == policy_before
    d.send("quit")
    assert d.proc.wait(timeout=30) == 0
