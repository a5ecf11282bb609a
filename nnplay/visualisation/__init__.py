"""Static drawing helpers shared by the widgets and the demo.

* :mod:`~nnplay.visualisation.style`: the colour-blind-safe palette, font
  sizes, and :func:`new_figure` (a figure outside pyplot);
* :mod:`~nnplay.visualisation.arrays`: the numbers behind the pictures
  (:func:`activation_curves`, :func:`tile_channels`, ...), always numpy;
* :mod:`~nnplay.visualisation.panels`: plots drawn once and updated in place.

Examples
--------
>>> from nnplay.visualisation import ActivationPanel, new_figure
>>> figure = new_figure(8, 3.5)
>>> panel = ActivationPanel(*figure.subplots(1, 2), scale=0.3)
>>> panel.update(0.0)
"""

from .arrays import (
    activation_curves,
    grid_shape,
    negative_summary,
    root_mean_square,
    tile_channels,
    zero_share,
)
from .panels import (
    ActivationPanel,
    DigitPanel,
    FeatureMapPanel,
    GradientPanel,
    HistogramPanel,
    ProbabilityPanel,
    SweepPanel,
    format_scale,
)
from .style import (
    DIVERGING_CMAP,
    FONT_SIZE,
    OKABE_ITO,
    new_figure,
    style_axes,
)

__all__ = [
    "DIVERGING_CMAP",
    "FONT_SIZE",
    "OKABE_ITO",
    "ActivationPanel",
    "DigitPanel",
    "FeatureMapPanel",
    "GradientPanel",
    "HistogramPanel",
    "ProbabilityPanel",
    "SweepPanel",
    "activation_curves",
    "format_scale",
    "grid_shape",
    "negative_summary",
    "new_figure",
    "root_mean_square",
    "style_axes",
    "tile_channels",
    "zero_share",
]
