"""keras.layers: minicnn's layers under Keras's names."""
from minicnn.layers import (Activation, AveragePooling2D, AvgPool2D, Conv2D, Dense, Dropout,
                            Flatten, GlobalAveragePooling2D, Input, Layer, MaxPool2D, MaxPooling2D,
                            ReLU)

__all__ = ["Activation", "AveragePooling2D", "AvgPool2D", "Conv2D", "Dense", "Dropout", "Flatten",
           "GlobalAveragePooling2D", "Input", "Layer", "MaxPool2D", "MaxPooling2D", "ReLU"]
