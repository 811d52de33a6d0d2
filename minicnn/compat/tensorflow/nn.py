"""TensorFlow's tf.nn functions Keras tutorials call (``import tensorflow as tf`` ->
``import minicnn as tf``): softmax, log_softmax, relu, sigmoid, as minicnn's tape
operations (a recording GradientTape follows them)."""
from minicnn.tape import operations as ops


def softmax(logits, axis=None, name=None):
    """tf.nn.softmax: exp(x) / sum(exp(x)) along ``axis`` (the last by default)."""
    return ops.softmax(_floats(logits), -1 if axis is None else axis)


def log_softmax(logits, axis=None, name=None):
    return ops.log_softmax(_floats(logits), -1 if axis is None else axis)


def relu(features, name=None):
    return ops.relu(features)


def sigmoid(x, name=None):
    return ops.sigmoid(_floats(x))


def tanh(x, name=None):
    return ops.tanh(x)


def _floats(x):
    x = ops.convert_to_tensor(x)
    return x if x.dtype.kind == "f" else ops.cast(x, "float32")


__all__ = ["softmax", "log_softmax", "relu", "sigmoid", "tanh"]
