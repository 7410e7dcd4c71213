"""Grade handed-in notebooks offline, without Docker (otter-grader's non-containerized ``otter run``).

    python -m scripts.grade 02 submissions/            # make grade ASSIGNMENT=02 SUBMISSIONS=...
    python -m scripts.grade 02 submissions/ --timeout 120

Every ``*.ipynb`` directly in the submissions folder is graded against the autograder of
``build/assignments/NN_topic/autograder/`` (``make assignments`` builds it; its hidden tests are the
ones that count, whatever a student did to the public tests or to ``grader`` in the notebook), and
``grades.csv`` is written in that folder: a row per submission, the columns ``file``, one per
autograded question (its points), ``percent`` (0-100 of the autograded points) and ``reason``
(empty, or why the score is what it is: a cell raised, the notebook ran out of time, it changed
files it must not touch).

A submission never stops the batch and is never modified. Each is graded in a fresh temporary
folder with its own ``HOME`` and ``TMPDIR``, in its own process group, killed after the timeout.
The submissions folder is compared before and after each submission; what a submission changed
there is put back and reported.

This runs students' code with your rights: fine for your own class on your own machine, not for
untrusted code at scale; for that use otter's Docker grading (``otter grade``), one container per
submission.
"""

import argparse
import contextlib
import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "build" / "assignments"
DEFAULT_TIMEOUT = 600


def autograder_zip(assignment, root=ASSIGNMENTS):
    """The autograder zip of assignment ``NN`` or ``NN_topic`` (English and Chinese share it)."""
    text = str(assignment)
    if text.endswith(".zip") and Path(text).is_file():
        return Path(text)
    number = text[:2]
    if not number.isdigit():
        raise ValueError(f"ASSIGNMENT must be a notebook number such as 02 (or NN_topic); got "
                         f"{assignment!r}")
    found = sorted(p for p in root.glob(f"{number}_*/autograder/*-autograder.zip"))
    if not found:
        raise FileNotFoundError(f"no autograder for assignment {number} in "
                                f"{root.relative_to(ROOT) if root.is_relative_to(ROOT) else root}"
                                " (run `make assignments` first)")
    return found[0]


def _snapshot(folder):
    """{relative path: sha256} of every file under ``folder``."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _run_one(submission, zip_path, ag_dir, result_json):
    """Grade in this process (the child of :func:`grade_file`): otter's non-containerized run
    (what ``otter run`` does) in ``ag_dir``, which is left in place for the parent to inspect;
    write a small JSON summary."""
    import dill
    from otter.run.run_autograder import main as run_autograder_main

    ag = Path(ag_dir)
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True, exist_ok=True)
    (ag / "submission_metadata.json").write_text("{}")
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(ag / "source")
    shutil.copy2(submission, ag / "submission" / Path(submission).name)
    run_autograder_main(str(ag), logo=False, debug=False, otter_run=True)
    with open(ag / "results" / "results.pkl", "rb") as f:
        results = dill.load(f)
    scores = {}
    for name, res in sorted(results.results.items()):
        scores[name] = {"score": float(res.score), "possible": float(res.possible)}
    errors = []
    for cell in (results.notebook or {}).get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"{output.get('ename')}: {output.get('evalue')}"[:200])
    Path(result_json).write_text(json.dumps({"scores": scores, "errors": errors}))


def assignment_name(zip_path):
    """``NN_topic`` from ``NN_topic-autograder.zip``."""
    return Path(zip_path).name.removesuffix(".zip").removesuffix("-autograder")


def _tampered_tests(zip_path, ag_dir):
    """The autograder's test files that differ, after grading, from the zip's."""
    changed = []
    with zipfile.ZipFile(zip_path) as z:
        for member in z.namelist():
            if not member.startswith("tests/") or member.endswith("/"):
                continue
            original = z.read(member)
            for where in (Path(ag_dir) / "source", Path(ag_dir) / "submission"):
                copy = where / member
                if where.name == "submission" and not copy.exists():
                    continue  # otter reads the tests from source/ unless it copied them
                if not copy.is_file() or copy.read_bytes() != original:
                    changed.append(member)
    return sorted(set(changed))


def grade_file(notebook, zip_path, timeout=DEFAULT_TIMEOUT):
    """Grade one notebook in a temporary copy; return its row (never raises for the student's
    code: a crash, a timeout or a missing result give a score of 0 and a reason)."""
    notebook, zip_path = Path(notebook), Path(zip_path).resolve()
    start = time.perf_counter()
    row = {"file": notebook.name, "percent": 0.0, "reason": "", "scores": {}}

    def done(reason=None):
        if reason:
            row["reason"] = reason
        row["seconds"] = time.perf_counter() - start
        return row

    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        tmp = Path(tmp)
        for sub in ("work", "home", "tmp"):
            (tmp / sub).mkdir()
        # Under the assignment's own name: the notebook's otter.Notebook("NN_topic.ipynb") opens it.
        copy = tmp / "work" / f"{assignment_name(zip_path)}.ipynb"
        shutil.copy2(notebook, copy)
        result_json, ag_dir = tmp / "result.json", tmp / "autograder"
        env = dict(os.environ, HOME=str(tmp / "home"), TMPDIR=str(tmp / "tmp"),
                   MPLCONFIGDIR=str(tmp / "home" / ".matplotlib"),
                   IPYTHONDIR=str(tmp / "home" / ".ipython"), PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "scripts.grade", "--one", str(copy), str(zip_path),
               str(ag_dir), str(result_json)]
        proc = subprocess.Popen(cmd, cwd=tmp / "work", env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return done(f"did not finish within {timeout} s")
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # the kernel, if it outlived otter
        tampered = _tampered_tests(zip_path, ag_dir) if ag_dir.exists() else []
        if tampered:
            return done(f"changed the autograder's tests ({', '.join(tampered)}): not graded")
        if not result_json.is_file():
            tail = log.decode("utf-8", "replace").strip().splitlines()[-3:]
            return done("grading failed: " + (" | ".join(tail) or f"exit status {proc.returncode}"))
        summary = json.loads(result_json.read_text())
    scores = summary["scores"]
    row["scores"] = scores
    possible = sum(s["possible"] for s in scores.values())
    got = sum(s["score"] for s in scores.values())
    row["percent"] = round(100.0 * got / possible, 2) if possible else 0.0
    return done(f"a cell raised {summary['errors'][0]}" if summary["errors"] else None)


def grade_folder(assignment, folder, timeout=DEFAULT_TIMEOUT, log=print):
    """Grade every ``*.ipynb`` in ``folder``; write and return the path of ``grades.csv``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"SUBMISSIONS must be a folder; {folder} is not one")
    zip_path = autograder_zip(assignment)
    submissions = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    backup = Path(tempfile.mkdtemp(prefix="grade-backup-"))
    rows = []
    try:
        shutil.copytree(folder, backup / "s", symlinks=True)
        shutil.copy2(zip_path, backup / "autograder.zip")
        before = _snapshot(folder)
        zip_hash = hashlib.sha256(zip_path.read_bytes()).hexdigest()
        for path in submissions:
            row = grade_file(path, zip_path, timeout)
            if hashlib.sha256(zip_path.read_bytes()).hexdigest() != zip_hash:
                shutil.copy2(backup / "autograder.zip", zip_path)
                row["percent"], row["scores"] = 0.0, {}
                row["reason"] = "; ".join(r for r in (row["reason"], "changed the autograder (restored): not graded") if r)
            after = _snapshot(folder)
            if after != before:
                changed = sorted(set(before) ^ set(after) |
                                 {k for k in before.keys() & after.keys() if before[k] != after[k]})
                for rel in changed:  # put the folder back as it was
                    target = folder / rel
                    if rel in before:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(backup / "s" / rel, target)
                    elif target.exists():
                        target.unlink()
                note = f"changed files in the submissions folder (restored): {', '.join(changed)}"
                row["reason"] = "; ".join(r for r in (row["reason"], note) if r)
            rows.append(row)
            log(f"{row['file']}: {row['percent']:.0f}%"
                f"{'  (' + row['reason'] + ')' if row['reason'] else ''}  [{row['seconds']:.0f} s]")
    finally:
        shutil.rmtree(backup, ignore_errors=True)
    questions = sorted({q for r in rows for q in r["scores"]}, key=_question_order)
    out = folder / "grades.csv"
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", *questions, "percent", "reason"])
        for r in rows:
            writer.writerow([r["file"], *(_points(r, q) for q in questions), f"{r['percent']:g}",
                             r["reason"]])
    return out


def _question_order(name):
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 0, name)


def _points(row, question):
    s = row["scores"].get(question)
    return f"{s['score']:g}" if s else "0"


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--one":  # the child process of grade_file
        _run_one(*argv[1:5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="notebook number (02) or NN_topic")
    parser.add_argument("submissions", type=Path, help="folder of handed-in .ipynb files")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help=f"seconds per submission (default {DEFAULT_TIMEOUT})")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds; got {args.timeout}")
    if not args.submissions.is_dir():
        print(f"error: SUBMISSIONS must be a folder; {args.submissions} is not one", file=sys.stderr)
        return 2
    try:
        try:
            autograder_zip(args.assignment)
        except FileNotFoundError:  # not built yet: build this one (both editions)
            from scripts import assignments

            if assignments.main(["--only", str(args.assignment)[:2]]):
                return 2
        out = grade_folder(args.assignment, args.submissions, args.timeout)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
