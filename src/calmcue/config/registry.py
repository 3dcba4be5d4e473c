"""Group Policy on Windows: values under HKLM\\Software\\Policies\\CalmCue (enforced) and ...\\CalmCue\\Defaults.

Each value's name is the dotted setting key (`detector.sensitivity`). The ADMX template (packaging/windows,
generated from the schema by `calmcue.config.admx`) writes: booleans and integers as REG_DWORD, floats, strings
and choices as REG_SZ. A value of the wrong registry type, or text that is not a number, is ignored with one log
line; the layers below it still apply.

`winreg` is only touched by `read_hklm`; everything else takes a reader function, so tests can feed values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calmcue.config.schema import iter_keys
from calmcue.errors import ConfigError

POLICY_KEY = r"Software\Policies\CalmCue"
DEFAULTS_KEY = POLICY_KEY + r"\Defaults"
REG_SZ, REG_EXPAND_SZ, REG_DWORD, REG_QWORD = 1, 2, 4, 11  # the winreg constants, usable on any platform

_FIELDS = dict(iter_keys())


@dataclass(frozen=True)
class RegValue:
    value: Any
    kind: int  # REG_SZ, REG_DWORD, ...


# A reader maps a key path under HKLM to its values ({} when the key does not exist).
RegistryReader = Callable[[str], dict[str, RegValue]]


def read_hklm(path: str) -> dict[str, RegValue]:
    """The values of HKLM\\<path> (64-bit view); {} off Windows or when the key is missing."""
    if sys.platform != "win32":
        return {}
    import winreg

    values: dict[str, RegValue] = {}
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path, 0,
                            winreg.KEY_READ | winreg.KEY_WOW64_64KEY) as key:
            index = 0
            while True:
                try:
                    name, value, kind = winreg.EnumValue(key, index)
                except OSError:  # no more values
                    break
                values[name] = RegValue(value, kind)
                index += 1
    except OSError:  # no such key: no policy
        return {}
    return values


def registry_kind(key: str) -> int:
    """The registry type the ADMX template writes for a setting."""
    default = _FIELDS[key].default
    return REG_DWORD if isinstance(default, bool | int) and not isinstance(default, float) else REG_SZ


def convert(origin: str, key: str, reg: RegValue) -> Any:
    """The Python value of a registry value, or ConfigError when its type does not fit the setting."""
    if key not in _FIELDS:
        return reg.value  # check_value reports the unknown key
    default = _FIELDS[key].default
    wanted = registry_kind(key)
    kinds = {REG_DWORD: "REG_DWORD", REG_SZ: "REG_SZ"}
    if wanted == REG_DWORD and reg.kind in (REG_DWORD, REG_QWORD) and isinstance(reg.value, int):
        return bool(reg.value) if isinstance(default, bool) else reg.value
    if wanted == REG_SZ and reg.kind in (REG_SZ, REG_EXPAND_SZ) and isinstance(reg.value, str):
        if not isinstance(default, float):
            return reg.value
        try:
            return float(reg.value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{origin}: {key} = {reg.value!r} has the wrong registry type; it must be a "
                      f"{kinds[wanted]}{' holding a number' if isinstance(default, float) else ''}; ignored")


def read_policy(path: str, reader: RegistryReader) -> tuple[dict[str, Any], list[str]]:
    """The converted values of one policy key and the problems (the loader logs each as one line)."""
    origin = "HKLM\\" + path
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, reg in reader(path).items():
        try:
            values[name] = convert(origin, name, reg)
        except ConfigError as err:
            problems.append(str(err))
    return values, problems
