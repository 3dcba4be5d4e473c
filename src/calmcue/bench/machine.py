"""Which machine the figures came from (they mean little without it)."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    tree = Path(__file__).resolve().parents[3]
    if not (tree / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(tree), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def load_1min() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def describe() -> dict[str, object]:
    """Flat `machine_*` keys for the JSON."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "machine_cpu": _cpu_model(),
        "machine_cores": os.cpu_count(),
        "machine_cores_usable": affinity,
        "machine_memory_gb": _memory_gb(),
        "machine_os": platform.platform(),
        "machine_python": platform.python_version(),
        "machine_numpy": _package("numpy"),
        "machine_librosa": _package("librosa"),
        "machine_onnxruntime": _package("onnxruntime"),
        "machine_webrtcvad": _package("webrtcvad-wheels"),
        "machine_load_1min_start": load_1min(),
        "git_commit": _git_commit(),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def one_line(info: dict[str, object]) -> str:
    return (f"{info['machine_cpu']}, {info['machine_cores_usable']} of {info['machine_cores']} cores usable, "
            f"{info['machine_memory_gb']} GB, {info['machine_os']}, Python {info['machine_python']}, "
            f"numpy {info['machine_numpy']}; 1-minute load average {info['machine_load_1min_start']} at start, "
            f"{info.get('machine_load_1min_end')} at end")
