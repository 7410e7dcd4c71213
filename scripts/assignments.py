"""Build the homework: every notebook's exercises as an otter-grader assignment, in both editions.

    python -m scripts.assignments                 # make assignments: build/assignments/
    python -m scripts.assignments --only 02 09    # only these notebooks
    python -m scripts.assignments --only 02 --verify   # and grade the solution and the blank copy

For each ``assignments/NN_topic.yml`` (the contract is ``assignments/README.md``) this writes

- ``build/assignments/NN_topic/student/``: the notebook with the questions, empty answer cells and
  the public tests (``grader.check("q1")`` runs them offline), without any solution;
- ``build/assignments/NN_topic/solution/NN_topic.ipynb``: the same notebook answered, cell for cell;
- ``build/assignments/NN_topic/autograder/``: what grading needs, ``NN_topic-autograder.zip`` with
  the hidden tests (``make grade`` uses it);

and the same for the Chinese edition under ``build/assignments/zh-CN/NN_topic/`` (question text
from ``notebooks-zh-CN/``, tests identical). The question text is never written here: it is the
lesson's exercise cell; the answer is the lesson's answer cell; this file adds only the data, the
points and the tests. ``otter assign`` (otter-grader) turns the master notebook built here into the
three folders.

``--verify`` grades, for each English assignment, the solution notebook (it must score 100%) and
the untouched student notebook (it must run and score 0 on every autograded question), with the
same offline grader as ``make grade``.
"""

import argparse
import ast
import contextlib
import io
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "assignments"
OUT = ROOT / "build" / "assignments"
EDITIONS = {"en": ROOT / "notebooks", "zh-CN": ROOT / "notebooks-zh-CN"}
ZIP_NAME = "{name}-autograder.zip"

HEADING = {"en": "Homework", "zh-CN": "作业"}
# What otter assign writes in English, in the Chinese notebooks.
OTTER_WORDS = {"zh-CN": {"_Points:_": "_分值：_",
                         "_Type your answer here, replacing this text._": "_在此处作答，替换这段文字。_"}}
INTRO = {
    "en": (
        "Answer each question in the cell below it, replacing `...`. Run the `grader.check` cell "
        "after an answer to test it: these public tests catch common mistakes. Your submission is "
        "graded with further tests on data you have not seen, so write code that is correct in "
        "general, not code that fits the tests. The data here differ from the lesson's. Parts marked "
        "\"not graded in the homework\" are for you to think about. Run the cells from the top, "
        "starting with the two below."
    ),
    "zh-CN": (
        "在每道题下方的单元格中作答，替换其中的 `...`。作答后运行其后的 `grader.check` 单元格进行"
        "检查：这些公开测试能发现常见错误。提交之后，还会用你没有见过的数据上的其他测试评分，所以"
        "请写出普遍正确的代码，而不是只为通过测试而写的代码。这里的数据与课程 notebook 中的不同。"
        "标有“作业中不评分”的部分留给你自己思考。请从头依次运行各单元格，先运行下面两个。"
    ),
}
VALUE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<expr>.+?)\s+#\s*(?P<says>\S.*)$")
DETAILS = re.compile(r"\n*<details>\s*<summary>.*?</summary>(?P<body>.*?)</details>\s*",
                     re.DOTALL)


class SpecError(ValueError):
    """An assignment file that does not match its notebook or the contract."""


def spec_paths(only=None):
    """``assignments/NN_topic.yml`` for every notebook (or those whose number is in ``only``)."""
    paths = sorted(SPECS.glob("[0-9][0-9]_*.yml"))
    if only:
        wanted = {str(n).zfill(2) for n in only}
        paths = [p for p in paths if p.stem[:2] in wanted]
        missing = wanted - {p.stem[:2] for p in paths}
        if missing:
            raise SpecError(f"no assignments/NN_topic.yml for notebook(s) {sorted(missing)}")
    return paths


def load_spec(path):
    """The assignment file as a dict, checked against the contract."""
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    where = Path(path).name
    if not isinstance(spec, dict) or not isinstance(spec.get("questions"), list):
        raise SpecError(f"{where}: needs a list `questions`")
    allowed = {"files", "setup", "questions"}
    if set(spec) - allowed:
        raise SpecError(f"{where}: unknown keys {sorted(set(spec) - allowed)}")
    for i, q in enumerate(spec["questions"], 1):
        keys = {"exercise", "answer", "points", "values", "tests", "manual"}
        if not isinstance(q, dict) or "exercise" not in q or set(q) - keys:
            raise SpecError(f"{where}: question {i} needs `exercise` and only {sorted(keys)}")
        if q.get("manual"):
            if "answer" in q or "tests" in q or "values" in q:
                raise SpecError(f"{where}: question {i} is manual: no answer, values or tests")
        else:
            tests = q.get("tests") or {}
            if "answer" not in q or not tests.get("public") or not tests.get("hidden"):
                raise SpecError(f"{where}: question {i} needs `answer` and public and hidden tests")
        q.setdefault("points", 1)
    for f in spec.get("files") or []:
        if not (ROOT / f).is_file():
            raise SpecError(f"{where}: file {f!r} not found")
    return spec


def question_text(source):
    """The exercise cell without its ``<details>`` solution blocks."""
    return DETAILS.sub("\n", source).strip() + "\n"


def details_text(source):
    """The prose solution: the bodies of the exercise cell's ``<details>`` blocks."""
    bodies = [m.group("body").strip() for m in DETAILS.finditer(source)]
    return "\n\n".join(bodies) + "\n" if bodies else ""


def mark_solution(source, where="answer cell"):
    """The answer cell with each function body between ``# BEGIN SOLUTION`` / ``# END SOLUTION``.

    Signatures and docstrings stay (they are the prompt); everything else is solution. The answer
    cell holds only function definitions."""
    tree = ast.parse(source)
    lines = source.rstrip("\n").split("\n")
    inserts = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            raise SpecError(f"{where}: holds only function definitions; found "
                            f"{type(node).__name__} on line {node.lineno}")
        body = node.body
        if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            body = body[1:]
        if not body:
            raise SpecError(f"{where}: function {node.name} has no body besides its docstring")
        first = body[0].lineno - 1
        last = body[-1].end_lineno - 1
        indent = re.match(r"\s*", lines[first]).group(0)
        inserts.append((first, last, indent))
    for first, last, indent in reversed(inserts):
        lines.insert(last + 1, f"{indent}# END SOLUTION")
        lines.insert(first, f"{indent}# BEGIN SOLUTION")
    return "\n".join(lines)


def solution_lines(source):
    """The lines of an answer cell that the student must not see (the function bodies)."""
    marked = mark_solution(source).split("\n")
    out, inside = [], False
    for line in marked:
        if line.strip() == "# BEGIN SOLUTION":
            inside = True
        elif line.strip() == "# END SOLUTION":
            inside = False
        elif inside:
            out.append(line)
    return out


def test_source(code, hidden):
    """A test cell for otter assign: blank lines dropped (doctest ends a block at one)."""
    body = "\n".join(line for line in code.strip("\n").split("\n") if line.strip())
    if hidden:
        body = '""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n' + body
    return body


def raw(text):
    return nbformat.v4.new_raw_cell(text)


def master_notebook(nb_path, spec, edition):
    """The otter assign master notebook of one assignment in one edition."""
    lesson = nbformat.read(nb_path, as_version=4)
    cells = {c.id: c for c in lesson.cells}
    name = nb_path.stem
    title = lesson.cells[0].source.split("\n", 1)[0].lstrip("# ").strip()
    config = {
        "name": name,
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": False,
        "show_question_points": True,
        "tests": {"files": True},  # public tests in student/tests/, hidden only in the autograder
        "files": [Path(f).name for f in spec.get("files") or []],
        "generate": True,
    }
    out = [raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))]
    out.append(nbformat.v4.new_markdown_cell(f"# {HEADING[edition]} {title}\n\n{INTRO[edition]}"))
    setup = ("import helpers  # first: it sets TensorFlow's environment variables\n\n"
             "helpers.setup_notebook(0)\n")
    if spec.get("setup"):
        setup += spec["setup"].rstrip("\n")
    out.append(nbformat.v4.new_code_cell(setup.rstrip("\n")))
    for number, q in enumerate(spec["questions"], 1):
        exercise = cells.get(q["exercise"])
        if exercise is None or exercise.cell_type != "markdown":
            raise SpecError(f"{name}: exercise cell {q['exercise']!r} is not a markdown cell of "
                            f"{nb_path.parent.name}/{nb_path.name}")
        header = {"name": f"q{number}", "points": q["points"]}
        if q.get("manual"):
            header["manual"] = True
        else:
            header["all_or_nothing"] = True
        out.append(raw("# BEGIN QUESTION\n" + yaml.safe_dump(header, sort_keys=False)))
        out.append(nbformat.v4.new_markdown_cell(question_text(exercise.source)))
        if q.get("manual"):
            prose = details_text(exercise.source)
            if not prose:
                raise SpecError(f"{name}: manual question {q['exercise']} has no <details> "
                                "solution in its exercise cell")
            out += [raw("# BEGIN SOLUTION"), nbformat.v4.new_markdown_cell(prose),
                    raw("# END SOLUTION")]
        else:
            answer = cells.get(q["answer"])
            if answer is None or answer.cell_type != "code" or \
                    "solution" not in answer.metadata.get("tags", []):
                raise SpecError(f"{name}: answer {q['answer']!r} is not a code cell tagged "
                                "`solution`")
            code = mark_solution(answer.source, f"{name} cell {q['answer']}")
            for line in q.get("values") or []:
                match = VALUE.match(line)
                if not match:
                    raise SpecError(f"{name}: value line {line!r} is not "
                                    "`name = expression  # what it holds`")
                # The student sees the comment and `name = ...`: what to store, not how.
                code += (f"\n# {match['name']}: {match['says']}\n"
                         f"{match['name']} = {match['expr'].strip()}  # SOLUTION")
            out += [raw("# BEGIN SOLUTION"), nbformat.v4.new_code_cell(code),
                    raw("# END SOLUTION"), raw("# BEGIN TESTS")]
            out += [nbformat.v4.new_code_cell(test_source(t, False)) for t in q["tests"]["public"]]
            out += [nbformat.v4.new_code_cell(test_source(t, True)) for t in q["tests"]["hidden"]]
            out.append(raw("# END TESTS"))
        out.append(raw("# END QUESTION"))
    master = nbformat.v4.new_notebook(cells=out)
    master.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"},
                       "language_info": {"name": "python"}}
    return master


def finish_notebooks(student_path, answered_path, solution_path, edition):
    """Make the solution notebook the student notebook answered, cell for cell (otter keeps the
    empty answer cell of a prose question before its solution: the solution takes its place), and
    put otter's fixed English words into the edition's language."""
    student = nbformat.read(student_path, as_version=4)
    answered = nbformat.read(answered_path, as_version=4)
    cells = []
    for cell in answered.cells:
        tags = cell.metadata.get("tags", [])
        if "otter_assign_solution_cell" in tags and cell.cell_type == "markdown" and cells and \
                "otter_answer_cell" in cells[-1].metadata.get("tags", []):
            cells[-1] = cell
        else:
            cells.append(cell)
    answered.cells = cells
    if len(student.cells) != len(answered.cells):
        raise RuntimeError(f"{solution_path.name}: the solution has {len(answered.cells)} cells, "
                           f"the student notebook {len(student.cells)}")
    for cell in answered.cells:  # the instructor's copy reads as plain code
        if cell.cell_type == "code" and "otter_assign_solution_cell" in cell.metadata.get("tags", []):
            lines = [line for line in cell.source.split("\n")
                     if line.strip() not in ("# BEGIN SOLUTION", "# END SOLUTION")]
            cell.source = "\n".join(re.sub(r"\s+# SOLUTION$", "", line) for line in lines)
    for nb, path in ((student, student_path), (answered, solution_path)):
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for english, local in OTTER_WORDS.get(edition, {}).items():
                    cell.source = cell.source.replace(english, local)
        nbformat.write(nb, path)


def build_one(spec_path, edition, out_root=OUT, editions=EDITIONS):
    """Build one assignment; return its folder."""
    spec_path = Path(spec_path)
    spec = load_spec(spec_path)
    name = spec_path.stem
    nb_path = Path(editions[edition]) / f"{name}.ipynb"
    if not nb_path.is_file():
        raise SpecError(f"{spec_path.name}: no notebook {nb_path.parent.name}/{nb_path.name}")
    master = master_notebook(nb_path, spec, edition)
    dest = (out_root if edition == "en" else out_root / edition) / name
    from otter.assign import main as otter_assign

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for f in spec.get("files") or []:
            shutil.copy2(ROOT / f, tmp / Path(f).name)
        nbformat.write(master, tmp / f"{name}.ipynb")
        log = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            otter_assign(str(tmp / f"{name}.ipynb"), str(tmp / "dist"), no_pdfs=True,
                         no_run_tests=True)
        dist = tmp / "dist"
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(dist / "student", dest / "student")
        (dest / "solution").mkdir(parents=True)
        finish_notebooks(dest / "student" / f"{name}.ipynb", dist / "autograder" / f"{name}.ipynb",
                         dest / "solution" / f"{name}.ipynb", edition)
        for f in spec.get("files") or []:
            shutil.copy2(ROOT / f, dest / "solution" / Path(f).name)
        (dest / "autograder").mkdir()
        zips = sorted((dist / "autograder").glob("*.zip"))
        if len(zips) != 1:
            raise RuntimeError(f"otter assign wrote {len(zips)} zip files for {name}:\n"
                               f"{log.getvalue()}")
        shutil.copy2(zips[0], dest / "autograder" / ZIP_NAME.format(name=name))
        shutil.copytree(dist / "autograder" / "tests", dest / "autograder" / "tests")
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NN", help="only these notebooks (numbers)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (build/assignments)")
    parser.add_argument("--verify", action="store_true",
                        help="grade the solution (100%%) and the blank student copy (0%%)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = spec_paths(args.only)
        built = []
        for path in paths:
            for edition in EDITIONS:
                built.append((edition, build_one(path, edition, args.out)))
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"built {len(built)} assignments ({len(paths)} notebooks x {len(EDITIONS)} editions) "
          f"in {args.out} in {time.perf_counter() - start:.0f} s")
    if not args.verify:
        return 0
    from scripts.grade import grade_file

    status = 0
    for edition, folder in built:
        if edition != "en":
            continue
        name = folder.name
        zip_path = folder / "autograder" / ZIP_NAME.format(name=name)
        for kind, expected in (("solution", 100.0), ("student", 0.0)):
            row = grade_file(folder / kind / f"{name}.ipynb", zip_path, timeout=300)
            ok = row["percent"] == expected and not row["reason"]
            status |= not ok
            print(f"{name} {kind}: {row['percent']:.0f}% (expected {expected:.0f}%)"
                  f"{'' if ok else '  <-- ' + (row['reason'] or 'wrong score')}"
                  f"  [{row['seconds']:.0f} s]")
            if not ok:
                print("   ", {k: v for k, v in row.items() if k.startswith("q")})
    return status


if __name__ == "__main__":
    sys.exit(main())
