"""FeatureMapExplorer: a digit's feature maps before and after a leaky ReLU."""

import math

import ipywidgets
import numpy
import traitlets

from ..backend import to_numpy
from ..layers import LeakyReLULayer
from ..network import SeriesNetwork
from ..visualisation import (
    DigitPanel,
    FeatureMapPanel,
    HistogramPanel,
    ProbabilityPanel,
    format_scale,
    negative_summary,
    tile_channels,
)
from ..visualisation.style import FONT_SIZE
from . import _resources
from ._digit_input import DrawingPad, decode_image
from ._live import (
    Explorer,
    ScaleTrait,
    bind_slider,
    live_figure,
    preset_buttons,
    scale_slider,
)

#: The preset scales of the explorer's buttons.
PRESETS = {0.0: "0 (ReLU)", 0.01: "0.01", 0.1: "0.1", 0.3: "0.3", 1.0: "1 (linear)"}

#: How many validation digits fix the colour limits of each layer.
REFERENCE_DIGITS = 64

APPLY_ALL = "all leaky ReLU layers"
APPLY_SHOWN = "the shown layer only"


def nice_limit(value):
    """Round a positive number up to a few steps per power of ten (1, 1.5, 2, ... 8).

    Steps this fine keep the colour scale close to the data, so that the
    feature maps use most of the colour map.
    """
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def leaky_layer_names(net):
    """The names of a network's leaky ReLU layers, in order."""
    return [layer.Name for layer in net.Layers if isinstance(layer, LeakyReLULayer)]


def probability_layer(net):
    """The name of the layer whose output is the class probabilities."""
    layers = net.Layers
    last = len(layers) - (2 if layers[len(layers) - 1].IS_OUTPUT else 1)
    return layers[last].Name


class FeatureMapExplorer(Explorer):
    """Feature maps of a digit entering and leaving a leaky ReLU layer.

    Pick one of the shipped validation digits, draw one, or upload a picture;
    the slider sets the scale of the network's leaky ReLU layers (all of them,
    or only the one shown). The figure shows the input, the feature maps
    entering the chosen leaky ReLU (after batch normalization) and leaving
    it, in a blue-red colour map centred at 0 with fixed limits; a histogram
    of the values entering it, negative part marked; and the class
    probabilities, the predicted class highlighted. Below it: the share of
    negative inputs and how much of their magnitude passes (``|scale|``).

    The network runs in inference mode only: its weights and batch-norm
    statistics never change. The explorer sets the ``Scale`` of the network's
    leaky ReLU layers.

    Parameters
    ----------
    net : SeriesNetwork, optional
        Default: the trained example CNN shipped with nnplay (a copy).
    images, labels : arrays, optional
        Digits to choose from, ``(N, 28, 28, 1)`` and ``(N,)``. Default: the
        shipped validation digits.
    scale : float, optional
        Default: the scale the network's first leaky ReLU layer has.
    layer : str, optional
        The leaky ReLU layer shown; default the first.
    index : int, default 0
        The digit shown first.

    Attributes
    ----------
    scale, layer, index, apply_to_all : traitlets
        The scale, the shown layer's name, the digit's index and whether the
        scale goes to every leaky ReLU layer.
    source : str
        ``'digits'`` while a digit from ``images`` is shown, ``'custom'`` for
        a drawing or an uploaded picture (see :meth:`show_image`).
    net : SeriesNetwork
        The network; assign another to explore it (e.g. one just trained).
    figure : matplotlib.figure.Figure
        The figure (ipympl canvas). Its panels: ``digit_panel``,
        ``before_panel``, ``after_panel``, ``histogram_panel``,
        ``probability_panel``.

    Examples
    --------
    >>> from nnplay.widgets import FeatureMapExplorer
    >>> explorer = FeatureMapExplorer(index=3)
    >>> explorer.scale = 0.3
    >>> explorer.after_panel.image.get_array().shape
    (107, 107)
    """

    scale = ScaleTrait(0.01, help="Scale of the leaky ReLU layers.")
    layer = traitlets.Unicode("", help="Name of the leaky ReLU layer shown.")
    index = traitlets.Int(0, help="Index of the digit shown.")
    apply_to_all = traitlets.Bool(True, help="Set the scale of every leaky ReLU.")

    def __init__(
        self, net=None, images=None, labels=None, scale=None, layer=None, index=0
    ):
        if images is None:
            images, labels = _resources.validation_digits()
        if len(images) == 0:
            raise ValueError("images must hold at least one digit; got none.")
        if labels is not None and len(labels) != len(images):
            raise ValueError(
                f"labels must hold one label per image; got {len(labels)} labels "
                f"for {len(images)} images."
            )
        self.images = images
        self.labels = labels
        self.source = "digits"
        self._custom_image = None
        self._net = None

        self._build_figure()
        self._build_controls()
        super().__init__(
            children=(
                ipywidgets.HBox([self.slider, self.presets]),
                ipywidgets.HBox([self.layer_dropdown, self.apply_buttons]),
                self.source_tabs,
                self.figure.canvas,
                self.summary,
            )
        )

        self.net = net if net is not None else _resources.pretrained_network()
        if layer is not None:
            self.layer = layer
        if scale is None:
            scale = self.net.Layers[self.layer].Scale
        self.scale = scale
        self.index = index

        bind_slider(self, self.slider)
        self.index_slider.value = self.index
        self.index_slider.observe(self._on_index_slider, "value")
        traitlets.link((self.layer_dropdown, "value"), (self, "layer"))
        self.apply_buttons.observe(self._on_apply_buttons, "value")
        self.observe(self._on_index, "index")
        self.observe(self._on_layer, "layer")
        self.observe(self._on_scale, ["scale", "apply_to_all"])
        self._start()

    # -- building ----------------------------------------------------------------------

    def _build_figure(self):
        self.figure = live_figure(11, 7.2, dpi=90)
        figure = self.figure
        self.digit_panel = DigitPanel(figure.add_axes((0.02, 0.56, 0.17, 0.36)))
        self.before_panel = FeatureMapPanel(figure.add_axes((0.22, 0.53, 0.33, 0.40)))
        self.after_panel = FeatureMapPanel(
            figure.add_axes((0.58, 0.53, 0.33, 0.40)), dynamic_title=True
        )
        colourbar_axes = figure.add_axes((0.93, 0.56, 0.015, 0.34))
        self.colourbar = figure.colorbar(self.after_panel.image, cax=colourbar_axes)
        self.colourbar.ax.tick_params(labelsize=FONT_SIZE)
        self.histogram_panel = HistogramPanel(figure.add_axes((0.08, 0.09, 0.47, 0.33)))
        self.probability_axes = figure.add_axes((0.64, 0.09, 0.33, 0.33))
        self.probability_panel = None

    def _build_controls(self):
        self.slider = scale_slider(0.01)
        self.presets, self.buttons = preset_buttons(
            PRESETS, lambda value: setattr(self, "scale", value), PRESETS
        )
        self.layer_dropdown = ipywidgets.Dropdown(
            description="Show layer", style={"description_width": "initial"}
        )
        self.apply_buttons = ipywidgets.ToggleButtons(
            options=[APPLY_ALL, APPLY_SHOWN],
            description="Scale applies to",
            style={"description_width": "initial", "button_width": "auto"},
        )

        count = 0 if self.images is None else len(self.images)
        self.index_slider = ipywidgets.IntSlider(
            min=0,
            max=max(count - 1, 0),
            description="Digit #",
            layout=ipywidgets.Layout(width="480px"),
        )
        self.index_label = ipywidgets.HTML()
        self.pad = DrawingPad(self.show_image)
        clear = ipywidgets.Button(description="Clear", icon="eraser")
        clear.on_click(lambda _button: self.pad.clear())
        self.upload = ipywidgets.FileUpload(
            accept="image/*", multiple=False, description="Upload a picture"
        )
        self.upload.observe(self._on_upload, "value")

        hint = ipywidgets.HTML(
            "<span style='font-size: 14px'>Hold the mouse button and draw a "
            "digit; the network sees it scaled and centred like MNIST.</span>"
        )
        upload_hint = ipywidgets.HTML(
            "<span style='font-size: 14px'>A picture of one digit (PNG or "
            "JPEG), dark on light or light on dark.</span>"
        )
        self.source_tabs = ipywidgets.Tab(
            children=[
                ipywidgets.HBox([self.index_slider, self.index_label]),
                ipywidgets.HBox(
                    [self.pad.canvas, ipywidgets.VBox([hint, clear])],
                ),
                ipywidgets.VBox([upload_hint, self.upload]),
            ],
            titles=("Validation digit", "Draw", "Upload"),
        )
        self.summary = ipywidgets.HTML()

    # -- the network -----------------------------------------------------------------

    @property
    def net(self):
        """The network explored (its leaky ReLU scales follow the slider)."""
        return self._net

    @net.setter
    def net(self, net):
        if not isinstance(net, SeriesNetwork):
            raise TypeError(
                f"net must be a SeriesNetwork (from trainNetwork or "
                f"assembleNetwork); got {type(net).__name__}."
            )
        names = leaky_layer_names(net)
        if not names:
            raise ValueError(
                "net must have at least one leaky ReLU layer to explore; "
                f"its layers are {', '.join(net.Layers.names)}."
            )
        # Everything that can fail comes before the network is switched, so a
        # network that does not fit the digits leaves the explorer as it was.
        limits = self._reference_limits(net, names)
        self._net = net
        self._trained_scales = {name: net.Layers[name].Scale for name in names}
        self._limits = limits

        classes = [str(label) for label in numpy.asarray(net.Classes).ravel()]
        if self.probability_panel is None or self.probability_panel.classes != classes:
            self.probability_axes.clear()
            self.probability_panel = ProbabilityPanel(self.probability_axes, classes)
            self.figure.canvas.set_dynamic(
                [artist for panel in self.panels for artist in panel.dynamic_artists]
            )

        with self.hold_trait_notifications():
            self.layer_dropdown.options = names
            if self.layer not in names:
                self.layer = names[0]
        self.layer_dropdown.value = self.layer
        self._set_limits()
        self._request_render()

    def _reference_limits(self, net, names):
        """Colour limit per leaky layer: 99% of |values entering it|, rounded up."""
        if self.images is None or len(self.images) == 0:
            return {name: 1.0 for name in names}
        before = [self._before_name(net, name) for name in names]
        sample = self.images[:REFERENCE_DIGITS]
        values = net.activations(sample, before)
        return {
            name: nice_limit(
                float(numpy.percentile(numpy.abs(to_numpy(value)), 99))
            )  # to_numpy copies from the GPU, waiting for it
            for name, value in zip(names, values)
        }

    @staticmethod
    def _before_name(net, name):
        layers = net.Layers
        return layers[layers.index(name) - 1].Name

    def _set_limits(self):
        limit = self._limits[self.layer]
        self.before_panel.set_limit(limit)
        self.after_panel.set_limit(limit)
        self.histogram_panel.set_limit(limit * 1.5)

    @property
    def panels(self):
        """The figure's panels: digit, before, after, histogram, probabilities."""
        return [
            self.digit_panel,
            self.before_panel,
            self.after_panel,
            self.histogram_panel,
            self.probability_panel,
        ]

    # -- what is shown ---------------------------------------------------------------

    def show_image(self, image):
        """Show your own digit: a 28 x 28 image, white on black, 0..255."""
        image = numpy.asarray(image)
        if (
            image.dtype.kind not in "biuf"
            or image.size != 28 * 28
            or not numpy.all(numpy.isfinite(image))
        ):
            raise ValueError(
                "image must be a 28 x 28 array of finite grey levels (0..255, "
                f"white digit on black); got {image.dtype} of size {image.shape}."
            )
        self._custom_image = image.reshape(28, 28)
        self.source = "custom"
        self._request_render()

    @property
    def image(self):
        """The digit shown, as a 28 x 28 x 1 array."""
        if self.source == "custom":
            return self._custom_image.reshape(28, 28, 1)
        return self.images[self.index]

    @traitlets.validate("index")
    def _check_index(self, proposal):
        index = proposal["value"]
        count = 0 if self.images is None else len(self.images)
        if not 0 <= index < count:
            raise traitlets.TraitError(
                f"index must be between 0 and {count - 1}; got {index}."
            )
        return index

    @traitlets.validate("layer")
    def _check_layer(self, proposal):
        name = proposal["value"]
        if self._net is not None and name not in self._trained_scales:
            raise traitlets.TraitError(
                f"layer must name a leaky ReLU layer of the network "
                f"({', '.join(self._trained_scales)}); got {name!r}."
            )
        return name

    def _on_index_slider(self, change):
        self.index = change["new"]
        self.source = "digits"
        self._request_render()

    def _on_index(self, change):
        self.index_slider.value = change["new"]
        self.source = "digits"
        self._request_render()

    def _on_layer(self, change):
        self._set_limits()
        self._set_scales()
        self._request_render()

    def _on_scale(self, change):
        # The network follows the slider at once; only drawing waits.
        self._set_scales()
        self._request_render()

    def _on_apply_buttons(self, change):
        self.apply_to_all = change["new"] == APPLY_ALL

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        try:
            digit = decode_image(files[0]["content"])
        except ValueError as error:
            self.show_error(error, action="read the picture")
            return
        self.show_image(digit)

    # -- rendering ------------------------------------------------------------------

    def _set_scales(self):
        if self._net is None:
            return
        for name, trained in self._trained_scales.items():
            use = self.apply_to_all or name == self.layer
            self._net.Layers[name].Scale = self.scale if use else trained

    def _compute(self):
        net = self._net
        self._set_scales()
        before_name = self._before_name(net, self.layer)
        before, after, probabilities = net.activations(
            self.image, [before_name, self.layer, probability_layer(net)]
        )
        # to_numpy copies from the GPU, waiting for it.
        before, after = to_numpy(before)[0], to_numpy(after)[0]
        return {
            "image": numpy.asarray(self.image),
            "before": tile_channels(before),
            "after": tile_channels(after),
            "values": before.ravel(),
            "probabilities": to_numpy(probabilities)[0],
            "before_name": before_name,
            "summary": negative_summary(before, self.scale),
        }

    def _apply(self, data):
        scale = format_scale(self.scale)
        if self.source == "custom":
            title, true_label = "Your digit", None
        else:
            true_label = None if self.labels is None else int(self.labels[self.index])
            title = f"Digit #{self.index}"
        self.index_label.value = (
            f"<span style='font-size: 15px'>label <b>{true_label}</b></span>"
            if true_label is not None
            else ""
        )

        self.digit_panel.update(data["image"], title)
        self.before_panel.update(
            data["before"], f"Entering {self.layer} (from {data['before_name']})"
        )
        self.after_panel.update(data["after"], f"Leaving {self.layer}, scale {scale}")
        self.histogram_panel.update(data["values"], f"Values entering {self.layer}")
        self.probability_panel.update(data["probabilities"], true_label)
        self.summary.value = summary_html(self.layer, data["summary"], self.scale)


def summary_html(layer, summary, scale):
    """Say how many inputs are negative and how much of them passes."""
    passing = summary["passing"]
    if passing == 0:
        fate = "become 0: <b>none</b> of their magnitude passes, and no gradient"
    elif scale < 0:
        fate = (
            f"change sign and keep <b>{passing:.3g}&times;</b> their magnitude "
            f"(|scale| = {passing:.3g})"
        )
    else:
        fate = (
            f"leave multiplied by the scale: <b>{passing:.3g}&times;</b> their "
            "magnitude passes"
        )
    return (
        "<div style='font-size: 15px'>"
        f"<b>{100 * summary['share']:.1f}%</b> of the {summary['total']:,} values "
        f"entering {layer} are negative. They {fate}; the others pass unchanged."
        "</div>"
    )
