"""`calmcue config check FILE | show | keys`: validate a policy or settings file, print the effective
settings with the layer each came from, list the schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from calmcue.errors import BadInputError, ExitCode


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "config_action", None)
    if action == "check":
        return check(args.file)
    if action == "show":
        return show(policy=args.policy, user=args.user)
    if action == "keys":
        return keys()
    raise BadInputError("say what to do: 'calmcue config check FILE', 'calmcue config show' or "
                        "'calmcue config keys'")


def check(path: Path) -> int:
    from calmcue.config.policy import check_file

    kind, problems = check_file(path)
    for problem in problems:
        print(f"calmcue: {problem}", file=sys.stderr)
    if kind == "unreadable":  # the one problem says it all: no key of it was read
        return ExitCode.BAD_INPUT
    if problems:
        print(f"calmcue: {path}: {len(problems)} problem(s); CalmCue ignores these keys and keeps the layers "
              "below them", file=sys.stderr)
        return ExitCode.BAD_INPUT
    print(f"{path}: a valid {kind} file")
    return 0


def show(*, policy: Path | None, user: Path | None) -> int:
    from calmcue.config import paths
    from calmcue.config.keys import key_infos
    from calmcue.config.loader import DEFAULT_LAYER, load_layers

    for option, given in (("--policy", policy), ("--user", user)):
        if given is not None and not given.exists():  # the machine's own files may be absent; a named one not
            raise BadInputError(f"{option} {given}: file not found; check the path (leave {option} out for the "
                                f"{'machine policy' if option == '--policy' else 'user settings'})")
    policy = policy or paths.policy_file()
    user = user or paths.user_settings_file()
    loaded = load_layers(policy=policy, user=user)
    print(f"# policy file: {policy}{'' if policy.exists() else ' (none)'}")
    print(f"# user file:   {user}{'' if user.exists() else ' (none)'}")
    rows = [(info.key, _toml(_value(loaded.settings, info.key)), loaded.sources.get(info.key, DEFAULT_LAYER),
             " (enforced)" if info.key in loaded.enforced else "") for info in key_infos()]
    width = max(len(f"{k} = {v}") for k, v, _, _ in rows)
    for key, value, layer, lock in rows:
        print(f"{f'{key} = {value}':<{width}}  # {layer}{lock}")
    for problem in loaded.problems:
        print(f"calmcue: warning: {problem}", file=sys.stderr)
    return 0


def keys() -> int:
    from calmcue.config.keys import key_infos

    header = ("key", "type", "default", "allowed", "unit", "what it does")
    rows = [(i.key, i.kind, i.default_text, i.allowed, i.unit, i.doc) for i in key_infos()]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(5)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True)) + "  " + row[5])
    return 0


def _value(settings: Any, key: str) -> Any:
    for part in key.split("."):
        settings = getattr(settings, part)
    return settings


def _toml(value: Any) -> str:
    from calmcue.config.writer import _toml_value

    return _toml_value(value)
