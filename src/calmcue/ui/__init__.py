"""The tray app (PyQt6). Nothing outside this package imports Qt; the engine is reached only through the
mailbox (worker -> UI) and the command queue (UI -> worker)."""
