"""The example CNN, trained on MNIST, ready to play with.

The weights ship in ``example_cnn.npz`` beside this module, written by
``python -m nnplay.examples.train_pretrained`` (see PRETRAINED.md for how).
The file is read once; every call builds a fresh network from the cached
arrays, so changing one network never changes another.
"""

import functools
from pathlib import Path

from ..layers import LeakyReLULayer
from ..layers._base import check_real_scalar
from ..network.serialization import read_network_file

#: The shipped network file.
WEIGHTS_FILE = Path(__file__).with_name("example_cnn.npz")


@functools.lru_cache(maxsize=1)
def _contents():
    """The checked contents of the network file, read once, arrays read-only."""
    contents = read_network_file(WEIGHTS_FILE)
    for _, _, arrays in contents.layers:
        for array in arrays.values():
            array.flags.writeable = False
    return contents


def pretrained_example_cnn(scale=None):
    """Return the example CNN trained on MNIST digits, as a new SeriesNetwork.

    Parameters
    ----------
    scale : float, optional
        Sets the Scale of both leaky ReLU layers. By default they keep the
        scale the network was trained with, 0.01.

    Returns
    -------
    SeriesNetwork
        A network of its own: its layers and arrays are not shared with any
        other call.

    Notes
    -----
    Trained on images 0..49999 of the MNIST training set (MNIST by Yann
    LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0); its
    accuracy on the held-out images 50000..59999 is recorded in
    :func:`training_record`.

    Examples
    --------
    >>> import nnplay
    >>> net = nnplay.examples.pretrained_example_cnn(scale=0.2)
    >>> net.Layers[3].Scale, net.Layers[7].Scale
    (0.2, 0.2)
    """
    if scale is not None:
        scale = check_real_scalar("scale", scale)

    net = _contents().build(copy=True)

    if scale is not None:
        for layer in net.Layers:
            if isinstance(layer, LeakyReLULayer):
                layer.Scale = scale
    return net


def training_record():
    """Return a dict of how the shipped network was trained (a copy)."""
    return dict(_contents().metadata)


__all__ = ["WEIGHTS_FILE", "pretrained_example_cnn", "training_record"]
