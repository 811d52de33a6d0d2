"""TensorFlow's tf.nn functions Keras tutorials call (``import tensorflow as tf`` ->
``import minicnn as tf``), on NumPy arrays: softmax, log_softmax, relu, sigmoid."""
import numpy as np

from minicnn import activations


def _floats(x):
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float32)


def softmax(logits, axis=None, name=None):
    """tf.nn.softmax: exp(x) / sum(exp(x)) along ``axis`` (the last by default)."""
    return activations.softmax(_floats(logits), -1 if axis is None else axis)


def log_softmax(logits, axis=None, name=None):
    """tf.nn.log_softmax along the last axis."""
    if axis not in (None, -1):
        raise ValueError("log_softmax: minicnn takes the last axis only (axis=-1)")
    return activations.log_softmax(_floats(logits))


def relu(features, name=None):
    return np.maximum(_floats(features), 0)


def sigmoid(x, name=None):
    return activations.sigmoid(_floats(x))


__all__ = ["softmax", "log_softmax", "relu", "sigmoid"]
