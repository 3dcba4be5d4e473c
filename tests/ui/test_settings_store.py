"""Settings files: the atomic writer, the layers, enforced keys, and bad files that never stop the app."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from calmcue.config.schema import OverlaySettings
from calmcue.config.writer import read_user_values, to_toml, write_user_settings
from calmcue.errors import ConfigError
from calmcue.ui.settings_store import KEYS, SettingsStore


def test_every_key_round_trips_through_the_writer(tmp_path: Path) -> None:
    values = {key: field.default for key, field in KEYS.items()}
    values["audio.mic"] = 'Headset "Pro" \\ USB'
    path = tmp_path / "settings.toml"
    write_user_settings(path, values)
    assert read_user_values(path) == values
    assert tomllib.loads(to_toml({"detector.sensitivity": "strict"}))["detector"]["sensitivity"] == "strict"


def test_a_bad_value_is_refused_and_the_good_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    write_user_settings(path, {"detector.sensitivity": "gentle"})
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=re.escape("overlay.show_s = 500 is out of range; allowed 1 .. 60 s")):
        write_user_settings(path, {"detector.sensitivity": "strict", "overlay.show_s": 500.0})
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unreadable_user_file_is_kept_aside_when_replaced(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("this is = = not toml")
    write_user_settings(path, {"overlay.corner": "bottom-left"})
    assert (tmp_path / "settings.toml.bad").read_text() == "this is = = not toml"
    assert read_user_values(path) == {"overlay.corner": "bottom-left"}


def test_the_store_layers_policy_defaults_user_and_enforced(user_dirs: dict[str, Path]) -> None:
    user_dirs["policy"].write_text('[defaults.overlay]\ncorner = "bottom-left"\nshow_s = 9.0\n'
                                   '[enforced.detector]\nsensitivity = "gentle"\n')
    (user_dirs["config"] / "settings.toml").write_text('[overlay]\nshow_s = 4.0\n[detector]\nsensitivity = "strict"\n')
    store = SettingsStore()
    assert store.value("overlay.corner") == "bottom-left"  # policy default
    assert store.value("overlay.show_s") == 4.0  # the user's own choice beats a policy default
    assert store.value("detector.sensitivity") == "gentle"  # enforced beats the user
    assert store.enforced("detector.sensitivity") and not store.enforced("overlay.show_s")
    store.save({"detector.sensitivity": "normal", "overlay.corner": "top-left"})
    saved = read_user_values(store.user_path)
    assert saved["detector.sensitivity"] == "strict", "an enforced key is never written over the user's value"
    assert saved["overlay.corner"] == "top-left" and store.value("overlay.corner") == "top-left"


def test_a_bad_file_at_start_names_file_key_value_and_what_is_allowed(user_dirs: dict[str, Path]) -> None:
    user = user_dirs["config"] / "settings.toml"
    user.write_text('[overlay]\ncorner = "middle"\nshow_s = 3.0\n')
    store = SettingsStore()
    assert store.value("overlay.show_s") == 3.0  # the good keys still apply
    assert store.value("overlay.corner") == OverlaySettings().corner, "a bad value falls back to the default"
    assert store.problems == (f"{user}: overlay.corner = \"middle\" is not allowed; choose one of top-left, "
                              f"top-right, bottom-left, bottom-right",)


def test_a_file_that_turns_bad_while_running_keeps_the_last_good_settings(user_dirs: dict[str, Path]) -> None:
    user = user_dirs["config"] / "settings.toml"
    user.write_text('[detector]\nsensitivity = "strict"\n')
    store = SettingsStore()
    user.write_text('[detector]\nsensitivity = "strict"\n[overlay]\nshow_s = "long"\n')
    result = store.reload()
    assert not result.applied
    assert result.new_problems == (f"{user}: overlay.show_s = \"long\" is not a number; the default is 6",)
    assert store.value("detector.sensitivity") == "strict"
    user.write_text("[[[")
    assert not store.reload().applied and store.value("detector.sensitivity") == "strict"
    user.write_text('[detector]\nsensitivity = "gentle"\n')
    assert store.reload().applied and store.value("detector.sensitivity") == "gentle"
