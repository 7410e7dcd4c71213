"""The install is reproducible: the lock matches pyproject.toml and the environment, every import
is declared (deptry), and the Makefile's Jupyter targets work as root and as a normal user."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "requirements.txt"
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])
# the installer, and the project installed --no-deps (`make setup`: `uv pip sync` keeps pip, which
# it did not install, and removes everything else the lock does not list)
NOT_LOCKED = {"pip", PROJECT}


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


def declared_requirements():
    groups = PYPROJECT.get("dependency-groups", {})
    reqs = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    for items in groups.values():
        reqs += [Requirement(r) for r in items if isinstance(r, str)]
    return reqs


def test_lock_parses_with_hashes():
    pins = parse_lock(LOCK.read_text())
    assert len(pins) > 50, "requirements.txt does not look like the full lock"
    entries = [line for line in LOCK.read_text().splitlines() if line and line[0] not in " #"]
    hashes = LOCK.read_text().count("--hash=sha256:")
    assert hashes >= len(entries), "every locked package needs at least one hash"
    assert all(" \\" in line for line in entries), "a locked line without hashes follows"


def test_lock_satisfies_every_declared_range():
    """Editing pyproject.toml without `make lock` leaves the lock out of date: caught here."""
    here = locked_here(parse_lock(LOCK.read_text()))
    for req in declared_requirements():
        name = canonicalize_name(req.name)
        if req.marker is not None and not req.marker.evaluate():
            continue
        assert name in here, f"{req.name} is declared in pyproject.toml but not locked: make lock"
        assert req.specifier.contains(here[name], prereleases=True), (
            f"{req.name}=={here[name]} in requirements.txt is outside {req}: make lock")


def test_environment_is_exactly_the_lock():
    """Two installs from the lock give the same `pip freeze`: the one here is the lock itself."""
    here = locked_here(parse_lock(LOCK.read_text()))
    installed = {}
    for dist in metadata.distributions():
        installed[canonicalize_name(dist.metadata["Name"])] = Version(dist.version)
    missing = sorted(set(here) - set(installed))
    extra = sorted(set(installed) - set(here) - NOT_LOCKED)
    wrong = sorted(f"{n} {installed[n]} (lock: {here[n]})" for n in set(here) & set(installed)
                   if installed[n] != here[n])
    assert not missing, f"locked but not installed: {missing}; run make setup"
    assert not extra, f"installed but not in the lock (installed by hand?): {extra}"
    assert not wrong, f"installed versions differ from the lock: {wrong}"
    assert PROJECT in installed, "the project itself is not installed"


def test_deptry_finds_no_undeclared_or_unused_dependency():
    deptry = Path(sys.executable).with_name("deptry")
    proc = subprocess.run([str(deptry), "."], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _make(*args, env=None):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env or os.environ.copy(), timeout=120)


def test_make_kernel_registers_the_named_kernel(tmp_path):
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path)}
    proc = _make("kernel", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    spec = json.loads((tmp_path / "kernels" / "svd-with-tensorflow" / "kernel.json").read_text())
    assert spec["display_name"] == "SVD with TensorFlow"
    assert Path(spec["argv"][0]).resolve().parent == Path(sys.executable).resolve().parent


def _fake_id(tmp_path, uid):
    """A directory holding an `id` that reports ``uid``, to put first on PATH."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    fake = tmp_path / "id"
    fake.write_text(f"#!/bin/sh\necho {uid}\n")
    fake.chmod(0o755)
    return {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(("uid", "allow_root"), [(0, True), (1000, False)])
def test_make_lab_passes_allow_root_only_to_root(tmp_path, uid, allow_root):
    proc = _make("-n", "lab", env=_fake_id(tmp_path / "bin", uid))
    assert proc.returncode == 0, proc.stderr
    command = [line for line in proc.stdout.splitlines() if "jupyter lab" in line]
    assert command, proc.stdout
    assert ("--allow-root" in command[0]) == allow_root, command[0]
    assert "/lab/tree/notebooks/01_svd_basics.ipynb" in proc.stdout


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_starts_and_serves(tmp_path):
    """`make lab` starts a server that answers, as whoever runs the suite (root in containers)."""
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    args = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0"
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as r:
                    answer = json.load(r)
                    break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, "make lab exited:\n" + (proc.stdout.read() or "")
        assert answer is not None and re.match(r"\d+\.\d+", answer.get("version", "")), answer
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        proc.stdout.close()


def test_makefile_installs_from_the_lock_with_hashes():
    proc = _make("-n", "-B", "setup")
    assert proc.returncode == 0, proc.stderr
    assert "--require-hashes" in proc.stdout and "-r requirements.txt" in proc.stdout
    assert "--no-deps" in proc.stdout and "-e ." in proc.stdout
    # and removes what the lock no longer lists: uv pip sync, which installs nothing (offline)
    sync = [line for line in proc.stdout.splitlines() if "uv pip sync" in line]
    assert sync and "--offline" in sync[0] and sync[0].rstrip().endswith("requirements.txt"), sync
