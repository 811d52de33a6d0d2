"""keras.layers: minicnn's layers (minicnn/layers) and preprocessing layers
(minicnn/preprocessing/layers.py) under Keras's names."""
from minicnn import layers as core_layers
from minicnn.compat.missing import hint_each, missing_names
from minicnn.preprocessing import layers as preprocessing_layers
from minicnn.training.symbolic import Input

globals().update({name: getattr(core_layers, name) for name in core_layers.__all__})
globals().update({name: getattr(preprocessing_layers, name)
                  for name in preprocessing_layers.__all__})

# Keras's aliases
GlobalAvgPool2D = core_layers.GlobalAveragePooling2D
Convolution2D = core_layers.Conv2D
Convolution2DTranspose = core_layers.Conv2DTranspose
SeparableConvolution2D = core_layers.SeparableConv2D

__all__ = sorted(core_layers.__all__ + preprocessing_layers.__all__ + [
    "Input", "GlobalAvgPool2D", "Convolution2D", "Convolution2DTranspose",
    "SeparableConvolution2D"])

HINTS = {
    **hint_each(["LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "TimeDistributed",
                 "ConvLSTM2D", "LSTMCell", "GRUCell"],
                "minicnn is a framework for convolutional networks: it has no recurrent layers."),
    **hint_each(["Embedding", "TextVectorization", "StringLookup", "IntegerLookup",
                 "MultiHeadAttention", "Attention", "AdditiveAttention"],
                "minicnn has no text or attention layers (it is for images: Conv2D, pooling, "
                "Dense)."),
    **hint_each(["Conv1D", "Conv3D", "MaxPooling1D", "MaxPooling3D", "AveragePooling1D",
                 "AveragePooling3D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "MaxPool1D",
                 "MaxPool3D", "Conv1DTranspose", "Conv3DTranspose", "SeparableConv1D",
                 "UpSampling1D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding3D", "Cropping1D",
                 "Cropping3D"],
                "minicnn's layers work on images (batch, height, width, channels): Conv2D, "
                "MaxPooling2D, UpSampling2D, ZeroPadding2D, Cropping2D, ..."),
    "ThresholdedReLU": "ReLU(threshold=t) is Keras 3's spelling of it.",
    "ActivityRegularization": "minicnn's penalties are on weights (kernel_regularizer=, "
                              "bias_regularizer=); for a penalty on a layer's output, write a "
                              "layer with call that calls self.add_loss(...) (a model trained "
                              "through the tape adds it to its loss).",
    "SpectralNormalization": "minicnn has no GAN-stabilising weight normalisation; "
                             "BatchNormalization, LayerNormalization and GroupNormalization "
                             "normalise activations.",
    **hint_each(["AugMix", "RandAugment"],
                "minicnn has no automatic augmentation policies: chain the layers yourself in "
                "a Sequential or a Pipeline (RandomFlip, RandomRotation, RandomContrast, "
                "RandomBrightness, RandomShear, ...)."),
    **hint_each(["RandomElasticTransform", "RandomPerspective"],
                "minicnn's geometric augmentations are affine: RandomRotation, RandomZoom, "
                "RandomTranslation, RandomShear, RandomFlip, RandomCrop."),
    **hint_each(["MixUp", "CutMix"],
                "minicnn's augmentation layers change images, not labels: mix batches in your "
                "own generator (x = lam * x1 + (1 - lam) * x2, y likewise)."),
    **hint_each(["RandomErasing", "RandomGaussianBlur", "Equalization"],
                "minicnn's colour and noise augmentations are RandomContrast, RandomBrightness, "
                "RandomSharpness, AutoContrast, GaussianNoise, ... (ImageDataGenerator has "
                "more)."),
    "experimental": "Keras 3 has no layers.experimental either: Rescaling and the Random* "
                    "layers are in keras.layers.",
}
__getattr__ = missing_names("keras.layers", HINTS, __all__)
