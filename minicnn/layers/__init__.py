"""The layers: one small class each, forward and backward side by side.

Keras's preprocessing layers (Rescaling, RandomFlip, ...) are data augmentation
and live with the data, in minicnn/preprocessing/layers.py; minicnn.keras.layers
has them all."""
from minicnn.layers.base import Layer
from minicnn.layers.conv import Conv2D, SeparableConv2D
from minicnn.layers.core import Activation, Dense, Dropout, Flatten, ReLU, Softmax
from minicnn.layers.input import InputLayer
from minicnn.layers.normalization import BatchNormalization
from minicnn.layers.pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D,
                                    MaxPool2D, MaxPooling2D)

__all__ = ["InputLayer", "Layer", "Conv2D", "SeparableConv2D",
           "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D",
           "Dense", "Flatten", "Activation", "ReLU", "Softmax", "Dropout", "BatchNormalization"]
