from __future__ import annotations

import pytest
from PyQt6.QtGui import QImage

from calmcue.ui.icons import SIZES, STATES, state_icon, state_pixmap


def _bytes(image: QImage) -> bytes:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return bytes(image.constBits().asstring(image.sizeInBytes()))  # type: ignore[union-attr]


def test_every_state_has_its_own_visible_icon(qapp: object) -> None:
    images = {state: state_pixmap(state, 32).toImage() for state in STATES}
    for state, image in images.items():
        opaque = sum(1 for x in range(32) for y in range(32) if image.pixelColor(x, y).alpha() > 60)
        assert opaque > 32 * 32 * 0.5, f"{state} icon is mostly empty"
    distinct = {_bytes(image) for image in images.values()}
    assert len(distinct) == len(STATES), "two states share an icon"


def test_icons_are_drawn_at_every_size_and_at_200_percent(qapp: object) -> None:
    icon = state_icon("listening")
    assert sorted(s.width() for s in icon.availableSizes()) == sorted(SIZES)
    sharp = state_pixmap("paused", 24, device_pixel_ratio=2.0)
    assert (sharp.width(), sharp.height()) == (48, 48)
    assert sharp.devicePixelRatio() == 2.0


def test_an_unknown_state_is_refused(qapp: object) -> None:
    with pytest.raises(ValueError, match="unknown tray state"):
        state_pixmap("angry", 16)
