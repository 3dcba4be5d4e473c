"""Layered settings: built-in defaults -> machine policy [defaults] -> user file -> machine policy [enforced].

A bad file never takes the app down: `load_layers` keeps what was good, and reports each problem as one line
naming the file, key and value, and what is allowed.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calmcue.config.schema import Settings, iter_keys
from calmcue.errors import ConfigError

_FIELDS = dict(iter_keys())


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    enforced: frozenset[str] = frozenset()  # keys locked by machine policy
    problems: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)  # key -> file that set it


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found; check the path") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the file or remove it") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror})") from None


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def check_value(origin: str, key: str, value: Any) -> Any:
    """Returns the value converted to the key's type, or raises ConfigError saying what is allowed."""
    f = _FIELDS.get(key)
    if f is None:
        raise ConfigError(f"{origin}: unknown setting '{key}'; see 'calmcue config --list' for the keys")
    meta, default = f.metadata, f.default
    kind = type(default)
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(f"{origin}: {key} = {value!r} is not a {kind.__name__}; the default is {default!r}")
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"{origin}: {key} = {value!r} is not allowed; choose one of {', '.join(meta['choices'])}")
    lo, hi = meta.get("min"), meta.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        unit = f" {meta['unit']}" if meta.get("unit") else ""
        raise ConfigError(f"{origin}: {key} = {value!r} is out of range; allowed {lo}..{hi}{unit}")
    problem = meta["check"](value) if meta.get("check") else None
    if problem:
        raise ConfigError(f"{origin}: {key} = {value!r} {problem}")
    return value


def apply(settings: Settings, values: dict[str, Any]) -> Settings:
    """A copy of `settings` with dotted keys replaced (values already checked)."""
    for key, value in values.items():
        settings = _replace_path(settings, key.split("."), value)
    return settings


def _replace_path(obj: Any, path: list[str], value: Any) -> Any:
    if len(path) == 1:
        return dataclasses.replace(obj, **{path[0]: value})
    return dataclasses.replace(obj, **{path[0]: _replace_path(getattr(obj, path[0]), path[1:], value)})


def load_settings_file(path: Path, base: Settings | None = None) -> Settings:
    """One user-style file, strictly: the first bad key or value raises ConfigError."""
    values = {key: check_value(str(path), key, v) for key, v in flatten(read_toml(path)).items()}
    return apply(base or Settings(), values)


def load_layers(*, policy: Path | None, user: Path | None) -> LoadedSettings:
    """All layers, leniently: bad files or keys are reported and skipped, the rest still applies."""
    settings, problems, sources = Settings(), [], {}
    enforced: dict[str, Any] = {}
    policy_table: dict[str, Any] = {}
    if policy is not None and policy.exists():
        try:
            policy_table = read_toml(policy)
        except ConfigError as err:
            problems.append(str(err))
    layers = [(policy, policy_table.get("defaults", {})), (user, None), (policy, policy_table.get("enforced", {}))]
    for index, (path, table) in enumerate(layers):
        if path is None:
            continue
        if table is None:
            if not path.exists():
                continue
            try:
                table = read_toml(path)
            except ConfigError as err:
                problems.append(str(err))
                continue
        good: dict[str, Any] = {}
        for key, value in flatten(table).items():
            try:
                good[key] = check_value(str(path), key, value)
            except ConfigError as err:
                problems.append(str(err))
        settings = apply(settings, good)
        sources.update({key: str(path) for key in good})
        if index == 2:
            enforced = good
    return LoadedSettings(settings, frozenset(enforced), tuple(problems), sources)
