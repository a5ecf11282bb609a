"""Hand-computed cases for every layer, on every backend."""

import math
import warnings

import numpy
import pytest
from conftest import assert_close

import nnplay


def test_convolution_hand_computed(xp):
    conv = nnplay.convolution2dLayer(
        2, 1, "Weights", numpy.ones((2, 2, 1, 1)), "Bias", 1.0
    )
    X = xp.arange(9.0).reshape(1, 3, 3, 1)

    Z = conv.predict(X)

    assert_close(Z[0, :, :, 0], [[9.0, 13.0], [21.0, 25.0]])


def test_convolution_stride_padding_and_channels(xp):
    # Two input channels, two filters; weights chosen so each output is easy to sum.
    weights = numpy.zeros((3, 3, 2, 2))
    weights[1, 1, 0, 0] = 1.0  # filter 1: the centre of channel 1
    weights[:, :, 1, 1] = 1.0  # filter 2: the 3x3 sum of channel 2
    conv = nnplay.convolution2dLayer(
        3, 2, "Stride", 2, "Padding", 1, "Weights", weights, "Bias", [0.0, 10.0]
    )
    X = numpy.zeros((1, 3, 3, 2))
    X[0, :, :, 0] = numpy.arange(9.0).reshape(3, 3)
    X[0, :, :, 1] = 1.0

    Z = conv.predict(xp.asarray(X))

    assert Z.shape == (1, 2, 2, 2)
    assert_close(Z[0, :, :, 0], [[0.0, 2.0], [6.0, 8.0]])
    assert_close(Z[0, :, :, 1], [[14.0, 14.0], [14.0, 14.0]])


def test_convolution_dilation_and_same_padding(xp):
    conv = nnplay.convolution2dLayer(
        2,
        1,
        "DilationFactor",
        2,
        "Padding",
        "same",
        "Weights",
        numpy.ones((2, 2)),
        "Bias",
        0,
    )
    X = xp.arange(16.0).reshape(1, 4, 4, 1)

    Z = conv.predict(X)

    # Effective filter 3x3, 'same' pads 1 on each side; taps at (0,0), (0,2), (2,0), (2,2).
    padded = numpy.pad(numpy.arange(16.0).reshape(4, 4), 1)
    expected = padded[:4, :4] + padded[:4, 2:6] + padded[2:6, :4] + padded[2:6, 2:6]
    assert_close(Z[0, :, :, 0], expected)
    assert conv.PaddingMode == "same"


def test_batch_normalization_training_and_inference(xp):
    bn = nnplay.batchNormalizationLayer("Offset", 0.5, "Scale", 2.0, "Epsilon", 1e-5)
    bn.TrainedMean = 1.0
    bn.TrainedVariance = 4.0
    X = xp.asarray([1.0, 3.0]).reshape(2, 1, 1, 1)

    Z_train, memory = bn.forward(X)
    Z_infer = bn.predict(X)

    # Batch: mean 2, variance 1 -> xhat = -+1/sqrt(1 + eps).
    root = math.sqrt(1 + 1e-5)
    assert_close(Z_train.ravel(), [0.5 - 2 / root, 0.5 + 2 / root])
    # Trained: (x - 1) / sqrt(4 + eps) * 2 + 0.5.
    trained = math.sqrt(4 + 1e-5)
    assert_close(Z_infer.ravel(), [0.5, 0.5 + 4 / trained])


def test_batch_normalization_epsilon_once_inside_the_root(xp):
    bn = nnplay.batchNormalizationLayer(
        "Offset", 0, "Scale", 1, "TrainedMean", 0, "TrainedVariance", 0, "Epsilon", 0.25
    )

    Z = bn.predict(xp.asarray([[[[1.0]]]]))

    assert_close(Z.ravel(), [2.0])  # 1 / sqrt(0 + 0.25)


def test_batch_normalization_statistics_update_only_when_asked(xp):
    bn = nnplay.batchNormalizationLayer(
        "Offset",
        0,
        "Scale",
        1,
        "TrainedMean",
        0,
        "TrainedVariance",
        1,
        "MeanDecay",
        0.5,
    )
    X = xp.asarray([2.0, 4.0]).reshape(2, 1, 1, 1)

    bn.predict(X)
    _, memory = bn.forward(X)
    assert_close(bn.TrainedMean.ravel(), [0.0])

    bn.update_statistics(memory)

    assert_close(bn.TrainedMean.ravel(), [1.5])  # 0 + 0.5 * (3 - 0)
    assert_close(bn.TrainedVariance.ravel(), [1.1])  # 1 + 0.1 * (2 - 1), unbiased


def test_batch_normalization_refuses_one_value_per_channel(xp):
    bn = nnplay.batchNormalizationLayer("Name", "bn")
    bn.initialize((1, 1, 3), numpy.random.default_rng(0))

    with pytest.raises(
        ValueError, match="Layer 'bn' in training needs more than one value"
    ):
        bn.forward(xp.ones((1, 1, 1, 3)))


def test_max_pooling_hand_computed(xp):
    pool = nnplay.maxPooling2dLayer(2, "Stride", 2)
    X = xp.asarray(numpy.arange(16.0).reshape(1, 4, 4, 1))

    Z, memory = pool.forward(X)
    dX, _ = pool.backward(X, Z, xp.asarray([[[[1.0], [2.0]], [[3.0], [4.0]]]]), memory)

    assert_close(Z[0, :, :, 0], [[5.0, 7.0], [13.0, 15.0]])
    expected = numpy.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = 1, 2, 3, 4
    assert_close(dX[0, :, :, 0], expected)


@pytest.mark.parametrize(
    "window, winner",
    [
        ([[1.0, 1.0], [1.0, 1.0]], (0, 0)),
        ([[0.0, 5.0], [5.0, 1.0]], (0, 1)),
        ([[0.0, 1.0], [5.0, 5.0]], (1, 0)),
        ([[0.0, 5.0], [1.0, 5.0]], (0, 1)),
    ],
)
def test_max_pooling_ties_go_to_the_first_maximum_in_row_major_order(
    xp, window, winner
):
    pool = nnplay.maxPooling2dLayer(2)
    X = xp.asarray(numpy.array(window).reshape(1, 2, 2, 1))

    Z, memory = pool.forward(X)
    dX, _ = pool.backward(X, Z, xp.ones((1, 1, 1, 1)), memory)

    expected = numpy.zeros((2, 2))
    expected[winner] = 1.0
    assert_close(dX[0, :, :, 0], expected)


def test_max_pooling_overlapping_windows_and_padding(xp):
    pool = nnplay.maxPooling2dLayer(3, "Stride", 1, "Padding", 1)
    X = xp.asarray(numpy.array([[1.0, -2.0], [-3.0, -4.0]]).reshape(1, 2, 2, 1))

    Z, memory = pool.forward(X)
    dX, _ = pool.backward(X, Z, xp.ones((1, 2, 2, 1)), memory)

    assert_close(Z[0, :, :, 0], [[1.0, 1.0], [1.0, 1.0]])  # padding never wins
    assert_close(dX[0, :, :, 0], [[4.0, 0.0], [0.0, 0.0]])


def test_fully_connected_hand_computed(xp):
    fc = nnplay.fullyConnectedLayer(
        2, "Weights", [[1.0, 2.0], [3.0, 4.0]], "Bias", [0.5, -1]
    )
    X = xp.asarray([[1.0, 1.0], [2.0, 0.0]])

    Z = fc.predict(X)
    dX, grads = fc.backward(X, Z, xp.asarray([[1.0, 0.0], [0.0, 1.0]]), None)

    assert_close(Z, [[3.5, 6.0], [2.5, 5.0]])
    assert_close(dX, [[1.0, 2.0], [3.0, 4.0]])
    assert_close(grads["Weights"], [[1.0, 1.0], [2.0, 0.0]])
    assert_close(grads["Bias"], [[1.0], [1.0]])


def test_softmax_hand_computed_and_stable(xp):
    layer = nnplay.softmaxLayer()

    Z = layer.predict(xp.asarray([[0.0, math.log(2.0)], [800.0, 1.0]]))

    assert_close(Z, [[1 / 3, 2 / 3], [1.0, 0.0]])


def test_softmax_three_way_extreme_logits_without_warning(xp):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = nnplay.softmaxLayer().predict(
            xp.asarray([[800.0, 1.0, 1.0]], dtype=numpy.float32)
        )

    assert_close(Z, [[1.0, 0.0, 0.0]], dtype=numpy.float32)


def test_cross_entropy_hand_computed(xp):
    out = nnplay.classificationLayer()
    Y = xp.asarray([[0.5, 0.5], [0.25, 0.75]])
    T = xp.asarray([[1.0, 0.0], [0.0, 1.0]])

    loss = out.forwardLoss(Y, T)
    dY = out.backwardLoss(Y, T)

    assert_close(loss, (math.log(2) + math.log(4 / 3)) / 2)
    assert_close(dY, [[-1.0, 0.0], [0.0, -2 / 3]])


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_cross_entropy_of_a_zero_probability_is_finite(xp, dtype):
    out = nnplay.classificationLayer()
    Y = xp.asarray([[0.0, 1.0]], dtype=dtype)
    T = xp.asarray([[1.0, 0.0]], dtype=dtype)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = float(out.forwardLoss(Y, T))
        dY = nnplay.to_numpy(out.backwardLoss(Y, T))

    assert math.isfinite(loss) and loss > 80
    assert numpy.all(numpy.isfinite(dY))


def test_image_input_normalizations(xp):
    images = xp.asarray(
        numpy.array([[0, 2], [4, 6]], dtype=numpy.uint8).reshape(1, 2, 2, 1)
    )
    zerocenter = nnplay.imageInputLayer([2, 2], "Mean", 3.0)
    zscore = nnplay.imageInputLayer(
        [2, 2], "Normalization", "zscore", "Mean", 3.0, "StandardDeviation", 2.0
    )
    rescale = nnplay.imageInputLayer(
        [2, 2], "Normalization", "rescale-zero-one", "Min", 0, "Max", 8
    )
    none = nnplay.imageInputLayer([2, 2], "Normalization", "none")

    assert zerocenter.predict(images).dtype == numpy.float32
    assert_close(zerocenter.predict(images).ravel(), [-3.0, -1.0, 1.0, 3.0])
    assert_close(zscore.predict(images).ravel(), [-1.5, -0.5, 0.5, 1.5])
    assert_close(rescale.predict(images).ravel(), [0.0, 0.25, 0.5, 0.75])
    assert_close(none.predict(images).ravel(), [0.0, 2.0, 4.0, 6.0])


def test_image_input_statistics_from_data(xp):
    images = numpy.stack([numpy.full((2, 2, 2), v, dtype=numpy.uint8) for v in (1, 3)])
    images[:, :, :, 1] += 10
    channel = nnplay.imageInputLayer([2, 2, 2], "Normalization", "zscore")
    element = nnplay.imageInputLayer([2, 2, 2], "NormalizationDimension", "element")

    channel.compute_statistics(images)
    element.compute_statistics(images)

    assert_close(channel.Mean.ravel(), [2.0, 12.0])
    assert_close(channel.StandardDeviation.ravel(), [1.0, 1.0])
    assert element.Mean.shape == (2, 2, 2)


def test_image_input_accepts_one_image_and_batches(xp):
    layer = nnplay.imageInputLayer([4, 4, 1], "Normalization", "none")

    assert layer.predict(xp.zeros((4, 4))).shape == (1, 4, 4, 1)
    assert layer.predict(xp.zeros((4, 4, 1))).shape == (1, 4, 4, 1)
    assert layer.predict(xp.zeros((3, 4, 4))).shape == (3, 4, 4, 1)
    assert layer.predict(xp.zeros((3, 4, 4, 1))).shape == (3, 4, 4, 1)


def test_image_input_wrong_size_names_layer_and_sizes(xp):
    layer = nnplay.imageInputLayer([28, 28, 1], "Name", "digits")

    with pytest.raises(
        nnplay.InputSizeError,
        match=r"Layer 'digits' expects input of size 28x28x1; got size 32x32x1",
    ):
        layer.predict(xp.zeros((2, 32, 32, 1)))


@pytest.mark.parametrize(
    "layer, values, expected, slopes",
    [
        (nnplay.reluLayer(), [-1.0, 0.0, 2.0], [0.0, 0.0, 2.0], [0.0, 1.0, 1.0]),
        (
            nnplay.clippedReluLayer(1.5),
            [-1.0, 1.0, 2.0],
            [0.0, 1.0, 1.5],
            [0.0, 1.0, 0.0],
        ),
        (
            nnplay.eluLayer(2.0),
            [-1.0, 0.0, 2.0],
            [2 * (math.exp(-1) - 1), 0.0, 2.0],
            [2 * math.exp(-1), 1.0, 1.0],
        ),
    ],
)
def test_comparison_activations(xp, layer, values, expected, slopes):
    X = xp.asarray(values)

    Z = layer.predict(X)
    dX, _ = layer.backward(X, Z, xp.ones_like(X), None)

    assert_close(Z, expected)
    assert_close(dX, slopes)


def test_output_dtype_follows_input_through_every_layer(xp):
    net = nnplay.assembleNetwork(nnplay.examples.example_cnn())
    for dtype in (numpy.float16, numpy.float32, numpy.float64):
        outputs = net.activations(
            xp.zeros((2, 28, 28, 1), dtype=dtype), list(range(11))
        )
        assert {Z.dtype for Z in outputs} == {numpy.dtype(dtype)}


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: nnplay.convolution2dLayer(0, 4),
            "FilterSize must be a positive integer",
        ),
        (
            lambda: nnplay.convolution2dLayer(3, 2.5),
            "NumFilters must be a positive integer; got 2.5",
        ),
        (
            lambda: nnplay.convolution2dLayer(3, 4, "Padding", "valid"),
            "Padding must be 'same'",
        ),
        (
            lambda: nnplay.convolution2dLayer(3, 4, "Stride", [1, 2, 3]),
            "Stride must be",
        ),
        (lambda: nnplay.convolution2dLayer(3), "needs a FilterSize and NumFilters"),
        (lambda: nnplay.maxPooling2dLayer(2, "Padding", -1), "Padding must be"),
        (
            lambda: nnplay.batchNormalizationLayer("Epsilon", 0),
            "Epsilon must be greater than 0",
        ),
        (
            lambda: nnplay.batchNormalizationLayer("MeanDecay", 2),
            "MeanDecay must be between 0 and 1",
        ),
        (
            lambda: nnplay.fullyConnectedLayer(-3),
            "OutputSize must be a positive integer; got -3",
        ),
        (lambda: nnplay.clippedReluLayer(0), "Ceiling must be greater than 0"),
        (
            lambda: nnplay.eluLayer(float("inf")),
            "Alpha must be a finite real scalar; got inf",
        ),
        (
            lambda: nnplay.imageInputLayer([28, 28], "Normalization", "minmax"),
            "Normalization must be one of",
        ),
        (
            lambda: nnplay.fullyConnectedLayer(2, "Weights", numpy.ones((3, 4))),
            "Weights must have size 2x",
        ),
        (
            lambda: nnplay.convolution2dLayer(3, 4, "Bias", [1, 2]),
            "Bias must have size 1x1x4; got 2",
        ),
    ],
)
def test_bad_hyperparameters_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_read_only_hyperparameters():
    conv = nnplay.convolution2dLayer(3, 16)

    for name in ("FilterSize", "NumFilters", "NumChannels", "PaddingMode"):
        with pytest.raises(AttributeError):
            setattr(conv, name, 5)
    conv.Stride = 2
    assert conv.Stride == (2, 2)


def test_layer_displays_match_matlab():
    conv = repr(nnplay.convolution2dLayer(3, 16))
    bn = repr(nnplay.batchNormalizationLayer())

    assert "  Convolution2DLayer with properties:\n" in conv
    assert "        FilterSize: [3 3]\n" in conv
    assert "       PaddingSize: [0 0 0 0]\n" in conv
    assert "           Weights: []\n" in conv
    assert "            Epsilon: 1.0000e-05\n" in bn
    assert "   State Parameters\n        TrainedMean: []\n" in bn


def test_convolution_of_non_contiguous_input_matches(xp, rng):
    conv = nnplay.convolution2dLayer(
        3, 4, "Weights", rng.normal(size=(3, 3, 5, 4)), "Bias", rng.normal(size=4)
    )
    X = rng.normal(size=(2, 6, 7, 5))
    transposed = X.transpose(0, 2, 1, 3).copy().transpose(0, 2, 1, 3)

    assert_close(conv.predict(xp.asarray(transposed)), conv.predict(xp.asarray(X)))
    assert_close(conv.predict(xp.asarray(X[:, :, ::-1])), conv.predict(xp.asarray(X[:, :, ::-1].copy())))


@pytest.mark.parametrize(
    "layer",
    [
        nnplay.maxPooling2dLayer(2, "Stride", 2),
        nnplay.maxPooling2dLayer(3, "Stride", 1, "Padding", 1),
        nnplay.batchNormalizationLayer("Offset", [0.1, 0.2], "Scale", [1.5, 0.5], "TrainedMean", [0, 0], "TrainedVariance", [1, 1]),
        nnplay.convolution2dLayer(3, 2, "Weights", numpy.linspace(-1, 1, 36).reshape(3, 3, 2, 2), "Bias", [0.5, -0.5]),
        nnplay.leakyReluLayer(0.2),
    ],
    ids=lambda layer: layer.CLASS_NAME,
)
def test_backward_leaves_its_inputs_and_memory_as_they_were(xp, rng, layer):
    X = xp.asarray(rng.normal(size=(2, 6, 6, 2)))
    Z, memory = layer.forward(X)
    dZ = xp.asarray(rng.normal(size=Z.shape))
    kept = [nnplay.to_numpy(a).copy() for a in (X, Z, dZ)]

    first, _ = layer.backward(X, Z, dZ, memory)
    second, _ = layer.backward(X, Z, dZ, memory)

    assert_close(first, second)
    for before, after in zip(kept, (X, Z, dZ)):
        numpy.testing.assert_array_equal(before, nnplay.to_numpy(after))


def test_convolution_sees_weights_changed_in_place_or_replaced(xp):
    conv = nnplay.convolution2dLayer(1, 1, "Weights", [[[[2.0]]]], "Bias", [1.0])
    X = xp.ones((1, 2, 2, 1))
    assert_close(conv.predict(X).ravel(), [3.0] * 4)

    conv.Weights[...] = 5.0  # in place, as training updates it
    conv.Bias[...] = 0.5
    assert_close(conv.predict(X).ravel(), [5.5] * 4)

    conv.Weights = [[[[-1.0]]]]  # a new array
    assert_close(conv.predict(X).ravel(), [-0.5] * 4)
    conv.Stride = 2
    assert conv.predict(X).shape == (1, 1, 1, 1)
