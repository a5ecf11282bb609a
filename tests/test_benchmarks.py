"""Smoke tests of the helpers in benchmarks/bench_engine.py (no timings)."""

import importlib.util
from pathlib import Path

import numpy
import pytest

import nnplay

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_engine.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_engine", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def images_and_labels():
    rng = numpy.random.default_rng(3)
    images = rng.integers(0, 256, size=(2, 28, 28), dtype=numpy.uint8)
    return images, numpy.array([3, 7])


@pytest.fixture
def numpy_backend():
    previous = nnplay.get_backend()
    nnplay.set_backend("numpy")
    yield
    nnplay.set_backend(previous)


def test_fc_weights_reorder_hwc_to_chw(bench):
    # One output, a 1x2x2 (H, W, C) activation: nnplay's order is
    # (w0 c0, w0 c1, w1 c0, w1 c1), PyTorch's is (c0 w0, c0 w1, c1 w0, c1 w1).
    weights = numpy.array([[10.0, 11.0, 20.0, 21.0]])

    torch_order = bench.fc_to_torch(weights, (1, 2, 2))

    numpy.testing.assert_array_equal(torch_order, [[10.0, 20.0, 11.0, 21.0]])
    numpy.testing.assert_array_equal(
        bench.fc_from_torch(torch_order, (1, 2, 2)), weights
    )


def test_sgdm_step_is_matlab_update(bench, images_and_labels, numpy_backend):
    images, labels = images_and_labels
    net = bench.build_nnplay_network(images)
    X = images[..., None].astype(numpy.float32)
    T = net.targets(labels, X.dtype)
    grads = net.training_pass(X, T).grads
    before = {key: value.copy() for key, value in net.learnables().items()}
    mean_before = net.Layers["batchnorm_1"].TrainedMean.copy()

    bench.NnplaySGDM(net, rate=0.5, momentum=0.9, l2=0.01).step(X, T)

    # First step, zero velocity: w <- w - rate * (g + l2 * factor * w).
    after = net.learnables()
    expected_fc = before["fc", "Weights"] - 0.5 * (
        grads["fc", "Weights"] + 0.01 * before["fc", "Weights"]
    )
    expected_bias = before["fc", "Bias"] - 0.5 * grads["fc", "Bias"]  # factor 0
    numpy.testing.assert_allclose(after["fc", "Weights"], expected_fc, rtol=1e-5)
    numpy.testing.assert_allclose(after["fc", "Bias"], expected_bias, rtol=1e-5)
    assert not numpy.allclose(net.Layers["batchnorm_1"].TrainedMean, mean_before)


def test_epoch_seconds_takes_median_per_image(bench):
    calls = []

    per_image, total = bench.epoch_seconds(
        calls.append, numpy.arange(10), batch=4, chunks=2, synchronize=lambda: None
    )

    assert [list(batch) for batch in calls] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert 0 <= per_image <= total


def test_nnplay_and_torch_agree_on_two_images(bench, images_and_labels, numpy_backend):
    pytest.importorskip("torch")
    images, labels = images_and_labels
    net = bench.build_nnplay_network(images)

    single = bench.check_agreement(net, images, labels, "float32")
    double = bench.check_agreement(net, images, labels, "float64")

    assert len(single) == 12  # output, loss and 10 learnables
    assert double["gradient fc.Weights"][0] < 1e-12
    assert single["inference output"][0] < 1e-5


def test_agreement_catches_a_layout_mistake(
    bench, images_and_labels, numpy_backend, monkeypatch
):
    pytest.importorskip("torch")
    images, labels = images_and_labels
    net = bench.build_nnplay_network(images)
    # Copy the FC weights without reordering them: a different function.
    monkeypatch.setattr(bench, "fc_to_torch", lambda weights, size: weights)

    with pytest.raises(bench.AgreementError, match="inference output"):
        bench.check_agreement(net, images, labels, "float32")
