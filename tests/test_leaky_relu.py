"""The leaky ReLU layer: values, gradient, special numbers, arguments, display."""

import math

import numpy
import pytest
from conftest import assert_close
from gradcheck import assert_gradient, numerical_gradient

import nnplay
from nnplay import backend
from nnplay.layers import leaky_relu, leaky_relu_derivative


def test_hand_computed_values_and_gradient(xp):
    layer = nnplay.leakyReluLayer(0.1)
    X = xp.asarray([[-2.0, -0.5, 0.0, 0.25, 3.0]])

    Z = layer.predict(X)
    dX, grads = layer.backward(X, Z, xp.ones_like(X), None)

    assert_close(Z, [[-0.2, -0.05, 0.0, 0.25, 3.0]])
    assert_close(dX, [[0.1, 0.1, 1.0, 1.0, 1.0]])
    assert grads == {}


@pytest.mark.parametrize("scale", [0.0, 0.01, 0.3, 1.0, -0.5, 2.0])
def test_matches_the_definition_for_any_finite_scale(xp, rng, scale):
    values = rng.normal(size=(4, 5, 5, 3))
    expected = numpy.where(values >= 0, values, scale * values)

    Z = leaky_relu(xp.asarray(values), scale)

    assert_close(Z, expected)


def test_derivative_at_zero_and_negative_zero_is_one(xp):
    X = xp.asarray([0.0, -0.0, -1e-30, 1e-30])

    slope = leaky_relu_derivative(X, 0.2)
    dX, _ = nnplay.leakyReluLayer(0.2).backward(X, None, xp.full(4, 3.0), None)

    assert_close(slope, [1.0, 1.0, 0.2, 1.0])
    assert_close(dX, [3.0, 3.0, 0.6, 3.0])


def test_special_values(xp):
    X = xp.asarray([numpy.nan, numpy.inf, -numpy.inf])

    leaky = backend.to_numpy(leaky_relu(X, 0.1))
    relu = backend.to_numpy(leaky_relu(X, 0.0))
    negative = backend.to_numpy(leaky_relu(X, -2.0))

    assert math.isnan(leaky[0]) and leaky[1] == numpy.inf and leaky[2] == -numpy.inf
    assert math.isnan(relu[0]) and relu[1] == numpy.inf and relu[2] == 0.0
    assert negative[2] == numpy.inf


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_output_dtype_follows_input(xp, dtype):
    X = xp.asarray([-1.0, 2.0], dtype=dtype)
    layer = nnplay.leakyReluLayer(0.3)

    Z = layer.predict(X)
    dX, _ = layer.backward(X, Z, xp.ones_like(X), None)

    assert Z.dtype == dtype and dX.dtype == dtype
    assert_close(Z, numpy.array([-0.3, 2.0]), dtype=dtype)


def test_integer_input_becomes_float32(xp):
    Z = nnplay.leakyReluLayer(0.5).predict(xp.asarray([-2, 4]))

    assert Z.dtype == numpy.float32
    assert_close(Z, [-1.0, 4.0])


def test_input_is_never_modified(xp, rng):
    values = rng.normal(size=(2, 3, 3, 2))
    X = xp.asarray(values)
    layer = nnplay.leakyReluLayer(0.1)

    Z = layer.predict(X)
    layer.backward(X, Z, xp.ones_like(X), None)

    assert_close(X, values)


def test_finite_difference_gradient(rng):
    values = rng.normal(size=(2, 4, 4, 3))
    values[numpy.abs(values) < 1e-3] = 0.5  # keep away from the kink
    upstream = rng.normal(size=values.shape)
    layer = nnplay.leakyReluLayer(0.07)

    def loss():
        return numpy.sum(layer.predict(values) * upstream)

    dX, _ = layer.backward(values, layer.predict(values), upstream, None)
    assert_gradient(dX, numerical_gradient(loss, values))


@pytest.mark.parametrize(
    "call",
    [
        lambda: nnplay.leakyReluLayer(),
        lambda: nnplay.leakyReluLayer(0.01),
        lambda: nnplay.leakyReluLayer(scale=0.01),
        lambda: nnplay.LeakyReLULayer(),
    ],
)
def test_default_scale(call):
    assert call().Scale == 0.01


def test_constructor_spellings_agree():
    layers = [
        nnplay.leakyReluLayer(0.1, "Name", "leaky1"),
        nnplay.leakyReluLayer(0.1, "name", "leaky1"),
        nnplay.leakyReluLayer(0.1, Name="leaky1"),
        nnplay.leakyReluLayer(Scale=0.1, name="leaky1"),
    ]

    assert all(layer.Name == "leaky1" and layer.Scale == 0.1 for layer in layers)
    assert layers[0] == layers[3]


def test_accepts_zero_dimensional_arrays(xp):
    assert nnplay.leakyReluLayer(numpy.float32(0.25)).Scale == 0.25
    assert nnplay.leakyReluLayer(xp.asarray(0.5)).Scale == 0.5


@pytest.mark.parametrize(
    "value, shown",
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (None, "None"),
        (1 + 2j, r"\(1\+2j\)"),
        ("0.1", "'0.1'"),
        ([0.1, 0.2], r"\[0.1, 0.2\]"),
        (numpy.array([0.1]), r"array\(\[0.1\]\)"),
        (True, "True"),
    ],
)
def test_bad_scale_is_refused_naming_scale_and_value(value, shown):
    with pytest.raises(
        ValueError, match=rf"^Scale must be a finite real scalar; got {shown}"
    ):
        nnplay.leakyReluLayer(value)


def test_setting_a_bad_scale_keeps_the_old_one():
    layer = nnplay.leakyReluLayer(0.2)

    with pytest.raises(ValueError, match="Scale"):
        layer.Scale = float("nan")

    assert layer.Scale == 0.2


def test_bad_arguments():
    with pytest.raises(TypeError, match="unknown option 'Nmae'"):
        nnplay.leakyReluLayer(0.1, "Nmae", "x")
    with pytest.raises(TypeError, match="come in pairs"):
        nnplay.leakyReluLayer(0.1, "Name")
    with pytest.raises(TypeError, match="given twice"):
        nnplay.leakyReluLayer(0.1, "Name", "a", name="b")
    with pytest.raises(ValueError, match="Name must be a character vector"):
        nnplay.leakyReluLayer(0.1, "Name", 3)


def test_read_only_properties():
    layer = nnplay.leakyReluLayer()

    assert (layer.NumInputs, layer.InputNames) == (1, ["in"])
    assert (layer.NumOutputs, layer.OutputNames) == (1, ["out"])
    for name in ("NumInputs", "InputNames", "NumOutputs", "OutputNames"):
        with pytest.raises(AttributeError):
            setattr(layer, name, 2)


def test_display_matches_matlab():
    text = repr(nnplay.leakyReluLayer(0.1, "Name", "leaky1"))

    assert text == (
        "  LeakyReLULayer with properties:\n"
        "\n"
        "     Name: 'leaky1'\n"
        "\n"
        "   Hyperparameters\n"
        "    Scale: 0.1000\n"
    )


def test_html_display():
    html = nnplay.leakyReluLayer(0.1, "Name", "leaky1")._repr_html_()

    assert "<table" in html and "LeakyReLULayer" in html and "0.1000" in html


@pytest.mark.parametrize("scale", [1e39, -1e39, 1e-50, 3000.0, -0.04])
def test_scales_at_the_edges_of_float32(scale):
    X = numpy.array([-1.0, 0.0, 2.0, -numpy.inf], dtype=numpy.float32)

    with numpy.errstate(all="raise"):
        Z = leaky_relu(X, scale)
        slope = leaky_relu_derivative(X, scale)

    expected = (
        numpy.float32(scale)
        if abs(scale) < 1e38
        else numpy.float32(numpy.copysign(numpy.inf, scale))
    )
    assert Z[1] == 0.0 and Z[2] == 2.0
    assert slope[1] == 1.0 and slope[2] == 1.0  # exactly 1 for x >= 0
    assert slope[0] == expected
