"""Make ``nnplay/data/digits.npz``, the small MNIST sample shipped with nnplay.

Run from the repository root::

    python -m nnplay.data.make_sample --source ../shared/data/mnist-train.npz

The sample is class balanced (1,000 images per digit drawn from the training
split, images 0..49,999, and 200 per digit from the validation split, images
50,000..59,999) and chosen with a fixed seed, so running it again gives the
same arrays. Each image's position in the source file is stored next to it
(``train_indices``, ``validation_indices``), with the seed and the source
file's sha256, so the sample can be traced back.
"""

import argparse
import logging
import os
import pathlib

import numpy

from .mnist import (
    MNIST_TRAIN_SHA256,
    NUM_CLASSES,
    TRAIN_SPLIT,
    VALIDATION_SPLIT,
    load_mnist_npz,
)

logger = logging.getLogger(__name__)

REPOSITORY_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPOSITORY_ROOT / ".." / "shared" / "data" / "mnist-train.npz"
DEFAULT_OUTPUT = pathlib.Path(__file__).resolve().parent / "digits.npz"
DEFAULT_SEED = 20240601
TRAIN_PER_CLASS = 1000
VALIDATION_PER_CLASS = 200


def balanced_indices(labels, positions, per_class, generator):
    """Return ``per_class`` positions of each digit, drawn at random, sorted.

    Parameters
    ----------
    labels : numpy.ndarray
        Labels of the whole source file.
    positions : range
        The part of the file to draw from.
    per_class : int
        How many images of each digit 0..9 to keep.
    generator : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    numpy.ndarray
        int64 positions into ``labels``, in increasing order.

    Examples
    --------
    >>> import numpy
    >>> labels = numpy.arange(40) % 10
    >>> picks = balanced_indices(labels, range(0, 40), 2, numpy.random.default_rng(0))
    >>> numpy.bincount(labels[picks]).tolist()
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    """
    candidates = numpy.arange(positions.start, positions.stop)
    part_labels = labels[positions.start : positions.stop]

    chosen = []
    for digit in range(NUM_CLASSES):
        of_digit = candidates[part_labels == digit]
        if len(of_digit) < per_class:
            raise ValueError(
                f"per_class must be at most {len(of_digit)} for digit {digit} in "
                f"positions {positions.start}..{positions.stop - 1}; "
                f"got {per_class}."
            )
        chosen.append(generator.choice(of_digit, size=per_class, replace=False))

    return numpy.sort(numpy.concatenate(chosen))


def make_sample(images, labels, seed=DEFAULT_SEED):
    """Return the arrays of the digits sample, drawn from the full training file.

    Parameters
    ----------
    images : numpy.ndarray
        uint8 ``(60000, 28, 28)`` or ``(60000, 28, 28, 1)``: ``mnist-train.npz``.
    labels : numpy.ndarray
        uint8 ``(60000,)``.
    seed : int
        Seed of the random draw.

    Returns
    -------
    dict of str to numpy.ndarray
        ``train_images`` uint8 ``(10000, 28, 28)``, ``train_labels`` uint8
        ``(10000,)``, ``validation_images`` uint8 ``(2000, 28, 28)``,
        ``validation_labels`` uint8 ``(2000,)``, ``train_indices`` and
        ``validation_indices`` (int32 positions in the source file) and
        ``seed`` (int64 scalar).
    """
    generator = numpy.random.default_rng(seed)
    images = images.reshape(len(images), 28, 28)

    train = balanced_indices(labels, TRAIN_SPLIT, TRAIN_PER_CLASS, generator)
    validation = balanced_indices(
        labels, VALIDATION_SPLIT, VALIDATION_PER_CLASS, generator
    )

    return {
        "train_images": images[train],
        "train_labels": labels[train],
        "validation_images": images[validation],
        "validation_labels": labels[validation],
        "train_indices": train.astype(numpy.int32),
        "validation_indices": validation.astype(numpy.int32),
        "seed": numpy.int64(seed),
    }


def main(argv=None):
    """Verify the source file, draw the sample and write it as compressed npz."""
    parser = argparse.ArgumentParser(
        prog="python -m nnplay.data.make_sample",
        description="Write the class-balanced MNIST sample shipped with nnplay.",
    )
    parser.add_argument(
        "--source",
        default=os.path.normpath(DEFAULT_SOURCE),
        help="mnist-train.npz (60,000 images; default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        default=os.path.normpath(DEFAULT_OUTPUT),
        help="where to write the sample (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="seed of the random draw (default: %(default)s)",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not arguments.output.endswith(".npz"):
        parser.error(f"--output must end in .npz; got {arguments.output!r}.")

    try:
        images, labels = load_mnist_npz(arguments.source, sha256=MNIST_TRAIN_SHA256)
    except (OSError, ValueError) as error:
        parser.exit(1, f"error: cannot use --source: {error}\n")
    sample = make_sample(images, labels, arguments.seed)

    sample["source_sha256"] = numpy.array(MNIST_TRAIN_SHA256)
    numpy.savez_compressed(arguments.output, **sample)
    logger.info(
        "wrote %s (%d train and %d validation images, %.2f MB)",
        arguments.output,
        len(sample["train_images"]),
        len(sample["validation_images"]),
        os.path.getsize(arguments.output) / 1e6,
    )


if __name__ == "__main__":
    main()
