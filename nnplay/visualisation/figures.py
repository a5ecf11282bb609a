"""Whole figures for slides: the leaky ReLU, inside the network, by scale.

Each function returns a matplotlib Figure (Agg canvas, outside pyplot) that
``figure.savefig(path)`` writes. Functions that take a network set the Scale
of all its leaky ReLU layers while they compute, and put the scales back
before they return; the network runs in inference mode only.
"""

import contextlib

import numpy

from ..backend import to_numpy
from ..layers import LeakyReLULayer
from .arrays import ACTIVATION_RANGE, activation_curves, tile_channels
from .panels import DigitPanel, FeatureMapPanel, format_scale
from .style import (
    FONT_SIZE,
    OKABE_ITO,
    REFERENCE_COLOUR,
    SERIES_COLOURS,
    TITLE_SIZE,
    new_figure,
    style_axes,
)


def leaky_layers(net):
    """The leaky ReLU layers of a network, in order."""
    return [layer for layer in net.Layers if isinstance(layer, LeakyReLULayer)]


@contextlib.contextmanager
def scales_set(net, scale):
    """Within the block, every leaky ReLU layer of ``net`` has ``scale``."""
    layers = leaky_layers(net)
    saved = [layer.Scale for layer in layers]
    try:
        for layer in layers:
            layer.Scale = scale
        yield net
    finally:
        for layer, value in zip(layers, saved):
            layer.Scale = value


def activation_figure(scales=(0.0, 0.01, 0.1, 0.3, 1.0)):
    """The leaky ReLU and its derivative for several scales, side by side.

    Examples
    --------
    >>> from nnplay.visualisation.figures import activation_figure
    >>> len(activation_figure().axes)
    2
    """
    figure = new_figure(11, 4.6)
    function_axes, derivative_axes = figure.subplots(1, 2)
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.85, wspace=0.25)
    low, high = ACTIVATION_RANGE

    for colour, scale in zip(SERIES_COLOURS, scales):
        curves = activation_curves(scale)
        label = f"scale {format_scale(scale)}"
        function_axes.plot(curves["x"], curves["f"], color=colour, lw=2.5, label=label)
        derivative_axes.plot(
            curves["x_derivative"], curves["derivative"], color=colour, lw=2.5
        )
        derivative_axes.plot(
            [0], [scale], marker="o", mfc="white", mec=colour, mew=2, ms=8
        )
    derivative_axes.plot([0], [1], marker="o", color="black", ms=8, ls="none")
    derivative_axes.annotate(
        "f'(0) = 1",
        (0, 1),
        xytext=(12, 10),
        textcoords="offset points",
        fontsize=FONT_SIZE,
    )

    for axes in (function_axes, derivative_axes):
        axes.axhline(0, color="#cccccc", lw=1, zorder=0)
        axes.axvline(0, color="#cccccc", lw=1, zorder=0)
        axes.set_xlim(low, high)
    function_axes.set_ylim(-3, 3)
    derivative_axes.set_ylim(-0.25, 1.35)
    style_axes(function_axes, "Leaky ReLU f(x)", "x", "f(x)")
    style_axes(derivative_axes, "Its derivative f'(x)", "x", "f'(x)")
    function_axes.legend(fontsize=FONT_SIZE, frameon=False, loc="upper left")
    figure.suptitle(
        "f(x) = x for x \u2265 0, scale \u00b7 x for x < 0", fontsize=TITLE_SIZE + 2
    )
    return figure


def feature_maps_figure(net, image, layer, scales=(0.0, 0.01, 0.3, 1.0), limit=None):
    """One digit's feature maps entering and leaving a leaky ReLU, by scale.

    One row per scale: the maps entering ``layer`` (the previous layer's
    output) and leaving it, in ``RdBu_r`` with the same limits throughout.

    Parameters
    ----------
    net : SeriesNetwork
    image : array (28, 28, 1)
    layer : str
        The leaky ReLU layer's name.
    scales : sequence of float
    limit : float, optional
        Colour limit; default the largest absolute value entering the layer.
    """
    names = net.Layers.names
    before_name = names[names.index(layer) - 1]
    rows = []
    for scale in scales:
        with scales_set(net, scale):
            before, after = net.activations(image, [before_name, layer])
        rows.append((tile_channels(before), tile_channels(after)))
    if limit is None:
        limit = max(float(numpy.nanmax(numpy.abs(before))) for before, _ in rows)

    # Size the figure so each row is as tall as its tiles: 3.4 inches wide
    # panels, 0.45 inch for titles and gaps, 0.8 inch for the heading.
    height, width = rows[0][0].shape
    panel_width, gap, heading = 3.4, 0.45, 0.8
    row_height = panel_width * height / width + gap
    figure = new_figure(2 * panel_width + 2.2, row_height * len(scales) + heading)
    figure_height = figure.get_figheight()
    grid = figure.add_gridspec(
        len(scales),
        3,
        width_ratios=(1, 1, 0.05),
        left=1.3 / figure.get_figwidth(),
        right=1 - 0.7 / figure.get_figwidth(),
        top=1 - heading / figure_height,
        bottom=0.1 / figure_height,
        hspace=gap / (row_height - gap),
        wspace=0.06,
    )
    for row, (scale, (before, after)) in enumerate(zip(scales, rows)):
        left = FeatureMapPanel(figure.add_subplot(grid[row, 0]), limit)
        right = FeatureMapPanel(figure.add_subplot(grid[row, 1]), limit)
        left.update(before, f"entering {layer}" if row == 0 else "")
        right.update(after, f"leaving {layer}" if row == 0 else "")
        left.image.axes.set_ylabel(
            f"scale\n{format_scale(scale)}",
            fontsize=TITLE_SIZE,
            rotation=0,
            ha="right",
            va="center",
        )
    colourbar = figure.colorbar(right.image, cax=figure.add_subplot(grid[:, 2]))
    colourbar.ax.tick_params(labelsize=FONT_SIZE)
    figure.suptitle(
        f"Feature maps around {layer} (all leaky ReLU layers at the scale shown)",
        fontsize=TITLE_SIZE,
    )
    return figure


def probabilities_figure(net, image, label, images=None, labels=None, points=21):
    """Class probabilities of one digit, and accuracy, as the scale goes 0 to 1.

    Left: the probability of each class for ``image`` (its true class
    highlighted). Right, when ``images`` are given: the share of ``images``
    classified right.
    """
    scales = numpy.linspace(0, 1, points)
    probabilities, accuracies = [], []
    for scale in scales:
        with scales_set(net, float(scale)):
            probabilities.append(to_numpy(net.predict(image))[0])  # syncs a GPU
            if images is not None:
                predicted, _ = net.classify(images)
                accuracies.append(100 * numpy.mean(to_numpy(predicted) == labels))
    probabilities = numpy.array(probabilities)
    classes = [str(c) for c in numpy.asarray(net.Classes).ravel()]

    columns = 3 if images is not None else 2
    figure = new_figure(4.2 * columns + 1, 4.4)
    axes = figure.subplots(
        1, columns, gridspec_kw={"width_ratios": (0.6, 1.4, 1.4)[:columns]}
    )
    figure.subplots_adjust(left=0.03, right=0.98, bottom=0.16, top=0.84, wspace=0.35)

    digit = DigitPanel(axes[0], f"label {label}")
    digit.update(image)
    for position, name in enumerate(classes):
        # The true class in blue; a class that wins somewhere in vermillion.
        is_true = name == str(label)
        rival = not is_true and probabilities[:, position].max() > 0.5
        colour = REFERENCE_COLOUR
        text = None
        if is_true:
            colour, text = OKABE_ITO["blue"], f"class {name} (true)"
        elif rival:
            colour, text = OKABE_ITO["vermillion"], f"class {name}"
        axes[1].plot(
            scales,
            probabilities[:, position],
            color=colour,
            lw=3 if is_true or rival else 1.2,
            label=text,
            zorder=3 if is_true or rival else 2,
        )
    axes[1].set_ylim(-0.02, 1.02)
    style_axes(axes[1], "Class probabilities", "scale", "probability")
    axes[1].legend(fontsize=FONT_SIZE, frameon=False)
    if images is not None:
        axes[2].plot(
            scales, accuracies, color=OKABE_ITO["vermillion"], lw=3, marker="o"
        )
        style_axes(
            axes[2], f"Accuracy on {len(images)} validation digits", "scale", "% right"
        )
    figure.suptitle(
        "The trained network, with every leaky ReLU set to the scale on the x axis",
        fontsize=TITLE_SIZE,
    )
    return figure


__all__ = [
    "activation_figure",
    "feature_maps_figure",
    "leaky_layers",
    "probabilities_figure",
    "scales_set",
]
