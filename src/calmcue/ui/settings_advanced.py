"""The settings dialog's Advanced page: every key of the schema, grouped by section, each under its plain label
with its unit (config/labels.py), the default and the key's name in the tooltip for IT. "Restore defaults" asks
first (No is the default button) and then clears only the user's own layer: keys the machine policy enforces stay
as they are and stay shown as locked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PyQt6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from calmcue.config.labels import label, section_title, sections, unit
from calmcue.ui.choices import FIELDS
from calmcue.ui.i18n import tr_label, translate
from calmcue.ui.settings_editors import MANAGED, Editor, detail_tip, make_editor


def row_label(key: str) -> str:
    """The label a form row shows: the plain words, and the unit in brackets when there is one."""
    text = tr_label(label(key).text)
    return f"{text} ({tr_label(unit(key))})" if unit(key) else text


def add_row(form: QFormLayout, editor: Editor, text: str, *, locked: bool, extra: QWidget | None = None) -> None:
    """Puts an editor (and an optional widget beside it) in a form row; a locked key is read-only and says who
    manages it."""
    row = QHBoxLayout()
    row.addWidget(editor.widget, 1)
    if extra is not None:
        row.addWidget(extra, 1)
    if locked:
        editor.widget.setEnabled(False)
        managed = QLabel(tr_label(MANAGED))
        managed.setObjectName(f"managed:{editor.key}")
        row.addWidget(managed)
    form.addRow(text, row)


class AdvancedPage(QScrollArea):
    """Every key by section: an editor for each key that has none yet (`editors` holds the General page's, which
    are only named here). `restore()` clears the user's layer and returns the new effective values; None means
    the dialog has no store behind it and the button is hidden."""

    def __init__(self, *, editors: dict[str, Editor], enforced: frozenset[str],
                 restore: Callable[[], Mapping[str, Any]] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors, self.enforced, self._restore = editors, enforced, restore
        self.confirm: QMessageBox | None = None
        inner = QWidget()
        layout = QVBoxLayout(inner)
        intro = QLabel(translate("CalmCue", "Every setting, for IT and for fine tuning. Hover over one to see "
                                            "what it does and its default."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        for section, keys in sections():
            group = QGroupBox(tr_label(section_title(section)))
            group.setObjectName(f"section:{section}")
            form = QFormLayout(group)
            for key in keys:
                editor = editors.get(key)
                if editor is None:  # not on the General page: edited here
                    editor = make_editor(key, tip=detail_tip(key, default=FIELDS[key].default))
                    editors[key] = editor
                    add_row(form, editor, row_label(key), locked=key in enforced)
                else:  # on the General page: named here too, so every section is complete
                    form.addRow(row_label(key), self._elsewhere(key))
            layout.addWidget(group)
        self.restore_button = QPushButton(translate("CalmCue", "Restore defaults…"))
        self.restore_button.setToolTip(translate("CalmCue", "Puts back the default of every setting you changed. "
                                                            "Settings your IT department manages stay as they are."))
        self.restore_button.clicked.connect(self.ask_restore)
        self.restore_button.setVisible(restore is not None)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.restore_button)
        layout.addLayout(row)
        self.setWidgetResizable(True)
        self.setWidget(inner)

    def _elsewhere(self, key: str) -> QLabel:
        """For a key edited on the General page: says so (one editor per key, so nothing goes stale)."""
        locked = key in self.enforced
        note = QLabel(tr_label(MANAGED) if locked else translate("CalmCue", "Set on the General page"))
        note.setObjectName(f"general:{key}")
        note.setToolTip(detail_tip(key, default=FIELDS[key].default))
        return note

    def ask_restore(self) -> None:
        """Asks before restoring (No is the default button); a Yes restores, anything else changes nothing."""
        box = QMessageBox(QMessageBox.Icon.Question, translate("CalmCue", "Restore defaults"),
                          translate("CalmCue", "Put back the default of every setting you changed? Settings your "
                                               "IT department manages stay as they are."),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setObjectName("confirm_restore")
        box.finished.connect(self._answered)
        self.confirm = box
        box.open()

    def _answered(self, result: int) -> None:
        self.confirm = None
        if result != QMessageBox.StandardButton.Yes.value or self._restore is None:
            return
        values = self._restore()
        for key, editor in self.editors.items():
            if key in values:
                editor.set(values[key])
