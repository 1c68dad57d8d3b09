"""Every figure builds at the tiny scale: its four files, its data's columns, its caption's command."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

import popdyn.figures
from popdyn.figures.output import write_figure
from tests.helpers import run_main

#: Per figure, columns that must hold a finite number in every row (the rest may be nan by design,
#: e.g. an interval that exists for one series only).
FINITE = {
    "fig4": ["T", "n", "ln_gamma", "density", "eq27_density", "ln_gamma_hat", "ln_gamma_hat_lo", "ln_gamma_hat_hi"],
    "fig2b": ["T", "gamma", "P", "mean_gamma"],
    "fig5": ["eta", "T", "typical_gamma", "mean_gamma", "drude"],
    "growth": ["T", "n", "v_fit", "v_stderr", "v_exact"],
    "phase": ["lam", "T"],
    "spectrum": ["beta", "ln_m", "v", "beta_star", "v_star"],
    "convergence": ["N", "x", "v_N", "stderr", "v_exact", "v_bd_refined", "extrapolated_v_inf"],
    "offsets": ["lam"],
    "mobility-edge": ["W", "E_c", "low", "high", "band_edge"],
}


def test_every_figure_is_tested():
    assert set(FINITE) == set(popdyn.figures.FIGURES)


@pytest.mark.parametrize("name", sorted(FINITE))
def test_figure_writes_its_four_files(name, tmp_path):
    command = f"popdyn figures {name} --out {tmp_path} --scale tiny --seed 3"
    paths = write_figure(popdyn.figures.FIGURES[name], tmp_path, scale="tiny", seed=3, command=command)
    assert [p.name for p in paths] == [f"{name}.{s}" for s in ("png", "pdf", "parquet", "md")]
    assert all(p.stat().st_size > 0 for p in paths)
    assert paths[0].read_bytes().startswith(b"\x89PNG") and paths[1].read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temporary left
    table = pq.read_table(paths[2])
    frame = table.to_pandas()
    assert len(frame) > 0 and "series" in frame.columns
    for column in FINITE[name]:
        assert np.isfinite(frame[column].to_numpy(dtype=float)).all(), column
    record = json.loads(table.schema.metadata[b"popdyn"])
    assert record["figure"] == name and record["seed"] == 3 and record["provenance"]["popdyn"]
    caption = paths[3].read_text()
    assert command in caption and caption.startswith(f"# {name}")


def test_png_resolution_is_150_dpi(tmp_path):
    from PIL import Image

    (png, *_) = write_figure(popdyn.figures.FIGURES["spectrum"], tmp_path, scale="tiny")
    assert round(Image.open(png).info["dpi"][0]) == 150


def test_a_figure_draws_onto_a_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    data = popdyn.figures.FIGURES["spectrum"].compute(scale="tiny")
    with popdyn.figures.style():
        assert popdyn.figures.FIGURES["spectrum"].draw(data, ax=ax) is fig
    assert ax.lines


def test_importing_figures_switches_no_backend():
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('pdf'); import popdyn.figures, popdyn.figures.output; "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "pdf"


def test_cli_writes_the_named_figures(tmp_path, capsys):
    code, stdout, stderr = run_main(capsys, "figures", "spectrum", "phase", "--out", str(tmp_path / "f"),
                                    "--scale", "tiny")
    assert code == 0, stderr
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == sorted(
        f"{n}.{s}" for n in ("spectrum", "phase") for s in ("png", "pdf", "parquet", "md"))
    assert "2 figure(s)" in stdout


def test_the_command_line_names_every_figure():
    from popdyn.cli.figures import NAMES

    assert list(NAMES) == list(popdyn.figures.FIGURES)


def test_a_signal_stops_the_figures_with_nothing_half_written(tmp_path):
    """A real SIGINT while fig5 computes its populations: exit 130, one line that says how to rerun, and the
    --out folder the command created is gone again (no figure was complete)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "new" / "figs"
    proc = subprocess.Popen([sys.executable, "-m", "popdyn", "figures", "fig5", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline:  # --out is created once the input is checked
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("popdyn: SIGINT: stopped; 0 of 1 figure(s)") and "popdyn figures fig5" in last
    assert not (tmp_path / "new").exists()
