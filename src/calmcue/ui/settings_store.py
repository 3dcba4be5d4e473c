"""The app's settings: the layered files (config/loader.py: defaults, machine policy, user file), read leniently,
changed only through the writer.

A bad file never stops the app. At start the good keys apply and each bad one is reported; when a file changes
while running and has a new problem, the app keeps the settings it had (the last good ones) and reports which
file, key and value is wrong and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calmcue.config import paths
from calmcue.config.loader import LoadedSettings, load_layers
from calmcue.config.schema import Settings, iter_keys
from calmcue.config.writer import read_user_values, write_user_settings

KEYS = dict(iter_keys())


@dataclass(frozen=True)
class ReloadResult:
    loaded: LoadedSettings
    applied: bool  # False: a file had a new problem and the previous settings stay
    new_problems: tuple[str, ...]


class SettingsStore:
    def __init__(self, *, user_path: Path | None = None, policy_path: Path | None = None) -> None:
        self.user_path = user_path or paths.user_settings_file()
        self.policy_path = policy_path or paths.policy_file()
        self.loaded = load_layers(policy=self.policy_path, user=self.user_path)

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def problems(self) -> tuple[str, ...]:
        return self.loaded.problems

    def enforced(self, key: str) -> bool:
        return key in self.loaded.enforced

    def value(self, key: str) -> Any:
        obj: Any = self.loaded.settings
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj

    def reload(self) -> ReloadResult:
        fresh = load_layers(policy=self.policy_path, user=self.user_path)
        new = tuple(p for p in fresh.problems if p not in self.loaded.problems)
        if new:
            return ReloadResult(self.loaded, False, new)
        self.loaded = fresh
        return ReloadResult(fresh, True, ())

    def save(self, changes: dict[str, Any]) -> LoadedSettings:
        """Merges `changes` into the user file (enforced keys are left out: policy wins anyway).

        Raises ConfigError, keeping the old file and settings, when a value is not allowed."""
        values = read_user_values(self.user_path)
        values.update({key: value for key, value in changes.items() if not self.enforced(key)})
        write_user_settings(self.user_path, values)
        self.loaded = load_layers(policy=self.policy_path, user=self.user_path)
        return self.loaded

    def restore_defaults(self) -> LoadedSettings:
        """Clears the user's own layer (the user file); the machine policy is never touched, so its defaults and
        enforced keys apply as before. Raises ConfigError, keeping the old file, when it cannot be written."""
        write_user_settings(self.user_path, {})
        self.loaded = load_layers(policy=self.policy_path, user=self.user_path)
        return self.loaded
