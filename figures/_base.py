"""What every figure module returns: the plotted numbers, their parameters and a caption."""

from dataclasses import dataclass, field

import pandas as pd

#: Figure scales: ``tiny`` seconds (tests, smoke checks: the numbers are noise), ``quick`` about two
#: minutes or less per figure on 2 cores, ``paper`` larger populations.
SCALES = ("tiny", "quick", "paper")


@dataclass
class FigureData:
    """The data of one figure.

    Attributes
    ----------
    name : str
        The figure's CLI name (``fig4``, ``growth``, ...).
    frame : pandas.DataFrame
        Every plotted number, tidy: one row per point, a ``series`` column naming its curve.
    parameters : dict
        What the numbers were computed with (model parameters, N, seeds, generations, scale).
    caption : str
        What the figure shows, in a paragraph.
    extra : dict
        Numbers the drawing needs beside the frame (fitted values for a legend, reference lines).
    """

    name: str
    frame: pd.DataFrame
    parameters: dict
    caption: str
    extra: dict = field(default_factory=dict)
