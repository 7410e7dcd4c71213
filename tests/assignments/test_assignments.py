"""The homework end to end: `make assignments` and `make grade` (scripts/assignments.py, grade.py).

Not part of `make test` (grading runs a notebook per submission, a few minutes in all): `make
test-assignments` runs it, and so does `.ci/run`.

- every notebook has an assignment with at least two autograded questions (at least 30 in all),
  and every exercise of the lesson is one of its questions;
- the student folder holds the questions, empty answers and the public tests only: no line of a
  solution and no hidden test, in either edition; the solution notebook is the student notebook
  answered, cell for cell; the Chinese edition asks the translated questions with identical tests;
- graded offline: the solution scores 100, the untouched student notebook runs and scores 0, a
  submission with exactly one wrong answer loses exactly that question's points;
- a folder holding a crashing, a never-ending, a file-deleting and a test-editing submission is
  graded to the end, with a row and a reason for each, and the other files unchanged;
- the assignment files are checked: a test per rejected input.
"""

import copy
import csv
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from scripts import assignments, grade

ROOT = Path(__file__).resolve().parents[2]
SPECS = assignments.spec_paths()
NAMES = [p.stem for p in SPECS]
EDITIONS = list(assignments.EDITIONS)
GRADE_TIMEOUT = 300


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every assignment, both editions, built once per test process."""
    out = tmp_path_factory.mktemp("assignments")
    for path in SPECS:
        for edition in EDITIONS:
            assignments.build_one(path, edition, out)
    return out


def folder(built, name, edition="en"):
    return (built if edition == "en" else built / edition) / name


def spec_of(name):
    return assignments.load_spec(assignments.SPECS / f"{name}.yml")


def lesson(name, edition="en"):
    return nbformat.read(assignments.EDITIONS[edition] / f"{name}.ipynb", as_version=4)


def autograded(spec):
    return [q for q in spec["questions"] if not q.get("manual")]


def meaningful(lines):
    """Lines worth looking for: not blank, not a comment, not a bare keyword or bracket."""
    out = []
    for line in lines:
        s = line.strip()
        if len(s) >= 8 and not s.startswith("#") and not re.fullmatch(r"[\W_]*\w{0,8}[\W_]*", s):
            out.append(s)
    return out


def student_texts(path):
    """Every text a student receives: the notebook's cells and the public test files."""
    texts = [c.source for c in nbformat.read(path / f"{path.parent.name}.ipynb", 4).cells]
    texts += [p.read_text(encoding="utf-8") for p in sorted(path.rglob("*.py"))]
    return "\n".join(texts)


# ------------------------------------------------------------------------- the assignment files

def test_every_notebook_has_an_assignment():
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert set(NAMES) == notebooks


def test_at_least_30_autograded_questions():
    total = sum(len(autograded(spec_of(n))) for n in NAMES)
    assert total >= 30, f"{total} autograded questions in all"


@pytest.mark.parametrize("name", NAMES)
def test_questions_are_the_exercises(name):
    spec, nb = spec_of(name), lesson(name)
    assert len(autograded(spec)) >= 2, "at least two autograded questions per notebook"
    exercise_ids = [c.id for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    asked = [q["exercise"] for q in spec["questions"]]
    assert sorted(asked) == sorted(exercise_ids), "every exercise of the lesson, once"
    position = {c.id: i for i, c in enumerate(nb.cells)}
    for q in autograded(spec):
        answer = nb.cells[position[q["answer"]]]
        assert "solution" in answer.metadata.get("tags", []), q["answer"]
        assert position[q["exercise"]] < position[q["answer"]], "the answer follows its question"
        later = [i for e, i in position.items() if e in exercise_ids and i > position[q["exercise"]]]
        assert not later or position[q["answer"]] < min(later), "the answer of its own exercise"


# ------------------------------------------------------------------------- what students receive

@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("name", NAMES)
def test_folders(built, name, edition):
    here = folder(built, name, edition)
    spec = spec_of(name)
    assert (here / "student" / f"{name}.ipynb").is_file()
    assert (here / "solution" / f"{name}.ipynb").is_file()
    zip_path = here / "autograder" / f"{name}-autograder.zip"
    for k, q in enumerate(spec["questions"], 1):
        public = here / "student" / "tests" / f"q{k}.py"
        assert public.is_file() != bool(q.get("manual")), public.name
    with zipfile.ZipFile(zip_path) as z:
        hidden_cases = sum(z.read(m).decode().count("'hidden': True") for m in z.namelist()
                           if m.startswith("tests/"))
    assert hidden_cases == sum(len(q["tests"]["hidden"]) for q in autograded(spec))
    student_tests = "".join(p.read_text() for p in (here / "student").rglob("*.py"))
    assert "'hidden': True" not in student_tests


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("name", NAMES)
def test_no_solution_and_no_hidden_test_reaches_students(built, name, edition):
    """No line of a solution (the answer functions' bodies, a proof's prose) and no line of a
    hidden test is in the student folder, unless the question, the setup or a public test (what
    a student is meant to see) holds the same line."""
    spec, nb = spec_of(name), lesson(name, edition)
    cells = {c.id: c for c in nb.cells}
    received = student_texts(folder(built, name, edition) / "student")
    shown = [spec.get("setup") or ""]
    secret = []
    for q in spec["questions"]:
        shown.append(assignments.question_text(cells[q["exercise"]].source))
        if q.get("manual"):
            secret += assignments.details_text(cells[q["exercise"]].source).splitlines()
            continue
        shown += q["tests"]["public"]
        secret += assignments.solution_lines(cells[q["answer"]].source)
        secret += [line for t in q["tests"]["hidden"] for line in t.splitlines()]
    leaked = leaks(secret, received, "\n".join(shown))
    assert not leaked, f"in the student folder: {leaked[:3]}"


def leaks(secret, received, shown):
    return [line for line in meaningful(secret) if line in received and line not in shown]


def test_the_leak_check_can_fail(built):
    """A solution line planted in a student notebook is found (the check above can fail)."""
    name = NAMES[0]
    spec, cells = spec_of(name), {c.id: c for c in lesson(name).cells}
    q = autograded(spec)[0]
    line = meaningful(assignments.solution_lines(cells[q["answer"]].source))[0]
    received = student_texts(folder(built, name) / "student")
    assert leaks([line], received + "\n    " + line, "") == [line]


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("name", NAMES)
def test_solution_is_the_student_notebook_answered(built, name, edition):
    here = folder(built, name, edition)
    student = nbformat.read(here / "student" / f"{name}.ipynb", 4)
    solution = nbformat.read(here / "solution" / f"{name}.ipynb", 4)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in solution.cells]
    for s, a in zip(student.cells, solution.cells, strict=True):
        if "otter_answer_cell" not in s.metadata.get("tags", []):
            assert s.source == a.source
        else:
            assert s.source != a.source, "an answer cell left unanswered in the solution"
            assert "BEGIN SOLUTION" not in a.source


@pytest.mark.parametrize("name", NAMES)
def test_chinese_edition_asks_the_translation_with_identical_tests(built, name):
    zh = folder(built, name, "zh-CN")
    received = student_texts(zh / "student")
    cells = {c.id: c for c in lesson(name, "zh-CN").cells}
    for q in spec_of(name)["questions"]:
        assert assignments.question_text(cells[q["exercise"]].source).strip() in received
    en = folder(built, name)
    for kind in ("student", "autograder"):
        ours = {p.name: p.read_bytes() for p in (zh / kind / "tests").glob("*.py")}
        theirs = {p.name: p.read_bytes() for p in (en / kind / "tests").glob("*.py")}
        assert ours == theirs
    en_code = [c.source for c in nbformat.read(en / "solution" / f"{name}.ipynb", 4).cells
               if c.cell_type == "code"]
    zh_code = [c.source for c in nbformat.read(zh / "solution" / f"{name}.ipynb", 4).cells
               if c.cell_type == "code"]
    assert en_code == zh_code


# ------------------------------------------------------------------------- graded offline

def graded(built, name, notebook):
    zip_path = folder(built, name) / "autograder" / f"{name}-autograder.zip"
    return grade.grade_file(notebook, zip_path, timeout=GRADE_TIMEOUT)


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_100(built, name):
    row = graded(built, name, folder(built, name) / "solution" / f"{name}.ipynb")
    assert row["reason"] == ""
    assert row["percent"] == 100
    assert len(row["scores"]) == len(autograded(spec_of(name)))


@pytest.mark.parametrize("name", NAMES)
def test_untouched_student_notebook_runs_and_scores_0(built, name):
    row = graded(built, name, folder(built, name) / "student" / f"{name}.ipynb")
    assert row["reason"] == "", "the blank notebook must run without an error"
    assert len(row["scores"]) == len(autograded(spec_of(name)))
    assert all(s["score"] == 0 for s in row["scores"].values()), row["scores"]


@pytest.mark.parametrize("name", NAMES)
def test_one_wrong_answer_loses_exactly_its_points(built, name, tmp_path):
    here = folder(built, name)
    student = nbformat.read(here / "student" / f"{name}.ipynb", 4)
    answered = nbformat.read(here / "solution" / f"{name}.ipynb", 4)
    wrong = copy.deepcopy(answered)
    first = next(i for i, c in enumerate(student.cells)
                 if c.cell_type == "code" and "otter_answer_cell" in c.metadata.get("tags", []))
    wrong.cells[first].source = student.cells[first].source  # q1 left as handed out
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(wrong, path)
    row = graded(built, name, path)
    spec = spec_of(name)
    points = {f"q{k}": q["points"] for k, q in enumerate(spec["questions"], 1) if not q.get("manual")}
    first_q = min(points, key=lambda q: int(q[1:]))
    assert row["scores"][first_q]["score"] == 0
    for q, p in points.items():
        if q != first_q:
            assert row["scores"][q]["score"] == p, q
    expected = 100 * (sum(points.values()) - points[first_q]) / sum(points.values())
    assert row["percent"] == pytest.approx(expected, abs=0.01)


# ------------------------------------------------------------------------- a hostile batch

DEMO_QUESTION = ("**1. Smallest rank.** Write `smallest_rank(s, tol)`: the smallest $r$ whose "
                 "tail $\\sqrt{\\sum_{i>r}\\sigma_i^2}$ is at most `tol`.\n")
DEMO_ANSWER = '''def smallest_rank(s, tol):
    """The smallest r with sqrt(sum_{i>r} s_i^2) <= tol, for s of shape (k,)."""
    s = np.asarray(s, dtype=float)
    tail = np.sqrt(np.cumsum((s**2)[::-1])[::-1])
    return int(np.argmax(np.append(tail, 0.0) <= tol))
'''
DEMO_SPEC = {
    "setup": "import numpy as np\n",
    "questions": [{
        "exercise": "nb99-ex1", "answer": "nb99-ex1-sol", "points": 2,
        "tests": {"public": ["assert smallest_rank(np.array([3.0, 2.0, 1.0]), 0.5) == 3\n"],
                  "hidden": ["assert smallest_rank(np.array([5.0, 4.0, 3.0]), 3.5) == 2\n"]},
    }],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A one-question assignment built from a scratch lesson (fast to grade)."""
    root = tmp_path_factory.mktemp("demo")
    editions = {}
    for edition in EDITIONS:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Demo"),
                    nbformat.v4.new_markdown_cell(DEMO_QUESTION),
                    nbformat.v4.new_code_cell(DEMO_ANSWER)]
        nb.cells[1].id, nb.cells[2].id = "nb99-ex1", "nb99-ex1-sol"
        nb.cells[1].metadata["tags"], nb.cells[2].metadata["tags"] = ["exercise"], ["solution"]
        editions[edition] = root / edition
        editions[edition].mkdir()
        nbformat.write(nb, editions[edition] / "99_demo.ipynb")
    spec = root / "99_demo.yml"
    spec.write_text(yaml.safe_dump(DEMO_SPEC))
    return assignments.build_one(spec, "en", root / "out", editions)


def test_a_hostile_batch_is_graded_to_the_end(demo, tmp_path):
    student = nbformat.read(demo / "student" / "99_demo.ipynb", 4)
    solution = nbformat.read(demo / "solution" / "99_demo.ipynb", 4)
    subs = tmp_path / "submissions"
    subs.mkdir()

    def submit(name, nb, extra=None, at=None):
        nb = copy.deepcopy(nb)
        if extra:
            nb.cells.insert(len(nb.cells) if at is None else at, nbformat.v4.new_code_cell(extra))
        nbformat.write(nb, subs / name)

    submit("good.ipynb", solution)
    submit("crash.ipynb", solution, "raise RuntimeError('boom')")
    submit("forever.ipynb", solution, "while True:\n    pass")
    submit("deleter.ipynb", solution,
           f"import pathlib\nd = pathlib.Path({str(subs)!r})\n(d / 'good.ipynb').unlink()\n"
           "(d / 'intruder.txt').write_text('x')")
    submit("tests_edited.ipynb", student,
           "import pathlib\nfor p in pathlib.Path('..').rglob('q1.py'):\n"
           "    p.write_text('OK_FORMAT = True\\ntest = {\"name\": \"q1\", \"points\": 2, '\n"
           "                 '\"suites\": []}\\n')", at=1)
    submit("grader_patched.ipynb", student, "grader.check = lambda *a, **k: None", at=1)
    before = {p.name: p.read_bytes() for p in subs.iterdir()}
    out = grade.grade_folder(str(demo / "autograder" / "99_demo-autograder.zip"), subs,
                             timeout=90, log=lambda *a: None)
    after = {p.name: p.read_bytes() for p in subs.iterdir() if p.name != "grades.csv"}
    assert after == before, "the submissions folder must come back unchanged"
    with out.open(encoding="utf-8") as f:
        rows = {r["file"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(before)
    assert list(next(iter(rows.values()))) == ["file", "q1", "percent", "reason"]
    assert (rows["good.ipynb"]["percent"], rows["good.ipynb"]["reason"]) == ("100", "")
    assert rows["crash.ipynb"]["percent"] == "100" and "RuntimeError" in rows["crash.ipynb"]["reason"]
    assert rows["forever.ipynb"]["percent"] == "0" and "90 s" in rows["forever.ipynb"]["reason"]
    assert "good.ipynb" in rows["deleter.ipynb"]["reason"]
    assert "intruder.txt" in rows["deleter.ipynb"]["reason"]
    assert rows["tests_edited.ipynb"]["percent"] == "0"
    assert "tests" in rows["tests_edited.ipynb"]["reason"]
    assert (rows["grader_patched.ipynb"]["percent"], rows["grader_patched.ipynb"]["q1"]) == ("0", "0")


# ------------------------------------------------------------------------- rejected inputs

GOOD = {"questions": [{"exercise": "e", "answer": "a", "tests": {"public": ["1"], "hidden": ["1"]}}]}


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("questions"), "needs a list `questions`"),
    (lambda s: s.update(extra=1), "unknown keys"),
    (lambda s: s["questions"][0].pop("exercise"), "needs `exercise`"),
    (lambda s: s["questions"][0].update(bogus=1), "needs `exercise`"),
    (lambda s: s["questions"][0].pop("answer"), "public and hidden tests"),
    (lambda s: s["questions"][0]["tests"].pop("hidden"), "public and hidden tests"),
    (lambda s: s["questions"][0].update(manual=True), "is manual"),
    (lambda s: s.update(files=["data/nothing.png"]), "not found"),
])
def test_bad_assignment_files_are_rejected(tmp_path, change, message):
    spec = copy.deepcopy(GOOD)
    change(spec)
    path = tmp_path / "01_x.yml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(assignments.SpecError, match=re.escape(message)):
        assignments.load_spec(path)


@pytest.mark.parametrize("source", [
    "import numpy as np\ndef f(x):\n    return x\n",
    "x = 1\n",
    'def f(x):\n    """Only a docstring."""\n',
])
def test_answer_cells_hold_only_functions_with_bodies(source):
    with pytest.raises(assignments.SpecError):
        assignments.mark_solution(source)


def test_mark_solution_keeps_signature_and_docstring():
    marked = assignments.mark_solution(DEMO_ANSWER).splitlines()
    assert marked[:2] == DEMO_ANSWER.splitlines()[:2]
    assert marked[2].strip() == "# BEGIN SOLUTION" and marked[-1].strip() == "# END SOLUTION"
    assert assignments.solution_lines(DEMO_ANSWER) == DEMO_ANSWER.splitlines()[2:]


@pytest.mark.parametrize("argv, message", [
    (["xx", "."], "ASSIGNMENT must be a notebook number"),
    (["02", "no-such-folder"], "must be a folder"),
])
def test_grade_command_rejects_bad_arguments(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert grade.main(argv) == 2
    assert message in capsys.readouterr().err


def test_grade_command_rejects_a_non_positive_timeout(tmp_path):
    with pytest.raises(SystemExit):
        grade.main(["02", str(tmp_path), "--timeout", "0"])
