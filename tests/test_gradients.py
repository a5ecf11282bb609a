"""Every backward pass against central finite differences, in float64."""

import numpy
import pytest
from gradcheck import assert_gradient, numerical_gradient

import nnplay


def check_layer(layer, X, rng, training=True):
    """Check dX and every parameter gradient of ``layer`` at input ``X``.

    The loss is ``sum(Z * R)`` for a fixed random ``R``, so the upstream
    gradient is ``R``.
    """
    run = layer.forward if training else (lambda inputs: (layer.predict(inputs), None))
    Z, memory = run(X)
    R = rng.normal(size=Z.shape)

    def loss():
        return numpy.sum(run(X)[0] * R)

    dX, grads = layer.backward(X, Z, R, memory)

    assert_gradient(dX, numerical_gradient(loss, X))
    for name in layer.LEARNABLES:
        parameter = getattr(layer, "_" + name)
        assert_gradient(grads[name], numerical_gradient(loss, parameter))
    return grads


def float64_layer(layer, input_size, rng):
    """Initialize a layer for ``input_size`` and turn its learnables to float64."""
    layer.initialize(input_size, numpy.random.default_rng(7))
    for name in (*layer.LEARNABLES, *layer.STATE):
        value = nnplay.to_numpy(getattr(layer, name)).astype(numpy.float64)
        noise = rng.normal(scale=0.1, size=value.shape)
        if name == "TrainedVariance":
            noise = numpy.abs(noise)
        setattr(layer, name, value + noise)
    return layer


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"Stride": 2},
        {"Padding": 1},
        {"Padding": [0, 1, 2, 1], "Stride": [2, 1]},
        {"Padding": "same", "Stride": 2},
        {"DilationFactor": 2, "Padding": 1},
    ],
)
@pytest.mark.parametrize("channels", [1, 3])
def test_convolution(rng, options, channels):
    layer = float64_layer(
        nnplay.convolution2dLayer(3, 2, **options), (6, 5, channels), rng
    )

    check_layer(layer, rng.normal(size=(2, 6, 5, channels)), rng)


def test_convolution_without_input_gradient_gives_the_same_parameter_gradients(rng):
    layer = float64_layer(nnplay.convolution2dLayer(3, 4), (5, 5, 1), rng)
    X = rng.normal(size=(2, 5, 5, 1))
    Z, memory = layer.forward(X)
    dZ = rng.normal(size=Z.shape)

    full = layer.backward(X, Z, dZ, memory)[1]
    dX, partial = layer.backward(X, Z, dZ, memory, input_gradient=False)

    assert dX is None
    for name in full:
        numpy.testing.assert_array_equal(full[name], partial[name])


@pytest.mark.parametrize("shape", [(4, 3, 3, 2), (6, 5)])
def test_batch_normalization_training(rng, shape):
    layer = float64_layer(
        nnplay.batchNormalizationLayer(),
        shape[1:] if len(shape) == 4 else (1, 1, 5),
        rng,
    )

    check_layer(layer, rng.normal(loc=2.0, size=shape), rng)


def test_batch_normalization_inference(rng):
    layer = float64_layer(nnplay.batchNormalizationLayer(), (3, 3, 2), rng)
    layer.TrainedVariance = nnplay.to_numpy(layer.TrainedVariance) ** 2 + 0.5
    X = rng.normal(size=(2, 3, 3, 2))
    R = rng.normal(size=X.shape)

    # In inference batch norm is affine per channel: z = a x + b.
    a = nnplay.to_numpy(layer.Scale) / numpy.sqrt(
        nnplay.to_numpy(layer.TrainedVariance) + layer.Epsilon
    )
    numeric = numerical_gradient(lambda: numpy.sum(layer.predict(X) * R), X)
    assert_gradient(R * a, numeric)


@pytest.mark.parametrize(
    "layer",
    [
        nnplay.leakyReluLayer(0.1),
        nnplay.leakyReluLayer(-0.4),
        nnplay.reluLayer(),
        nnplay.clippedReluLayer(0.8),
        nnplay.eluLayer(1.5),
        nnplay.softmaxLayer(),
    ],
    ids=lambda layer: layer.CLASS_NAME,
)
def test_activations(rng, layer):
    X = rng.normal(size=(3, 2, 2, 4))
    X[numpy.abs(X) < 1e-3] = 0.3  # away from the kinks at 0
    X[numpy.abs(X - 0.8) < 1e-3] = 0.5

    check_layer(layer, X, rng)


@pytest.mark.parametrize(
    "options",
    [{"Stride": 2}, {"Stride": 1}, {"Stride": 2, "Padding": 1}, {"Padding": "same"}],
)
@pytest.mark.parametrize("pool_size", [2, 3])
def test_max_pooling(rng, options, pool_size):
    layer = nnplay.maxPooling2dLayer(pool_size, **options)
    # A permutation keeps every value distinct, so no window has a tie.
    X = rng.permutation(2 * 5 * 5 * 3).reshape(2, 5, 5, 3) / 10.0

    check_layer(layer, X, rng)


def test_fully_connected(rng):
    layer = float64_layer(nnplay.fullyConnectedLayer(3), (2, 2, 3), rng)

    check_layer(layer, rng.normal(size=(4, 2, 2, 3)), rng)


@pytest.mark.parametrize("normalization", ["zscore", "rescale-zero-one", "zerocenter"])
def test_image_input(rng, normalization):
    layer = nnplay.imageInputLayer([3, 3, 2], "Normalization", normalization)
    images = rng.normal(size=(5, 3, 3, 2))
    layer.compute_statistics(images)
    for name in ("Mean", "StandardDeviation", "Min", "Max"):
        if getattr(layer, name) is not None:
            setattr(
                layer, name, nnplay.to_numpy(getattr(layer, name)).astype(numpy.float64)
            )

    check_layer(layer, rng.normal(size=(2, 3, 3, 2)), rng, training=False)


def test_cross_entropy(rng):
    layer = nnplay.classificationLayer()
    Y = rng.uniform(0.1, 1.0, size=(4, 5))
    T = numpy.eye(5)[[0, 3, 3, 1]]

    numeric = numerical_gradient(lambda: layer.forwardLoss(Y, T), Y)

    assert_gradient(layer.backwardLoss(Y, T), numeric)


def small_network(scale=0.1):
    """A network with every layer type of the example, small enough to check whole."""
    return [
        nnplay.imageInputLayer([7, 7, 1]),
        nnplay.convolution2dLayer(3, 3, "Padding", 1),
        nnplay.batchNormalizationLayer(),
        nnplay.leakyReluLayer(scale),
        nnplay.maxPooling2dLayer(2, "Stride", 2),
        nnplay.convolution2dLayer(2, 4),
        nnplay.batchNormalizationLayer(),
        nnplay.leakyReluLayer(scale),
        nnplay.fullyConnectedLayer(3),
        nnplay.softmaxLayer(),
        nnplay.classificationLayer(),
    ]


def float64_network(layers, rng):
    net = nnplay.assembleNetwork(layers, seed=3)
    for layer in net.Layers:
        for name in (*layer.LEARNABLES, *layer.STATE):
            if getattr(layer, name) is None:
                continue
            value = nnplay.to_numpy(getattr(layer, name)).astype(numpy.float64)
            noise = rng.normal(scale=0.05, size=value.shape)
            if name in ("TrainedVariance", "StandardDeviation"):
                noise = numpy.abs(noise)
            setattr(layer, name, value + noise)
    return net


def check_network(net, X, labels, rng, entries=None):
    loss, grads = net.gradients(X, labels)

    def recompute():
        return net.gradients(X, labels)[0]

    assert numpy.isclose(recompute(), loss)
    for (layer_name, name), gradient in grads.items():
        parameter = getattr(net.Layers[layer_name], "_" + name)
        numeric = numerical_gradient(recompute, parameter, entries=entries, rng=rng)
        assert_gradient(gradient, numeric, rtol=1e-5, atol=1e-8)
    return grads


def test_whole_small_network_end_to_end(rng):
    net = float64_network(small_network(), rng)
    X = rng.normal(size=(4, 7, 7, 1))

    grads = check_network(net, X, [0, 1, 2, 1], rng)

    assert len(grads) == 10


def test_example_network_end_to_end_on_sampled_entries(rng):
    net = float64_network(nnplay.examples.example_cnn(scale=0.2), rng)
    X = rng.uniform(0, 255, size=(3, 28, 28, 1))

    check_network(net, X, [3, 7, 7], rng, entries=6)


def test_gradient_reaching_each_layer(rng):
    net = float64_network(small_network(), rng)
    X = rng.normal(size=(4, 7, 7, 1))
    labels = [0, 1, 2, 1]
    T = net.targets(labels, X.dtype)
    _, grads = net.gradients(X, labels)

    def loss_with(position, shift):
        # Training mode throughout, as gradients() computes.
        Z = X
        for index, layer in enumerate(net.Layers):
            if layer.IS_OUTPUT:
                return float(layer.forwardLoss(Z, T))
            Z = layer.forward(Z)[0]
            if index == position:
                Z = Z + shift

    # Shifting a layer's output by e changes the loss by <gradient, e>.
    for position in (3, 5, 8, 9):
        name = net.Layers[position].Name
        direction = rng.normal(size=grads.outputs[name].shape)
        numeric = (
            loss_with(position, 1e-6 * direction)
            - loss_with(position, -1e-6 * direction)
        ) / 2e-6

        assert numpy.isclose(
            numpy.sum(grads.outputs[name] * direction), numeric, rtol=1e-5
        )
