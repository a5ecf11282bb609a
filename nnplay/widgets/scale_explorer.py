"""ScaleExplorer: the leaky ReLU and its derivative as the scale changes."""

import ipywidgets

from ..visualisation import ActivationPanel, format_scale
from ._live import (
    Explorer,
    ScaleTrait,
    live_figure,
    preset_buttons,
    scale_slider,
)

#: The preset scales and their button labels.
PRESETS = {0.0: "0 (ReLU)", 0.01: "0.01", 0.1: "0.1", 0.3: "0.3", 1.0: "1 (linear)"}


def describe_scale(scale):
    """One sentence on what a scale does to negative inputs."""
    if scale == 0:
        return (
            "Plain ReLU: negative inputs become 0 and pass no gradient back, "
            "so a unit that only sees negative inputs stops learning."
        )
    if scale == 1:
        return (
            "The identity: nothing is changed, and the layers around it "
            "collapse into one linear map."
        )
    if scale < 0:
        return (
            "A negative scale flips the sign of negative inputs: f is no "
            "longer monotonic."
        )
    if scale > 1:
        return "Negative inputs are amplified: they leave larger than they came."
    percent = f"{100 * scale:.3g}%"
    return (
        f"Negative inputs keep {percent} of their size, and {percent} of the "
        "gradient flows back through them."
    )


def formula_html(scale):
    """The formulas of f and f' with ``scale`` filled in, as LaTeX in HTML."""
    value = format_scale(scale)
    return (
        "<div style='font-size: 16px'>"
        r"$$f(x) = \begin{cases} x & x \ge 0 \\ "
        + value
        + r"\,x & x < 0 \end{cases} \qquad "
        r"f'(x) = \begin{cases} 1 & x \ge 0 \\ " + value + r" & x < 0 \end{cases}$$"
        "</div>"
    )


class ScaleExplorer(Explorer):
    """The leaky ReLU f(x) and its derivative f'(x) for a scale you choose.

    A slider (-0.5 to 1.5) and preset buttons set the scale; the plots show
    f and f' computed by :func:`nnplay.layers.leaky_relu` and
    :func:`nnplay.layers.leaky_relu_derivative`, with plain ReLU as a faint
    dashed reference, and the formula shows the current value. At x = 0 the
    ``x >= 0`` branch is used: f'(0) = 1.

    Parameters
    ----------
    scale : float, default 0.01
        The first scale shown.

    Attributes
    ----------
    scale : float
        The scale shown (a traitlet: set it, or observe it).
    figure : matplotlib.figure.Figure
        The figure, with an ipympl canvas (``figure.canvas`` is a widget).
    panel : nnplay.visualisation.ActivationPanel
        The figure's lines (``panel.function_line``, ``panel.derivative_line``).
    slider : ipywidgets.FloatSlider
    buttons : dict
        The preset buttons by value.

    Examples
    --------
    >>> from nnplay.widgets import ScaleExplorer
    >>> explorer = ScaleExplorer()
    >>> explorer.buttons[0.3].click()
    >>> explorer.scale
    0.3
    """

    scale = ScaleTrait(0.01, help="The leaky ReLU's scale.")

    def __init__(self, scale=0.01, **kwargs):
        self.figure = live_figure(8.6, 3.9)
        function_axes, derivative_axes = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(
            left=0.09, right=0.98, bottom=0.16, top=0.88, wspace=0.3
        )
        self.panel = ActivationPanel(function_axes, derivative_axes, scale)
        self.figure.canvas.set_dynamic(self.panel.dynamic_artists)

        self.slider = scale_slider(scale)
        presets, self.buttons = preset_buttons(PRESETS, self._choose, PRESETS)
        self.formula = ipywidgets.HTMLMath()
        self.explanation = ipywidgets.HTML()
        convention = ipywidgets.HTML(
            "<span style='font-size: 14px'>At exactly x = 0 the layer uses the "
            "x &ge; 0 branch: f(0) = 0 and <b>f'(0) = 1</b> (filled dot); the "
            "open circle is the value f' approaches from the left.</span>"
        )
        super().__init__(
            children=(
                ipywidgets.HBox([self.slider, presets]),
                self.formula,
                self.explanation,
                self.figure.canvas,
                convention,
            ),
            **kwargs,
        )

        self._follow_scale(scale)

    def _choose(self, value):
        self.scale = value

    def _compute(self):
        return float(self.scale)

    def _apply(self, scale):
        self.panel.update(scale)
        self.formula.value = formula_html(scale)
        self.explanation.value = (
            f"<span style='font-size: 15px'>{describe_scale(scale)}</span>"
        )
