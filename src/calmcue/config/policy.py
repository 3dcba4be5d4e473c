"""Machine policy files and `calmcue config check`.

A policy file (/etc/xdg/calmcue/policy.toml, %PROGRAMDATA%\\CalmCue\\policy.toml) has two tables: `[defaults]`
(the starting values a user may change) and `[enforced]` (locked). A user settings file has the settings'
sections at the top level. `check_file` tells which kind a file is and lists every problem in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calmcue.config.loader import check_value, flatten, read_toml
from calmcue.config.schema import iter_keys
from calmcue.errors import ConfigError

POLICY_TABLES = ("defaults", "enforced")
SECTIONS = {key.split(".", 1)[0] for key, _ in iter_keys()}


@dataclass(frozen=True)
class CheckedTable:
    values: dict[str, Any]  # the good dotted keys, converted
    problems: tuple[str, ...]


def is_policy(table: dict[str, Any]) -> bool:
    """A policy file has only [defaults] and [enforced]; anything naming a settings section is a user file."""
    return bool(table) and not (set(table) & SECTIONS) and bool(set(table) & set(POLICY_TABLES))


def check_table(origin: str, table: dict[str, Any]) -> CheckedTable:
    """Every key of a settings table checked; the bad ones are reported, the good ones kept."""
    good: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in flatten(table).items():
        try:
            good[key] = check_value(origin, key, value)
        except ConfigError as err:
            problems.append(str(err))
    return CheckedTable(good, tuple(problems))


def split_policy(path: Path, table: dict[str, Any]) -> tuple[dict[str, CheckedTable], list[str]]:
    """The [defaults] and [enforced] tables of a policy file, checked, and problems outside them."""
    tables: dict[str, CheckedTable] = {}
    problems: list[str] = []
    for name, value in table.items():
        if name not in POLICY_TABLES or not isinstance(value, dict):
            problems.append(f"{path}: '{name}' is not allowed at the top of a policy file; "
                            "put settings under [defaults] (user may change) or [enforced] (locked)")
            continue
        tables[name] = check_table(f"{path} [{name}]", value)
    return tables, problems


def check_file(path: Path) -> tuple[str, list[str]]:
    """("policy" | "settings", every problem in the file). An unreadable file is one problem."""
    try:
        table = read_toml(path)
    except ConfigError as err:
        return "unreadable", [str(err)]
    if is_policy(table):
        tables, problems = split_policy(path, table)
        for checked in tables.values():
            problems.extend(checked.problems)
        return "policy", problems
    return "settings", list(check_table(str(path), table).problems)
