"""CITATION.cff is valid CFF 1.2.0 and agrees with pyproject.toml and CHANGELOG.md."""

import datetime
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_required_cff_keys():
    assert CFF["cff-version"] == "1.2.0"
    assert isinstance(CFF["message"], str) and CFF["message"].strip()
    assert isinstance(CFF["title"], str) and CFF["title"].strip()
    authors = CFF["authors"]
    assert isinstance(authors, list) and authors
    for author in authors:
        assert isinstance(author, dict) and (author.get("name") or author.get("family-names"))


def test_version_and_license_match_pyproject():
    # YAML would read an unquoted 1.0 as a float: compare as text.
    assert str(CFF["version"]) == PROJECT["version"]
    assert CFF["license"] == PROJECT["license"]


def test_date_released_is_an_iso_date():
    # safe_load turns an unquoted YYYY-MM-DD into a date (a time too into a datetime).
    value = CFF["date-released"]
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), f"date-released {text!r} is not YYYY-MM-DD"
    datetime.date.fromisoformat(text)  # raises ValueError on a day that does not exist


def test_changelog_has_a_section_for_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = re.escape(str(CFF["version"]))
    assert re.search(rf"^## \[?{version}\]?(\s|$)", changelog, re.MULTILINE), (
        f"CHANGELOG.md has no '## [{CFF['version']}]' heading"
    )
