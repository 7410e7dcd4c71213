"""Unit tests of the helpers package (``make test-fast``)."""
