"""Colours, font sizes and figures shared by every nnplay picture.

Colours come from the Okabe-Ito palette, which stays distinguishable for the
common forms of colour blindness; feature maps use the diverging ``RdBu_r``
map centred at 0 (blue below zero, red above). Fonts are large enough to read
on a projector.
"""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

#: The Okabe-Ito palette, by colour name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The palette in its usual order, for series that need distinct colours.
SERIES_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
)

#: Colour of the leaky ReLU and of values at or above zero.
POSITIVE_COLOUR = OKABE_ITO["blue"]
#: Colour of negative values and of the derivative.
NEGATIVE_COLOUR = OKABE_ITO["vermillion"]
#: Colour of faint references (plain ReLU) and of ordinary bars.
REFERENCE_COLOUR = "#999999"
#: Diverging colour map for signed activations, centred at 0.
DIVERGING_CMAP = "RdBu_r"

#: Font sizes in points: tick labels and text, axis labels, titles.
FONT_SIZE = 12
LABEL_SIZE = 13
TITLE_SIZE = 14


def new_figure(width, height, dpi=100):
    """Return a matplotlib Figure with an Agg canvas, outside pyplot.

    The figure is not registered with pyplot, so it never shows up in
    ``plt.get_fignums()`` and is freed like any Python object. Save it with
    ``figure.savefig(path)``.

    Parameters
    ----------
    width, height : float
        Size in inches.
    dpi : float, default 100
        Dots per inch.

    Examples
    --------
    >>> from nnplay.visualisation import new_figure
    >>> new_figure(4, 3).get_size_inches().tolist()
    [4.0, 3.0]
    """
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def style_axes(axes, title=None, xlabel=None, ylabel=None, ylabel_pad=42):
    """Give ``axes`` nnplay's look: large labels, no top and right spines.

    Titles and axis labels get fixed positions (``ylabel_pad`` points left of
    the axes for the y label), so matplotlib need not measure the tick labels
    on every draw: that measuring is most of the cost of redrawing a figure.
    """
    figure = axes.figure
    axes.tick_params(labelsize=FONT_SIZE)
    axes.spines[["top", "right"]].set_visible(False)
    if title is not None:
        axes.set_title(title, fontsize=TITLE_SIZE, y=1.02)
    if xlabel is not None:
        axes.set_xlabel(xlabel, fontsize=LABEL_SIZE)
        axes.xaxis.set_label_coords(0.5, 0, axes.transAxes + _offset(figure, 0, -22))
    if ylabel is not None:
        axes.set_ylabel(ylabel, fontsize=LABEL_SIZE)
        axes.yaxis.set_label_coords(
            0, 0.5, axes.transAxes + _offset(figure, -ylabel_pad, 0)
        )
    return axes


def _offset(figure, x_points, y_points):
    """A translation by a number of points, for label positions."""
    return ScaledTranslation(x_points / 72, y_points / 72, figure.dpi_scale_trans)


def image_axes(axes, title=None):
    """Prepare ``axes`` for an image: no ticks or frame, a title."""
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    if title is not None:
        axes.set_title(title, fontsize=TITLE_SIZE, y=1.02)
    return axes
