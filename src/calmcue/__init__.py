"""CalmCue: calm, private cues about how an agent speaks (never what anyone feels)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("calmcue")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
