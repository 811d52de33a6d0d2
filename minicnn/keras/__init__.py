"""Keras's module paths over minicnn's own classes, so that a Keras lesson runs
with only its imports changed (tensorflow -> minicnn):

    import minicnn as tf                      tf.keras.layers.Conv2D(8, 3, activation="relu")
    from minicnn.keras import layers          from minicnn.keras.preprocessing.image import ImageDataGenerator

Aliases only: every name here is minicnn's own class or function; the teaching
code never imports this package.
"""
from minicnn.keras import callbacks, layers, losses, metrics, models, optimizers, preprocessing, utils
from minicnn.layers import Input
from minicnn.model import Sequential
from minicnn.models import load_model
from minicnn.submodel import Model

__all__ = ["Sequential", "Model", "Input", "load_model", "layers", "models", "optimizers", "losses",
           "metrics", "callbacks", "preprocessing", "utils"]
