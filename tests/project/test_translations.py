"""The Simplified Chinese edition (scripts/translations.py): complete, not stale, generated.

Every English markdown cell has a translation whose fingerprint matches the English text; the
committed ``notebooks-zh-CN/`` are exactly what the script writes; a Chinese notebook shares its
English notebook's code cells, outputs, execution counts and cell ids; math, code and link targets
are the English ones; the glossary's terms are used and its rejected forms are not.
"""

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from scripts import translations
from scripts.normalize_notebooks import canonical_text

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
GLOSSARY = ROOT / "docs" / "glossary.zh-CN.md"
CHINESE_PAGES = [ROOT / "README.zh-CN.md", *sorted((ROOT / "docs" / "zh-CN").glob("*.md"))]
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.DOTALL)  # inline math may wrap a line
TEXT_IN_MATH = re.compile(r"\\text\{[^{}]*\}")  # words inside math are translated: \text{and} -> \text{且}
FENCE = re.compile(r"```.*?```", re.DOTALL)  # a code block
CODE = re.compile(r"`[^`]+`")  # a code span (it may wrap a line too)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Link targets that change in the Chinese edition (everything else is kept).
LINK_MAP = [(re.compile(r"^\.\./README\.md$"), "../README.zh-CN.md"),
            (re.compile(r"^\.\./docs/references\.md"), "../docs/zh-CN/references.md")]
FIXED = {"**What you will learn**": "**学习目标**", "## Exercises": "## 练习",
         "## Summary": "## 小结", "<summary>Solution</summary>": "<summary>解答</summary>"}


def english(path):
    return nbformat.read(path, as_version=4)


def chinese(path):
    return nbformat.read(translations.output_path(path), as_version=4)


def glossary_rows(heading):
    """The rows (lists of cells) of the glossary's table under ``## heading``."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines()
            if line.startswith("|")]
    return [[c.strip() for c in row] for row in rows[2:]]  # without the header and --- rows


def chinese_texts():
    """(name, text) of every translated text: each notebook's translations and the pages."""
    out = [(p.name, p.read_text(encoding="utf-8"))
           for p in sorted(translations.TRANSLATIONS.glob("*.md"))]
    return out + [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8"))
                  for p in CHINESE_PAGES]


# ---------------------------------------------------------------------------------------------
# Complete, not stale, generated
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_markdown_cell_is_translated_and_not_stale(path):
    report, _ = translations.check_one(path)
    assert report.ok(), "\n".join(report.lines()) + (
        "\nUpdate with: python -m scripts.translations --update " + path.relative_to(ROOT).as_posix()
        + " (CONTRIBUTING.md, 'Translations')")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_generated_notebook_is_what_the_script_writes(path):
    out = translations.output_path(path)
    assert out.is_file(), f"{out.relative_to(ROOT)} missing: run make translations"
    assert out.read_text(encoding="utf-8") == canonical_text(translations.generate(path)), (
        f"{out.relative_to(ROOT)} differs from what make translations writes")


def test_no_chinese_notebook_without_an_english_one():
    names = {p.name for p in NOTEBOOKS}
    # A student's copy (a name not starting with two digits, e.g. my_03.ipynb) may sit beside them.
    assert {p.name for p in translations.OUTPUT.glob("[0-9][0-9]_*.ipynb")} == names
    assert {p.stem for p in translations.TRANSLATIONS.glob("*.md")} == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_outputs_and_ids_are_the_english_ones(path):
    en, zh = english(path), chinese(path)
    assert [c.id for c in zh.cells] == [c.id for c in en.cells]
    assert [c.cell_type for c in zh.cells] == [c.cell_type for c in en.cells]
    for a, b in zip(en.cells, zh.cells, strict=True):
        if a.cell_type == "code":
            assert b == a, f"code cell {a.id} differs"
        else:
            assert b.metadata == a.metadata and b.source != a.source, a.id
    meta_en, meta_zh = dict(en.metadata), dict(zh.metadata)
    course_en, course_zh = meta_en.pop("svd_course"), meta_zh.pop("svd_course")
    assert meta_zh == meta_en
    assert course_zh["minutes"] == course_en["minutes"] and course_zh["language"] == "zh-CN"


# ---------------------------------------------------------------------------------------------
# What a translation keeps: math, code, links, structure; and that it is Chinese
# ---------------------------------------------------------------------------------------------

def pairs(path):
    zh = {c.id: c.source for c in chinese(path).cells if c.cell_type == "markdown"}
    return [(c.id, c.source, zh[c.id]) for c in english(path).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_math_and_code_are_kept_exactly(path):
    """The same equations and code spans, each as often (the order may follow Chinese syntax)."""
    problems = []
    for cell_id, en, zh in pairs(path):
        math_en, math_zh = math_of(en), math_of(zh)
        if math_en != math_zh:
            problems.append(f"{cell_id}: math {math_en - math_zh} / {math_zh - math_en}")
        if code_spans(en) != code_spans(zh):
            problems.append(f"{cell_id}: code spans differ")
        if FENCE.findall(en) != FENCE.findall(zh):
            problems.append(f"{cell_id}: code blocks differ")
    assert not problems, problems


def math_of(text):
    """The equations of a text, each as often, with the words inside ``\\text{...}`` set aside
    (they are prose, translated like the rest)."""
    return Counter(TEXT_IN_MATH.sub(r"\\text{}", m) for m in MATH.findall(text))


def test_math_comparison_sets_text_aside_and_nothing_else():
    assert math_of(r"$a \text{ and } b$") == math_of(r"$a \text{ 且 } b$")
    assert math_of(r"$a \text{ and } b$") != math_of(r"$a \text{ 且 } c$")
    assert math_of(r"$\mathrm{rank}$") != math_of(r"$\mathrm{秩}$")


def code_spans(text):
    """The inline code of a markdown text, outside math, with line breaks read as spaces."""
    spans = CODE.findall(MATH.sub("", FENCE.sub("", text)))
    return {re.sub(r"\s+", " ", span) for span in spans}


def prose_words(text):
    """The Latin words (4 letters or more) of a text's prose: math, code and link targets out."""
    text = LINK.sub("]", CODE.sub("", MATH.sub("", FENCE.sub("", text))))
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}


def mapped(target):
    for pattern, repl in LINK_MAP:
        target = pattern.sub(repl, target)
    return target


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_links_and_structure_are_kept(path):
    problems = []
    for cell_id, en, zh in pairs(path):
        if sorted(mapped(t) for t in LINK.findall(en)) != sorted(LINK.findall(zh)):
            problems.append(f"{cell_id}: link targets differ")
        levels = [re.match(r"#+", line).group() for line in en.splitlines() if line.startswith("#")]
        if levels != [re.match(r"#+", line).group() for line in zh.splitlines()
                      if line.startswith("#")]:
            problems.append(f"{cell_id}: headings differ")
        for word, translated in FIXED.items():
            if en.count(word) != zh.count(translated):
                problems.append(f"{cell_id}: {word!r} should be {translated!r}")
    assert not problems, problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_prose_is_chinese_and_the_title_is_the_glossarys(path):
    untranslated = []
    for cell_id, en, zh in pairs(path):  # no Chinese, or most of the English words still there
        words = prose_words(en)
        if not CJK.search(zh) or (len(words) >= 5 and len(words & prose_words(zh)) > 0.6 * len(words)):
            untranslated.append(cell_id)
    assert not untranslated, f"no Chinese in {untranslated}"
    titles = {row[0]: row[2] for row in glossary_rows("各 notebook 的中文标题")}
    first = chinese(path).cells[0].source.splitlines()[0]
    assert first == f"# {path.name[:2]} · {titles[path.name[:2]]}"
    summary = chinese(path).metadata["svd_course"]["summary"]
    assert CJK.search(summary) and "\n" not in summary and "|" not in summary


# ---------------------------------------------------------------------------------------------
# Terminology
# ---------------------------------------------------------------------------------------------

def test_glossary_terms_are_used_and_competing_forms_are_not():
    rows = glossary_rows("术语")
    assert len(rows) >= 20
    # The reference page's headings are the anchors both editions link to ("#hu-et-al-2021"):
    # they stay as the English ones write them.
    texts = [(name, "\n".join(line for line in text.splitlines() if not line.startswith("### "))
              if name == "docs/zh-CN/references.md" else text) for name, text in chinese_texts()]
    assert len(texts) >= len(NOTEBOOKS) + 3
    banned = [(form.strip(), row[1]) for row in rows for form in re.split(r"、", row[2])
              if form.strip()]
    found = [f"{name}: {form} (use {use})" for name, text in texts for form, use in banned
             if form in text]
    patterns = [row[0].strip("`") for row in glossary_rows("不用的形式（正则）")]
    assert patterns, "the glossary's table of banned patterns is empty"
    found += [f"{name}: /{pattern}/ at {m.start()}: {text[max(0, m.start() - 8):m.end() + 8]!r}"
              for pattern in patterns for name, text in texts
              for m in re.finditer(pattern, prose_only(text))]
    assert not found, found
    everything = "\n".join(text for _, text in texts)
    for term in ("奇异值分解", "奇异值", "左奇异向量", "低秩近似", "谱范数", "幂迭代", "条件数",
                 "伪逆", "主成分分析", "随机化 SVD"):
        assert term in everything, term


def prose_only(text):
    """A translation without its math, code and link targets (the terms rule the prose only)."""
    return LINK.sub("]", CODE.sub("", MATH.sub("", FENCE.sub("", text))))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_a_chinese_caption(path):
    """Figures keep the English edition's titles and labels (shared outputs): in the Chinese
    notebook, the text cell right after a figure (or right before it) carries a caption line that
    starts with "图：", saying what the figure shows."""
    cells = chinese(path).cells
    missing = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not any("image/png" in o.get("data", {})
                                               for o in cell.get("outputs", [])):
            continue
        near = [cells[j] for j in (i + 1, i - 1) if 0 <= j < len(cells)
                and cells[j].cell_type == "markdown"]
        if not any(re.search(r"^\s*(?:[-*]\s*)?\**图：", c.source, re.MULTILINE) for c in near):
            missing.append(cell.id)
    assert not missing, f"figures without a Chinese caption (图：...) beside them: {missing}"


def test_chinese_pages_list_every_notebook_with_its_time():
    teaching = (ROOT / "docs" / "zh-CN" / "teaching.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        minutes = json.loads(path.read_text())["metadata"]["svd_course"]["minutes"]
        row = re.compile(rf"\]\((?:\.\./\.\./)?notebooks-zh-CN/{path.name}\).*\b{minutes} 分钟")
        assert row.search(teaching), f"teaching guide: {path.name}, {minutes} 分钟"
        assert row.search(readme), f"README.zh-CN.md: {path.name}, {minutes} 分钟"
    assert "README.zh-CN.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The script's own logic, on a scratch notebook
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(translations, "TRANSLATIONS", tmp_path / "tr")
    monkeypatch.setattr(translations, "OUTPUT", tmp_path / "out")
    nb = nbformat.v4.new_notebook(metadata={"svd_course": {"summary": "One line.", "minutes": 5}})
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Title", id="m1"),
                nbformat.v4.new_code_cell("1 + 1", id="c1"),
                nbformat.v4.new_markdown_cell("Some prose.", id="m2")]
    path = tmp_path / "99_scratch.ipynb"
    nbformat.write(nb, path)
    return path


def translate_all(path):
    text = translations.translation_path(path).read_text(encoding="utf-8")
    text = text.replace(" todo -->", " -->").replace("One line.", "一行。")
    text = text.replace("# 99 · Title", "# 99 · 标题").replace("Some prose.", "一些文字。")
    translations.translation_path(path).write_text(text, encoding="utf-8")


def test_update_marks_missing_cells_and_check_reports_them(scratch):
    report, _ = translations.check_one(scratch)
    assert report.missing == ["summary", "m1", "m2"] and not report.ok()
    assert translations.update(scratch) == 3
    report, _ = translations.check_one(scratch)
    assert report.todo == ["summary", "m1", "m2"] and not report.missing
    translate_all(scratch)
    report, _ = translations.check_one(scratch)
    assert report.ok(), report.lines()
    zh = translations.generate(scratch)
    assert [c.source for c in zh.cells] == ["# 99 · 标题", "1 + 1", "一些文字。"]


def test_a_changed_english_cell_makes_its_translation_stale(scratch):
    translations.update(scratch)
    translate_all(scratch)
    nb = nbformat.read(scratch, as_version=4)
    nb.cells[2].source = "Some better prose."
    nbformat.write(nb, scratch)
    report, _ = translations.check_one(scratch)
    assert report.stale == ["m2"]
    with pytest.raises(ValueError, match="stale"):
        translations.generate(scratch)
    assert translations.update(scratch) == 1
    text = translations.translation_path(scratch).read_text(encoding="utf-8")
    assert "<!-- English:\nSome better prose.\n-->\n一些文字。" in text  # the old one kept
    report, _ = translations.check_one(scratch)
    assert report.todo == ["m2"]


def test_orphans_duplicates_and_leftover_comments_are_reported(scratch):
    translations.update(scratch)
    translate_all(scratch)
    path = translations.translation_path(scratch)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n<!-- cell gone en:0123456789abcdef -->\n旧的。\n", encoding="utf-8")
    assert translations.check_one(scratch)[0].orphans == ["gone"]
    path.write_text(text.replace("一些文字。", "<!-- English:\nx\n-->\n一些文字。"), encoding="utf-8")
    assert "comment" in translations.check_one(scratch)[0].lines()[0]
    path.write_text("stray text\n" + text, encoding="utf-8")
    assert "before the first" in translations.check_one(scratch)[0].lines()[0]


def test_check_mode_fails_on_a_hand_edited_chinese_notebook(scratch, monkeypatch):
    translations.update(scratch)
    translate_all(scratch)
    assert translations.main([str(scratch)]) == 0
    out = translations.output_path(scratch)
    assert translations.main(["--check", str(scratch)]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("一些文字。", "改过。"), encoding="utf-8")
    assert translations.main(["--check", str(scratch)]) == 1


@pytest.mark.parametrize("args, folder", [
    ([], "notebooks"),
    (["EDITION=zh-CN"], "notebooks-zh-CN"),
    (["LANG=zh-CN"], "notebooks-zh-CN"),
])
def test_make_lab_opens_the_editions_first_notebook(args, folder):
    """The Chinese classroom has its own way in: `make lab EDITION=zh-CN` opens the Chinese 01."""
    proc = subprocess.run(["make", "-n", "lab", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f"--LabApp.default_url=/lab/tree/{folder}/01_svd_basics.ipynb" in proc.stdout
