"""The full MNIST training file and the project's train/validation split.

nnplay works from ``mnist-train.npz``: the 60,000 MNIST training images in the
order of the classic ``mnist.pkl.gz`` split. Its first 50,000 images are the
training split, its last 10,000 the validation split on which accuracy
figures are measured.
"""

import hashlib
import logging
import os

import numpy

logger = logging.getLogger(__name__)

MNIST_TRAIN_SHA256 = "33e9753a8d3ed06561a816bf46d6d686b20801696e497f092853c1634577f43f"
MNIST_TRAIN_SIZE = 60000

# Positions in mnist-train.npz; the validation images are never trained on.
TRAIN_SPLIT = range(0, 50000)
VALIDATION_SPLIT = range(50000, 60000)

SPLITS = {
    "all": range(0, MNIST_TRAIN_SIZE),
    "train": TRAIN_SPLIT,
    "validation": VALIDATION_SPLIT,
}

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


def file_sha256(path):
    """Return the sha256 hex digest of the file at ``path``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "empty")
    >>> open(path, "wb").close()
    >>> file_sha256(path)[:16]
    'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)

    return digest.hexdigest()


def verify_sha256(path, expected):
    """Check that the file at ``path`` exists and has sha256 ``expected``.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If its sha256 differs from ``expected``.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path must name an existing file; got {path!r}.")

    actual = file_sha256(path)
    if actual != expected.lower():
        raise ValueError(
            f"{path}: sha256 must be {expected}; got {actual}. The file is not "
            "the expected one or is damaged."
        )
    logger.debug("%s has the expected sha256", path)


def _check_mnist_arrays(path, images, labels):
    """Raise ValueError unless ``images`` and ``labels`` look like MNIST."""
    if images.dtype != numpy.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{path}: 'images' must be uint8 of shape (N, 28, 28); got "
            f"{images.dtype} of shape {images.shape}."
        )
    if labels.dtype != numpy.uint8 or labels.ndim != 1:
        raise ValueError(
            f"{path}: 'labels' must be uint8 of shape (N,); got {labels.dtype} "
            f"of shape {labels.shape}."
        )
    if len(labels) != len(images):
        raise ValueError(
            f"{path}: 'images' and 'labels' must have the same length; got "
            f"{len(images)} images and {len(labels)} labels."
        )
    if labels.size and labels.max() >= NUM_CLASSES:
        raise ValueError(
            f"{path}: 'labels' must be digit classes 0..9; got a largest "
            f"label of {labels.max()}."
        )


def load_mnist_npz(path, split="all", sha256=None):
    """Load an MNIST npz file with arrays ``images`` and ``labels``.

    Parameters
    ----------
    path : str or os.PathLike
        A file shaped like ``mnist-train.npz``: ``images`` uint8
        ``(N, 28, 28)``, ``labels`` uint8 ``(N,)`` with values 0..9.
    split : {"all", "train", "validation"}, default "all"
        ``"train"`` keeps images 0..49,999 and ``"validation"`` images
        50,000..59,999, the project's split; both need the full 60,000-image
        file. ``"all"`` keeps every image.
    sha256 : str, optional
        When given, the file's sha256 must equal it, for example
        :data:`MNIST_TRAIN_SHA256`.

    Returns
    -------
    images : numpy.ndarray
        uint8, shape ``(N, 28, 28, 1)`` (NHWC, one grey channel), 0..255.
    labels : numpy.ndarray
        uint8, shape ``(N,)``, digit classes 0..9.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If ``split`` is unknown, the checksum differs, an array is missing or
        has the wrong dtype or shape, a label is above 9, or a split is asked
        of a file that is not 60,000 images long.

    Examples
    --------
    >>> from nnplay.data import load_mnist_npz
    >>> images, labels = load_mnist_npz(
    ...     "mnist-train.npz", split="train"
    ... )  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (50000, 28, 28, 1)
    """
    if split not in SPLITS:
        raise ValueError(
            f"split must be 'all', 'train' or 'validation'; got {split!r}."
        )
    if sha256 is not None:
        verify_sha256(path, sha256)
    elif not os.path.isfile(path):
        raise FileNotFoundError(f"path must name an existing file; got {path!r}.")

    archive = numpy.load(path, allow_pickle=False)
    if not isinstance(archive, numpy.lib.npyio.NpzFile):
        raise ValueError(
            f"{path}: the file must be an npz archive (numpy.savez); got a "
            f"single array of shape {archive.shape}."
        )
    with archive:
        missing = [name for name in ("images", "labels") if name not in archive]
        if missing:
            raise ValueError(
                f"{path}: the file must hold arrays 'images' and 'labels'; "
                f"missing {missing}, found {sorted(archive.files)}."
            )
        images = archive["images"]
        labels = archive["labels"]
    _check_mnist_arrays(path, images, labels)
    if split != "all" and len(images) != MNIST_TRAIN_SIZE:
        raise ValueError(
            f"split {split!r} needs the full {MNIST_TRAIN_SIZE}-image training "
            f"file; {path} holds {len(images)} images."
        )

    positions = SPLITS[split]
    images = images[positions.start : positions.stop]
    labels = labels[positions.start : positions.stop]
    return images[..., numpy.newaxis], labels
