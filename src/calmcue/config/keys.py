"""The schema as rows (key, type, default, allowed, unit, description): one source for `calmcue config keys`,
the policy-keys table in docs/deploying.md and the ADMX/ADML templates, so none of them can drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calmcue.config.labels import label
from calmcue.config.schema import iter_keys


@dataclass(frozen=True)
class KeyInfo:
    key: str
    kind: str  # bool | int | float | str | choice
    default: Any
    lo: float | None
    hi: float | None
    choices: tuple[str, ...]
    unit: str
    doc: str

    @property
    def allowed(self) -> str:
        if self.choices:
            return " | ".join(self.choices)
        if self.kind == "bool":
            return "true | false"
        if self.lo is not None or self.hi is not None:
            return f"{_num(self.lo)} .. {_num(self.hi)}"
        return "any text"

    @property
    def default_text(self) -> str:
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, str):
            return f'"{self.default}"'
        return _num(self.default)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def key_infos() -> list[KeyInfo]:
    rows = []
    for key, f in iter_keys():
        meta, default = f.metadata, f.default
        choices = tuple(meta.get("choices") or ())
        kind = "choice" if choices else type(default).__name__
        rows.append(KeyInfo(key, kind, default, meta.get("min"), meta.get("max"), choices, meta.get("unit") or "",
                            meta.get("doc") or ""))
    return rows


def markdown_table() -> str:
    """The keys as a Markdown table (docs/deploying.md is checked against this in the tests)."""
    lines = ["| key | in the settings dialog | type | default | allowed | unit | what it does |",
             "|---|---|---|---|---|---|---|"]
    for info in key_infos():
        doc = info.doc.replace("|", "\\|")
        allowed = info.allowed.replace("|", "\\|")
        shown = label(info.key).text.replace("|", "\\|")
        lines.append(f"| `{info.key}` | {shown} | {info.kind} | {info.default_text} | {allowed} | {info.unit} | "
                     f"{doc} |")
    return "\n".join(lines) + "\n"


def update_guide(path: str) -> None:
    """Replaces the key table in a Markdown guide (the block that starts with the table's header) in place."""
    import pathlib

    guide = pathlib.Path(path)
    lines = guide.read_text(encoding="utf-8").split("\n")
    header = markdown_table().split("\n", 1)[0]
    start = lines.index(header)
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    lines[start:end] = markdown_table().rstrip("\n").split("\n")
    guide.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1:
        update_guide(sys.argv[1])  # python -m calmcue.config.keys docs/deploying.md
    else:
        print(markdown_table(), end="")
