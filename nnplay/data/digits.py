"""The small MNIST sample shipped inside nnplay, and its licence credit."""

import functools
import importlib.resources

import numpy

DIGITS_FILE = "digits.npz"
CREDIT_FILE = "MNIST-CREDIT.md"
DIGITS_SPLITS = ("train", "validation")


def read_credit():
    """Return the text of ``MNIST-CREDIT.md``, the licence credit for MNIST."""
    resource = importlib.resources.files(__package__).joinpath(CREDIT_FILE)
    return resource.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _load_bundle():
    """Read every array of ``digits.npz`` once; return them read-only."""
    resource = importlib.resources.files(__package__).joinpath(DIGITS_FILE)
    with resource.open("rb") as handle:
        with numpy.load(handle, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}

    for array in arrays.values():
        array.flags.writeable = False
    for name in ("train_images", "validation_images"):
        arrays[name] = arrays[name][..., numpy.newaxis]
    return arrays


def load_digits(split="train"):
    """Return the shipped MNIST sample: 1,000 (train) or 200 (validation) per digit.

    The sample comes with nnplay (``nnplay/data/digits.npz``); nothing is
    downloaded. ``"train"`` images are drawn from the training split (images
    0..49,999 of the MNIST training set), ``"validation"`` images from the
    held-out validation split (images 50,000..59,999). See
    :data:`nnplay.data.CREDIT` for the licence.

    The file is read once and kept. The arrays returned are that kept copy,
    made **read-only** so that no caller changes by mistake what the next
    caller gets; call ``.copy()`` for an array you may write to.

    Parameters
    ----------
    split : {"train", "validation"}, default "train"
        Which part of the sample.

    Returns
    -------
    images : numpy.ndarray
        uint8, shape ``(N, 28, 28, 1)`` (NHWC, one grey channel), grey levels
        0..255 with 0 the background; N is 10,000 or 2,000.
    labels : numpy.ndarray
        uint8, shape ``(N,)``, digit classes 0..9.

    Raises
    ------
    ValueError
        If ``split`` is neither ``"train"`` nor ``"validation"``.

    Examples
    --------
    >>> from nnplay.data import load_digits
    >>> images, labels = load_digits("validation")
    >>> images.shape, labels.shape
    ((2000, 28, 28, 1), (2000,))
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"split must be 'train' or 'validation'; got {split!r}.")

    arrays = _load_bundle()

    return arrays[f"{split}_images"], arrays[f"{split}_labels"]


def digits_provenance():
    """Return where the shipped sample comes from, as read-only arrays.

    Returns
    -------
    dict
        ``train_indices`` and ``validation_indices`` (positions of each
        sample image in ``mnist-train.npz``), ``seed`` (of the random draw)
        and ``source_sha256`` (of ``mnist-train.npz``).

    Examples
    --------
    >>> from nnplay.data import digits_provenance
    >>> int(digits_provenance()["validation_indices"].min()) >= 50000
    True
    """
    arrays = _load_bundle()

    names = ("train_indices", "validation_indices", "seed", "source_sha256")
    return {name: arrays[name] for name in names}
