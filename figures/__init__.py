"""The figures of popdyn: one module per figure, drawn from the public APIs of ``popdyn`` and ``popdyn.analysis``.

Every figure module has a ``NAME``, ``compute(scale="quick", seed=1) -> FigureData`` (the numbers,
their parameters and a caption: nothing the library does not compute) and ``draw(data, ax=None)
-> matplotlib.figure.Figure`` (onto a given axes, or a new figure). Drawing happens inside
``style()``, the one seaborn theme; nothing here switches a backend or touches pyplot's state.
``write_figure`` (``popdyn.figures.output``) writes a figure's PNG, PDF, data and caption.

>>> sorted(FIGURES)
['convergence', 'fig2b', 'fig4', 'fig5', 'growth', 'mobility-edge', 'offsets', 'phase', 'spectrum']
"""

from . import convergence, fig2b, fig4, fig5, growth, mobility_edge, offsets, phase, spectrum
from ._base import SCALES, FigureData
from ._style import style

#: The figures of ``popdyn figures``, by CLI name, in the order ``all`` draws them.
FIGURES = {m.NAME: m for m in (fig4, fig2b, fig5, growth, phase, spectrum, convergence, offsets, mobility_edge)}

__all__ = ["FIGURES", "SCALES", "FigureData", "style"]
