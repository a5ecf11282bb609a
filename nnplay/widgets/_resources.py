"""The network and digits the widgets start from.

The widgets use the trained example CNN shipped with nnplay and the shipped
digits; nothing is downloaded. Each widget gets a network of its own, since
the widgets change its leaky ReLU scales.
"""


def pretrained_network():
    """Return a new copy of the trained example CNN."""
    from ..examples import pretrained_example_cnn

    return pretrained_example_cnn()


def validation_digits():
    """Return the shipped validation digits ``(images, labels)`` (read-only arrays)."""
    from ..data import load_digits

    return load_digits("validation")


def training_digits():
    """Return the shipped training digits ``(images, labels)`` (read-only arrays)."""
    from ..data import load_digits

    return load_digits("train")
