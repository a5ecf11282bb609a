"""GradientFlowExplorer: bars are the gradients reaching each layer."""

import copy

import numpy
import pytest

import nnplay
from nnplay.data import load_digits
from nnplay.widgets import GradientFlowExplorer
from nnplay.widgets.gradient_flow_explorer import flow_layers

LAYERS = [
    "conv_1",
    "batchnorm_1",
    "leakyrelu_1",
    "maxpool",
    "conv_2",
    "batchnorm_2",
    "leakyrelu_2",
    "fc",
]


@pytest.fixture(scope="module")
def batch():
    images, labels = load_digits("validation")
    return images[:16], labels[:16]


@pytest.fixture(scope="module")
def network():
    layers = nnplay.examples.example_cnn()
    layers[0].compute_statistics(load_digits("train")[0][:500])
    return nnplay.assembleNetwork(layers, seed=5)


@pytest.fixture(scope="module")
def explorer(network, batch):
    images, labels = batch
    return GradientFlowExplorer(
        net=copy.deepcopy(network), images=images, labels=labels, sweep=(0, 0.1, 1)
    )


def reference(network, batch, scale):
    net = copy.deepcopy(network)
    for name in ("leakyrelu_1", "leakyrelu_2"):
        net.Layers[name].Scale = scale
    loss, grads = net.gradients(*batch)
    flows = {name: nnplay.to_numpy(value) for name, value in grads.outputs.items()}
    return loss, flows


def test_layers_shown_are_between_input_and_softmax(explorer):
    assert explorer.names == LAYERS
    assert flow_layers(explorer.net) == LAYERS


@pytest.mark.parametrize("scale", [0.0, 0.05, 1.0])
def test_bars_are_rms_and_zero_share_of_the_gradients(explorer, network, batch, scale):
    explorer.scale = scale
    loss, flows = reference(network, batch, scale)

    heights = [bar.get_height() for bar in explorer.gradient_panel.size_bars]
    expected = [
        numpy.sqrt(numpy.mean(flows[name].astype(float) ** 2)) for name in LAYERS
    ]
    numpy.testing.assert_allclose(heights, expected, rtol=1e-6)
    zeros = [bar.get_height() for bar in explorer.gradient_panel.zero_bars]
    expected = [100 * numpy.mean(flows[name] == 0) for name in LAYERS]
    numpy.testing.assert_allclose(zeros, expected)
    assert explorer.profile["loss"] == pytest.approx(loss)
    assert list(explorer.size_sweep.current.get_xdata()) == [scale, scale]
    assert explorer.gradient_panel.size_axes.get_yscale() == "log"


def test_relu_passes_no_gradient_through_negative_inputs(explorer, network, batch):
    explorer.scale = 0.0
    zeros_at_relu = explorer.profile["zeros"][LAYERS.index("batchnorm_2")]

    # The gradient reaching batchnorm_2 is dZ * f'(x): with scale 0 it is zero
    # exactly where batchnorm_2's training-mode output is negative.
    net = copy.deepcopy(network)
    net.Layers["leakyrelu_1"].Scale = 0.0
    net.Layers["leakyrelu_2"].Scale = 0.0
    X = net.Layers[0].prepare(batch[0])
    outputs = []
    for layer in net.Layers[:7]:  # up to batchnorm_2
        X, _ = layer.forward(X)
        outputs.append(X)
    negative = float(numpy.mean(nnplay.to_numpy(outputs[-1]) < 0))
    assert zeros_at_relu == pytest.approx(negative)
    assert 0.2 < zeros_at_relu < 0.9

    explorer.scale = 0.1
    assert explorer.profile["zeros"][LAYERS.index("batchnorm_2")] == 0.0


def test_sweep_lines_hold_the_precomputed_profiles(explorer, network, batch):
    scales = explorer.sweep["scales"]
    assert scales == [0.0, 0.1, 1.0]
    for position, scale in enumerate(scales):
        _, flows = reference(network, batch, scale)
        line = explorer.zero_sweep.lines["batchnorm_2"]
        assert line.get_ydata()[position] == pytest.approx(
            100 * numpy.mean(flows["batchnorm_2"] == 0)
        )
        line = explorer.size_sweep.lines["conv_1"]
        rms = numpy.sqrt(numpy.mean(flows["conv_1"].astype(float) ** 2))
        assert line.get_ydata()[position] == pytest.approx(rms, rel=1e-6)


def test_the_network_never_changes(explorer):
    net = explorer.net
    saved = {
        (layer.Name, name): nnplay.to_numpy(getattr(layer, name)).copy()
        for layer in net.Layers
        for name in (*layer.LEARNABLES, *layer.STATE)
        if getattr(layer, name) is not None
    }
    for scale in (0.0, 0.3, 0.001, 1.0):
        explorer.scale = scale
    for (layer, name), value in saved.items():
        numpy.testing.assert_array_equal(
            nnplay.to_numpy(getattr(net.Layers[layer], name)), value
        )


def test_presets_are_the_sweep_scales(explorer):
    explorer.buttons[0.1].click()
    assert explorer.scale == 0.1
    assert "Scale 0.1: loss" in explorer.summary.value
