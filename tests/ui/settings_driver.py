"""The real settings dialog on a real X server, over the real settings files (the paths come from the
environment), driven by test_settings_xvfb.py through stdin/stdout (JSON lines).

Reads `advanced`, `restore` and `quit`. Reports: ready (window id, every text the General page shows), advanced
(the Advanced page's section titles and row labels), asking (the Restore question's window id and default
button), answered (the answer, the user file's text and some effective values afterwards).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QSpinBox,
    QWidget,
)

WATCHED = ("overlay.show_s", "detector.fast_speech.enabled", "detector.sensitivity")


def say(**record: object) -> None:
    print(json.dumps(record), flush=True)


def shown_texts(page: QWidget) -> list[str]:
    """Every text the agent can read on a page: labels, titles, items, suffixes and tooltips."""
    out: list[str] = []
    for widget in [page, *page.findChildren(QWidget)]:
        out.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton):
            out.append(widget.text())
        if isinstance(widget, QGroupBox):
            out.append(widget.title())
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                out += [widget.itemText(i), str(widget.itemData(i, Qt.ItemDataRole.ToolTipRole) or "")]
        if isinstance(widget, QSpinBox | QDoubleSpinBox):
            out.append(widget.suffix())
    return [text for text in out if text]


def form_rows(group: QGroupBox) -> list[str]:
    form = group.layout()
    assert isinstance(form, QFormLayout)
    rows = [form.itemAt(i, QFormLayout.ItemRole.LabelRole) for i in range(form.rowCount())]
    return [item.widget().text() for item in rows if item is not None and isinstance(item.widget(), QLabel)]


def main() -> int:
    app = QApplication(sys.argv[:1])
    from calmcue.ui.settings_dialog import SettingsDialog
    from calmcue.ui.settings_store import KEYS, SettingsStore

    try:
        from overlay_driver import Stdin  # run as a script from tests/ui
    except ImportError:
        from ui.overlay_driver import Stdin

    store = SettingsStore()

    def values() -> dict[str, Any]:
        return {key: store.value(key) for key in KEYS}

    def restore() -> dict[str, Any]:
        store.restore_defaults()
        return values()

    dialog = SettingsDialog(values=values(), enforced=store.loaded.enforced, restore=restore)
    dialog.show()

    def ready() -> None:
        say(event="ready", window=int(dialog.winId()), general=shown_texts(dialog.general))

    def answered(result: int) -> None:
        say(event="answered", yes=result == QMessageBox.StandardButton.Yes.value,
            user_file=store.user_path.read_text(), values={k: store.value(k) for k in WATCHED},
            shown={k: dialog.editors[k].get() for k in WATCHED},
            locked=not dialog.editors["detector.sensitivity"].widget.isEnabled())

    def command(text: str) -> None:
        if text == "advanced":
            dialog.tabs.setCurrentWidget(dialog.advanced)
            groups = dialog.advanced.findChildren(QGroupBox)
            say(event="advanced", sections={g.objectName(): [g.title(), *form_rows(g)] for g in groups})
        elif text == "restore":
            dialog.advanced.restore_button.click()
            box = dialog.advanced.confirm
            assert box is not None
            box.finished.connect(answered)
            default = box.defaultButton()
            QTimer.singleShot(300, lambda: say(event="asking", window=int(box.winId()), text=box.text(),
                                               default=default.text() if default is not None else ""))
        elif text == "quit":
            app.quit()

    stdin = Stdin()
    stdin.line.connect(command, Qt.ConnectionType.QueuedConnection)
    stdin.start()
    QTimer.singleShot(300, ready)  # reported once the window system has mapped and drawn it
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
