"""The Windows MSI built by `make package`: its tables checked with msiinfo, then installed, run and
uninstalled under Wine (Wine is not Windows: docs/deploying.md lists what only real Windows can prove)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from needs import missing
from project import project_version

REPO = Path(__file__).resolve().parents[1]
UPGRADE_CODE = "{6DFD8629-77E0-4A26-BA1E-134AFB8AFF53}"  # must never change: it lets a new version replace the old
RUN_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run"
BOUND_S = 600




@pytest.fixture(scope="module")
def msi() -> Path:
    path = REPO / "dist" / f"calmcue-{project_version()}-x64.msi"
    if not path.exists():
        missing(f"{path} is missing: run 'make package'", what="package")
    if shutil.which("msiinfo") is None:
        missing("msiinfo is missing: apt-get install msitools", what="package")
    return path


def _table(msi: Path, name: str) -> list[list[str]]:
    out = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()[3:]]  # header: names, types, table name


def test_the_msi_is_a_per_machine_x64_package_with_a_stable_upgrade_code(msi: Path) -> None:
    props = {row[0]: row[1] for row in _table(msi, "Property")}
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductVersion"] == project_version() and props["ALLUSERS"] == "1"
    assert {"AUTOSTART", "REMEMBERED_AUTOSTART"} <= set(props["SecureCustomProperties"].split(";"))
    suminfo = subprocess.run(["msiinfo", "suminfo", str(msi)], capture_output=True, text=True, check=True).stdout
    assert "Template: x64;1033" in suminfo
    upgrades = _table(msi, "Upgrade")
    assert {row[0] for row in upgrades} == {UPGRADE_CODE} and len(upgrades) == 2  # replace older, refuse newer


def test_the_msi_carries_python_calmcue_and_the_launchers(msi: Path) -> None:
    names = {row[2].split("|")[-1] for row in _table(msi, "File")}
    assert {"calmcue.exe", "calmcuew.exe", "python.exe", "pythonw.exe", "python313.dll", "python313._pth",
            "demo_call.flac", "cli.py", "numpy", "PyQt6"} - names <= {"numpy", "PyQt6"}  # folders are no files
    assert len(names) > 1000
    assert not names & {"sitecustomize.py", "complexmath.dll", "icuuc.dll"}  # Wine test shims never ship
    shortcut = next(row for row in _table(msi, "Shortcut") if row[0] == "CalmCueShortcut")
    assert shortcut[1] == "ProgramMenuFolder" and shortcut[4] == "[INSTALLDIR]calmcuew.exe"


def test_autostart_is_a_property_that_is_remembered(msi: Path) -> None:
    components = {row[0]: row for row in _table(msi, "Component")}
    assert components["AutostartComp"][4] == 'AUTOSTART="1"'
    registry = {(row[2], row[3]): row for row in _table(msi, "Registry")}
    run = registry[(r"Software\Microsoft\Windows\CurrentVersion\Run", "CalmCue")]
    assert run[1] == "2" and run[4] == '"[INSTALLDIR]calmcuew.exe" tray' and run[5] == "AutostartComp"
    assert registry[(r"Software\CalmCue", "Autostart")][4] == "[AUTOSTART]"
    locator = next(row for row in _table(msi, "RegLocator") if row[0] == "RememberedAutostart")
    assert locator[1:4] == ["2", r"Software\CalmCue", "Autostart"] and int(locator[4]) & 16  # 64-bit view
    sequence = {row[0]: row for row in _table(msi, "InstallExecuteSequence")}
    assert sequence["RestoreAutostart"][1] == "NOT AUTOSTART AND REMEMBERED_AUTOSTART"
    assert int(sequence["RestoreAutostart"][2]) > int(sequence["AppSearch"][2])


def test_the_build_record_pins_the_msi_and_the_verified_python(msi: Path) -> None:
    record = json.loads((msi.parent / "calmcue-msi.json").read_text())
    assert record["sha256"] == hashlib.sha256(msi.read_bytes()).hexdigest()
    pins = json.loads((REPO / "packaging" / "windows" / "pins.json").read_text())
    assert record["python_embed_sha256"] == pins["python_embed"]["sha256"]
    assert record["signature_ok"] >= 20 and record["sha256_pinned"] == len(pins["unsigned_by_psf_sha256"])


def _analyze_matches_linux(wine: Wine, tmp_path: Path) -> None:
    """calmcue.exe analyze of the demo call gives the same episodes, cues and stats as Linux."""
    import sys

    site = wine.app / "python" / "Lib" / "site-packages"
    shims = REPO / "tests" / "wine"
    built = subprocess.run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-static-libgcc",
                            str(shims / "complexmath.c"), "-o", str(site / "complexmath.dll")],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    shutil.copy(shims / "sitecustomize.py", site / "sitecustomize.py")  # Wine-only scaffolding, test prefix only
    demo = REPO / "src" / "calmcue" / "demo" / "demo_call.flac"
    ours, theirs = tmp_path / "linux.json", tmp_path / "wine.json"
    linux = subprocess.run([sys.executable, "-m", "calmcue", "analyze", str(demo), "--json", str(ours),
                            "--no-frames"], capture_output=True, text=True, timeout=BOUND_S)
    windows = wine.run(str(wine.app / "calmcue.exe"), "analyze", f"Z:{demo}", "--json", f"Z:{theirs}",
                       "--no-frames")
    assert linux.returncode == 0 and windows.returncode == 0, linux.stderr + windows.stdout + windows.stderr
    left, right = json.loads(ours.read_text()), json.loads(theirs.read_text())
    assert right["cues"], "the demo call must give cues"
    for key in ("episodes", "cues", "stats"):
        assert left[key] == right[key], key
    (site / "sitecustomize.py").unlink()  # uninstall must find exactly what it installed
    (site / "complexmath.dll").unlink()


def _tray_starts_under_wine(wine: Wine, tmp_path: Path) -> None:
    """The tray app on the test X server: Qt's Windows platform under Wine finds the tray (trayer)."""
    import time

    icu = wine.prefix / "drive_c" / "windows" / "system32" / "icuuc.dll"  # Wine lacks Windows' ICU: test stub
    built = subprocess.run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-static-libgcc",
                            str(REPO / "tests" / "wine" / "icuuc.c"), "-o", str(icu)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notice-shown").write_text("1\n")
    trace = tmp_path / "trace.jsonl"
    env = dict(wine.env, DISPLAY=os.environ["DISPLAY"], CALMCUE_UI_TRACE=f"Z:{trace}",
               CALMCUE_DATA_DIR=f"Z:{tmp_path / 'data'}", CALMCUE_CONFIG_DIR=f"Z:{tmp_path / 'config'}")
    proc = subprocess.Popen(["wine", str(wine.app / "calmcue.exe"), "tray"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen: list[dict[str, object]] = []
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if trace.exists():
                seen = [json.loads(line) for line in trace.read_text().splitlines() if line.endswith("}")]
                if any(e["event"] == "tray_shown" for e in seen):
                    break
            time.sleep(0.2)
    finally:
        subprocess.run(["wineserver", "-k"], env=wine.env, capture_output=True, timeout=60)
        output = proc.communicate(timeout=60)[0]
    shown = [e for e in seen if e["event"] == "tray_shown"]
    assert shown and shown[0]["available"] is True, output[-2000:]
    icu.unlink()


# --- under Wine ---------------------------------------------------------------------------------------------------


class Wine:
    def __init__(self, prefix: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
        self.prefix = prefix

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # stdout and stderr are pipes: Windows Python under Wine cannot start with them on a regular file
        return subprocess.run(["wine", *args], capture_output=True, text=True, env=self.env, timeout=BOUND_S)

    def reg_values(self, key: str) -> dict[str, str]:
        out = self.run("reg", "query", key).stdout
        values = {}
        for line in out.splitlines():
            parts = line.strip().split(None, 2)
            if len(parts) == 3 and parts[1].startswith("REG_"):
                values[parts[0]] = parts[2]
        return values

    @property
    def app(self) -> Path:
        return self.prefix / "drive_c" / "Program Files" / "CalmCue"


@pytest.fixture(scope="module")
def wine(msi: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wine]:
    if shutil.which("wine") is None:
        missing("wine is missing: apt-get install wine wine64", what="package")
    w = Wine(tmp_path_factory.mktemp("wineprefix"))
    subprocess.run(["wineboot", "-i"], capture_output=True, env=w.env, timeout=BOUND_S, check=True)
    yield w
    subprocess.run(["wineserver", "-k"], capture_output=True, env=w.env, timeout=60)


@pytest.mark.wine
def test_under_wine_the_msi_installs_runs_and_uninstalls_cleanly(msi: Path, wine: Wine, tmp_path: Path) -> None:
    installed = wine.run("msiexec", "/i", f"Z:{msi}", "/qn", "AUTOSTART=1")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (wine.app / "calmcue.exe").is_file() and (wine.app / "python" / "python.exe").is_file()
    assert "calmcuew.exe" in wine.reg_values(RUN_KEY).get("CalmCue", "")
    assert wine.reg_values(r"HKLM\Software\CalmCue").get("Autostart") == "1"

    version = wine.run(str(wine.app / "calmcue.exe"), "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"calmcue {project_version()}"

    # Group Policy read from the real (Wine) registry through winreg: one good value, one of the wrong type
    policy_key = r"HKLM\Software\Policies\CalmCue"
    wine.run("reg", "add", policy_key, "/v", "overlay.corner", "/t", "REG_SZ", "/d", "bottom-left", "/f")
    wine.run("reg", "add", policy_key, "/v", "overlay.show_s", "/t", "REG_DWORD", "/d", "5", "/f")
    shown = wine.run(str(wine.app / "calmcue.exe"), "config", "show")
    assert shown.returncode == 0, shown.stderr
    corner = next(line for line in shown.stdout.splitlines() if line.startswith("overlay.corner"))
    assert '"bottom-left"' in corner and policy_key in corner and "(enforced)" in corner
    assert "overlay.show_s = 6.0" in shown.stdout  # the REG_DWORD for a decimal setting is ignored ...
    assert "overlay.show_s = 5 has the wrong registry type; it must be a REG_SZ" in shown.stderr  # ... and said

    _analyze_matches_linux(wine, tmp_path)
    if os.environ.get("DISPLAY"):
        _tray_starts_under_wine(wine, tmp_path)

    bad = tmp_path / "policy.toml"
    bad.write_text('[enforced]\noverlay.show_s = 500\n')
    check = wine.run(str(wine.app / "calmcue.exe"), "config", "check", f"Z:{bad}")
    assert check.returncode == 2 and "out of range; allowed 1 .. 60 s" in check.stderr

    removed = wine.run("msiexec", "/x", f"Z:{msi}", "/qn")  # no AUTOSTART on the command line
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "CalmCue" not in wine.reg_values(RUN_KEY)
    assert not (wine.app / "calmcue.exe").exists()
    leftovers = [p for p in wine.app.rglob("*") if p.is_file()] if wine.app.exists() else []
    assert leftovers == []
