"""UI tests (a package, so their conftest and module names never shadow the top-level tests' ones)."""
