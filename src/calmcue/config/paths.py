"""Where CalmCue keeps its files (platformdirs): user settings, machine policy, calibration, logs, and where
the project's demo call is found."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "calmcue"
DEMO_RELATIVE = Path("build") / "demo" / "demo_call.wav"  # made by `make demo`


def user_config_dir() -> Path:
    return Path(os.environ.get("CALMCUE_CONFIG_DIR") or platformdirs.user_config_dir(APP, appauthor=False))


def user_settings_file() -> Path:
    return user_config_dir() / "settings.toml"


def user_data_dir() -> Path:
    return Path(os.environ.get("CALMCUE_DATA_DIR") or platformdirs.user_data_dir(APP, appauthor=False))


def baseline_file() -> Path:
    return user_data_dir() / "baseline.json"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def policy_file() -> Path:
    """Machine policy managed by IT: /etc/xdg/calmcue, %PROGRAMDATA%\\CalmCue, /Library/Application Support."""
    override = os.environ.get("CALMCUE_POLICY_FILE")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "CalmCue" / "policy.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/CalmCue/policy.toml")
    return Path(platformdirs.site_config_dir(APP, appauthor=False)) / "policy.toml"


def shipped_demo_file() -> Path:
    """The demo call shipped inside the package (calmcue/demo/demo_call.flac)."""
    return Path(__file__).resolve().parents[1] / "demo" / "demo_call.flac"


def demo_file() -> Path | None:
    """The demo call: build/demo/demo_call.wav (`make demo`) in the current folder or in this checkout if it was
    built, else the one shipped in the package."""
    candidates = [Path.cwd() / DEMO_RELATIVE, Path(__file__).resolve().parents[3] / DEMO_RELATIVE,
                  shipped_demo_file()]
    return next((p for p in candidates if p.exists()), None)


def free_name(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`, ... if taken: a copy set aside never replaces one set aside before."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate
