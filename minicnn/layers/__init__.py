"""The layers: one small class each, forward and backward side by side."""
from minicnn.layers.base import Input, Layer
from minicnn.layers.conv import Conv2D
from minicnn.layers.core import Activation, Dense, Dropout, Flatten, ReLU
from minicnn.layers.pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D,
                                    MaxPool2D, MaxPooling2D)

__all__ = ["Input", "Layer", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D",
           "AvgPool2D", "GlobalAveragePooling2D", "Dense", "Flatten", "Activation", "ReLU",
           "Dropout"]
