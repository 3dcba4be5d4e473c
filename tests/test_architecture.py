"""The layers of ARCHITECTURE.md hold in the code: allowed imports only, no cycles, Qt and audio libraries in their
place, and no settings key that nothing reads.

The table of allowed imports is read from ARCHITECTURE.md itself, so the page and this test cannot disagree.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from calmcue.config import schema

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "calmcue"
ARCHITECTURE = REPO / "ARCHITECTURE.md"

# Edges the design forbids that code owned by another branch still has; each goes when that branch lands.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()  # edges against the table, each with the branch that removes it
QT = {"PyQt6"}
DEVICE_LIBS = {"sounddevice", "soundcard", "pulsectl"}
FILE_AUDIO_LIBS = {"soundfile", "soxr"}
THIRD_PARTY_PLACES = [(QT, {"ui", "commands"}), (DEVICE_LIBS, {"audio"}), (FILE_AUDIO_LIBS, {"audio", "bench"})]


def allowed_table() -> dict[str, set[str]]:
    """The 'may import' table between the imports markers of ARCHITECTURE.md."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = text.split("<!-- imports")[1].split("<!-- /imports -->")[0]
    table: dict[str, set[str]] = {}
    for line in block.splitlines():
        cells = [c.strip().replace("\\_", "_") for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("package", "") or set(cells[0]) <= {"-"}:
            continue
        table[cells[0]] = set() if cells[1] == "-" else {c.strip() for c in cells[1].split(",")}
    return table


def layer_of(module: str) -> str:
    """calmcue.detector.events -> detector; calmcue.timebase -> timebase; calmcue -> version."""
    parts = module.split(".")
    return "version" if len(parts) == 1 else parts[1]


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """Every absolute import in the file, lazy ones inside functions included: (module, line)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "calmcue":  # `from calmcue import x`: x may be a module or __version__
                yield from ((f"calmcue.{a.name}" if (SRC / a.name).exists() or (SRC / f"{a.name}.py").exists()
                             else "calmcue", node.lineno) for a in node.names)
            else:
                yield node.module, node.lineno


def test_the_table_is_itself_layered() -> None:
    """Each package's allowed imports are packages of the table, and following them never comes back around."""
    table = allowed_table()
    known = set(table) | {"version"}
    for package, allowed in table.items():
        assert allowed <= known, f"{package} may import unknown packages {allowed - known}"

    def reaches(start: str, seen: frozenset[str]) -> None:
        for nxt in table.get(start, set()):
            assert nxt not in seen, f"the table has a cycle through {nxt}"
            reaches(nxt, seen | {nxt})

    for package in table:
        reaches(package, frozenset({package}))


def test_every_package_is_in_the_table() -> None:
    table = allowed_table()
    missing = {layer_of(name) for name, _ in modules()} - set(table) - {"version"}
    assert not missing, f"packages missing from ARCHITECTURE.md's import table: {missing}"


def test_imports_follow_the_allowed_directions() -> None:
    table = allowed_table()
    wrong = []
    for name, path in modules():
        source = layer_of(name)
        for target_module, line in imports_of(path):
            if target_module.split(".")[0] != "calmcue":
                continue
            target = layer_of(target_module)
            if target == source or target in table.get(source, set()) or (source, target) in KNOWN_EXCEPTIONS:
                continue
            wrong.append(f"{path.relative_to(REPO)}:{line}: {source} imports {target_module}")
    assert not wrong, "imports against ARCHITECTURE.md:\n" + "\n".join(wrong)


def test_known_exceptions_are_still_needed() -> None:
    """An exception whose import is gone must be struck from the list, so the rule is whole again."""
    seen = {(layer_of(name), layer_of(target)) for name, path in modules()
            for target, _ in imports_of(path) if target.split(".")[0] == "calmcue"}
    stale = KNOWN_EXCEPTIONS - seen
    if stale:
        pytest.fail(f"drop these from KNOWN_EXCEPTIONS, nothing imports that way any more: {stale}")


def test_qt_and_audio_libraries_stay_in_their_layers() -> None:
    wrong = []
    for name, path in modules():
        for target, line in imports_of(path):
            for libraries, places in THIRD_PARTY_PLACES:
                if target.split(".")[0] in libraries and layer_of(name) not in places:
                    wrong.append(f"{path.relative_to(REPO)}:{line}: {target} outside {sorted(places)}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_modules() -> None:
    """Module level imports only (a lazy import inside a function runs after both modules are loaded)."""
    names = dict(modules())
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in names:
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name in names}
        graph[name] = targets - {name}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*trail[trail.index(nxt):], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def _usage_outside_config() -> tuple[list[set[str]], set[str]]:
    """Per module outside config/: the attribute and plain names it uses; and all string constants of those."""
    attributes, strings = [], set()
    for name, path in modules():
        if layer_of(name) == "config":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        attributes.append({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} |
                          {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
        strings |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return attributes, strings


def _schema_properties() -> dict[str, set[str]]:
    """Field name -> the schema properties computed from it (e.g. sensitivity -> threshold_scale)."""
    tree = ast.parse(Path(schema.__file__).read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and any(isinstance(d, ast.Name) and d.id == "property"
                                                   for d in fn.decorator_list):
            for node in ast.walk(fn):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                    out.setdefault(node.attr, set()).add(fn.name)
    return out


def _section_classes(cls: type = schema.Settings, prefix: str = "") -> dict[str, str]:
    """"detector.raised_voice" -> "RaisedVoiceSettings", for every section of the schema."""
    out = {}
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            section = type(f.default_factory())
            out[prefix + f.name] = section.__name__
            out |= _section_classes(section, f"{prefix}{f.name}.")
    return out


def unread_keys(keys: list[str]) -> list[str]:
    """The keys nothing outside config/ reads. A key counts as read when code there names it whole
    ("detector.talk_over.enabled"), or reads its field (or a schema property computed from it) in a module that
    also reads its section (`.talk_over`) or names the section's class (`TalkOverSettings`); the top-level
    sections are handed around whole."""
    attributes, strings = _usage_outside_config()
    properties, classes = _schema_properties(), _section_classes()
    unread = []
    for key in keys:
        *sections, field = key.split(".")
        names = {field} | properties.get(field, set())
        section_needed = set(sections[1:])
        section_class = classes.get(".".join(sections), "")
        if key not in strings and not any(names & used and (section_needed <= used or section_class in used)
                                          for used in attributes):
            unread.append(key)
    return unread


def test_every_settings_key_is_read_outside_config() -> None:
    unread = unread_keys([key for key, _ in schema.iter_keys()])
    assert not unread, f"settings nobody reads outside config/ (wire them or remove them): {unread}"


def test_an_unread_key_would_be_reported() -> None:
    """The check is not vacuous: a key with a known section but a field no code reads is caught."""
    assert unread_keys(["detector.talk_over.never_read_anywhere_s", "overlay.never_read_either"]) == \
        ["detector.talk_over.never_read_anywhere_s", "overlay.never_read_either"]
    assert unread_keys(["detector.talk_over.enabled"]) == []
