"""Facts about this checkout that the package tests compare installed builds with."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def project_version() -> str:
    """The version pyproject.toml gives (what `make package` stamps on the .deb and the MSI)."""
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])
