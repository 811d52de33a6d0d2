"""tf.math: the same functions as tf.* (functions.py), under tf.math's names, and the
mathematics tf.math has of its own (compat/array_ops.py; activations from keras's)."""
import numpy as np

from minicnn.compat import array_ops as more
from minicnn.compat.keras import activations as _activations
from minicnn.compat.tensorflow.functions import NAMES
from minicnn.compat.tensorflow.nn import log_softmax, sigmoid, softmax  # noqa: F401
from minicnn.tape.tensor import Tensor, value_of

globals().update(NAMES)

ceil, rint, mod, floormod = more.ceil, more.rint, more.mod, more.mod
floordiv, divide_no_nan, expm1, log1p = more.floor_divide, more.divide_no_nan, more.expm1, more.log1p
reciprocal, rsqrt, squared_difference, xlogy = more.reciprocal, more.rsqrt, \
    more.squared_difference, more.xlogy
is_finite, is_inf, is_nan, logical_xor = more.isfinite, more.isinf, more.isnan, more.logical_xor
softplus, softsign, log_sigmoid = _activations.softplus, _activations.softsign, \
    _activations.log_sigmoid


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    return more.var(input_tensor, axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return more.std(input_tensor, axis, keepdims)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    return more.norm(input_tensor, axis=axis, keepdims=keepdims)


def count_nonzero(input, axis=None, keepdims=None, dtype=np.int64, name=None):
    return Tensor(np.asarray(np.count_nonzero(np.asarray(value_of(input)), axis=axis,
                                              keepdims=bool(keepdims))).astype(dtype))


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    if exclusive or reverse:
        raise ValueError("tf.math.cumprod: minicnn computes exclusive=False, reverse=False")
    return more.cumprod(x, axis)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    if exclusive or reverse:
        raise ValueError("tf.math.cumsum: minicnn computes exclusive=False, reverse=False")
    return more.cumsum(x, axis)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    return more.l2_normalize(x, axis, epsilon)


def top_k(input, k=1, sorted=True, index_type=np.int32, name=None):
    return more.top_k(input, k, sorted)


def in_top_k(targets, predictions, k, name=None):
    """Whether each target's score is among its row's k highest (tf.math's argument order)."""
    return more.in_top_k(targets, predictions, k)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=np.int32,
                     name=None):
    """Counts[i, j]: samples of class i predicted as j (rows: labels, as TensorFlow)."""
    labels = np.asarray(value_of(labels)).astype(np.int64).ravel()
    predictions = np.asarray(value_of(predictions)).astype(np.int64).ravel()
    n = num_classes or int(max(labels.max(), predictions.max())) + 1
    counts = np.zeros((n, n), dtype=dtype)
    np.add.at(counts, (labels, predictions), 1 if weights is None else np.asarray(weights))
    return Tensor(counts)


__getattr__ = __import__("minicnn.compat.missing", fromlist=["missing_names"]).missing_names(
    "tf.math", {}, [n for n in dict(globals()) if not n.startswith("_")], kind="TensorFlow")
