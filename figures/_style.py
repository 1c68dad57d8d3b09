"""One look for every figure: seaborn's theme as a context, and figures made without pyplot.

``style()`` applies the theme only inside a ``with`` block, so importing ``popdyn.figures`` changes no
global matplotlib state and switches no backend. ``new_axes`` builds a ``matplotlib.figure.Figure``
directly (no pyplot, no figure manager): it renders with Agg whatever backend the caller has,
and is freed with its last reference.
"""

import contextlib
import io

import seaborn as sns
from matplotlib.figure import Figure

#: Resolution of every PNG that popdyn writes.
DPI = 150


@contextlib.contextmanager
def style():
    """seaborn's ``whitegrid`` style, ``notebook`` context and ``colorblind`` palette, for the block."""
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook"), sns.color_palette("colorblind"):
        yield


def new_axes(ax=None, figsize=(7.5, 4.5), ncols=1):
    """``(figure, axes)``: the figure of a given ``ax``, or a new figure with ``ncols`` axes."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def png_bytes(fig, dpi=DPI):
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
