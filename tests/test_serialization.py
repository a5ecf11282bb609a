"""Network files: exact round trips, and clear errors for anything else."""

import json
import zipfile

import numpy as np
import pytest

import nnplay
from nnplay.network.serialization import (
    FORMAT_VERSION,
    read_metadata,
    read_network_file,
)


def varied_layers():
    """A network using every layer class and non-default hyperparameters."""
    return nnplay.LayerArray(
        [
            nnplay.imageInputLayer(
                [6, 6, 2],
                "Normalization",
                "zscore",
                "NormalizationDimension",
                "element",
            ),
            nnplay.convolution2dLayer(
                3, 4, "Padding", "same", "Stride", 1, "DilationFactor", 2, "Name", "c1"
            ),
            nnplay.batchNormalizationLayer("Epsilon", 1e-3, "MeanDecay", 0.2),
            nnplay.leakyReluLayer(0.25),
            nnplay.convolution2dLayer(
                [2, 3], 3, "Padding", [1, 0], "PaddingValue", 0.5
            ),
            nnplay.eluLayer(0.7),
            nnplay.maxPooling2dLayer(2, "Stride", [2, 1], "Padding", [0, 1, 0, 0]),
            nnplay.clippedReluLayer(4.5),
            nnplay.reluLayer(),
            nnplay.fullyConnectedLayer(3, "WeightsInitializer", "he"),
            nnplay.softmaxLayer(),
            nnplay.classificationLayer("Classes", ["ant", "bee", "cow"]),
        ]
    )


@pytest.fixture
def varied_network():
    rng = np.random.default_rng(3)
    net = nnplay.assembleNetwork(varied_layers(), seed=5)
    # Statistics that are not the neutral defaults, so every array matters.
    net.Layers[0].Mean = rng.normal(size=(6, 6, 2)).astype(np.float32)
    net.Layers[0].StandardDeviation = rng.uniform(0.5, 2, (6, 6, 2)).astype(np.float32)
    net.Layers[2].TrainedMean = rng.normal(size=4).astype(np.float32)
    net.Layers[2].TrainedVariance = rng.uniform(0.5, 2, 4).astype(np.float32)
    net.Layers[2].Offset = rng.normal(size=4).astype(np.float32)
    return net


@pytest.fixture
def images():
    return np.random.default_rng(4).normal(size=(7, 6, 6, 2)).astype(np.float32)


def assert_same_network(original, loaded):
    assert type(loaded) is type(original)
    assert len(loaded.Layers) == len(original.Layers)
    for before, after in zip(original.Layers, loaded.Layers):
        assert type(after) is type(before)
        assert after.Name == before.Name
        assert after == before
        for name in (*before.LEARNABLES, *before.STATE):
            a, b = getattr(before, name), getattr(after, name)
            assert (a is None) == (b is None), name
            if a is not None:
                assert b.dtype == a.dtype, name
                assert np.array_equal(nnplay.to_numpy(a), nnplay.to_numpy(b)), name


def test_round_trip_is_exact(tmp_path, varied_network, images):
    path = tmp_path / "net.npz"

    nnplay.save_network(varied_network, path)
    loaded = nnplay.load_network(path)

    assert_same_network(varied_network, loaded)
    assert list(loaded.Classes) == ["ant", "bee", "cow"]
    assert loaded.Layers[1].PaddingMode == "same"
    assert loaded.Layers[1].DilationFactor == (2, 2)
    assert loaded.Layers[4].PaddingValue == 0.5
    assert loaded.Layers[6].Stride == (2, 1)
    before = nnplay.to_numpy(varied_network.predict(images))
    after = nnplay.to_numpy(loaded.predict(images))
    assert np.array_equal(before, after)
    labels, _ = loaded.classify(images)
    assert labels.tolist() == varied_network.classify(images)[0].tolist()


def test_trained_network_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (48, 5, 5)).astype(np.uint8)
    Y = (X.mean(axis=(1, 2)) > 127).astype(np.uint8) + 3
    layers = [
        nnplay.imageInputLayer([5, 5, 1]),
        nnplay.convolution2dLayer(2, 3),
        nnplay.batchNormalizationLayer(),
        nnplay.leakyReluLayer(0.05),
        nnplay.fullyConnectedLayer(2),
        nnplay.softmaxLayer(),
        nnplay.classificationLayer(),
    ]
    options = nnplay.trainingOptions("sgdm", MaxEpochs=2, MiniBatchSize=16, Verbose=0)
    net, _ = nnplay.trainNetwork(X, Y, layers, options)
    path = tmp_path / "trained.npz"

    nnplay.save_network(net, path)
    loaded = nnplay.load_network(path)

    assert_same_network(net, loaded)
    assert loaded.Classes.dtype == np.uint8
    assert loaded.Classes.tolist() == [3, 4]
    assert np.array_equal(
        nnplay.to_numpy(net.predict(X)), nnplay.to_numpy(loaded.predict(X))
    )


def test_layer_array_round_trip(tmp_path):
    layers = varied_layers()
    path = tmp_path / "layers.npz"

    nnplay.save_network(layers, path)
    loaded = nnplay.load_network(path)

    assert isinstance(loaded, nnplay.LayerArray)
    assert len(loaded) == len(layers)
    for before, after in zip(layers, loaded):
        assert after == before
    assert loaded[1].Weights is None
    assert loaded[9]._weights_initializer == "he"
    assert loaded[11].Classes.tolist() == ["ant", "bee", "cow"]


def test_file_layout(tmp_path, varied_network):
    path = tmp_path / "no_extension"

    nnplay.save_network(varied_network, path, metadata={"epochs": 3, "note": "é"})

    assert path.exists()
    with np.load(path, allow_pickle=False) as data:
        assert str(data["format"]) == "nnplay-network"
        assert int(data["version"]) == FORMAT_VERSION
        assert str(data["kind"]) == "SeriesNetwork"
        assert int(data["layer_count"]) == 12
        assert str(data["layer3/class"]) == "LeakyReLULayer"
        assert json.loads(str(data["layer3/hyperparameters"])) == {
            "Scale": 0.25,
            "Name": "leakyrelu",
        }
        assert data["layer1/Weights"].dtype == np.float32
    with zipfile.ZipFile(path) as archive:
        assert all(
            info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist()
        )
    assert read_metadata(path) == {"epochs": 3, "note": "é"}


def test_save_rejects_what_it_cannot_write(tmp_path, varied_network):
    with pytest.raises(TypeError, match="SeriesNetwork or a LayerArray"):
        nnplay.save_network("not a network", tmp_path / "x.npz")
    with pytest.raises(ValueError, match="metadata must be JSON-serializable"):
        nnplay.save_network(varied_network, tmp_path / "x.npz", metadata={"f": print})


# -- files that are not nnplay networks ------------------------------------------


def rewrite(path, target, change):
    """Copy the entries of ``path`` to ``target`` after ``change(entries)``."""
    with np.load(path, allow_pickle=False) as data:
        entries = {name: data[name] for name in data.files}
    change(entries)
    np.savez_compressed(target, **entries)
    return target


@pytest.fixture
def saved(tmp_path, varied_network):
    path = tmp_path / "good.npz"
    nnplay.save_network(varied_network, path)
    return path


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("weights: 1 2 3\n")

    with pytest.raises(
        ValueError, match="not an nnplay network file: it is not a numpy"
    ):
        nnplay.load_network(path)


def test_single_array_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(3))

    with pytest.raises(ValueError, match="not an nnplay network file"):
        nnplay.load_network(path)


def test_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3), bias=np.zeros(1))

    with pytest.raises(ValueError, match="no 'format' and 'version' entries"):
        nnplay.load_network(path)


def test_truncated_file_is_refused(tmp_path, saved):
    data = saved.read_bytes()
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(
        ValueError, match="not an nnplay network file, or it is damaged"
    ):
        nnplay.load_network(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nnplay.load_network(tmp_path / "absent.npz")


def test_newer_version_is_refused(tmp_path, saved):
    def newer(entries):
        entries["version"] = np.array(FORMAT_VERSION + 1)

    path = rewrite(saved, tmp_path / "newer.npz", newer)

    with pytest.raises(ValueError, match=r"version 2, newer than this nnplay reads"):
        nnplay.load_network(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(format=np.array("other-format")), "its format is"),
        (lambda e: e.update(version=np.array("one")), "'version' is not an integer"),
        (lambda e: e.pop("layer_count"), "'layer_count' is missing"),
        (lambda e: e.update(layer_count=np.array(13)), "layer 13 of 13 is missing"),
        (lambda e: e.update(kind=np.array("Graph")), "the kind 'Graph'"),
        (
            lambda e: e.update({"layer3/class": np.array("MagicLayer")}),
            "unknown class 'MagicLayer'",
        ),
        (
            lambda e: e.update({"layer3/hyperparameters": np.array("{not json")}),
            "not valid JSON",
        ),
        (
            lambda e: e.update({"layer3/hyperparameters": np.array('{"Scale": "x"}')}),
            r"layer 4 \(LeakyReLULayer ''\) in the file is not valid: Scale must be",
        ),
        (
            lambda e: e.update({"layer3/hyperparameters": np.array('{"Colour": 1}')}),
            r"unknown hyperparameters \['Colour'\]",
        ),
        (
            lambda e: e.update({"layer1/Weights": np.ones((2, 2, 2, 4), np.float32)}),
            "Weights must have size",
        ),
        (
            lambda e: e.update({"layer1/Secret": np.ones(2)}),
            "unknown array 'Secret'",
        ),
        (lambda e: e.update(metadata=np.array("[1, 2]")), "not a JSON object"),
    ],
)
def test_malformed_file_is_refused(tmp_path, saved, change, message):
    path = rewrite(saved, tmp_path / "bad.npz", change)

    with pytest.raises(ValueError, match=message):
        nnplay.load_network(path)


def test_reading_never_unpickles(tmp_path, saved):
    def add_object(entries):
        entries["layer1/Bias"] = np.array([object()], dtype=object)

    path = tmp_path / "pickled.npz"
    with np.load(saved, allow_pickle=False) as data:
        entries = {name: data[name] for name in data.files}
    add_object(entries)
    np.savez(path, **entries)

    with pytest.raises(ValueError, match="damaged"):
        nnplay.load_network(path)


def test_read_network_file_keeps_contents(saved):
    contents = read_network_file(saved)

    assert contents.kind == "SeriesNetwork"
    assert contents.version == FORMAT_VERSION
    assert [record[0] for record in contents.layers][:3] == [
        "ImageInputLayer",
        "Convolution2DLayer",
        "BatchNormalizationLayer",
    ]
    first, second = contents.build(), contents.build()
    first.Layers[1].Weights[...] = 0
    assert np.abs(nnplay.to_numpy(second.Layers[1].Weights)).sum() > 0


def test_a_layer_count_that_disagrees_with_the_entries_is_damage(tmp_path):
    net = nnplay.examples.pretrained_example_cnn()
    nnplay.save_network(net, tmp_path / "net.npz")
    entries = dict(np.load(tmp_path / "net.npz", allow_pickle=False))
    entries["layer_count"] = np.array(5)
    np.savez(tmp_path / "short.npz", **entries)

    with pytest.raises(ValueError, match="says it holds 5 layers, but has entries for 11"):
        nnplay.load_network(tmp_path / "short.npz")
