"""GradientFlowExplorer: how much gradient reaches each layer, by scale."""

import ipywidgets
import numpy

from ..layers import LeakyReLULayer
from ..visualisation import (
    GradientPanel,
    SweepPanel,
    format_scale,
    root_mean_square,
    zero_share,
)
from . import _resources
from ._live import (
    Explorer,
    ScaleTrait,
    live_figure,
    preset_buttons,
    scale_slider,
)

#: The scales of the precomputed sweep (and of the preset buttons).
SWEEP_SCALES = (0.0, 0.001, 0.01, 0.03, 0.1, 0.3, 1.0)

#: How many validation digits make the batch.
BATCH_SIZE = 64


def flow_layers(net):
    """Names of the layers whose incoming gradient is shown: after the input,
    before the softmax and output layers."""
    names = []
    for layer in list(net.Layers)[1:]:
        if layer.IS_OUTPUT or layer.CLASS_NAME == "SoftmaxLayer":
            break
        names.append(layer.Name)
    return names


def gradient_profile(net, images, labels, names):
    """Return the loss, and per layer the RMS and the zero share of the gradient.

    The gradient is ``grads.outputs[name]`` of :meth:`SeriesNetwork.gradients`:
    the gradient of the loss with respect to that layer's output, for the
    whole batch. Nothing in the network changes.

    Returns
    -------
    dict
        ``loss`` (float), ``rms`` and ``zeros`` (numpy arrays, one value per
        name; zeros as shares 0..1).
    """
    loss, grads = net.gradients(images, labels)
    flows = grads.outputs
    return {
        "loss": float(loss),
        "rms": numpy.array([root_mean_square(flows[name]) for name in names]),
        "zeros": numpy.array([zero_share(flows[name]) for name in names]),
    }


class GradientFlowExplorer(Explorer):
    """The dying-ReLU story: gradient reaching each layer as the scale goes to 0.

    For a batch of validation digits, the bars show, per layer, the size (root
    mean square, log scale) of the gradient of the loss reaching that layer's
    output, and the share of units whose gradient is exactly zero. Below, the
    same quantities over a sweep of scales (computed once), with a line at
    the current scale. The scale is set on every leaky ReLU layer.

    Gradients use batch statistics in batch normalization, as in training,
    but nothing in the network changes.

    Parameters
    ----------
    net : SeriesNetwork, optional
        Default: the trained example CNN shipped with nnplay (a copy).
    images, labels : arrays, optional
        The batch. Default: the first 64 shipped validation digits.
    scale : float, default 0.01
    sweep : sequence of float, optional
        The scales of the sweep; default 0, 0.001, 0.01, 0.03, 0.1, 0.3, 1.

    Attributes
    ----------
    scale : float
        The current scale (a traitlet).
    names : list of str
        The layers in the bar charts.
    profile : dict
        The current ``loss``, ``rms`` and ``zeros`` (see
        :func:`gradient_profile`).
    sweep : dict
        The sweep: ``scales`` and, per scale, a profile in ``profiles``.
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from nnplay.widgets import GradientFlowExplorer
    >>> explorer = GradientFlowExplorer(scale=0.0)
    >>> explorer.names[:3]
    ['conv_1', 'batchnorm_1', 'leakyrelu_1']
    """

    scale = ScaleTrait(0.01, help="Scale of every leaky ReLU layer.")

    def __init__(self, net=None, images=None, labels=None, scale=0.01, sweep=None):
        if images is None:
            images, labels = _resources.validation_digits()
            images, labels = images[:BATCH_SIZE], labels[:BATCH_SIZE]
        if labels is None or len(images) == 0 or len(labels) != len(images):
            raise ValueError(
                "images and labels must hold one label per image, at least one of "
                f"each; got {len(images)} images and "
                f"{'no' if labels is None else len(labels)} labels."
            )
        if sweep is not None and len(sweep) == 0:
            raise ValueError("sweep must hold at least one scale; got none.")
        self.net = net if net is not None else _resources.pretrained_network()
        self.images, self.labels = images, labels
        self.names = flow_layers(self.net)
        self.leaky_names = [
            layer.Name for layer in self.net.Layers if isinstance(layer, LeakyReLULayer)
        ]
        self.sweep = self._compute_sweep(SWEEP_SCALES if sweep is None else sweep)

        self.slider = scale_slider(scale, minimum=0.0, maximum=1.0, step=0.001)
        presets, self.buttons = preset_buttons(
            self.sweep["scales"], lambda value: setattr(self, "scale", value)
        )
        self.summary = ipywidgets.HTML()
        self._build_figure()
        explanation = ipywidgets.HTML(
            "<span style='font-size: 14px'>Each bar is the gradient of the loss "
            "with respect to a layer's output, over a batch of "
            f"{len(self.images)} digits. With scale 0 (ReLU) a unit whose input "
            "is negative passes back <b>no gradient at all</b>: the layers "
            "before it learn nothing from it. (Max pooling passes gradient to one "
            "input in four, so about 75% of the gradient reaching the layers "
            "before it is zero at any scale.)</span>"
        )
        super().__init__(
            children=(
                ipywidgets.HBox([self.slider, presets]),
                self.summary,
                self.figure.canvas,
                explanation,
            )
        )

        self._follow_scale(scale)

    # -- computing ------------------------------------------------------------------

    def _set_scale(self, scale):
        for name in self.leaky_names:
            self.net.Layers[name].Scale = scale

    def _profile(self, scale):
        self._set_scale(scale)
        return gradient_profile(self.net, self.images, self.labels, self.names)

    def _compute_sweep(self, scales):
        scales = [float(scale) for scale in scales]
        profiles = [self._profile(scale) for scale in scales]
        return {"scales": scales, "profiles": profiles}

    def _labels(self):
        """Legend labels: which leaky ReLU a gradient came back through."""
        labels = {}
        for name in self.leaky_names:
            position = self.names.index(name)
            if position > 0:
                labels[self.names[position - 1]] = (
                    f"{self.names[position - 1]} (back through {name})"
                )
        labels.setdefault(self.names[0], f"{self.names[0]} (first layer)")
        return labels

    def _series(self, key):
        """Sweep lines: the layer before each leaky ReLU, and the first layer."""
        chosen = [self.names[0]] if key == "rms" else []
        for name in self.leaky_names:
            position = self.names.index(name)
            if position > 0 and self.names[position - 1] not in chosen:
                chosen.append(self.names[position - 1])
        scale_factor = 100.0 if key == "zeros" else 1.0
        return {
            name: [
                scale_factor * profile[key][self.names.index(name)]
                for profile in self.sweep["profiles"]
            ]
            for name in chosen
        }

    # -- drawing --------------------------------------------------------------------

    def _build_figure(self):
        self.figure = live_figure(11, 7.6, dpi=90)
        figure = self.figure
        self.gradient_panel = GradientPanel(
            figure.add_axes((0.09, 0.60, 0.38, 0.33)),
            figure.add_axes((0.60, 0.60, 0.38, 0.33)),
            self.names,
        )
        self.size_sweep = SweepPanel(
            figure.add_axes((0.09, 0.08, 0.38, 0.30)),
            self.sweep["scales"],
            self._series("rms"),
            ylabel="RMS of the gradient",
            yscale="log",
            title="Gradient size over the sweep",
            labels=self._labels(),
        )
        self.zero_sweep = SweepPanel(
            figure.add_axes((0.60, 0.08, 0.38, 0.30)),
            self.sweep["scales"],
            self._series("zeros"),
            ylabel="% exactly zero",
            title="No gradient, over the sweep",
            labels=self._labels(),
        )
        self.zero_sweep.current.axes.set_yticks([0, 25, 50, 75, 100])
        self.figure.canvas.set_dynamic(
            [
                *self.gradient_panel.dynamic_artists,
                *self.size_sweep.dynamic_artists,
                *self.zero_sweep.dynamic_artists,
            ]
        )

    def _compute(self):
        return self._profile(self.scale)

    def _apply(self, profile):
        self.profile = profile
        scale = format_scale(self.scale)
        self.gradient_panel.update(
            profile["rms"],
            profile["zeros"],
            f"Gradient reaching each layer, scale {scale}",
        )
        self.size_sweep.set_current(self.scale)
        self.zero_sweep.set_current(self.scale)

        first = self.names[0]
        self.summary.value = (
            "<div style='font-size: 15px'>"
            f"Scale {scale}: loss {profile['loss']:.4f} on {len(self.images)} "
            f"digits; the gradient reaching {first} has RMS "
            f"<b>{profile['rms'][0]:.3g}</b>; "
            + ", ".join(
                f"{name}: <b>{100 * profile['zeros'][self.names.index(name)]:.1f}%</b>"
                for name in self.names
                if name in self._series("zeros")
            )
            + " of the gradient passed back through the leaky ReLU layers is "
            "exactly zero.</div>"
        )
