"""The Qt-warning check itself: a warning is caught and reported, allowed noise is not."""

from __future__ import annotations

from PyQt6.QtCore import qWarning

from ui.ui_support import XCB_ALLOWED, QtMessages, allowed, unexpected_stderr


def test_a_qt_warning_is_caught_and_would_fail_the_test(qt_messages: QtMessages) -> None:
    qWarning(b"calmcue test: a deliberate warning")
    assert [r.message for r in qt_messages.unexpected()] == ["calmcue test: a deliberate warning"]
    qt_messages.clear()  # so this test itself passes


def test_allowed_platform_noise_is_not_reported(qt_messages: QtMessages) -> None:
    qWarning(b"This plugin does not support propagateSizeHints()")
    assert qt_messages.records and not qt_messages.unexpected()


def test_subprocess_stderr_check_uses_the_xcb_allow_list() -> None:
    stderr = ("QTMSG warning default: something broke\n"
              "QTMSG debug default: chatter\n"
              "plain line from python\n")
    assert unexpected_stderr(stderr) == ["QTMSG warning default: something broke"]
    for pattern in XCB_ALLOWED:
        assert not allowed("unrelated text that matches nothing", {pattern: ""})
