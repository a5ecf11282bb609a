"""Ready-made networks: MATLAB's example CNN, untrained and trained."""

from ..layers import (
    batchNormalizationLayer,
    classificationLayer,
    convolution2dLayer,
    fullyConnectedLayer,
    imageInputLayer,
    leakyReluLayer,
    maxPooling2dLayer,
    softmaxLayer,
)
from ..network import LayerArray
from .pretrained import pretrained_example_cnn


def example_cnn(scale=0.01):
    """Return the 11-layer example CNN for 28x28 grey images, untrained.

    Image input, two blocks of convolution, batch normalization and leaky
    ReLU (with a 2x2 max pooling between them), then a fully connected layer
    with 10 outputs, softmax and classification. Both leaky ReLU layers get
    ``scale``.

    Examples
    --------
    >>> import nnplay
    >>> len(nnplay.examples.example_cnn(scale=0.1))
    11
    """
    return LayerArray(
        [
            imageInputLayer([28, 28, 1]),
            convolution2dLayer(3, 16),
            batchNormalizationLayer(),
            leakyReluLayer(scale),
            maxPooling2dLayer(2, "Stride", 2),
            convolution2dLayer(3, 32),
            batchNormalizationLayer(),
            leakyReluLayer(scale),
            fullyConnectedLayer(10),
            softmaxLayer(),
            classificationLayer(),
        ]
    )


__all__ = ["example_cnn", "pretrained_example_cnn"]
