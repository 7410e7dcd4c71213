"""data/README.md lists every bundled file with its SHA-256, and the hashes are right."""

import hashlib
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
ROW = re.compile(r"^\|\s*`(?P<name>[^`/]+)`\s*\|")
SHA256 = re.compile(r"^`?(?P<hash>[0-9a-f]{64})`?$")


def listed_hashes(readme: Path) -> dict[str, str]:
    """{file name: SHA-256} for every table row starting with a backticked name and a hash cell."""
    rows = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if not match:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        hashes = [m["hash"] for cell in cells if (m := SHA256.match(cell))]
        if hashes:
            assert match["name"] not in rows, f"{match['name']} is listed twice"
            rows[match["name"]] = hashes[-1]
    return rows


LISTED = listed_hashes(DATA / "README.md")
PRESENT = sorted(p.name for p in DATA.iterdir() if p.is_file() and p.name != "README.md")


def test_table_has_rows():
    assert LISTED, "no `file` | ... | SHA-256 rows found in data/README.md"


@pytest.mark.parametrize("name", sorted(LISTED))
def test_listed_file_matches_its_hash(name):
    path = DATA / name
    assert path.is_file(), f"data/{name} is listed in data/README.md but missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == LISTED[name], f"data/{name} changed"


@pytest.mark.parametrize("name", PRESENT)
def test_file_is_listed(name):
    assert name in LISTED, f"data/{name} is not listed (with its SHA-256) in data/README.md"
