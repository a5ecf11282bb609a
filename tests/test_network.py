"""Layer arrays, assembly, analysis, network functions and the backend switch."""

import numpy
import pytest
from conftest import assert_close

import nnplay
from nnplay import backend

SPEC_ARRAY = """\
  11x1 Layer array with layers:

     1   ''   Image Input             28x28x1 images with 'zerocenter' normalization
     2   ''   Convolution             16 3x3 convolutions with stride [1 1] and padding [0 0 0 0]
     3   ''   Batch Normalization     Batch normalization
     4   ''   Leaky ReLU              Leaky ReLU with scale 0.01
     5   ''   Max Pooling             2x2 max pooling with stride [2 2] and padding [0 0 0 0]
     6   ''   Convolution             32 3x3 convolutions with stride [1 1] and padding [0 0 0 0]
     7   ''   Batch Normalization     Batch normalization
     8   ''   Leaky ReLU              Leaky ReLU with scale 0.01
     9   ''   Fully Connected         10 fully connected layer
    10   ''   Softmax                 softmax
    11   ''   Classification Output   crossentropyex
"""


def spec_layers():
    """The specification's example, typed as a MATLAB user would."""
    return nnplay.LayerArray(
        [
            nnplay.imageInputLayer([28, 28, 1]),
            nnplay.convolution2dLayer(3, 16),
            nnplay.batchNormalizationLayer(),
            nnplay.leakyReluLayer(),
            nnplay.maxPooling2dLayer(2, "Stride", 2),
            nnplay.convolution2dLayer(3, 32),
            nnplay.batchNormalizationLayer(),
            nnplay.leakyReluLayer(),
            nnplay.fullyConnectedLayer(10),
            nnplay.softmaxLayer(),
            nnplay.classificationLayer(),
        ]
    )


def test_array_display_matches_the_specification():
    assert repr(spec_layers()) == SPEC_ARRAY
    assert spec_layers() == nnplay.examples.example_cnn()


def test_array_html_display():
    html = spec_layers()._repr_html_()

    assert html.count("<tr>") == 12 and "Leaky ReLU with scale 0.01" in html


def test_array_editing():
    layers = spec_layers()

    layers.insert(4, nnplay.leakyReluLayer(0.3, "Name", "extra"))
    assert len(layers) == 12 and layers[4].Name == "extra"
    assert layers["extra"] is layers[4]
    layers.replace("extra", nnplay.reluLayer("Name", "plain"))
    assert isinstance(layers[4], nnplay.ReLULayer)
    layers.remove("plain")
    assert layers == spec_layers()

    tail = layers[8:]
    assert isinstance(tail, nnplay.LayerArray) and len(tail) == 3
    joined = layers[:8] + tail
    assert joined == spec_layers()
    assert len([nnplay.reluLayer()] + layers) == 12
    assert layers[-1].CLASS_NAME == "ClassificationOutputLayer"
    del layers[0]
    assert len(layers) == 10


def test_array_errors_name_the_problem():
    layers = spec_layers()

    with pytest.raises(KeyError, match="no layer is named 'nope'"):
        layers["nope"]
    with pytest.raises(
        IndexError, match="layer index 11 is out of range for an array of 11 layers"
    ):
        layers[11]
    with pytest.raises(
        TypeError, match="a layer array holds nnplay layers; got str 'relu'"
    ):
        layers.append("relu")


def test_assemble_names_sizes_and_learnables():
    layers = spec_layers()

    net = nnplay.assembleNetwork(layers, seed=0)

    assert net.Layers.names == [
        "imageinput",
        "conv_1",
        "batchnorm_1",
        "leakyrelu_1",
        "maxpool",
        "conv_2",
        "batchnorm_2",
        "leakyrelu_2",
        "fc",
        "softmax",
        "classoutput",
    ]
    assert net.Layers["conv_2"].Weights.shape == (3, 3, 16, 32)
    assert net.Layers["fc"].Weights.shape == (10, 3872)
    assert net.Layers["fc"].InputSize == 3872
    assert net.activation_size("leakyrelu_2") == (11, 11, 32)
    assert layers[1].Weights is None and layers[1].Name == ""  # the array is left alone
    assert net.InputNames == ["imageinput"] and net.OutputNames == ["classoutput"]


def test_glorot_initialization_and_seed():
    first = nnplay.assembleNetwork(spec_layers(), seed=5)
    again = nnplay.assembleNetwork(spec_layers(), seed=5)
    other = nnplay.assembleNetwork(spec_layers(), seed=6)

    weights = nnplay.to_numpy(first.Layers["conv_2"].Weights)
    bound = numpy.sqrt(6 / (9 * 16 + 9 * 32))
    assert numpy.abs(weights).max() <= bound and numpy.abs(weights).max() > 0.9 * bound
    assert numpy.all(nnplay.to_numpy(first.Layers["conv_2"].Bias) == 0)
    assert numpy.array_equal(weights, nnplay.to_numpy(again.Layers["conv_2"].Weights))
    assert not numpy.array_equal(
        weights, nnplay.to_numpy(other.Layers["conv_2"].Weights)
    )


def test_default_names_avoid_names_in_use():
    layers = [
        nnplay.imageInputLayer([4, 4]),
        nnplay.reluLayer("Name", "relu_1"),
        nnplay.reluLayer(),
        nnplay.reluLayer(),
        nnplay.fullyConnectedLayer(2),
        nnplay.softmaxLayer(),
        nnplay.classificationLayer(),
    ]

    assert nnplay.network.default_names(layers)[1:4] == ["relu_1", "relu_2", "relu_3"]


def test_scale_changes_the_next_forward_pass_without_rebuild(rng):
    net = nnplay.assembleNetwork(spec_layers())
    X = rng.normal(size=(1, 28, 28, 1)) * 50

    before = nnplay.to_numpy(net.activations(X, "leakyrelu_1"))
    net.Layers["leakyrelu_1"].Scale = 0.5
    after = nnplay.to_numpy(net.activations(X, "leakyrelu_1"))
    entering = nnplay.to_numpy(net.activations(X, "batchnorm_1"))

    negative = entering < 0
    assert_close(before[negative], 0.01 * entering[negative], scale=10)
    assert_close(after[negative], 0.5 * entering[negative], scale=10)


def test_predict_classify_and_activations(rng):
    net = nnplay.assembleNetwork(spec_layers())
    X = rng.integers(0, 256, size=(5, 28, 28, 1)).astype(numpy.uint8)

    scores = net.predict(X)
    labels, same = nnplay.classify(net, X)
    pooled, fc = nnplay.activations(net, X, ["maxpool", "fc"])

    assert scores.shape == (5, 10)
    assert_close(scores.sum(axis=1), numpy.ones(5), scale=10)
    assert numpy.array_equal(labels, nnplay.to_numpy(scores).argmax(axis=1))
    assert pooled.shape == (5, 13, 13, 16) and fc.shape == (5, 10)
    assert_close(nnplay.predict(net, X[0, :, :, 0]), scores[:1])
    assert_close(net.predict(X, MiniBatchSize=2), scores)


def test_inference_and_gradients_leave_the_network_unchanged(rng):
    net = nnplay.assembleNetwork(spec_layers())
    X = rng.normal(size=(4, 28, 28, 1))
    before = {
        key: nnplay.to_numpy(value).copy() for key, value in net.learnables().items()
    }
    mean = nnplay.to_numpy(net.Layers["batchnorm_1"].TrainedMean).copy()

    net.predict(X)
    nnplay.gradients(net, X, [1, 2, 3, 4])

    for key, value in net.learnables().items():
        assert numpy.array_equal(before[key], nnplay.to_numpy(value))
    assert numpy.array_equal(
        mean, nnplay.to_numpy(net.Layers["batchnorm_1"].TrainedMean)
    )


def test_gradients_keys_and_flow():
    net = nnplay.assembleNetwork(spec_layers())

    loss, grads = nnplay.gradients(net, numpy.zeros((2, 28, 28, 1)), [3, 5])

    assert loss == pytest.approx(
        numpy.log(10), rel=1e-5
    )  # all-zero input: uniform scores
    assert grads["conv_1", "Weights"].shape == (3, 3, 1, 16)
    assert list(grads)[0] == ("conv_1", "Weights") and len(grads) == 10
    assert set(grads.outputs) == set(net.Layers.names[1:-1])
    with pytest.raises(KeyError, match="no learnable"):
        grads["conv_1", "Scale"]
    with pytest.raises(ValueError, match="labels must be among the classes"):
        nnplay.gradients(net, numpy.zeros((1, 28, 28, 1)), [10])


def test_wrong_input_size_names_layer_index_and_sizes():
    net = nnplay.assembleNetwork(spec_layers())

    with pytest.raises(
        nnplay.InputSizeError,
        match=r"^Layer 'imageinput' \(layer 1\) expects input of size 28x28x1; got size 32x32x3\.$",
    ):
        net.predict(numpy.zeros((1, 32, 32, 3)))
    with pytest.raises(
        nnplay.InputSizeError,
        match=r"^Layer 'conv' expects input of 1 channel\(s\); got 3",
    ):
        conv = nnplay.convolution2dLayer(
            3, 2, "Name", "conv", "Weights", numpy.ones((3, 3, 1, 2))
        )
        conv.predict(numpy.zeros((1, 5, 5, 3)))


def test_analysis_of_the_example():
    report = nnplay.analyzeNetwork(spec_layers())

    assert report.problems == []
    assert [row["activations"] for row in report.rows] == [
        "28x28x1",
        "26x26x16",
        "26x26x16",
        "26x26x16",
        "13x13x16",
        "11x11x32",
        "11x11x32",
        "11x11x32",
        "1x1x10",
        "1x1x10",
        "1x1x10",
    ]
    assert report.rows[5]["learnables"] == {
        "Weights": (3, 3, 16, 32),
        "Bias": (1, 1, 32),
    }
    assert report.TotalLearnables == 160 + 32 + 4640 + 64 + 38730
    assert "No problems found." in repr(report) and "<table" in report._repr_html_()


def test_analysis_lists_every_problem():
    layers = [
        nnplay.convolution2dLayer(3, 4, "Name", "same"),
        nnplay.imageInputLayer([5, 5]),
        nnplay.convolution2dLayer(7, 4),
        nnplay.fullyConnectedLayer(3, "Name", "same"),
        nnplay.classificationLayer(),
        nnplay.reluLayer(),
    ]

    problems = nnplay.analyzeNetwork(layers).problems

    assert problems == [
        "Layers 1 and 4 have the same name 'same'; names must be unique.",
        "Layer 1 ('same') is a Convolution layer; the first layer must be an input layer such as imageInputLayer.",
        "Layer 2 ('imageinput') is an input layer; only the first layer can be one.",
        "Layer 3 ('conv') expects input of at least the padded size of one 7x7 filter; got size 5x5x1 with padding [0 0 0 0].",
        "Layer 5 ('classoutput') is an output layer; it must be the last layer.",
        "Layer 5 ('classoutput') is a classification layer; a softmax layer must come right before it.",
    ]
    with pytest.raises(
        ValueError, match="cannot be assembled into a network:\n  - Layers 1 and 4"
    ):
        nnplay.assembleNetwork(layers)


def test_analysis_of_missing_output_and_size_mismatch():
    layers = [
        nnplay.imageInputLayer([6, 6, 2]),
        nnplay.convolution2dLayer(3, 4, "NumChannels", 3),
        nnplay.fullyConnectedLayer(2),
    ]

    problems = nnplay.analyzeNetwork(layers).problems

    assert (
        problems[0] == "The array has no output layer: end it with classificationLayer."
    )
    assert (
        problems[1]
        == "Layer 2 ('conv') expects input of 3 channel(s); got 2 channel(s)."
    )
    assert nnplay.analyzeNetwork([]).problems == ["The layer array is empty."]


def test_network_display():
    net = nnplay.assembleNetwork(spec_layers())

    assert repr(net) == (
        "  SeriesNetwork with properties:\n\n"
        "         Layers: [11x1 Layer]\n"
        "     InputNames: {'imageinput'}\n"
        "    OutputNames: {'classoutput'}\n"
    )
    assert "'conv_1'        Convolution             16 3x3x1 convolutions" in repr(
        net.Layers
    )


def test_set_backend_refuses_unknown_and_unavailable(monkeypatch):
    with pytest.raises(
        ValueError, match="backend must be 'numpy' or 'cupy'; got 'torch'"
    ):
        nnplay.set_backend("torch")
    monkeypatch.setattr(backend, "_import_cupy", lambda: None)
    with pytest.raises(
        RuntimeError, match="backend 'cupy' was asked for, but CuPy cannot run here"
    ):
        nnplay.set_backend("cupy")
    assert nnplay.get_backend() in backend.BACKENDS


def test_backend_from_environment(monkeypatch):
    previous = backend.get_backend()
    monkeypatch.setenv("NNPLAY_BACKEND", "numpy")
    try:
        backend._initial_backend()
        assert backend.get_backend() == "numpy" and backend.xp() is numpy
    finally:
        backend.set_backend(previous)


def test_to_numpy():
    assert isinstance(nnplay.to_numpy([1, 2]), numpy.ndarray)
    array = numpy.ones(3)
    assert nnplay.to_numpy(array) is array


def test_one_layer_object_twice_becomes_two_layers():
    conv = nnplay.convolution2dLayer(3, 1)
    net = nnplay.assembleNetwork(
        [
            nnplay.imageInputLayer([8, 8, 1]),
            conv,
            conv,
            nnplay.fullyConnectedLayer(2),
            nnplay.softmaxLayer(),
            nnplay.classificationLayer(),
        ]
    )

    assert net.Layers.names[1:3] == ["conv_1", "conv_2"]
    assert net.Layers[1] is not net.Layers[2]
    _, grads = net.gradients(numpy.ones((2, 8, 8, 1)), [0, 1])
    assert ("conv_1", "Weights") in grads and ("conv_2", "Weights") in grads


def test_network_layers_are_read_only_but_their_properties_are_not():
    net = nnplay.assembleNetwork(spec_layers())

    for edit in (
        lambda: net.Layers.append(nnplay.reluLayer()),
        lambda: net.Layers.__setitem__(3, nnplay.reluLayer()),
        lambda: net.Layers.remove(3),
    ):
        with pytest.raises(TypeError, match="cannot be added, removed or replaced"):
            edit()
    net.Layers[3].Scale = 0.2
    assert net.Layers["leakyrelu_1"].Scale == 0.2
    copy = net.Layers.copy()
    copy.remove(3)
    assert len(copy) == 10 and len(net.Layers) == 11


def test_renamed_duplicates_are_reported_and_not_saved(tmp_path):
    net = nnplay.assembleNetwork(spec_layers())
    net.Layers["leakyrelu_1"].Name = "conv_2"

    with pytest.raises(ValueError, match="2 layers of the network are named 'conv_2'"):
        net.activations(numpy.zeros((1, 28, 28, 1)), "conv_2")
    with pytest.raises(
        ValueError, match="cannot be saved, since it could not be loaded again"
    ):
        nnplay.save_network(net, tmp_path / "net.npz")
    assert not (tmp_path / "net.npz").exists()


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda net: net.predict(numpy.zeros((0, 28, 28, 1))),
            "must hold at least one image",
        ),
        (
            lambda net: net.predict(None),
            "must be a real numeric array; got ndarray of dtype object",
        ),
        (
            lambda net: net.predict(numpy.zeros((1, 28, 28, 1), complex)),
            "dtype complex128",
        ),
        (
            lambda net: net.predict(numpy.zeros((2, 28, 28, 1)), MiniBatchSize=0),
            "MiniBatchSize must be a positive integer; got 0",
        ),
        (
            lambda net: net.gradients(numpy.zeros((4, 28, 28, 1)), [1, 2, 3]),
            "got 3 labels for 4 images",
        ),
        (
            lambda net: net.activations(numpy.zeros((1, 28, 28, 1)), []),
            "at least one layer",
        ),
    ],
)
def test_bad_calls_say_what_was_wrong(call, message):
    net = nnplay.assembleNetwork(spec_layers())

    with pytest.raises((ValueError, TypeError), match=message):
        call(net)


def test_misspelt_properties_are_refused():
    layer = nnplay.leakyReluLayer(0.1)

    with pytest.raises(
        AttributeError, match="has no property 'scale'; did you mean 'Scale'"
    ):
        layer.scale = 0.5
    assert layer.Scale == 0.1


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: nnplay.batchNormalizationLayer("TrainedVariance", -1.0),
            "TrainedVariance must be at least 0",
        ),
        (
            lambda: nnplay.imageInputLayer(
                [2, 2], "Normalization", "zscore", "StandardDeviation", 0
            ),
            "StandardDeviation must be positive",
        ),
        (
            lambda: nnplay.imageInputLayer([2, 2], "Mean", float("nan")),
            "Mean must hold finite values",
        ),
        (lambda: nnplay.imageInputLayer(28), r"InputSize must be \[height width\]"),
    ],
)
def test_invalid_statistics_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rescale_range_must_be_increasing():
    layer = nnplay.imageInputLayer(
        [2, 2], "Normalization", "rescale-zero-one", "Min", 1, "Max", 1
    )

    with pytest.raises(ValueError, match="Max must be greater than Min"):
        layer.predict(numpy.ones((2, 2)))
