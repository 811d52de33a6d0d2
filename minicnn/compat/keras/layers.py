"""keras.layers: minicnn's layers under Keras's names."""
from minicnn.compat.missing import CHAINS, hint_each, missing_names
from minicnn.layers import (Activation, AveragePooling2D, AvgPool2D, BatchNormalization, Conv2D,
                            Dense, Dropout, Flatten, GlobalAveragePooling2D, InputLayer,
                            Layer, MaxPool2D, MaxPooling2D, ReLU, SeparableConv2D, Softmax)
from minicnn.training.symbolic import Input
from minicnn.preprocessing.layers import RandomFlip, RandomRotation, RandomZoom, Rescaling

__all__ = ["Activation", "AveragePooling2D", "AvgPool2D", "BatchNormalization", "Conv2D", "Dense",
           "Dropout", "Flatten", "GlobalAveragePooling2D", "Input", "InputLayer", "Layer",
           "MaxPool2D", "MaxPooling2D", "RandomFlip", "RandomRotation", "RandomZoom", "ReLU",
           "Rescaling", "SeparableConv2D", "Softmax"]

GlobalAvgPool2D = GlobalAveragePooling2D  # Keras's alias
__all__.append("GlobalAvgPool2D")

HINTS = {
    **hint_each(["LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "TimeDistributed",
                 "ConvLSTM2D", "LSTMCell", "GRUCell"],
                "minicnn is a framework for convolutional networks: it has no recurrent layers."),
    **hint_each(["Embedding", "TextVectorization", "StringLookup", "IntegerLookup",
                 "MultiHeadAttention", "Attention", "AdditiveAttention"],
                "minicnn has no text or attention layers (it is for images: Conv2D, pooling, "
                "Dense)."),
    **hint_each(["Add", "Concatenate", "Multiply", "Average", "Subtract", "Maximum", "Minimum",
                 "Dot", "add", "concatenate", "multiply", "average", "subtract"],
                f"{CHAINS}, so no merge layers; a residual block becomes a plain chain."),
    **hint_each(["Conv1D", "Conv3D", "MaxPooling1D", "MaxPooling3D", "AveragePooling1D",
                 "AveragePooling3D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "MaxPool1D",
                 "MaxPool3D", "Conv1DTranspose", "Conv3DTranspose", "SeparableConv1D"],
                "minicnn's layers work on images (batch, height, width, channels): Conv2D, "
                "MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D."),
    **hint_each(["Conv2DTranspose", "UpSampling2D"],
                "minicnn has no upsampling layers (no decoders or segmentation networks); "
                "Conv2D and the pooling layers go down in size only."),
    "DepthwiseConv2D": "SeparableConv2D(filters, kernel_size, depth_multiplier=...) runs a "
                       "depthwise convolution followed by a 1x1 one.",
    **hint_each(["GlobalMaxPooling2D", "GlobalMaxPool2D"],
                "use GlobalAveragePooling2D, or MaxPooling2D with a pool as large as the image."),
    **hint_each(["LayerNormalization", "GroupNormalization", "UnitNormalization",
                 "Normalization", "SpectralNormalization"],
                "BatchNormalization is minicnn's normalisation layer (and Rescaling(scale, "
                "offset) a fixed one)."),
    **hint_each(["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU"],
                "minicnn's activations are relu, sigmoid, tanh, softmax and linear: "
                "Activation('relu') or ReLU()."),
    **hint_each(["Reshape", "Permute", "RepeatVector", "Cropping2D", "ZeroPadding2D",
                 "Cropping1D", "ZeroPadding1D"],
                "minicnn reshapes with Flatten only; padding comes from Conv2D(padding='same')."),
    **hint_each(["SpatialDropout2D", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
                 "AlphaDropout", "ActivityRegularization"],
                "Dropout(rate) is minicnn's noise layer."),
    "Lambda": "minicnn's layers are small classes with forward and backward: subclass "
              "minicnn.layers.Layer (layers/base.py describes the contract).",
    **hint_each(["RandomContrast", "RandomTranslation", "RandomCrop", "RandomBrightness",
                 "RandomHeight", "RandomWidth", "RandomShear", "Resizing", "CenterCrop",
                 "RandomGrayscale", "RandomHue", "RandomSaturation"],
                "minicnn's augmentation layers are RandomFlip, RandomRotation and RandomZoom "
                "(with Rescaling); ImageDataGenerator(width_shift_range=, height_shift_range=, "
                "brightness_range=, shear_range=, ...) has the rest."),
    "experimental": "Keras 3 has no layers.experimental either: Rescaling and the Random* "
                    "layers are in keras.layers.",
}
__getattr__ = missing_names("keras.layers", HINTS, __all__)
