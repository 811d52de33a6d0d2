"""keras.ops: the array functions keras.io's current examples call, as minicnn's
tape operations (minicnn/tape/operations.py, each with its backward rule), under
Keras 3's names and arguments. They take tensors, arrays or numbers and give
Tensors; a recording GradientTape follows them."""
import numpy as np

from minicnn.compat.missing import missing_names
from minicnn.tape import operations as ops
from minicnn.tape.operations import convert_to_tensor
from minicnn.tape.tensor import Tensor, value_of

# the same operation under Keras's name
add, subtract, multiply, divide, power = ops.add, ops.subtract, ops.multiply, ops.divide, ops.power
maximum, minimum, negative, abs, absolute = ops.maximum, ops.minimum, ops.negative, ops.abs, ops.abs
square, sqrt, exp, log, where, matmul = ops.square, ops.sqrt, ops.exp, ops.log, ops.where, ops.matmul
sum, mean, max, min, logsumexp = ops.sum, ops.mean, ops.max, ops.min, ops.logsumexp
amax, amin = ops.max, ops.min
relu, sigmoid, tanh, softmax, log_softmax = ops.relu, ops.sigmoid, ops.tanh, ops.softmax, ops.log_softmax
expand_dims, squeeze, broadcast_to, stack = ops.expand_dims, ops.squeeze, ops.broadcast_to, ops.stack
equal, not_equal, greater, greater_equal = ops.equal, ops.not_equal, ops.greater, ops.greater_equal
less, less_equal, sign, round, floor = ops.less, ops.less_equal, ops.sign, ops.round, ops.floor
ones_like, zeros_like, stop_gradient, cast = ops.ones_like, ops.zeros_like, ops.stop_gradient, ops.cast


def reshape(x, newshape):
    return ops.reshape(x, tuple(newshape) if isinstance(newshape, list) else newshape)


def transpose(x, axes=None):
    return ops.transpose(x, axes)


def concatenate(xs, axis=0):
    return ops.concatenate(xs, axis)


def clip(x, x_min, x_max):
    return ops.clip(x, x_min, x_max)


def argmax(x, axis=None, keepdims=False):
    out = ops.argmax(x, axis)
    return Tensor(np.expand_dims(out.value, axis)) if keepdims and axis is not None else out


def argmin(x, axis=None, keepdims=False):
    out = ops.argmin(x, axis)
    return Tensor(np.expand_dims(out.value, axis)) if keepdims and axis is not None else out


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    return ops.one_hot(x, num_classes, dtype)


def dot(x, y):
    return ops.matmul(x, y)


def flatten(x):
    return ops.reshape(x, (-1,))


def shape(x):
    """The shape as a tuple of ints, as Keras 3 gives it."""
    return tuple(np.shape(value_of(x)))


def ndim(x):
    return np.ndim(value_of(x))


def size(x):
    return np.size(value_of(x))


def convert_to_numpy(x):
    return np.asarray(value_of(x))


def zeros(shape, dtype="float32"):
    return Tensor(np.zeros(shape, dtype))


def ones(shape, dtype="float32"):
    return Tensor(np.ones(shape, dtype))


def arange(start, stop=None, step=1, dtype=None):
    return Tensor(np.arange(start, stop, step, dtype=dtype))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample cross-entropy of class indices against probabilities (or logits)."""
    log_p = ops.log_softmax(output, axis) if from_logits else ops.log(
        ops.clip(ops.divide(output, ops.sum(output, axis, keepdims=True)), 1e-7, 1 - 1e-7))
    rows = ops.one_hot(target, np.shape(value_of(output))[axis], np.asarray(value_of(output)).dtype)
    return ops.negative(ops.sum(ops.multiply(rows, log_p), axis))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    log_p = ops.log_softmax(output, axis) if from_logits else ops.log(
        ops.clip(ops.divide(output, ops.sum(output, axis, keepdims=True)), 1e-7, 1 - 1e-7))
    return ops.negative(ops.sum(ops.multiply(target, log_p), axis))


def binary_crossentropy(target, output, from_logits=False):
    p = ops.sigmoid(output) if from_logits else ops.clip(output, 1e-7, 1 - 1e-7)
    return ops.negative(ops.add(ops.multiply(target, ops.log(p)),
                                ops.multiply(ops.subtract(1, target), ops.log(ops.subtract(1, p)))))


__all__ = sorted(name for name, value in globals().items()
                 if callable(value) and not name.startswith("_")
                 and name not in ("missing_names", "value_of", "Tensor"))
HINTS = {}
__getattr__ = missing_names("keras.ops", HINTS, __all__)
