"""Test scaffolding for Wine only (never shipped): copied next to the installed CalmCue's site-packages in a
throw-away Wine prefix by tests/test_packaging_msi.py.

Wine 8.0's ucrtbase.dll has stubs for nearly all C99 complex-math functions (numpy calls some at import), and
`platform` crashes on Wine's unimplemented propsys VariantToString through the `_wmi` module. This hook, run by
`site` at start-up, points each stub at complexmath.dll's implementation (a 12-byte absolute jump written over
the stub) and hides `_wmi` so `platform` falls back to its portable code.
"""

import ctypes
import sys
from pathlib import Path

NAMES = [f"{base}{suffix}" for base in (
    "cacos", "cacosh", "casin", "casinh", "catan", "catanh", "ccos", "ccosh", "cexp", "clog", "clog10", "conj",
    "cproj", "csin", "csinh", "csqrt", "ctan", "ctanh", "cabs", "carg", "cimag", "creal", "cpow")
    for suffix in ("", "f", "l")] + [f"_{k}{op}" for k in ("C", "FC", "LC") for op in ("build", "mulcc", "mulcr")]
PAGE_EXECUTE_READWRITE = 0x40


def _patch() -> None:
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetProcAddress.restype = ctypes.c_void_p
    kernel32.GetProcAddress.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    kernel32.GetModuleHandleW.restype = ctypes.c_void_p
    kernel32.VirtualProtect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_ulong,
                                        ctypes.POINTER(ctypes.c_ulong)]
    ucrt = ctypes.WinDLL("ucrtbase")._handle
    shim = ctypes.WinDLL(str(Path(__file__).with_name("complexmath.dll")))._handle
    for name in NAMES:
        stub = kernel32.GetProcAddress(ucrt, name.encode())
        ours = kernel32.GetProcAddress(shim, f"shim_{name}".encode())
        if not stub or not ours:
            continue
        jump = b"\x48\xb8" + ours.to_bytes(8, "little") + b"\xff\xe0"  # mov rax, imm64; jmp rax
        old = ctypes.c_ulong()
        if kernel32.VirtualProtect(stub, len(jump), PAGE_EXECUTE_READWRITE, ctypes.byref(old)):
            ctypes.memmove(stub, jump, len(jump))
            kernel32.VirtualProtect(stub, len(jump), old.value, ctypes.byref(old))


if sys.platform == "win32":
    sys.modules["_wmi"] = None  # type: ignore[assignment]
    _patch()
