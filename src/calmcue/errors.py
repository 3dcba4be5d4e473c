"""One exception hierarchy. Every message says what is wrong and what to do about it."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of every `calmcue` command."""

    OK = 0
    FAILURE = 1  # anything unexpected
    BAD_INPUT = 2  # bad arguments or unreadable input
    NO_DEVICE = 3  # no usable audio device


class CalmCueError(Exception):
    """Base class: a problem the user can act on; `str(err)` is the one line to show."""

    exit_code: ExitCode = ExitCode.FAILURE


class BadInputError(CalmCueError):
    """Bad arguments or an unreadable input file."""

    exit_code = ExitCode.BAD_INPUT


class ConfigError(BadInputError):
    """A settings file or value is not valid; the message names the file, key, value and what is allowed."""


class DeviceError(CalmCueError):
    """No usable audio device."""

    exit_code = ExitCode.NO_DEVICE


class ModelError(CalmCueError):
    """A shipped model file is missing, unreadable or does not match its manifest (the engine falls back)."""
