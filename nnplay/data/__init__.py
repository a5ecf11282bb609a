"""Handwritten digits for nnplay: the shipped MNIST sample and MNIST file formats.

* :func:`load_digits` returns the small class-balanced MNIST sample that ships
  with nnplay (nothing is downloaded).
* :func:`load_mnist_npz` loads the full ``mnist-train.npz`` file, or its
  project train/validation split, for training.
* :func:`read_idx` and :func:`write_idx` read and write the IDX format of the
  original MNIST distribution.
* :data:`CREDIT` is the licence credit for MNIST (CC BY-SA 3.0), the text of
  ``nnplay/data/MNIST-CREDIT.md``.

Examples
--------
>>> from nnplay.data import load_digits
>>> images, labels = load_digits("train")
>>> images.shape, images.dtype.name, int(labels.max())
((10000, 28, 28, 1), 'uint8', 9)
"""

from .digits import digits_provenance, load_digits, read_credit
from .idx import read_idx, write_idx
from .mnist import (
    MNIST_TRAIN_SHA256,
    TRAIN_SPLIT,
    VALIDATION_SPLIT,
    load_mnist_npz,
    verify_sha256,
)

CREDIT = read_credit()

__all__ = [
    "CREDIT",
    "MNIST_TRAIN_SHA256",
    "TRAIN_SPLIT",
    "VALIDATION_SPLIT",
    "digits_provenance",
    "load_digits",
    "load_mnist_npz",
    "read_idx",
    "verify_sha256",
    "write_idx",
]
