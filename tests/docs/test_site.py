"""The site builds with warnings as errors, and every link inside it resolves (issue 20).

One quick build (the tutorial's notebooks not executed: ``nb_execution_mode=off``) into a
temporary folder serves every test; ``make docs`` is the full build, notebooks executed.
"""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-E",
         "-D", "nb_execution_mode=off", "-d", str(out / ".doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, timeout=300)
    return done, out / "html"


def test_the_site_builds_without_a_warning(site):
    done, html = site
    assert done.returncode == 0, done.stderr[-4000:]
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, done.stderr[-4000:]
    assert (html / "index.html").is_file()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append((tag, attrs[key]))


def _pages(html):
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def broken_links(html):
    """Every href and src of the pages under ``html`` that is relative and names no file, or no anchor in it.

    Returns (number of links checked, list of lines naming the page and the link).
    """
    broken, checked, parsed = [], 0, {}

    def parse(page):
        if page not in parsed:
            parser = _Links()
            parser.feed(page.read_text(encoding="utf-8"))
            parsed[page] = parser
        return parsed[page]

    for page in _pages(html):
        for tag, link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # external (http, mailto, data): not checked here (no network on the test machines)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(html)}: {link} (no file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in parse(target).ids:
                broken.append(f"{page.relative_to(html)}: {link} (no anchor)")
    return checked, broken


def test_the_link_check_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text('<a href="sub/a.html#here">a</a> <a href="sub/a.html#gone">b</a> '
                                         '<img src="missing.png"> <a href="https://example.org/x">x</a> '
                                         '<a href="#top">top</a><h1 id="top">t</h1>')
    (tmp_path / "sub" / "a.html").write_text('<p id="here">x</p><a href="../nowhere.html">n</a>')
    checked, broken = broken_links(tmp_path)
    assert checked == 5
    assert sorted(broken) == ["index.html: missing.png (no file)", "index.html: sub/a.html#gone (no anchor)",
                              "sub/a.html: ../nowhere.html (no file)"]


def test_every_internal_link_resolves(site):
    done, html = site
    assert done.returncode == 0, done.stderr[-4000:]
    checked, broken = broken_links(html)
    assert checked > 500
    assert not broken, "\n".join(broken[:40])


def test_the_site_has_its_parts(site):
    done, html = site
    for page in ["tutorial/baa-point.html", "tutorial/exact-and-bias.html", "tutorial/transition.html",
                 "tutorial/converged.html", "howto/sweeps.html", "howto/resume.html",
                 "howto/reproduce-figure.html", "howto/pandas.html", "howto/add-model.html",
                 "reference/cli.html", "reference/run-directory.html", "reference/exit-status.html",
                 "reference/json.html", "reference/api/popdyn.html", "reference/api/fits.html",
                 "reference/api/figures.html", "background/model.html", "transition.html",
                 "validation.html", "offsets.html", "gallery.html"]:
        assert (html / page).is_file(), page
    cli = (html / "reference/cli.html").read_text(encoding="utf-8")
    for command in ("run", "fit", "sweep", "spectrum", "transition", "finite-n", "metallic", "figures", "bench"):
        assert f'id="popdyn-{command}"' in cli, command
    text = " ".join(re.sub(r"<[^>]+>", "", cli).split())
    assert "popdyn bench --sizes 1e5,1e6,1e7 --c-reference" in text  # click's \\b paragraphs kept as lines
    assert "\u2013" not in text  # options stay --name (no smart quotes turning -- into an en dash)
    api = (html / "reference/api/popdyn.html").read_text(encoding="utf-8")
    assert 'id="popdyn.runs.run"' in api and 'id="popdyn.tilted.quadrature_growth"' in api


def test_the_gallery_shows_every_figure_with_its_command(site):
    done, html = site
    gallery = (html / "gallery.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", "", gallery).split())  # the commands are highlighted: spans inside
    names = sorted(p.stem for p in (DOCS / "figures").glob("*.png"))
    assert names
    for name in names:
        assert re.search(rf'<img [^>]*src="_images/{re.escape(name)}\.png"', gallery), name
        assert f"popdyn figures {name}" in text, name


def readme_links(text):
    """The relative targets of the Markdown links and images of ``text`` (no scheme, no bare anchor)."""
    targets = []
    for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        parts = urlsplit(target)
        if parts.scheme or target.startswith(("//", "#")):
            continue
        targets.append(unquote(parts.path))
    return targets


def test_the_readme_link_check_finds_a_missing_file():
    text = "[a](docs/index.md) ![b](docs/nowhere.png) [c](https://example.org) [d](#top) [e](CHANGELOG.md#x)"
    assert readme_links(text) == ["docs/index.md", "docs/nowhere.png", "CHANGELOG.md"]
    assert [t for t in readme_links(text) if not (ROOT / t).exists()] == ["docs/nowhere.png"]


def test_every_relative_link_of_the_readme_resolves():
    """The README is short and points into the site's Markdown sources: each of its links names a file here."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = readme_links(text)
    assert "docs/index.md" in targets and "docs/reference/json.md" in targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, missing
    assert len(text.splitlines()) < 200
