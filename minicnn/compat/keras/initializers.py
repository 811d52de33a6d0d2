"""keras.initializers: the weight initializers (minicnn/initializers.py)."""
from minicnn.initializers import (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
                                  Initializer, LecunNormal, LecunUniform, Ones, RandomNormal,
                                  RandomUniform, TruncatedNormal, VarianceScaling, Zeros, get)
from minicnn.compat.missing import hint_each, missing_names

# Keras's lower-case aliases
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
glorot_normal, glorot_uniform, zeros, ones = GlorotNormal, GlorotUniform, Zeros, Ones

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Initializer",
           "LecunNormal", "LecunUniform", "Ones", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "Zeros", "get", "he_normal", "he_uniform",
           "glorot_normal", "glorot_uniform", "lecun_normal", "lecun_uniform", "zeros", "ones"]

HINTS = hint_each(["Orthogonal", "Identity", "STFT", "orthogonal", "identity"],
                  "minicnn has the variance-scaling family (glorot, he, lecun), random normal, "
                  "uniform and truncated normal, zeros, ones and Constant.")
__getattr__ = missing_names("keras.initializers", HINTS, __all__)
