"""Compare the environment with the lock, and remove what the lock no longer lists.

    python -m scripts.sync_env            # uninstall every package the lock does not list
    python -m scripts.sync_env --check    # only report; exit status 1 if they differ

`make setup` installs the lock with `pip --require-hashes --no-deps`, which adds and upgrades but
never removes: after a package leaves the lock, this removes it, so that the environment is
exactly the lock (tests/test_environment.py checks that it is).
"""

import argparse
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.txt"
PROJECT = canonicalize_name(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"])
NOT_LOCKED = {"pip", PROJECT}  # the installer, and the project installed --no-deps


def parse_lock(text):
    """{name: [(version, marker or None)]} from a hashed requirements file."""
    pins = {}
    for line in text.splitlines():
        if not line or line[0] in " #-":
            continue
        req, _, marker = line.rstrip(" \\").partition(" ; ")
        name, version = req.split("==")
        pins.setdefault(canonicalize_name(name), []).append(
            (Version(version), Marker(marker) if marker else None))
    return pins


def locked_here(pins):
    """The {name: version} that the lock installs on this interpreter and platform."""
    return {name: version for name, options in pins.items() for version, marker in options
            if marker is None or marker.evaluate()}


def installed():
    return {canonicalize_name(d.metadata["Name"]): Version(d.version)
            for d in metadata.distributions()}


def extras():
    return sorted(set(installed()) - set(locked_here(parse_lock(LOCK.read_text()))) - NOT_LOCKED)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only")
    args = parser.parse_args(argv)
    extra = extras()
    if not extra:
        return 0
    if args.check:
        print("installed but not in the lock:", " ".join(extra))
        return 1
    print("removing what the lock no longer lists:", " ".join(extra), flush=True)
    return subprocess.call([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *extra])


if __name__ == "__main__":
    sys.exit(main())
