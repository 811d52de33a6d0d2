"""keras.initializers: the weight initializers (minicnn/initializers.py)."""
from minicnn.initializers import (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
                                  Identity, Initializer, LecunNormal, LecunUniform, Ones,
                                  RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
                                  Zeros, get, serialize)
from minicnn.compat.missing import hint_each, missing_names

# Keras's lower-case aliases and other names of the same classes
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
glorot_normal, glorot_uniform, zeros, ones = GlorotNormal, GlorotUniform, Zeros, Ones
constant, identity, IdentityInitializer = Constant, Identity, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling


def deserialize(config):
    return get(config)


__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
           "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform", "Ones",
           "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros", "get",
           "serialize", "deserialize", "he_normal", "he_uniform", "glorot_normal",
           "glorot_uniform", "lecun_normal", "lecun_uniform", "zeros", "ones", "constant",
           "identity", "random_normal", "random_uniform", "truncated_normal", "variance_scaling"]

HINTS = hint_each(["Orthogonal", "OrthogonalInitializer", "orthogonal", "STFT", "STFTInitializer"],
                  "minicnn has the variance-scaling family (glorot, he, lecun), random normal, "
                  "uniform and truncated normal, zeros, ones, Constant and Identity.")
__getattr__ = missing_names("keras.initializers", HINTS, __all__)
