"""The rendered fitting report: report.html is an HTML page (no Markdown left in it), and so is the
combined report that `popdyn fit` writes for several seeds of one point."""

import ast
import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import popdyn
from popdyn.analysis.report import combined_growth, fit_run
from popdyn.figures.report import COMBINED_FILES, REPORT_FILES, to_html, write_report
from popdyn.cli import main

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"


class Page(HTMLParser):
    """What a reader sees of a page: its tags, the tables' classes, the images and the text nodes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.table_classes, self.images, self.links, self.texts = {}, [], [], [], []
        self._hidden = 0  # inside <style> or <script>: not shown as text
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "table":
            self.table_classes.append(attrs.get("class") or "")
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "a":
            self.links.append(attrs.get("href"))
        elif tag in ("style", "script"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def assert_rendered(page):
    """A rendered report: headings, tables, inline PNGs, and no Markdown syntax in the text."""
    assert page.tags.get("h1") == 1 and page.tags.get("h2", 0) >= 3
    assert page.tags.get("table", 0) >= 2
    assert page.images
    for img in page.images:
        assert img.get("alt")
        src = img["src"]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1], validate=True).startswith(b"\x89PNG")
    for text in page.texts:
        assert "```" not in text and "![" not in text
        assert not any(line.lstrip().startswith("#") for line in text.splitlines()), text


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Two small seeds of one point, with snapshots (as in tests/analysis/test_report.py)."""
    base = tmp_path_factory.mktemp("report")
    model = popdyn.BAATree(lam=0.01, T=3.3)
    return [popdyn.run(model, size=2000, generations=12, seed=s, out=base / f"s{s}", snapshots=(1, 2, 12),
                       progress=False) for s in (1, 2)]


@pytest.fixture(scope="module")
def fits(seeds):
    return [fit_run(r, n_bootstrap=9, tail_bootstrap=5) for r in seeds]


def test_report_html_is_a_rendered_page(fits):
    md, html = write_report(fits[0], combined_growth(fits))
    page = Page(html.read_text(encoding="utf-8"))
    assert_rendered(page)
    assert "simpletable" in page.table_classes  # statsmodels' own summary table
    assert len(page.images) == 2  # growth and Levy
    headings = " ".join(page.texts)
    assert "Growth and Λ" in headings and "combined, 2 seeds" in headings
    # the Markdown and the PNG files stay beside the page, for a terminal or GitHub
    assert "![growth](report_growth.png)" in md.read_text()
    for name in REPORT_FILES:
        assert (md.parent / name).is_file()
    assert (md.parent / "report_growth.png").read_bytes().startswith(b"\x89PNG")


def test_report_html_escapes_what_it_is_given(fits):
    fit = fits[0]
    fit.notes.append("<script>alert(1)</script> & co")
    try:
        text = to_html(fit)
    finally:
        fit.notes.pop()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert not re.search(r'src="(?!data:)', text)  # self-contained: nothing loaded from elsewhere


def test_fit_of_two_seeds_writes_a_combined_report(seeds, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", *(str(r.path) for r in seeds), "--bootstrap", "9", "--tail-bootstrap", "5"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    first = Path(seeds[0].path)
    md, html = first / "report_combined.md", first / "report_combined.html"
    assert f"combined report: {md}  {html}" in out
    for name in COMBINED_FILES:
        assert (first / name).is_file()
    assert not (Path(seeds[1].path) / "report_combined.html").exists()  # one combined report per point
    page = Page(html.read_text(encoding="utf-8"))
    assert_rendered(page)
    text = " ".join(page.texts)
    assert "seed 1" in text and "seed 2" in text and "combined, 2 seeds" in text
    assert "../s2/report.html" in page.links  # each seed's own report, relative to the page
    assert "![growth of every seed](report_combined_growth.png)" in md.read_text()


def test_fit_refuses_a_combined_report_path_taken_by_a_directory(seeds, capsys):
    taken = Path(seeds[0].path) / "report_combined.html"
    if taken.is_file():
        taken.unlink()
    taken.mkdir()
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["fit", *(str(r.path) for r in seeds), "--bootstrap", "9", "--tail-bootstrap", "5"])
    finally:
        taken.rmdir()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "report_combined.html" in err and "is a directory" in err


def test_analysis_draws_nothing():
    """analysis/ returns numbers: no module of it imports matplotlib, seaborn or figures."""
    for source in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("matplotlib", "seaborn", "figures"), f"{source.name} imports {name}"
                assert not name.startswith("popdyn.figures"), f"{source.name} imports {name}"
