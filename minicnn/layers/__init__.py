"""The layers: one small class each, forward and backward side by side.

    core.py                 Dense, Flatten, Activation, Softmax, Dropout
    activation_layers.py    ReLU (Keras's options), LeakyReLU, ELU, PReLU
    conv.py                 Conv2D, SeparableConv2D
    depthwise_conv.py       DepthwiseConv2D
    transposed_conv.py      Conv2DTranspose
    pooling.py              MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D
    global_pooling.py       GlobalMaxPooling2D
    normalization.py        BatchNormalization
    sample_normalization.py LayerNormalization, GroupNormalization, UnitNormalization
    merging.py              Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot
    reshaping.py            Reshape, Permute, ZeroPadding2D, Cropping2D, UpSampling2D, Identity
    noise.py                GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout2D
    lambda_layer.py         Lambda (a function of tensors; its backward is the tape's)

Keras's preprocessing layers (Rescaling, RandomFlip, ...) are data augmentation
and live with the data, in minicnn/preprocessing/layers.py; minicnn.keras.layers
has them all."""
from minicnn.layers.base import Layer
from minicnn.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU
from minicnn.layers.conv import Conv2D, SeparableConv2D
from minicnn.layers.core import Activation, Dense, Dropout, Flatten, Softmax
from minicnn.layers.depthwise_conv import DepthwiseConv2D
from minicnn.layers.global_pooling import GlobalMaxPool2D, GlobalMaxPooling2D
from minicnn.layers.input import InputLayer
from minicnn.layers.lambda_layer import Lambda
from minicnn.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                    Subtract, add, average, concatenate, dot, maximum, minimum,
                                    multiply, subtract)
from minicnn.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout2D
from minicnn.layers.normalization import BatchNormalization
from minicnn.layers.pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D,
                                    MaxPool2D, MaxPooling2D)
from minicnn.layers.reshaping import (Cropping2D, Identity, Permute, Reshape, UpSampling2D,
                                      ZeroPadding2D)
from minicnn.layers.sample_normalization import (GroupNormalization, LayerNormalization,
                                                 UnitNormalization)
from minicnn.layers.transposed_conv import Conv2DTranspose

__all__ = ["InputLayer", "Layer", "Conv2D", "SeparableConv2D", "DepthwiseConv2D",
           "Conv2DTranspose", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalMaxPool2D",
           "Dense", "Flatten", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax",
           "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout2D",
           "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
           "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
           "Reshape", "Permute", "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Identity",
           "Lambda"]
