"""nnplay: play with a leaky ReLU inside a real convolutional network.

MATLAB-style layers with forward and backward passes written once for numpy
(CPU) and CuPy (NVIDIA GPU), MATLAB's example CNN, and Jupyter widgets that
show what the leaky ReLU's scale does.

Examples
--------
>>> import nnplay
>>> layer = nnplay.leakyReluLayer(0.1, 'Name', 'leaky1')
>>> layer.Scale
0.1
"""

from . import data, examples, widgets
from .backend import get_backend, set_backend, to_numpy
from .layers import (
    BatchNormalizationLayer,
    ClassificationOutputLayer,
    ClippedReLULayer,
    Convolution2DLayer,
    ELULayer,
    FullyConnectedLayer,
    ImageInputLayer,
    InputSizeError,
    LeakyReLULayer,
    MaxPooling2DLayer,
    ReLULayer,
    SoftmaxLayer,
    batchNormalizationLayer,
    classificationLayer,
    clippedReluLayer,
    convolution2dLayer,
    eluLayer,
    fullyConnectedLayer,
    imageInputLayer,
    leaky_relu,
    leaky_relu_derivative,
    leakyReluLayer,
    maxPooling2dLayer,
    reluLayer,
    softmaxLayer,
)
from .network import (
    LayerArray,
    SeriesNetwork,
    activations,
    analyzeNetwork,
    assembleNetwork,
    classify,
    gradients,
    predict,
)
from .network.serialization import load_network, save_network
from .training import trainingOptions, trainNetwork

__version__ = "0.1.0"

__all__ = [
    "BatchNormalizationLayer",
    "ClassificationOutputLayer",
    "ClippedReLULayer",
    "Convolution2DLayer",
    "ELULayer",
    "FullyConnectedLayer",
    "ImageInputLayer",
    "InputSizeError",
    "LayerArray",
    "LeakyReLULayer",
    "MaxPooling2DLayer",
    "ReLULayer",
    "SeriesNetwork",
    "SoftmaxLayer",
    "activations",
    "analyzeNetwork",
    "assembleNetwork",
    "batchNormalizationLayer",
    "classificationLayer",
    "classify",
    "clippedReluLayer",
    "convolution2dLayer",
    "data",
    "eluLayer",
    "examples",
    "fullyConnectedLayer",
    "get_backend",
    "gradients",
    "imageInputLayer",
    "leaky_relu",
    "leaky_relu_derivative",
    "leakyReluLayer",
    "load_network",
    "maxPooling2dLayer",
    "predict",
    "reluLayer",
    "save_network",
    "set_backend",
    "softmaxLayer",
    "to_numpy",
    "trainNetwork",
    "trainingOptions",
    "widgets",
]
