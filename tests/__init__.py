"""The test suite, by kind: ``tests/unit/`` (the helpers) and ``tests/project/`` (everything else)."""
