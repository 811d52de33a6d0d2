"""Keras's module paths over minicnn's own classes, so that a Keras lesson runs
with only its imports changed (tensorflow -> minicnn, or keras -> minicnn.keras):

    import minicnn as tf                      tf.keras.layers.Conv2D(8, 3, activation="relu")
    from minicnn.keras import layers          from minicnn.keras.preprocessing.image import ImageDataGenerator

Aliases only: every name here is minicnn's own class or function; the teaching
code never imports this package. A Keras name minicnn lacks raises an
AttributeError saying so and naming the nearest minicnn way (keras/missing.py).
"""
from minicnn.compat.functional import Model
from minicnn.compat.keras import (activations, backend, callbacks, constraints, initializers,
                                  layers, losses, metrics, models, ops, optimizers, preprocessing,
                                  regularizers, utils)
from minicnn.initializers import Initializer
from minicnn.layers.base import Layer
from minicnn.losses import Loss
from minicnn.optimizers import Optimizer
from minicnn.regularizers import Regularizer
from minicnn.tape.tensor import Variable
from minicnn.training.metrics import Metric
from minicnn.training.symbolic import KerasTensor
from minicnn.compat.missing import missing_names
from minicnn.training.symbolic import Input
from minicnn.training.trainer import Sequential
from minicnn.training.models import load_model

__version__ = version = "3.15.1"  # the Keras whose names and behaviour minicnn follows
__all__ = ["Sequential", "Model", "Input", "load_model", "layers", "models", "optimizers", "losses",
           "metrics", "callbacks", "preprocessing", "utils", "initializers", "regularizers",
           "datasets", "ops", "activations", "backend", "constraints", "config", "random",
           "saving", "Initializer", "Layer", "Loss", "Optimizer", "Regularizer", "Variable",
           "Metric", "KerasTensor", "version"]

HINTS = {
    "applications": "minicnn has no pretrained models (VGG16, ResNet50, MobileNet, ...): it "
                    "trains small networks from scratch, so build one with Sequential.",
    "mixed_precision": "minicnn computes in float32 (float64 for gradient checks): no mixed "
                       "precision.",
    "Functional": "keras.Model(inputs, outputs) builds a functional model (a chain of layers).",
}

# keras.datasets is loaded on first use
__getattr__ = missing_names("keras", HINTS, __all__, {
    "datasets": "minicnn.compat.keras.datasets", "config": "minicnn.compat.keras.config",
    "random": "minicnn.compat.keras.random", "saving": "minicnn.compat.keras.saving"})
