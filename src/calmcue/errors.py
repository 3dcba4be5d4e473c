"""One exception hierarchy. Every message says what is wrong and what to do about it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_NO_DEVICE = 3


class CalmCueError(Exception):
    """Base class: a problem the user can act on; `str(err)` is the one line to show."""

    exit_code = EXIT_FAILURE


class BadInputError(CalmCueError):
    """Bad arguments or an unreadable input file."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(BadInputError):
    """A settings file or value is not valid; the message names the file, key, value and what is allowed."""


class DeviceError(CalmCueError):
    """No usable audio device."""

    exit_code = EXIT_NO_DEVICE


class ModelError(CalmCueError):
    """A shipped model file is missing or does not match its manifest."""
