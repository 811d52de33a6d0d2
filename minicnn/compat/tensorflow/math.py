"""tf.math: the same functions as tf.* (functions.py), under tf.math's names."""
from minicnn.compat.tensorflow.functions import NAMES
from minicnn.compat.tensorflow.nn import sigmoid, softmax  # noqa: F401

globals().update(NAMES)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    mean = NAMES["reduce_mean"](input_tensor, axis, True)
    return NAMES["reduce_mean"](NAMES["square"](input_tensor - mean), axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return NAMES["sqrt"](reduce_variance(input_tensor, axis, keepdims))
