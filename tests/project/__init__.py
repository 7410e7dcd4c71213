"""Tests of the project around the helpers: book, browser, notebooks, lint, dependencies, scripts,
translations."""
