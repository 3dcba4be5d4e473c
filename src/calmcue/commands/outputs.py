"""Checks on the files a command will write, made before any work: each can be written, and none is one of the
command's inputs or another of its outputs (writing there would destroy a recording or a result)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from calmcue.errors import BadInputError

Named = tuple[str, Path]  # (how the command line names it: "FILE", "--json", ...; the path)


def check_outputs(outputs: Sequence[Named], *, inputs: Sequence[Named], examples: dict[str, str]) -> None:
    """Raises BadInputError for the first output that cannot be written or would replace an input or an earlier
    output. `examples`: option -> a file name to suggest when the option names a folder."""
    for i, (option, out) in enumerate(outputs):
        check_writable(out, option, example=examples.get(option, "out.txt"))
        for name, other in [*inputs, *outputs[:i]]:
            if same_file(out, other):
                what = "the input" if name == "FILE" else f"the file given to {name}"
                raise BadInputError(f"{option} {out}: is {what} ({other}); writing there would replace it - "
                                    f"choose another name")


def same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return a.samefile(b)
    return a.resolve() == b.resolve()


def check_writable(path: Path, option: str, *, example: str) -> None:
    """A missing folder, a folder as the file, or a place that takes no file: one line now, not after the work."""
    if not path.parent.exists() and str(path.parent) not in ("", "."):
        raise BadInputError(f"{path}: its folder {path.parent} does not exist; create it or choose another path")
    if path.is_dir():
        raise BadInputError(f"{option} {path}: is a folder; give a file name (for example {path / example})")
    if path.exists() and not path.is_file():
        return  # a device or pipe (/dev/null, a fifo): opening it to try would wait for a reader
    existed = path.exists()
    try:
        with open(path, "ab"):  # appending nothing: an existing file is left as it is
            pass
    except OSError as err:
        raise BadInputError(f"{option} {path}: cannot be written ({err.strerror}); choose another path") from None
    if not existed:
        path.unlink(missing_ok=True)
