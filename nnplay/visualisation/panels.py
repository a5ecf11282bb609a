"""Plots that are drawn once and then updated in place.

Each panel creates its artists on axes it is given and has an ``update``
method that changes their data (``set_ydata``, ``set_data``, ``set_height``)
without creating new artists. The widgets redraw them on every slider move;
the demo draws them once per picture. Every array given to an ``update`` may
be numpy or CuPy: panels convert with :func:`nnplay.to_numpy`.

``panel.dynamic_artists`` lists the artists an ``update`` changes. A live
canvas may redraw only those over a cached background; a panel that changes
anything else (axis or colour limits) calls :func:`invalidate`.
"""

import matplotlib
import numpy

from ..backend import to_numpy
from .arrays import ACTIVATION_RANGE, activation_curves
from .style import (
    DIVERGING_CMAP,
    FONT_SIZE,
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    REFERENCE_COLOUR,
    SERIES_COLOURS,
    TITLE_SIZE,
    image_axes,
    style_axes,
)


def invalidate(axes):
    """Tell a live canvas that the static part of ``axes``' figure changed.

    Canvases that cache a background (the widgets' live canvas) redraw it on
    the next frame; other canvases need nothing.
    """
    hook = getattr(axes.figure.canvas, "invalidate_background", None)
    if hook is not None:
        hook()


def set_static_text(text, value):
    """Change a text that is part of the static background, if it differs."""
    if text.get_text() != value:
        text.set_text(value)
        invalidate(text.axes)


def format_scale(scale):
    """Format a scale for a title: ``0.01``, ``0``, ``-0.25``."""
    return f"{float(scale):.4g}"


def reference_line(axes, x, y):
    """Draw plain ReLU's curve as a faint dashed reference; return the line."""
    (line,) = axes.plot(
        x,
        y,
        color=REFERENCE_COLOUR,
        linestyle="--",
        linewidth=2,
        alpha=0.7,
        label="ReLU (scale 0)",
    )
    return line


class ActivationPanel:
    """The leaky ReLU and its derivative, with plain ReLU as a faint reference.

    Parameters
    ----------
    function_axes, derivative_axes : matplotlib Axes
        Where f(x) and f'(x) go.
    scale : float
        The first scale shown.

    Attributes
    ----------
    function_line, derivative_line : Line2D
        The curves of the current scale.
    left_limit_marker : Line2D
        An open circle at ``(0, scale)``: the value f' approaches from the left.
    zero_marker : Line2D
        A filled dot at ``(0, 1)``: f'(0) = 1, the ``x >= 0`` branch.

    Examples
    --------
    >>> from nnplay.visualisation import ActivationPanel, new_figure
    >>> figure = new_figure(8, 3.5)
    >>> panel = ActivationPanel(*figure.subplots(1, 2), scale=0.25)
    >>> float(panel.function_line.get_ydata()[0])
    -0.75
    """

    def __init__(self, function_axes, derivative_axes, scale=0.01):
        low, high = ACTIVATION_RANGE
        relu = activation_curves(0.0)
        curves = activation_curves(scale)

        for axes in (function_axes, derivative_axes):
            axes.axhline(0, color="#cccccc", linewidth=1, zorder=0)
            axes.axvline(0, color="#cccccc", linewidth=1, zorder=0)
            axes.set_xlim(low, high)
            axes.set_xticks(numpy.arange(low, high + 1))

        self.function_reference = reference_line(function_axes, relu["x"], relu["f"])
        (self.function_line,) = function_axes.plot(
            curves["x"], curves["f"], color=POSITIVE_COLOUR, linewidth=3, label="f(x)"
        )
        function_axes.set_ylim(-3, 3)
        function_axes.set_yticks([-3, -2, -1, 0, 1, 2, 3])
        style_axes(function_axes, xlabel="x", ylabel="f(x)")
        function_axes.legend(loc="upper left", fontsize=FONT_SIZE, frameon=False)

        self.derivative_reference = reference_line(
            derivative_axes, relu["x_derivative"], relu["derivative"]
        )
        (self.derivative_line,) = derivative_axes.plot(
            curves["x_derivative"],
            curves["derivative"],
            color=NEGATIVE_COLOUR,
            linewidth=3,
            label="f'(x)",
        )
        (self.left_limit_marker,) = derivative_axes.plot(
            [0.0],
            [float(scale)],
            marker="o",
            markersize=9,
            markerfacecolor="white",
            markeredgecolor=NEGATIVE_COLOUR,
            markeredgewidth=2,
            linestyle="none",
        )
        (self.zero_marker,) = derivative_axes.plot(
            [0.0],
            [1.0],
            marker="o",
            markersize=9,
            color=NEGATIVE_COLOUR,
            linestyle="none",
            label="f'(0) = 1",
        )
        derivative_axes.set_ylim(-0.75, 1.75)
        derivative_axes.set_yticks([-0.5, 0, 0.5, 1, 1.5])
        style_axes(derivative_axes, xlabel="x", ylabel="f'(x)")
        derivative_axes.legend(loc="upper left", fontsize=FONT_SIZE, frameon=False)

        self.function_title = function_axes.set_title("", fontsize=TITLE_SIZE, y=1.02)
        self.derivative_title = derivative_axes.set_title(
            "", fontsize=TITLE_SIZE, y=1.02
        )
        self.dynamic_artists = [
            self.function_line,
            self.derivative_line,
            self.left_limit_marker,
            self.zero_marker,
            self.function_title,
            self.derivative_title,
        ]
        self.update(scale)

    def update(self, scale):
        """Show the curves for ``scale``."""
        curves = activation_curves(scale)

        self.function_line.set_ydata(curves["f"])
        self.derivative_line.set_ydata(curves["derivative"])
        self.left_limit_marker.set_ydata([float(scale)])
        self.function_title.set_text(f"Leaky ReLU, scale = {format_scale(scale)}")
        self.derivative_title.set_text(
            f"Slope: {format_scale(scale)} for x < 0, 1 for x \u2265 0"
        )


class DigitPanel:
    """A grey image as the network sees it: white digit on black."""

    def __init__(self, axes, title="Input"):
        self.image = axes.imshow(
            numpy.zeros((28, 28), numpy.float32),
            cmap="gray",
            vmin=0,
            vmax=255,
            interpolation="nearest",
        )
        self.title = image_axes(axes, title).title
        self.dynamic_artists = [self.image]

    def update(self, image, title=None):
        """Show ``image`` (H x W, H x W x 1 or 1 x H x W x 1)."""
        image = to_numpy(image)  # copies from the GPU, waiting for it
        image = numpy.asarray(image, dtype=numpy.float32).reshape(image.shape[-3:-1])
        _set_image(self.image, image)
        if title is not None:
            set_static_text(self.title, title)


def _set_image(artist, data):
    """Give an AxesImage new data, adapting its extent when the shape changes."""
    old_shape = artist.get_array().shape
    artist.set_data(data)
    if data.shape != old_shape:
        height, width = data.shape
        artist.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
        artist.axes.set_xlim(-0.5, width - 0.5)
        artist.axes.set_ylim(height - 0.5, -0.5)
        invalidate(artist.axes)


class FeatureMapPanel:
    """Tiled feature maps in a diverging colour map with fixed limits.

    Parameters
    ----------
    axes : matplotlib Axes
    limit : float
        The colour map spans ``-limit .. limit``, centred at 0.
    title : str
    dynamic_title : bool, default False
        Whether the title changes with every update (then it is redrawn with
        the image) rather than now and then.
    """

    def __init__(self, axes, limit=1.0, title="", dynamic_title=False):
        cmap = matplotlib.colormaps[DIVERGING_CMAP].with_extremes(bad="white")
        self.image = axes.imshow(
            numpy.zeros((1, 1), numpy.float32),
            cmap=cmap,
            vmin=-limit,
            vmax=limit,
            interpolation="nearest",
        )
        self.title = image_axes(axes, title).title
        self.dynamic_title = dynamic_title
        self.dynamic_artists = [self.image] + ([self.title] if dynamic_title else [])

    def set_limit(self, limit):
        """Make the colour map span ``-limit .. limit``."""
        self.image.set_clim(-limit, limit)
        invalidate(self.image.axes)

    def update(self, tiled, title=None):
        """Show a tiled image (see :func:`nnplay.visualisation.tile_channels`)."""
        _set_image(self.image, to_numpy(tiled))  # copies from the GPU, waiting
        if title is not None and self.dynamic_title:
            self.title.set_text(title)
        elif title is not None:
            set_static_text(self.title, title)


class HistogramPanel:
    """A histogram of signed values, negative bins in another colour.

    Bins are fixed from ``-limit`` to ``limit`` with an edge at 0; values
    outside fall into the end bins. Heights are percentages of all values.
    """

    def __init__(self, axes, limit=1.0, bins=24):
        self.axes = axes
        self.negative = axes.stairs(
            numpy.zeros(bins),
            numpy.zeros(bins + 1),
            fill=True,
            color=NEGATIVE_COLOUR,
            alpha=0.85,
            label="x < 0: times the scale",
        )
        self.positive = axes.stairs(
            numpy.zeros(bins),
            numpy.zeros(bins + 1),
            fill=True,
            color=POSITIVE_COLOUR,
            alpha=0.85,
            label="x \u2265 0: unchanged",
        )
        self.zero_line = axes.axvline(0, color="black", linewidth=1)
        style_axes(axes, xlabel="value entering the leaky ReLU", ylabel="% of values")
        self.legend = axes.legend(
            loc="upper left", fontsize=FONT_SIZE - 1, frameon=False
        )
        self.title = axes.set_title("", fontsize=TITLE_SIZE, y=1.02)
        self.dynamic_artists = [self.negative, self.positive, self.zero_line]
        self.bins = bins
        self.top = None
        self.set_limit(limit)

    def set_limit(self, limit):
        """Use bins from ``-limit`` to ``limit``."""
        self.limit = float(limit)
        self.edges = numpy.linspace(-self.limit, self.limit, 2 * self.bins + 1)
        self.axes.set_xlim(-self.limit, self.limit)
        invalidate(self.axes)

    def update(self, values, title=None):
        """Show the histogram of ``values`` (any shape)."""
        values = to_numpy(values).ravel()  # copies from the GPU, waiting for it
        clipped = numpy.clip(values, self.edges[0], self.edges[-1])
        counts, _ = numpy.histogram(clipped, self.edges)
        percent = 100.0 * counts / max(values.size, 1)

        middle = self.bins
        self.negative.set_data(percent[:middle], self.edges[: middle + 1])
        self.positive.set_data(percent[middle:], self.edges[middle:])
        needed = max(float(percent.max()), 1.0) * 1.15
        if self.top is None or needed > self.top or needed < 0.5 * self.top:
            self.top = needed * 1.2
            self.axes.set_ylim(0, self.top)
            invalidate(self.axes)
        if title is not None:
            set_static_text(self.title, title)


class ProbabilityPanel:
    """Class probabilities as bars, the predicted class highlighted."""

    def __init__(self, axes, classes):
        self.classes = [str(label) for label in classes]
        positions = numpy.arange(len(self.classes))
        self.bars = axes.bar(
            positions, numpy.zeros(len(positions)), color=REFERENCE_COLOUR
        )
        axes.set_xticks(positions, self.classes)
        axes.set_ylim(0, 1.05)
        style_axes(axes, xlabel="class", ylabel="probability")
        self.title = axes.set_title("", fontsize=TITLE_SIZE, y=1.02)
        self.dynamic_artists = [*self.bars, self.title]

    def update(self, probabilities, true_label=None):
        """Show ``probabilities`` (K values); returns the predicted position."""
        probabilities = to_numpy(probabilities).ravel()  # copies from the GPU
        best = int(numpy.argmax(probabilities))

        for position, (bar, value) in enumerate(zip(self.bars, probabilities)):
            bar.set_height(float(value))
            bar.set_color(POSITIVE_COLOUR if position == best else REFERENCE_COLOUR)
        text = f"Predicted {self.classes[best]} ({100 * probabilities[best]:.1f}%)"
        if true_label is not None:
            text += f", true label {true_label}"
        self.title.set_text(text)
        return best


class GradientPanel:
    """Per layer: the RMS of the gradient reaching it, and its share of zeros."""

    def __init__(self, size_axes, zero_axes, names):
        positions = numpy.arange(len(names))
        self.size_bars = size_axes.bar(positions, numpy.ones(len(names)))
        self.zero_bars = zero_axes.bar(positions, numpy.zeros(len(names)))
        for bar in self.size_bars:
            bar.set_color(POSITIVE_COLOUR)
        for bar in self.zero_bars:
            bar.set_color(NEGATIVE_COLOUR)

        size_axes.set_yscale("log")
        zero_axes.set_ylim(0, 105)
        for axes in (size_axes, zero_axes):
            axes.set_xticks(positions, names, rotation=45, ha="right")
        style_axes(size_axes, ylabel="RMS of the gradient")
        style_axes(zero_axes, ylabel="% exactly zero")
        self.size_title = size_axes.set_title("", fontsize=TITLE_SIZE, y=1.02)
        self.zero_title = zero_axes.set_title(
            "Units that get no gradient", fontsize=TITLE_SIZE, y=1.02
        )
        self.size_axes = size_axes
        self.limits = None
        self.dynamic_artists = [*self.size_bars, *self.zero_bars, self.size_title]

    def update(self, sizes, zero_shares, title=None):
        """Show RMS ``sizes`` and ``zero_shares`` (0..1), one per layer."""
        sizes = numpy.asarray(sizes, dtype=float)
        for bar, value in zip(self.size_bars, sizes):
            bar.set_height(value)
        for bar, value in zip(self.zero_bars, zero_shares):
            bar.set_height(100.0 * value)

        positive = sizes[sizes > 0]
        if positive.size:
            low = 10 ** numpy.floor(numpy.log10(positive.min()))
            high = 10 ** numpy.ceil(numpy.log10(positive.max()))
            limits = (low, max(high, low * 10))
            if limits != self.limits:
                self.limits = limits
                self.size_axes.set_ylim(*limits)
                invalidate(self.size_axes)
        if title is not None:
            self.size_title.set_text(title)


class SweepPanel:
    """Quantities over a sweep of scales, with a line at the current scale.

    The x axis is symmetric-logarithmic (linear below 0.001), so 0, 0.001,
    0.01 and 1 all have room. ``series`` maps a key to the values at each
    scale; ``labels`` optionally maps keys to legend labels.
    """

    def __init__(
        self, axes, scales, series, ylabel, yscale="linear", title="", labels=None
    ):
        scales = numpy.asarray(scales, dtype=float)
        labels = labels or {}
        self.lines = {}
        for colour, (name, values) in zip(SERIES_COLOURS, series.items()):
            (self.lines[name],) = axes.plot(
                scales,
                to_numpy(values),  # copies from the GPU, waiting for it
                marker="o",
                linewidth=2,
                color=colour,
                label=labels.get(name, name),
            )
        axes.set_xscale("symlog", linthresh=1e-3, linscale=0.5)
        axes.set_yscale(yscale)
        # Head room above the lines for the legend.
        values = numpy.concatenate([to_numpy(v) for v in series.values()]).astype(float)
        low, high = float(numpy.nanmin(values)), float(numpy.nanmax(values))
        if yscale == "log" and low > 0:
            axes.set_ylim(low / 2, high * (high / low) ** 0.8 * 2)
        elif yscale != "log":
            span = max(high - low, 1e-12)
            axes.set_ylim(low - 0.05 * span, high + 0.6 * span)
        axes.set_xlim(scales.min(), scales.max() * 1.3)
        self.current = axes.axvline(scales[0], color="black", linewidth=2, alpha=0.6)
        self.dynamic_artists = [self.current]
        style_axes(axes, title=title, xlabel="scale", ylabel=ylabel)
        axes.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="upper left")

    def set_current(self, scale):
        """Move the marker line to ``scale``."""
        self.current.set_xdata([float(scale), float(scale)])
