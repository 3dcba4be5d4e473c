"""Layered settings, lowest to highest: built-in defaults -> policy file [defaults] -> Group Policy Defaults
(Windows registry) -> user file -> policy file [enforced] -> Group Policy (Windows registry, enforced).

A bad file never takes the app down: `load_layers` keeps what was good, and reports each problem as one line
naming the file, key and value, and what is allowed (each also logged once).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calmcue.config.schema import Settings, iter_keys
from calmcue.errors import ConfigError

if TYPE_CHECKING:
    from calmcue.config.registry import RegistryReader

_FIELDS = dict(iter_keys())
DEFAULT_LAYER = "built-in default"
log = logging.getLogger("calmcue.config")
log.addHandler(logging.NullHandler())  # problems go to the log file once logging is set up, never to stderr


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    enforced: frozenset[str] = frozenset()  # keys locked by machine policy
    problems: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)  # key -> the layer (file or registry key) that set it


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
        near = difflib.get_close_matches(key, _FIELDS, n=1, cutoff=0.8)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise ConfigError(f"{origin}: unknown setting '{key}'; 'calmcue config keys' lists every key{hint}")
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
    said = f"{origin}: {key} = {as_written(value)}"
    if not ok:
        raise ConfigError(f"{said} is not {_KIND_WORDS.get(kind, 'text in quotes')}; the default is "
                          f"{as_written(default)}")
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"{said} is not allowed; choose one of {', '.join(meta['choices'])}")
    lo, hi = meta.get("min"), meta.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        unit = f" {meta['unit']}" if meta.get("unit") else ""
        raise ConfigError(f"{said} is out of range; allowed {as_written(lo)} .. {as_written(hi)}{unit}")
    problem = meta["check"](value) if meta.get("check") else None
    if problem:
        raise ConfigError(f"{said} {problem}")
    return value


_KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number"}


def as_written(value: Any) -> str:
    """A value as one would write it in the settings file (TOML): true, 6, 0.8, "text" - not Python's repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}" if value == value else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


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
    from calmcue.config.policy import is_policy

    table = read_toml(path)
    if is_policy(table):
        raise ConfigError(f"{path}: is a machine policy file ([defaults]/[enforced]); this takes a settings file, "
                          f"with the sections ([detector], [overlay], ...) at the top - 'calmcue config keys' "
                          f"lists them")
    values = {key: check_value(str(path), key, v) for key, v in flatten(table).items()}
    return apply(base or Settings(), values)


@dataclass(frozen=True)
class Layer:
    name: str  # the file (and table) or registry key, as `calmcue config show` names it
    values: dict[str, Any]  # checked dotted keys
    enforced: bool = False


def load_layers(*, policy: Path | None, user: Path | None,
                registry: RegistryReader | None = None) -> LoadedSettings:
    """All layers, leniently: bad files or keys are reported and skipped, the rest still applies.

    `registry` reads HKLM keys (Windows Group Policy); the default reads the real registry on Windows only.
    """
    layers, problems = collect_layers(policy=policy, user=user, registry=registry)
    settings, sources = Settings(), {}
    enforced: set[str] = set()
    for layer in layers:
        settings = apply(settings, layer.values)
        sources.update(dict.fromkeys(layer.values, layer.name))
        if layer.enforced:
            enforced.update(layer.values)
    for problem in problems:
        log.warning("%s", problem)
    return LoadedSettings(settings, frozenset(enforced), tuple(problems), sources)


def collect_layers(*, policy: Path | None, user: Path | None,
                   registry: RegistryReader | None = None) -> tuple[list[Layer], list[str]]:
    """The layers that exist, lowest first, and every problem found in them."""
    from calmcue.config import registry as reg
    from calmcue.config.policy import CheckedTable, check_table, split_policy

    reader = registry if registry is not None else reg.read_hklm
    problems: list[str] = []
    tables: dict[str, CheckedTable] = {}
    if policy is not None and policy.exists():
        try:
            tables, outside = split_policy(policy, read_toml(policy))
            problems.extend(outside)
        except ConfigError as err:
            problems.append(str(err))
    reg_defaults, reg_problems = reg.read_policy(reg.DEFAULTS_KEY, reader)
    reg_enforced, more = reg.read_policy(reg.POLICY_KEY, reader)
    reg_problems.extend(more)
    layers: list[Layer] = []

    def add(name: str, values: dict[str, Any], *, enforced: bool = False) -> None:
        checked = check_table(name, values) if values else None
        if checked is not None:
            problems.extend(checked.problems)
            layers.append(Layer(name, checked.values, enforced))

    if "defaults" in tables:
        problems.extend(tables["defaults"].problems)
        layers.append(Layer(f"{policy} [defaults]", tables["defaults"].values))
    add("HKLM\\" + reg.DEFAULTS_KEY, reg_defaults)  # dotted value names flatten to themselves
    problems.extend(reg_problems)
    if user is not None and user.exists():
        try:
            add(str(user), read_toml(user))
        except ConfigError as err:
            problems.append(str(err))
    if "enforced" in tables:
        problems.extend(tables["enforced"].problems)
        layers.append(Layer(f"{policy} [enforced]", tables["enforced"].values, enforced=True))
    add("HKLM\\" + reg.POLICY_KEY, reg_enforced, enforced=True)
    return layers, problems

