"""The network and digits the widgets start from, loaded once and shared.

The widgets use the trained example CNN shipped with nnplay and the shipped
validation digits; nothing is downloaded. Each widget gets its own copy of
the network, since the widgets change its leaky ReLU scales.
"""

import copy
import functools
import logging

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _pretrained():
    from .. import examples

    return examples.pretrained_example_cnn()


def pretrained_network():
    """Return a fresh copy of the trained example CNN (its own layer objects)."""
    return copy.deepcopy(_pretrained())


def validation_digits():
    """Return the shipped validation digits ``(images, labels)`` (read-only arrays)."""
    from ..data import load_digits

    return load_digits("validation")


def training_digits():
    """Return the shipped training digits ``(images, labels)`` (read-only arrays)."""
    from ..data import load_digits

    return load_digits("train")
