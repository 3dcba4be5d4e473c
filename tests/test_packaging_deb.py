"""The .deb really installed, used and purged on this machine (Debian 12, root): `make package` builds it into
dist/. The package's CalmCue must give the same analysis of the demo call as the source tree, its tray app must
start under the test X server, and `apt-get purge` must leave nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from needs import missing
from project import project_version

REPO = Path(__file__).resolve().parents[1]
BOUND_S = 300.0
APP = Path("/opt/calmcue")
WATCHED = [APP, Path("/etc/xdg/calmcue"), Path("/etc/xdg/autostart"), Path("/usr/share/applications"),
           Path("/usr/share/icons/hicolor/scalable/apps"), Path("/usr/bin"), Path("/usr/share/doc/calmcue"),
           Path("/usr/share/lintian/overrides")]

pytestmark = pytest.mark.deb




def _deb() -> Path:
    deb = REPO / "dist" / f"calmcue_{project_version()}_amd64.deb"
    if not deb.exists():
        missing(f"{deb} is missing: run 'make package'", what="package")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        missing("installing a .deb needs root and apt-get", what="package")
    return deb


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(["apt-get", "-y", "-q", *args], capture_output=True, text=True, env=env,
                          timeout=BOUND_S)


def _snapshot() -> set[str]:
    found: set[str] = set()
    for top in WATCHED:
        if top.exists():
            found.add(str(top))
            found.update(str(p) for p in top.rglob("*"))
    return found


@pytest.fixture(scope="module")
def installed() -> Iterator[set[str]]:
    deb = _deb()
    if subprocess.run(["dpkg", "-s", "calmcue"], capture_output=True).returncode == 0:
        _apt("purge", "calmcue")  # a leftover from an interrupted run
    before = _snapshot()
    result = _apt("install", str(deb))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    try:
        yield before
    finally:
        _apt("purge", "calmcue")


def _user_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(CALMCUE_CONFIG_DIR=str(tmp_path / "config"), CALMCUE_DATA_DIR=str(tmp_path / "data"),
               PATH="/usr/bin:/bin")
    return env


def test_the_installed_calmcue_reports_its_version(installed: set[str], tmp_path: Path) -> None:
    out = subprocess.run(["/usr/bin/calmcue", "--version"], capture_output=True, text=True, timeout=60,
                         env=_user_env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"calmcue {project_version()}"
    assert Path("/usr/bin/calmcue").resolve() == APP / "bin" / "calmcue"


def test_the_installed_analysis_of_the_demo_call_matches_the_source_tree(installed: set[str],
                                                                         tmp_path: Path) -> None:
    shipped = next(APP.glob("lib/python3.*/site-packages/calmcue/demo/demo_call.flac"))
    source = REPO / "src" / "calmcue" / "demo" / "demo_call.flac"
    assert shipped.read_bytes() == source.read_bytes()
    ours, theirs = tmp_path / "source.json", tmp_path / "installed.json"
    a = subprocess.run([sys.executable, "-m", "calmcue", "analyze", str(source), "--json", str(ours)],
                       capture_output=True, text=True, timeout=BOUND_S)
    b = subprocess.run(["/usr/bin/calmcue", "analyze", str(shipped), "--json", str(theirs)], capture_output=True,
                       text=True, timeout=BOUND_S, env=_user_env(tmp_path))
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    left, right = json.loads(ours.read_text()), json.loads(theirs.read_text())
    assert right["calmcue_version"] == project_version()
    left.pop("calmcue_version"), right.pop("calmcue_version")
    assert right["cues"], "the demo call must give cues"
    assert left == right


def test_the_package_ships_its_desktop_files_and_a_valid_policy_conffile(installed: set[str],
                                                                         tmp_path: Path) -> None:
    conffiles = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}", "calmcue"], capture_output=True,
                               text=True, check=True).stdout
    assert "/etc/xdg/calmcue/policy.toml" in conffiles and "/etc/xdg/autostart/calmcue.desktop" in conffiles
    check = subprocess.run(["/usr/bin/calmcue", "config", "check", "/etc/xdg/calmcue/policy.toml"],
                           capture_output=True, text=True, timeout=60, env=_user_env(tmp_path))
    assert check.returncode == 0, check.stderr
    assert Path("/usr/share/icons/hicolor/scalable/apps/calmcue.svg").is_file()
    desktop = Path("/usr/share/applications/calmcue.desktop").read_text()
    assert "Exec=calmcue" in desktop and "Icon=calmcue" in desktop
    assert "Hidden=true" in Path("/etc/xdg/autostart/calmcue.desktop").read_text()  # autostart off as shipped
    if shutil.which("desktop-file-validate"):
        for entry in ("/usr/share/applications/calmcue.desktop", "/etc/xdg/autostart/calmcue.desktop"):
            result = subprocess.run(["desktop-file-validate", entry], capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.xvfb
def test_the_installed_tray_app_starts_under_the_test_x_server(installed: set[str], tmp_path: Path) -> None:
    if not os.environ.get("DISPLAY"):
        missing("no X server: run under scripts/with_services.sh", what="package")
    env = _user_env(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notice-shown").write_text("1\n")  # no first-run dialog over the tray
    trace = tmp_path / "trace.jsonl"
    env.update(QT_QPA_PLATFORM="xcb", CALMCUE_UI_TRACE=str(trace))
    proc = subprocess.Popen(["/usr/bin/calmcue", "tray"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        events = _wait_for_events(trace, {"tray_visible", "engine_started"}, proc)
    finally:
        proc.terminate()
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
    assert {"tray_visible", "engine_started"} <= events, stderr
    assert "Traceback" not in stderr


def _wait_for_events(trace: Path, wanted: set[str], proc: subprocess.Popen[str]) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while not wanted <= seen and time.monotonic() < deadline and proc.poll() is None:
        if trace.exists():
            seen = {json.loads(line)["event"] for line in trace.read_text().splitlines() if line.strip()}
        time.sleep(0.1)
    return seen


def test_purge_leaves_nothing_behind(installed: set[str]) -> None:
    assert APP.is_dir()
    result = _apt("purge", "calmcue")
    assert result.returncode == 0, result.stderr
    assert subprocess.run(["dpkg", "-s", "calmcue"], capture_output=True).returncode != 0
    assert _snapshot() == installed


def test_the_package_is_lintian_clean_with_each_override_explained() -> None:
    deb = _deb()
    if shutil.which("lintian") is None:
        missing("lintian is missing: apt-get install lintian", what="package")
    overrides = (REPO / "packaging" / "linux" / "lintian-overrides").read_text().splitlines()
    for i, line in enumerate(overrides):
        if line.startswith("calmcue:"):
            above = overrides[:i]
            assert above and any(o.startswith("#") for o in above[-12:]), f"override without a reason: {line}"
    result = subprocess.run(["lintian", "--fail-on", "error,warning", str(deb)], capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_a_dependency_that_cannot_be_fetched_fails_the_build_with_its_name(tmp_path: Path) -> None:
    import zipfile

    wheel = tmp_path / "probe_app-1.0-py3-none-any.whl"
    meta = "Metadata-Version: 2.1\nName: probe-app\nVersion: 1.0\nRequires-Dist: calmcue-missing-dependency\n"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("probe_app-1.0.dist-info/METADATA", meta)
        z.writestr("probe_app-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                    "Tag: py3-none-any\n")
        z.writestr("probe_app-1.0.dist-info/RECORD", "")
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path), CALMCUE_CACHE=str(tmp_path / "cache"),
               PY=sys.executable)  # offline: nothing can be fetched
    result = subprocess.run(["bash", str(REPO / "packaging" / "linux" / "build_deb.sh"), str(wheel),
                             str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode != 0
    assert "cannot fetch a wheel for calmcue-missing-dependency" in result.stderr
    assert not list((tmp_path / "out").glob("*.deb"))
