"""Keras's module paths over minicnn's own classes, so that a Keras lesson runs
with only its imports changed (tensorflow -> minicnn, or keras -> minicnn.keras):

    import minicnn as tf                      tf.keras.layers.Conv2D(8, 3, activation="relu")
    from minicnn.keras import layers          from minicnn.keras.preprocessing.image import ImageDataGenerator

Aliases only: every name here is minicnn's own class or function; the teaching
code never imports this package. A Keras name minicnn lacks raises an
AttributeError saying so and naming the nearest minicnn way (keras/missing.py).
"""
from minicnn.compat.functional import Model
from minicnn.compat.keras import (callbacks, initializers, layers, losses, metrics, models, ops,
                                  optimizers, preprocessing, regularizers, utils)
from minicnn.compat.missing import missing_names
from minicnn.training.symbolic import Input
from minicnn.training.trainer import Sequential
from minicnn.training.models import load_model

__all__ = ["Sequential", "Model", "Input", "load_model", "layers", "models", "optimizers", "losses",
           "metrics", "callbacks", "preprocessing", "utils", "initializers", "regularizers",
           "datasets", "ops"]

HINTS = {
    "applications": "minicnn has no pretrained models (VGG16, ResNet50, MobileNet, ...): it "
                    "trains small networks from scratch, so build one with Sequential.",
    "mixed_precision": "minicnn computes in float32 (float64 for gradient checks): no mixed "
                       "precision.",
    "backend": "minicnn runs on NumPy: use numpy for array arithmetic (there is no backend "
               "to choose).",
    "activations": "give activations by name: activation=\"relu\" (relu, sigmoid, tanh, "
                   "softmax, linear).",
    "Functional": "keras.Model(inputs, outputs) builds a functional model (a chain of layers).",
    "saving": "model.save(path) and keras.models.load_model(path).",
    "random": "keras.utils.set_random_seed(n) (or minicnn.set_seed(n)) seeds everything minicnn "
              "draws.",
}

# keras.datasets is loaded on first use
__getattr__ = missing_names("keras", HINTS, __all__, {"datasets": "minicnn.compat.keras.datasets"})
