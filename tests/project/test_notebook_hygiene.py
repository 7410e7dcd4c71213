"""Every notebook of the collection is normalised, executed in one go, and follows the template.

Checked on the committed files, without executing anything (nbval re-executes them):
- normalised: canonical JSON (what ``nbformat.write`` writes), stable metadata, one kernelspec
  (python3), cell ids, no execution timings, no widget state (``python -m scripts.normalize_notebooks``);
- executed top to bottom in one go: execution counts 1..n over the code cells, no error output,
  no path of the machine that executed it in an output;
- the template of ``STYLE.md``: a ``# NN · Title`` heading, what you will learn, prerequisites
  (linking an earlier notebook), estimated time, the setup cell, at least two exercises whose
  solutions are executed code (hidden until asked for) or, for proofs, ``<details>`` prose, a summary, and navigation to the previous notebook, the index and the
  next notebook; every relative link points at an existing file;
- ``svd_course`` metadata (one-line summary, minutes) for the book's index;
- a ``parameters`` cell, if there is one, is a code cell of simple assignments (papermill).
"""

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

from scripts.normalize_notebooks import normalized_text

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
MD_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def load(path):
    return nbformat.read(path, as_version=4)


def markdown_cells(nb):
    return [c for c in nb.cells if c.cell_type == "markdown"]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def section(nb, heading):
    """The Markdown of the ``## heading`` section: up to the next ``## `` heading (outside code)."""
    lines, inside, fenced = [], False, False
    for cell in markdown_cells(nb):
        for line in cell.source.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            if not fenced and line.startswith("## "):
                if inside:
                    return "\n".join(lines)
                inside = line[3:].strip().lower() == heading.lower()
            if inside:
                lines.append(line)
        fenced = False
    return "\n".join(lines)


def local_links(text):
    """Relative link targets (no scheme, no bare anchor) of a piece of Markdown/HTML."""
    links = MD_LINK.findall(text) + HTML_LINK.findall(text)
    return [t for t in links
            if not t.startswith("#") and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", t)]


def test_the_collection_exists():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"


# ---------------------------------------------------------------- normalised

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_normalised(path):
    assert path.read_text(encoding="utf-8") == normalized_text(path), (
        f"{path.name} is not normalised: run `python -m scripts.normalize_notebooks {path.relative_to(ROOT)}`"
        " (or re-execute it with `make notebooks NB=...`)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stable_metadata_and_cell_ids(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert (raw["nbformat"], raw["nbformat_minor"] >= 5) == (4, True)
    meta = raw["metadata"]
    assert meta["kernelspec"]["name"] == "python3"
    assert meta["kernelspec"]["language"] == "python"
    assert "widgets" not in meta, "widget state is stored"
    ids = [cell.get("id") for cell in raw["cells"]]
    assert all(ids), "a cell has no id"
    assert len(set(ids)) == len(ids), "duplicate cell ids"
    for cell in raw["cells"]:
        kept = {"tags", "jupyter"} if "solution" in cell["metadata"].get("tags", []) else {"tags"}
        assert set(cell["metadata"]) <= kept, f"cell {cell['id']}: volatile metadata {sorted(cell['metadata'])}"
        for out in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {})


# ---------------------------------------------------------------- executed in one go

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_top_to_bottom_in_one_go(path):
    cells = code_cells(load(path))
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts}: re-execute with `make notebooks NB={path.relative_to(ROOT)}`")
    for cell in cells:
        for out in cell.outputs:
            if out.output_type == "execute_result":
                assert out.execution_count == cell.execution_count, f"cell {cell.id}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_error_outputs(path):
    for cell in code_cells(load(path)):
        for out in cell.outputs:
            assert out.output_type != "error", f"cell {cell.id}: {out.get('ename')}: {out.get('evalue')}"
            if out.output_type == "stream":
                assert "Traceback (most recent call last)" not in out.text, f"cell {cell.id}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_name_no_path_of_this_machine(path):
    needles = {str(ROOT), str(Path.home())} - {"/"}
    for cell in code_cells(load(path)):
        text = json.dumps(cell.outputs, ensure_ascii=False)
        for needle in needles:
            assert needle not in text, f"cell {cell.id}: an output contains an absolute path"


# ---------------------------------------------------------------- the template

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_course_metadata(path):
    meta = load(path).metadata.get("svd_course")
    assert meta, "no svd_course metadata (summary, minutes) for the book's index"
    summary, minutes = meta.get("summary"), meta.get("minutes")
    assert isinstance(summary, str) and summary.strip() and "\n" not in summary, "summary: one line"
    assert isinstance(minutes, int) and not isinstance(minutes, bool) and 5 <= minutes <= 120, minutes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_opening_cell(path):
    nb = load(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    title = first.source.splitlines()[0]
    assert re.match(rf"^# {path.name[:2]} · \S", title), f"title {title!r}: expected '# {path.name[:2]} · Title'"
    assert "What you will learn" in first.source
    assert "Prerequisites" in first.source
    estimated = [line for line in first.source.splitlines() if "Estimated time" in line]
    assert estimated, "no estimated time"
    minutes = nb.metadata.get("svd_course", {}).get("minutes")
    assert re.search(rf"\b{minutes}\b", estimated[0]), (
        f"estimated time {estimated[0]!r} disagrees with svd_course.minutes = {minutes}")


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=IDS[1:])  # the first has no earlier one
def test_prerequisites_link_an_earlier_notebook(path):
    first = load(path).cells[0].source
    prereq = "\n".join(line for line in first.splitlines() if "Prerequisites" in line)
    earlier = [t for t in local_links(prereq)
               if re.match(r"^\d\d_", t) and t.endswith(".ipynb") and t[:2] < path.name[:2]]
    assert earlier, "the prerequisites link no earlier notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell(path):
    """The first code cell imports helpers before anything but the standard library, and seeds."""
    setup = code_cells(load(path))[0].source
    assert "helpers.setup_notebook(seed=" in setup, "the first code cell must call helpers.setup_notebook(seed=...)"
    for stmt in ast.parse(setup).body:
        if not isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]
        top = {n.split(".")[0] for n in names}
        if "helpers" in top:
            return
        assert top <= set(sys.stdlib_module_names), (
            f"`{ast.unparse(stmt)}` comes before `import helpers`, which must be first: "
            "it sets TensorFlow's environment variables before TensorFlow is imported")
    pytest.fail("the first code cell does not import helpers")


def exercises(nb):
    """[(exercise cell, [its solution code cells])] in the notebook's order."""
    out = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "exercise" in tags:
            out.append((cell, []))
        elif "solution" in tags and out:
            out[-1][1].append(cell)
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_with_solutions(path):
    """Exercises: a question cell each (tag ``exercise``, id ``nbNN-exK``), its worked solution as
    executed code cells tagged ``solution`` or, for a proof, as prose in ``<details>``; a solution
    that computes is never a code block inside ``<details>``."""
    nb = load(path)
    assert section(nb, "Exercises"), "no '## Exercises' section"
    found = exercises(nb)
    assert len(found) >= 2, f"{len(found)} exercise cells (tag `exercise`); at least two expected"
    for k, (cell, solutions) in enumerate(found, 1):
        assert cell.cell_type == "markdown", cell.id
        assert cell.id == f"nb{path.name[:2]}-ex{k}", f"exercise {k} has id {cell.id}"
        details = re.findall(r"<details\b.*?</details>", cell.source, re.DOTALL)
        assert solutions or details, f"{cell.id}: no solution (code cells tagged `solution` or <details>)"
        for block in details:
            assert "```" not in block, (f"{cell.id}: a code block inside <details>; a solution that "
                                        "computes is code cells tagged `solution`")
        for sol in solutions:
            assert sol.cell_type == "code", f"{sol.id}: a `solution` cell must be a code cell"
    for cell in markdown_cells(nb):  # a <details> must open and close in the same cell
        assert len(re.findall(r"<details\b", cell.source)) == len(re.findall(r"</details>", cell.source)), cell.id


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_start_hidden(path):
    """Every solution cell is collapsed in JupyterLab and behind a toggle in the book, follows an
    exercise, and is the only kind of cell that is hidden."""
    nb = load(path)
    in_exercises = {sol.id for _, sols in exercises(nb) for sol in sols}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:
            assert cell.id in in_exercises, f"{cell.id}: a solution cell outside the exercises"
            assert "hide-cell" in tags, f"{cell.id}: not hidden in the book (tag hide-cell)"
            assert cell.metadata.get("jupyter") == {"source_hidden": True, "outputs_hidden": True}, (
                f"{cell.id}: not collapsed in JupyterLab")
        else:
            assert "hide-cell" not in tags and "jupyter" not in cell.metadata, (
                f"{cell.id}: hidden, but not a solution")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_summary(path):
    text = section(load(path), "Summary")
    assert text, "no '## Summary' section"
    bullets = [line for line in text.splitlines() if re.match(r"^\s*[-*] ", line)]
    assert 3 <= len(bullets) <= 5, f"{len(bullets)} summary bullets; 3 to 5 expected"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_navigation(path):
    nb = load(path)
    last = nb.cells[-1]
    assert last.cell_type == "markdown", "the last cell must be the navigation links"
    links = local_links(last.source)
    assert "../README.md" in links, "no link to the index (../README.md)"
    i = NOTEBOOKS.index(path)
    notebooks = [t for t in links if t.endswith(".ipynb")]
    expected = ([NOTEBOOKS[i - 1].name] if i > 0 else []) + (
        [NOTEBOOKS[i + 1].name] if i + 1 < len(NOTEBOOKS) else [])
    assert notebooks == expected, f"navigation links {notebooks}; expected previous/next {expected}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_relative_link_points_at_a_file(path):
    missing = []
    for cell in markdown_cells(load(path)):
        for target in local_links(cell.source):
            file_part = target.split("#")[0].split("?")[0]
            if file_part and not (NOTEBOOK_DIR / file_part).exists():
                missing.append(f"cell {cell.id}: {target}")
    assert not missing, "links to missing files:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
@pytest.mark.parametrize("doc", ["README.md", "docs/teaching.md"])
def test_listed_in_the_readme_and_the_teaching_guide(path, doc):
    """README's table and the teaching guide's order link the notebook, with its time."""
    minutes = load(path).metadata.get("svd_course", {}).get("minutes")
    lines = [line for line in (ROOT / doc).read_text(encoding="utf-8").splitlines()
             if f"notebooks/{path.name})" in line]
    assert lines, f"{doc} does not link notebooks/{path.name}"
    assert any(re.search(rf"\b{minutes} min", line) for line in lines), (
        f"{doc}: the line of {path.name} does not say {minutes} min (svd_course.minutes)")


# ---------------------------------------------------------------- papermill

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_cell_is_simple(path):
    nb = load(path)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])], (
        "a papermill 'injected-parameters' cell was committed")
    assert len(tagged) <= 1, "more than one cell tagged 'parameters'"
    if not tagged:
        return
    cell = tagged[0]
    assert cell.cell_type == "code", "the 'parameters' cell must be a code cell"
    tree = ast.parse(cell.source)
    assert tree.body, "empty parameters cell"
    for stmt in tree.body:
        assert isinstance(stmt, ast.Assign | ast.AnnAssign), f"not an assignment: {ast.unparse(stmt)}"
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        assert all(isinstance(t, ast.Name) for t in targets), f"assign to plain names: {ast.unparse(stmt)}"
        assert stmt.value is not None, f"no value: {ast.unparse(stmt)}"
        ast.literal_eval(stmt.value)  # papermill overrides literals; anything else would not round-trip
