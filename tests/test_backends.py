"""numpy against CuPy: the same network, the same numbers (needs a GPU)."""

import numpy
import pytest
from conftest import cupy_available

import nnplay
from nnplay import backend

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not cupy_available(), reason="CuPy with a CUDA device is not available"
    ),
]


@pytest.fixture
def on_each_backend():
    """Run a function on numpy, then on CuPy; return both results on the host."""
    previous = backend.get_backend()

    def run(function):
        results = []
        for name in ("numpy", "cupy"):
            backend.set_backend(name)
            results.append(function())
        return results

    yield run
    backend.set_backend(previous)


def host(value):
    if isinstance(value, dict):
        return {key: host(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [host(item) for item in value]
    return nnplay.to_numpy(value)


@pytest.mark.parametrize(
    "dtype, tolerance", [(numpy.float32, 2e-4), (numpy.float64, 1e-10)]
)
def test_example_network_agrees(on_each_backend, dtype, tolerance):
    rng = numpy.random.default_rng(0)
    images = rng.uniform(0, 255, size=(8, 28, 28, 1)).astype(dtype)
    labels = rng.integers(0, 10, size=8)

    def compute():
        net = nnplay.assembleNetwork(nnplay.examples.example_cnn(0.1), seed=0)
        scores = net.predict(backend.to_backend(images))
        maps = net.activations(images, ["batchnorm_1", "leakyrelu_1", "maxpool"])
        loss, grads = net.gradients(images, labels)
        return host([scores, maps, loss, dict(grads), grads.outputs])

    on_numpy, on_cupy = on_each_backend(compute)

    for a, b in zip(on_numpy[1], on_cupy[1]):
        numpy.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance * 10)
    numpy.testing.assert_allclose(
        on_numpy[0], on_cupy[0], rtol=tolerance, atol=tolerance
    )
    assert abs(float(on_numpy[2]) - float(on_cupy[2])) < tolerance * 10
    for key in on_numpy[3]:
        numpy.testing.assert_allclose(
            on_numpy[3][key], on_cupy[3][key], rtol=tolerance * 10, atol=tolerance
        )


def test_special_values_and_ties_agree(on_each_backend):
    values = numpy.array([[[[numpy.nan], [numpy.inf]], [[-numpy.inf], [-0.0]]]])
    tied = numpy.ones((1, 4, 4, 1))

    def compute():
        xp = backend.xp()
        layer = nnplay.leakyReluLayer(0.0)
        pool = nnplay.maxPooling2dLayer(2, "Stride", 2)
        Z, memory = pool.forward(xp.asarray(tied))
        dX, _ = pool.backward(xp.asarray(tied), Z, xp.ones_like(Z), memory)
        slope = nnplay.layers.leaky_relu_derivative(xp.asarray(values), 0.3)
        return host([layer.predict(xp.asarray(values)), dX, slope])

    on_numpy, on_cupy = on_each_backend(compute)

    for a, b in zip(on_numpy, on_cupy):
        numpy.testing.assert_array_equal(a, b)


def test_float16_stays_float16(on_each_backend):
    def compute():
        xp = backend.xp()
        return str(
            nnplay.leakyReluLayer(0.2).predict(xp.ones(3, dtype=xp.float16)).dtype
        )

    assert on_each_backend(compute) == ["float16", "float16"]
