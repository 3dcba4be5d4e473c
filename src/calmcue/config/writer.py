"""Writing the user settings file: atomically, and never replacing a good file with a bad one.

The new text goes to a temporary file next to the target, is read back with the strict loader, and only then
replaces the old file (`os.replace`, atomic on POSIX and Windows). A user file that no longer parses is kept as
`settings.toml.bad` (then `.bad-2`, ...) before it is replaced, and a copy of one with keys that cannot be used
is kept the same way (the rewrite keeps only the good keys), so nothing the user typed is lost.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from calmcue.config.loader import check_value, flatten, load_settings_file, read_toml
from calmcue.config.paths import free_name
from calmcue.errors import ConfigError

HEADER = ("# CalmCue user settings. CalmCue rewrites this file when you change its settings;\n"
          "# you may edit it by hand (the keys are listed in the README).\n")


def read_user_values(path: Path) -> dict[str, Any]:
    """The good dotted keys of a user file ({} when it is missing or unreadable)."""
    if not path.exists():
        return {}
    try:
        table = flatten(read_toml(path))
    except ConfigError:
        return {}
    good: dict[str, Any] = {}
    for key, value in table.items():
        try:
            good[key] = check_value(str(path), key, value)
        except ConfigError:
            continue
    return good


def to_toml(values: Mapping[str, Any]) -> str:
    """Dotted keys as TOML tables, one table per section, in key order."""
    sections: dict[str, list[str]] = {}
    for key in sorted(values):
        section, _, name = key.rpartition(".")
        sections.setdefault(section, []).append(f"{name} = {_toml_value(values[key])}")
    out = [HEADER]
    for section, lines in sections.items():  # "" (top-level keys) sorts first, before any table
        out.append(f"\n[{section}]\n" if section else "\n")
        out.extend(line + "\n" for line in lines)
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_user_settings(path: Path, values: Mapping[str, Any]) -> None:
    """Writes exactly `values` (dotted keys) to `path`; raises ConfigError, leaving the old file, if any is bad."""
    checked = {key: check_value(str(path), key, value) for key, value in values.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(to_toml(checked))
            out.flush()
            os.fsync(out.fileno())
        load_settings_file(tmp)  # proven readable before it replaces anything
        _keep_unreadable(path)
        os.replace(tmp, path)
    except OSError as err:
        raise ConfigError(f"{path}: cannot be written ({err.strerror}); check the folder's permissions") from None
    finally:
        tmp.unlink(missing_ok=True)


def _keep_unreadable(path: Path) -> None:
    """A file that does not parse is moved aside; one that parses but has keys CalmCue cannot use (a typo, a value
    out of range) is copied aside, since the rewrite keeps only the good keys."""
    if not path.exists():
        return
    aside = path.with_name(path.name + ".bad")
    try:
        table = read_toml(path)
    except ConfigError:
        os.replace(path, free_name(aside))
        return
    from calmcue.config.policy import check_table

    if check_table(str(path), table).problems:
        shutil.copyfile(path, free_name(aside))
