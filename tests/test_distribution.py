"""The distribution (issue 20): ``python -m build`` makes a wheel and an sdist of ``popdyn-mbl`` that
install one package, ``popdyn`` (analysis/ and figures/ as ``popdyn.analysis`` and ``popdyn.figures``);
the wheel installs into a fresh virtual environment and runs there.

The build runs without isolation (``build`` and ``setuptools`` are in the dev extra) on a copy of the
sources, so that nothing is downloaded and nothing is written into the checkout. The fresh environment
borrows the dependencies of this one through a ``.pth`` file: a folder named in a ``.pth`` file is put
on ``sys.path`` but its own ``.pth`` files are not read, so the editable popdyn of this environment
does not leak in, and the popdyn imported there is the wheel's.
"""

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import popdyn
from popdyn._version import DISTRIBUTION

ROOT = Path(__file__).resolve().parents[1]
#: Where each folder of the checkout is installed.
INSTALLED_AS = {"popdyn": "popdyn", "analysis": "popdyn/analysis", "figures": "popdyn/figures"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The wheel and the sdist built from a copy of the checkout: (wheel, sdist)."""
    pytest.importorskip("build")
    tmp = tmp_path_factory.mktemp("dist")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.nbi", "*.nbc")
    for folder in ("popdyn", "analysis", "figures", "tests"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp / "out"), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = (tmp / "out").glob("*.whl")
    (sdist,) = (tmp / "out").glob("*.tar.gz")
    return wheel, sdist


def test_the_wheel_installs_one_package(dist):
    wheel, _ = dist
    assert wheel.name == f"{DISTRIBUTION.replace('-', '_')}-{popdyn.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        info = f"{DISTRIBUTION.replace('-', '_')}-{popdyn.__version__}.dist-info"
        metadata = email.message_from_bytes(zf.read(f"{info}/METADATA"))
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert {n.split("/")[0] for n in names} == {"popdyn", info}  # no analysis/, figures/ or tests/
    assert metadata["Name"] == DISTRIBUTION and metadata["Version"] == popdyn.__version__
    assert "popdyn = popdyn.__main__:main" in entry_points
    # every module and template of the checkout, where it belongs (a new subpackage missing from
    # pyproject.toml's list shows here)
    expected = {f"{INSTALLED_AS[folder]}/{p.relative_to(ROOT / folder).as_posix()}"
                for folder in INSTALLED_AS
                for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".j2") and "__pycache__" not in p.parts}
    assert "popdyn/analysis/growth.py" in expected and "popdyn/figures/templates/report.html.j2" in expected
    assert expected <= set(names), sorted(expected - set(names))


def test_the_sdist_holds_the_sources(dist):
    _, sdist = dist
    top = f"{DISTRIBUTION.replace('-', '_')}-{popdyn.__version__}"
    with tarfile.open(sdist) as tf:
        names = set(tf.getnames())
    for name in ("pyproject.toml", "README.md", "PKG-INFO", "popdyn/__init__.py", "analysis/growth.py",
                 "figures/__init__.py", "figures/templates/report.html.j2"):
        assert f"{top}/{name}" in names, name


def test_the_wheel_runs_in_a_fresh_environment(dist, tmp_path):
    """Installed from the wheel alone: ``popdyn --version``, a tiny run, the subpackages, nothing generic."""
    wheel, _ = dist
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies of this environment, after the fresh one's own site-packages
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", "--disable-pip-version-check", str(wheel)], check=True, timeout=300)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    work = tmp_path / "work"  # outside any git checkout, and no analysis/ or figures/ in the current folder
    work.mkdir()

    def run(*argv):
        done = subprocess.run([str(a) for a in argv], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    code = ("import importlib.util, popdyn, popdyn.analysis.growth, popdyn.figures; "
            "print(popdyn.__file__); print(popdyn.analysis.__file__); print(popdyn.figures.__file__); "
            "print([n for n in ('analysis', 'figures', 'tests') if importlib.util.find_spec(n)])")
    *files, generic = run(python, "-c", code).splitlines()
    for f in files:
        assert Path(f).resolve().is_relative_to(site.resolve()), f
    assert generic == "[]"

    popdyn_command = venv / ("Scripts/popdyn.exe" if os.name == "nt" else "bin/popdyn")
    assert run(popdyn_command, "--version") == f"popdyn {popdyn.__version__}\n"  # no commit: not a checkout
    out = run(popdyn_command, "run", "--lam", "0.01", "--T", "3", "--size", "200", "--generations", "3",
              "--no-progress", "--out", work / "X")
    assert out and (work / "X" / "config.json").is_file()
