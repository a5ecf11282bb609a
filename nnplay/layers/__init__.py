"""The layers of nnplay, one per module, each with its MATLAB-style constructor."""

from ._base import InputSizeError, Layer
from .batch_normalization import BatchNormalizationLayer, batchNormalizationLayer
from .classification import ClassificationOutputLayer, classificationLayer
from .clipped_relu import ClippedReLULayer, clippedReluLayer
from .convolution2d import Convolution2DLayer, convolution2dLayer
from .elu import ELULayer, eluLayer
from .fully_connected import FullyConnectedLayer, fullyConnectedLayer
from .image_input import ImageInputLayer, imageInputLayer
from .leaky_relu import (
    LeakyReLULayer,
    leaky_relu,
    leaky_relu_derivative,
    leakyReluLayer,
)
from .max_pooling2d import MaxPooling2DLayer, maxPooling2dLayer
from .relu import ReLULayer, reluLayer
from .softmax import SoftmaxLayer, softmax, softmaxLayer

#: Every layer class, for lookups by class name (saving, the builder).
LAYER_CLASSES = {
    cls.CLASS_NAME: cls
    for cls in (
        ImageInputLayer,
        Convolution2DLayer,
        BatchNormalizationLayer,
        LeakyReLULayer,
        ReLULayer,
        ClippedReLULayer,
        ELULayer,
        MaxPooling2DLayer,
        FullyConnectedLayer,
        SoftmaxLayer,
        ClassificationOutputLayer,
    )
}

__all__ = [
    "LAYER_CLASSES",
    "BatchNormalizationLayer",
    "ClassificationOutputLayer",
    "ClippedReLULayer",
    "Convolution2DLayer",
    "ELULayer",
    "FullyConnectedLayer",
    "ImageInputLayer",
    "InputSizeError",
    "Layer",
    "LeakyReLULayer",
    "MaxPooling2DLayer",
    "ReLULayer",
    "SoftmaxLayer",
    "batchNormalizationLayer",
    "classificationLayer",
    "clippedReluLayer",
    "convolution2dLayer",
    "eluLayer",
    "fullyConnectedLayer",
    "imageInputLayer",
    "leaky_relu",
    "leaky_relu_derivative",
    "leakyReluLayer",
    "maxPooling2dLayer",
    "reluLayer",
    "softmax",
    "softmaxLayer",
]
