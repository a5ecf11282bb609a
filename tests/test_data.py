"""Tests of nnplay.data: the shipped MNIST sample, its credit, npz and IDX files."""

import gzip
import importlib.resources
import pathlib
import re

import numpy
import pytest

import nnplay.data
from nnplay.data import (
    CREDIT,
    MNIST_TRAIN_SHA256,
    digits_provenance,
    load_digits,
    load_mnist_npz,
    read_idx,
    write_idx,
)
from nnplay.data.make_sample import balanced_indices, make_sample

SOURCE = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SOURCE = SOURCE / "mnist-train.npz"
needs_source = pytest.mark.skipif(
    not SOURCE.is_file(), reason="mnist-train.npz is not at hand"
)


# The shipped sample ---------------------------------------------------------


@pytest.mark.parametrize(("split", "count"), [("train", 10000), ("validation", 2000)])
def test_digits_shapes_dtypes_and_balance(split, count):
    images, labels = load_digits(split)

    assert images.shape == (count, 28, 28, 1)
    assert images.dtype == numpy.uint8
    assert labels.shape == (count,)
    assert labels.dtype == numpy.uint8
    assert labels.min() == 0 and labels.max() == 9
    assert numpy.bincount(labels).tolist() == [count // 10] * 10
    # Real digits: dark background, bright strokes.
    assert images.max() == 255
    assert 20 < images.mean() < 50


def test_digits_are_cached_and_read_only():
    images, labels = load_digits("train")

    again_images, again_labels = load_digits("train")
    assert again_images is images and again_labels is labels
    with pytest.raises(ValueError, match="read-only"):
        images[0, 0, 0, 0] = 1
    with pytest.raises(ValueError, match="read-only"):
        labels[0] = 3
    assert images[0, 0, 0, 0] == 0
    # Source images 1, 2, 3 and 7 are the digits 0, 4, 1 and 3.
    assert labels[:4].tolist() == [0, 4, 1, 3]


def test_digits_default_split_is_train():
    assert load_digits()[0] is load_digits("train")[0]


@pytest.mark.parametrize("split", ["test", "Train", "", None, 0])
def test_digits_bad_split(split):
    with pytest.raises(
        ValueError, match=r"split must be 'train' or 'validation'; got "
    ):
        load_digits(split)
    with pytest.raises(ValueError, match=re.escape(f"got {split!r}.")):
        load_digits(split)


def test_provenance_splits_are_held_out_and_disjoint():
    provenance = digits_provenance()
    train = provenance["train_indices"]
    validation = provenance["validation_indices"]

    assert train.shape == (10000,) and validation.shape == (2000,)
    assert train.min() >= 0 and train.max() < 50000
    assert validation.min() >= 50000 and validation.max() < 60000
    assert len(numpy.unique(train)) == 10000
    assert len(numpy.unique(validation)) == 2000
    assert numpy.all(numpy.diff(train) > 0)
    assert str(provenance["source_sha256"]) == MNIST_TRAIN_SHA256


def test_validation_images_differ_from_train_images():
    train_images, _ = load_digits("train")
    validation_images, _ = load_digits("validation")

    train_set = {image.tobytes() for image in train_images}
    validation_set = {image.tobytes() for image in validation_images}
    assert len(train_set) == 10000 and len(validation_set) == 2000
    assert train_set.isdisjoint(validation_set)


@needs_source
def test_sample_is_the_source_at_the_stored_indices():
    with numpy.load(SOURCE, allow_pickle=False) as source:
        source_images, source_labels = source["images"], source["labels"]
    provenance = digits_provenance()

    for split in ("train", "validation"):
        images, labels = load_digits(split)
        indices = provenance[f"{split}_indices"]
        numpy.testing.assert_array_equal(images[..., 0], source_images[indices])
        numpy.testing.assert_array_equal(labels, source_labels[indices])

    rebuilt = make_sample(source_images, source_labels, int(provenance["seed"]))
    numpy.testing.assert_array_equal(
        rebuilt["train_indices"], provenance["train_indices"]
    )


def test_balanced_indices_hand_case():
    labels = numpy.array([0, 1, 0, 1, 0, 1] + [d for d in range(2, 10) for _ in (0, 1)])
    generator = numpy.random.default_rng(0)

    picks = balanced_indices(labels, range(0, len(labels)), 1, generator)

    assert numpy.bincount(labels[picks]).tolist() == [1] * 10
    # Digits 2..9 sit in pairs at positions 6, 7 | 8, 9 | ...: one of each pair.
    assert ((picks[2:] - 6) // 2).tolist() == list(range(8))
    with pytest.raises(ValueError, match=r"per_class must be at most 2 for digit 2"):
        balanced_indices(labels, range(0, len(labels)), 3, generator)


# The credit -----------------------------------------------------------------


def test_credit_names_authors_and_licence():
    text = " ".join(CREDIT.split())
    for words in (
        "Yann LeCun",
        "Corinna Cortes",
        "Christopher J.C. Burges",
        "Creative Commons Attribution-Share Alike 3.0",
        "CC BY-SA 3.0",
        "digits.npz",
        "pretrained",
    ):
        assert words in text

    shipped = importlib.resources.files("nnplay.data") / "MNIST-CREDIT.md"
    assert CREDIT == shipped.read_text(encoding="utf-8")
    assert nnplay.data.CREDIT is CREDIT


# The full training file -----------------------------------------------------


def save_npz(path, **arrays):
    numpy.savez(path, **arrays)
    return path


def small_mnist(count=4):
    images = numpy.arange(count * 784, dtype=numpy.int64).reshape(count, 28, 28)
    return (images % 256).astype(numpy.uint8), numpy.arange(count, dtype=numpy.uint8)


def test_load_mnist_npz_small_file(tmp_path):
    images, labels = small_mnist()
    path = save_npz(tmp_path / "small.npz", images=images, labels=labels)

    loaded_images, loaded_labels = load_mnist_npz(path)

    assert loaded_images.shape == (4, 28, 28, 1)
    assert loaded_images.dtype == numpy.uint8
    assert loaded_images[1, 0, 2, 0] == (784 + 2) % 256
    assert loaded_labels.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"pictures": "images", "labels": "labels"}, r"missing \['images'\]"),
        ({"images": "flat", "labels": "labels"}, r"'images' must be uint8 of shape"),
        ({"images": "float", "labels": "labels"}, r"got float32 of shape"),
        ({"images": "images", "labels": "int64"}, r"'labels' must be uint8.*int64"),
        ({"images": "images", "labels": "short"}, r"got 4 images and 3 labels"),
        ({"images": "images", "labels": "ten"}, r"largest label of 10"),
    ],
)
def test_load_mnist_npz_rejects_bad_files(tmp_path, arrays, message):
    images, labels = small_mnist()
    choices = {
        "images": images,
        "labels": labels,
        "flat": images.reshape(4, 784),
        "float": images.astype(numpy.float32),
        "int64": labels.astype(numpy.int64),
        "short": labels[:3],
        "ten": numpy.array([0, 1, 10, 3], dtype=numpy.uint8),
    }
    contents = {name: choices[choice] for name, choice in arrays.items()}
    path = save_npz(tmp_path / "bad.npz", **contents)

    with pytest.raises(ValueError, match=message):
        load_mnist_npz(path)


def test_load_mnist_npz_checks_split_checksum_and_existence(tmp_path):
    images, labels = small_mnist()
    path = save_npz(tmp_path / "small.npz", images=images, labels=labels)

    with pytest.raises(ValueError, match=r"split 'train' needs the full 60000-image"):
        load_mnist_npz(path, split="train")
    with pytest.raises(ValueError, match=r"split must be 'all', 'train' or "):
        load_mnist_npz(path, split="test")
    with pytest.raises(
        ValueError, match=r"sha256 must be 33e9753a.*; got [0-9a-f]{64}"
    ):
        load_mnist_npz(path, sha256=MNIST_TRAIN_SHA256)
    with pytest.raises(FileNotFoundError, match=r"path must name an existing file"):
        load_mnist_npz(tmp_path / "absent.npz")
    numpy.save(tmp_path / "single.npy", images)
    with pytest.raises(ValueError, match=r"must be an npz archive"):
        load_mnist_npz(tmp_path / "single.npy")


@needs_source
def test_load_mnist_npz_project_splits():
    train_images, train_labels = load_mnist_npz(
        SOURCE, split="train", sha256=MNIST_TRAIN_SHA256
    )
    validation_images, validation_labels = load_mnist_npz(SOURCE, split="validation")

    assert train_images.shape == (50000, 28, 28, 1)
    assert validation_images.shape == (10000, 28, 28, 1)
    assert numpy.bincount(train_labels)[:3].tolist() == [4932, 5678, 4968]
    assert numpy.bincount(validation_labels)[:3].tolist() == [991, 1064, 990]


# IDX files ------------------------------------------------------------------


def test_write_idx_hand_computed_bytes(tmp_path):
    path = tmp_path / "small-idx2-ubyte"

    write_idx(path, numpy.array([[1, 2, 3], [4, 5, 6]], dtype=numpy.uint8))

    expected = bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    assert path.read_bytes() == expected


def test_write_idx_big_endian_int16(tmp_path):
    path = tmp_path / "values-idx1-short"

    write_idx(path, numpy.array([-2, 258], dtype="<i2"))

    assert path.read_bytes() == bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 1, 2])


@pytest.mark.parametrize("name", ["array-idx", "array-idx.gz"])
@pytest.mark.parametrize(
    "dtype", ["uint8", "int8", "int16", ">i2", "int32", "float32", ">f4", "float64"]
)
def test_idx_round_trip(tmp_path, name, dtype):
    generator = numpy.random.default_rng(7)
    original = generator.integers(-100, 200, size=(3, 5, 2)).astype(dtype)
    if dtype.startswith(("float", ">f")):
        original = original + numpy.array(0.25, dtype=dtype)
    path = tmp_path / name

    write_idx(path, original)
    loaded = read_idx(path)

    assert loaded.shape == (3, 5, 2)
    assert loaded.dtype == numpy.dtype(dtype).newbyteorder("=")
    assert loaded.dtype.isnative
    assert loaded.flags.writeable
    numpy.testing.assert_array_equal(loaded, original)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")


def test_read_idx_detects_gzip_by_content(tmp_path):
    raw = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(gzip.compress(raw))

    assert read_idx(path).tolist() == [7, 8, 9]


def header(type_code, *shape):
    return bytes([0, 0, type_code, len(shape)]) + numpy.array(shape, ">u4").tobytes()


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"f\.idx: the file is empty"),
        (b"\x00\x00", r"holds 2 bytes, too few for the 4-byte magic"),
        (b"\x01\x00\x08\x01" + bytes(5), r"bad magic number 0x01000801"),
        (header(0x0A, 2) + bytes(2), r"unknown type code 0x0A"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 2]), r"truncated header: 3 dimensions need 16"),
        (bytes([0, 0, 8, 0]), r"says 0 dimensions"),
        (
            header(0x08, 2, 3) + bytes(5),
            r"truncated data: header says 2x3 = 6 values of uint8, but the file "
            r"holds 5 bytes of data\.",
        ),
        (
            header(0x08, 2, 3) + bytes(7),
            r"trailing data: header says 2x3 = 6 values of uint8, but the file "
            r"holds 7 bytes of data\.",
        ),
        (
            header(0x0D, 4) + bytes(12),
            r"header says 4 = 4 values of float32 \(16 bytes\), but the file "
            r"holds 12 bytes",
        ),
    ],
)
def test_read_idx_broken_files(tmp_path, compress, content, message):
    path = tmp_path / "f.idx"
    path.write_bytes(gzip.compress(content) if compress else content)

    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_read_idx_damaged_gzip(tmp_path):
    path = tmp_path / "damaged.gz"
    path.write_bytes(gzip.compress(header(0x08, 100) + bytes(100))[:20])

    with pytest.raises(ValueError, match=r"damaged\.gz: the file starts like gzip"):
        read_idx(path)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (numpy.zeros(3, dtype=numpy.int64), r"IDX dtypes uint8, int8.*; got int64"),
        (numpy.zeros(3, dtype=bool), r"; got bool"),
        (numpy.array(5, dtype=numpy.uint8), r"between 1 and 255 dimensions; got 0"),
    ],
)
def test_write_idx_rejects(tmp_path, array, message):
    with pytest.raises(ValueError, match=message):
        write_idx(tmp_path / "x-idx", array)
