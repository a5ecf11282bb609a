"""Property-based tests: convolution and pooling against their definitions."""

import math

import numpy
from conftest import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

import nnplay

sizes = st.integers(1, 7)
small = st.integers(1, 3)
paddings = st.one_of(
    st.just("same"),
    st.integers(0, 2),
    st.tuples(
        st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)
    ),
)


def explicit_padding(padding, input_size, filter_size, stride):
    if padding == "same":
        sides = []
        for size, filt, step in zip(input_size, filter_size, stride):
            total = max((math.ceil(size / step) - 1) * step + filt - size, 0)
            sides += [total // 2, total - total // 2]
        return tuple(sides)
    if isinstance(padding, int):
        return (padding,) * 4
    return padding


def direct_convolution(X, W, b, stride, padding, dilation):
    """The convolution by its definition: a loop over every output value."""
    kh, kw, _, filters = W.shape
    top, bottom, left, right = padding
    Xp = numpy.pad(X, ((0, 0), (top, bottom), (left, right), (0, 0)))
    span_h, span_w = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    out_h = (Xp.shape[1] - span_h) // stride[0] + 1
    out_w = (Xp.shape[2] - span_w) // stride[1] + 1
    Z = numpy.zeros((X.shape[0], out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * stride[0], i * stride[0] + span_h, dilation[0])
            cols = slice(j * stride[1], j * stride[1] + span_w, dilation[1])
            patch = Xp[:, rows, cols, :]
            Z[:, i, j, :] = numpy.einsum("nuvc,uvcf->nf", patch, W) + b
    return Z


def direct_max_pooling(X, pool, stride, padding):
    top, bottom, left, right = padding
    Xp = numpy.pad(
        X, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-numpy.inf
    )
    out_h = (Xp.shape[1] - pool[0]) // stride[0] + 1
    out_w = (Xp.shape[2] - pool[1]) // stride[1] + 1
    Z = numpy.empty((X.shape[0], out_h, out_w, X.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = Xp[
                :,
                i * stride[0] : i * stride[0] + pool[0],
                j * stride[1] : j * stride[1] + pool[1],
                :,
            ]
            Z[:, i, j, :] = window.max(axis=(1, 2))
    return Z


@settings(max_examples=60, deadline=None)
@given(
    height=sizes,
    width=sizes,
    channels=small,
    filters=small,
    filter_size=st.tuples(small, small),
    stride=st.tuples(small, small),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=paddings,
    seed=st.integers(0, 2**16),
)
def test_convolution_matches_its_definition(
    height, width, channels, filters, filter_size, stride, dilation, padding, seed
):
    rng = numpy.random.default_rng(seed)
    span = tuple((k - 1) * d + 1 for k, d in zip(filter_size, dilation))
    sides = explicit_padding(padding, (height, width), span, stride)
    expected_h = (height + sides[0] + sides[1] - span[0]) // stride[0] + 1
    expected_w = (width + sides[2] + sides[3] - span[1]) // stride[1] + 1
    W = rng.normal(size=(*filter_size, channels, filters))
    b = rng.normal(size=filters)
    conv = nnplay.convolution2dLayer(
        filter_size,
        filters,
        "Stride",
        stride,
        "DilationFactor",
        dilation,
        "Padding",
        padding,
        "Weights",
        W,
        "Bias",
        b,
    )
    X = rng.normal(size=(2, height, width, channels))

    if expected_h < 1 or expected_w < 1:
        try:
            conv.output_size((height, width, channels))
        except nnplay.InputSizeError as error:
            assert "expects input of at least" in str(error)
            return
        raise AssertionError("an empty output must be refused")

    assert conv.output_size((height, width, channels)) == (
        expected_h,
        expected_w,
        filters,
    )
    if padding == "same":
        assert (expected_h, expected_w) == (
            math.ceil(height / stride[0]),
            math.ceil(width / stride[1]),
        )
    assert_close(
        conv.predict(X), direct_convolution(X, W, b, stride, sides, dilation), scale=100
    )


@settings(max_examples=60, deadline=None)
@given(
    height=sizes,
    width=sizes,
    pool=st.tuples(small, small),
    stride=st.tuples(small, small),
    padding=paddings,
    seed=st.integers(0, 2**16),
)
def test_max_pooling_matches_its_definition(height, width, pool, stride, padding, seed):
    rng = numpy.random.default_rng(seed)
    sides = explicit_padding(padding, (height, width), pool, stride)
    expected_h = (height + sides[0] + sides[1] - pool[0]) // stride[0] + 1
    expected_w = (width + sides[2] + sides[3] - pool[1]) // stride[1] + 1
    layer = nnplay.maxPooling2dLayer(pool, "Stride", stride, "Padding", padding)
    X = rng.normal(size=(2, height, width, 2))

    if expected_h < 1 or expected_w < 1:
        try:
            layer.output_size((height, width, 2))
        except nnplay.InputSizeError:
            return
        raise AssertionError("an empty output must be refused")

    Z, memory = layer.forward(X)
    dX, _ = layer.backward(X, Z, numpy.ones_like(Z), memory)

    assert Z.shape == (2, expected_h, expected_w, 2)
    expected = direct_max_pooling(X, pool, stride, sides)
    assert_close(Z, expected)
    # Every output sends its gradient to exactly one input, one that holds its value.
    assert dX.sum() == Z.size or numpy.isinf(expected).any()
