"""Settings: a typed schema (frozen dataclasses) and the layered TOML loader."""
