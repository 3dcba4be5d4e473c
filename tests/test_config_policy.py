"""Managed settings: policy files, Group Policy registry values, `calmcue config check | show | keys`, and the
templates and docs generated from the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from calmcue.config import registry as reg
from calmcue.config.admx import adml, admx
from calmcue.config.keys import key_infos, markdown_table
from calmcue.config.loader import DEFAULT_LAYER, load_layers
from calmcue.config.policy import check_file

REPO = Path(__file__).resolve().parents[1]
BAD_POLICY = """\
[defaults]
detector.sensitivity = "loud"
overlay.show_s = 4.0
[enforced]
overlay.show_s = 500
overlay.corner = "bottom-left"
detector.no_pause.enabled = "yes"
no_such_key = 1
[bogus]
x = 1
"""


def _calmcue(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "calmcue", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def _fake_registry(values: dict[str, dict[str, reg.RegValue]]) -> reg.RegistryReader:
    return lambda path: values.get(path, {})


def test_check_lists_every_problem_with_file_key_value_and_what_is_allowed(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(BAD_POLICY)
    result = _calmcue("config", "check", str(policy))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 6  # five problems and the summary line
    assert all(line.startswith(f"calmcue: {policy}") for line in lines)
    text = result.stderr
    assert "detector.sensitivity = \"loud\" is not allowed; choose one of gentle, normal, strict" in text
    assert "overlay.show_s = 500 is out of range; allowed 1 .. 60 s" in text
    assert "detector.no_pause.enabled = \"yes\" is not true or false" in text
    assert "unknown setting 'no_such_key'; 'calmcue config keys' lists every key" in text
    assert "'bogus' is not allowed at the top of a policy file" in text
    assert "config --list" not in text and "Traceback" not in text


def test_check_accepts_good_files_and_reports_unreadable_ones(tmp_path: Path) -> None:
    good = tmp_path / "settings.toml"
    good.write_text('[overlay]\ncorner = "bottom-left"\n')
    assert check_file(good) == ("settings", [])
    assert _calmcue("config", "check", str(good)).returncode == 0
    shipped = REPO / "packaging" / "linux" / "policy.toml"
    assert check_file(shipped) == ("policy", [])
    broken = tmp_path / "broken.toml"
    broken.write_text("[overlay\n")
    result = _calmcue("config", "check", str(broken))
    assert result.returncode == 2 and "not valid TOML" in result.stderr and "Traceback" not in result.stderr
    missing = _calmcue("config", "check", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_a_bad_policy_keeps_the_good_keys_and_the_layers_below(tmp_path: Path) -> None:
    policy, user = tmp_path / "policy.toml", tmp_path / "settings.toml"
    policy.write_text(BAD_POLICY)
    user.write_text('[overlay]\nshow_s = 9.0\ncorner = "top-left"\n[detector]\nsensitivity = "strict"\n')
    loaded = load_layers(policy=policy, user=user, registry=_fake_registry({}))
    assert len(loaded.problems) == 5
    assert loaded.settings.overlay.show_s == 9.0  # the enforced 500 is out of range: the user's value stays
    assert loaded.settings.overlay.corner == "bottom-left"  # enforced beats the user's file
    assert loaded.enforced == {"overlay.corner"}
    assert loaded.settings.detector.sensitivity == "strict"
    assert loaded.sources["overlay.corner"] == f"{policy} [enforced]"
    assert loaded.sources["overlay.show_s"] == str(user)


def test_group_policy_layers_sit_above_the_policy_file_and_wrong_types_are_ignored(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    policy, user = tmp_path / "policy.toml", tmp_path / "settings.toml"
    policy.write_text('[defaults]\noverlay.show_s = 4.0\n[enforced]\noverlay.corner = "top-left"\n')
    user.write_text("[overlay]\nscreen = 2\n")
    registry = _fake_registry({
        reg.DEFAULTS_KEY: {"overlay.show_s": reg.RegValue("7.5", reg.REG_SZ),
                           "overlay.screen": reg.RegValue(1, reg.REG_DWORD)},
        reg.POLICY_KEY: {"overlay.corner": reg.RegValue("bottom-right", reg.REG_SZ),
                         "detector.talk_over.enabled": reg.RegValue(0, reg.REG_DWORD),
                         "detector.fast_speech.max_per_hour": reg.RegValue("many", reg.REG_SZ),
                         "detector.no_pause.talk_s": reg.RegValue("forty", reg.REG_SZ)},
    })
    with caplog.at_level("WARNING", logger="calmcue.config"):
        loaded = load_layers(policy=policy, user=user, registry=registry)
    s = loaded.settings
    assert s.overlay.show_s == 7.5 and s.overlay.screen == 2  # registry default, then the user's own value
    assert s.overlay.corner == "bottom-right" and s.detector.talk_over.enabled is False
    assert loaded.enforced == {"overlay.corner", "detector.talk_over.enabled"}
    assert s.detector.fast_speech.max_per_hour == 6 and s.detector.no_pause.talk_s == 45.0  # wrong types ignored
    wrong = [p for p in loaded.problems if "wrong registry type" in p]
    assert len(wrong) == 2 and all(p.startswith("HKLM\\Software\\Policies\\CalmCue:") for p in wrong)
    logged = [r.getMessage() for r in caplog.records if "wrong registry type" in r.getMessage()]
    assert sorted(logged) == sorted(wrong)  # one log line each
    assert loaded.sources["overlay.show_s"] == "HKLM\\" + reg.DEFAULTS_KEY


def test_the_real_registry_reader_is_empty_off_windows() -> None:
    if sys.platform == "win32":
        pytest.skip("reads the real registry on Windows")
    assert reg.read_hklm(reg.POLICY_KEY) == {}


def test_show_names_the_layer_of_every_setting(tmp_path: Path) -> None:
    policy, user = tmp_path / "policy.toml", tmp_path / "settings.toml"
    policy.write_text('[enforced]\noverlay.corner = "top-left"\n')
    user.write_text("[overlay]\nshow_s = 9.0\n")
    result = _calmcue("config", "show", "--policy", str(policy), "--user", str(user))
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert len(rows) == len(key_infos())
    assert any(r.startswith('overlay.corner = "top-left"') and f"{policy} [enforced] (enforced)" in r for r in rows)
    assert any(r.startswith("overlay.show_s = 9.0") and r.endswith(f"# {user}") for r in rows)
    assert any(r.startswith('detector.sensitivity = "normal"') and r.endswith(DEFAULT_LAYER) for r in rows)


def test_keys_lists_the_whole_schema() -> None:
    result = _calmcue("config", "keys")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(key_infos()) + 1
    assert any(line.startswith("detector.sensitivity") and "gentle | normal | strict" in line for line in lines)


def test_the_committed_group_policy_templates_match_the_schema() -> None:
    assert (REPO / "packaging/windows/calmcue.admx").read_text() == admx(), "run 'make admx'"
    assert (REPO / "packaging/windows/en-US/calmcue.adml").read_text() == adml(), "run 'make admx'"


def test_the_group_policy_templates_are_well_formed_admx() -> None:
    from lxml import etree

    ns = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
    root = etree.fromstring(admx().encode())
    res = etree.fromstring(adml().encode())
    assert etree.QName(root).localname == "policyDefinitions" and etree.QName(res).localname == \
        "policyDefinitionResources"
    order = [etree.QName(child).localname for child in root if isinstance(child.tag, str)]
    assert order == ["policyNamespaces", "resources", "supportedOn", "categories", "policies"]
    strings = {s.get("id") for s in res.iterfind(".//p:stringTable/p:string", ns)}
    presentations = {p.get("id"): p for p in res.iterfind(".//p:presentationTable/p:presentation", ns)}
    categories = {c.get("name") for c in root.iterfind(".//p:category", ns)}
    for ref in root.xpath("//@*[starts-with(., '$(string.')]"):
        assert ref[len("$(string."):-1] in strings, ref
    policies = root.findall(".//p:policy", ns)
    assert len(policies) == 2 * len(key_infos())
    by_key = {i.key: i for i in key_infos()}
    for policy in policies:
        children = [etree.QName(c).localname for c in policy]
        assert children[:2] == ["parentCategory", "supportedOn"], children
        assert policy.find("p:parentCategory", ns).get("ref") in categories
        assert policy.get("class") == "Machine"
        assert policy.get("key") in (reg.POLICY_KEY, reg.DEFAULTS_KEY)
        elements = policy.find("p:elements", ns)
        if elements is None:  # a boolean policy: the value name sits on the policy itself
            assert by_key[policy.get("valueName")].kind == "bool"
            continue
        element = elements[0]
        info = by_key[element.get("valueName")]
        presentation = presentations[policy.get("presentation")[len("$(presentation."):-1]]
        assert presentation[0].get("refId") == element.get("id")
        if info.kind == "int":
            assert (int(element.get("minValue")), int(element.get("maxValue"))) == (info.lo, info.hi)
        if info.kind == "choice":
            values = [v.text for v in element.iterfind(".//p:string", ns)]
            assert tuple(values) == info.choices


def test_the_deploying_guide_carries_the_generated_key_table() -> None:
    guide = (REPO / "docs" / "deploying.md").read_text()
    assert markdown_table() in guide, "regenerate the table: python -m calmcue.config.keys"


def test_version_and_analyze_import_neither_qt_nor_librosa() -> None:
    demo = REPO / "src" / "calmcue" / "demo" / "demo_call.flac"
    for args in (["--version"], ["analyze", str(demo), "--no-progress"]):
        code = ("import atexit, sys\n"
                "atexit.register(lambda: print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & "
                "{'PyQt6', 'librosa', 'matplotlib'})))\n"
                "from calmcue.cli import main\n"
                f"sys.exit(main({args!r}))\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-800:]
        assert "HEAVY []" in out.stdout, out.stdout[-500:]


def test_a_missing_python_package_is_one_line_naming_what_to_install() -> None:
    from calmcue.cli import missing_module

    err = ModuleNotFoundError("No module named 'sklearn'", name="sklearn.utils")
    line = missing_module(err)
    assert "pip install 'scikit-learn'" in line and "\n" not in line
