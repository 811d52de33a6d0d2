"""TensorFlow's functions a tutorial calls on tensors (``tf.reduce_mean``,
``tf.cast``, ``tf.GradientTape``, ...), under TensorFlow's names and arguments,
as minicnn's tape operations (minicnn/tape/operations.py): each has its backward
rule there, and a recording GradientTape follows them."""
import builtins

import numpy as np

from minicnn.tape import GradientTape, Variable, constant, convert_to_tensor, function  # noqa: F401
from minicnn.tape import operations as ops
from minicnn.tape.tensor import Tensor, value_of

newaxis = None
float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64, uint8, bool = np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_
string = np.str_

add, subtract, multiply, divide, negative = ops.add, ops.subtract, ops.multiply, ops.divide, ops.negative
maximum, minimum, abs, square, sqrt, exp = ops.maximum, ops.minimum, ops.abs, ops.square, ops.sqrt, ops.exp
sigmoid, tanh, sign, round, floor = ops.sigmoid, ops.tanh, ops.sign, ops.round, ops.floor
equal, not_equal, greater, greater_equal = ops.equal, ops.not_equal, ops.greater, ops.greater_equal
less, less_equal, stop_gradient, ones_like = ops.less, ops.less_equal, ops.stop_gradient, ops.ones_like
zeros_like, expand_dims, pow = ops.zeros_like, ops.expand_dims, ops.power


def log(x, name=None):
    return ops.log(x)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    return ops.sum(input_tensor, axis, keepdims)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    return ops.mean(input_tensor, axis, keepdims)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    return ops.max(input_tensor, axis, keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    return ops.min(input_tensor, axis, keepdims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    return ops.logsumexp(input_tensor, axis, keepdims)


def cast(x, dtype, name=None):
    return ops.cast(x, dtype)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    if transpose_a:
        a = ops.transpose(a, _swap_last(np.ndim(value_of(a))))
    if transpose_b:
        b = ops.transpose(b, _swap_last(np.ndim(value_of(b))))
    return ops.matmul(a, b)


def _swap_last(ndim):
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def transpose(a, perm=None, name=None):
    return ops.transpose(a, perm)


def reshape(tensor, shape, name=None):
    return ops.reshape(tensor, tuple(int(d) for d in np.ravel(value_of(shape))))


def squeeze(input, axis=None, name=None):
    return ops.squeeze(input, axis)


def concat(values, axis, name=None):
    return ops.concatenate(values, axis)


def stack(values, axis=0, name=None):
    return ops.stack(values, axis)


def argmax(input, axis=None, output_type=np.int64, name=None):
    """TensorFlow's argmax: along axis 0 when no axis is given (not over everything)."""
    return ops.cast(ops.argmax(input, 0 if axis is None else axis), output_type)


def argmin(input, axis=None, output_type=np.int64, name=None):
    return ops.cast(ops.argmin(input, 0 if axis is None else axis), output_type)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    return ops.clip(t, clip_value_min, clip_value_max)


def where(condition, x=None, y=None, name=None):
    if x is None and y is None:  # the indices where condition holds, (n, rank)
        return Tensor(np.argwhere(value_of(condition)).astype(np.int64))
    return ops.where(value_of(condition), x, y)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=np.float32, name=None):
    return ops.one_hot(indices, depth, dtype)


def ones(shape, dtype=np.float32, name=None):
    return Tensor(np.ones(shape, dtype))


def zeros(shape, dtype=np.float32, name=None):
    return Tensor(np.zeros(shape, dtype))


def fill(dims, value, name=None):
    return convert_to_tensor(np.full(dims, value_of(value)))


def range(start, limit=None, delta=1, dtype=None, name=None):
    start, limit = (0, start) if limit is None else (start, limit)
    return convert_to_tensor(np.arange(start, limit, delta, dtype=dtype))


def shape(input, out_type=np.int32, name=None):
    return Tensor(np.array(np.shape(value_of(input)), dtype=out_type))


def size(input, out_type=np.int32, name=None):
    return Tensor(np.array(np.size(value_of(input)), dtype=out_type))


def rank(input, name=None):
    return Tensor(np.array(np.ndim(value_of(input)), dtype=np.int32))


def identity(input, name=None):
    return ops.reshape(input, np.shape(value_of(input)))


def gather(params, indices, axis=None, batch_dims=0, name=None):
    index = [builtins.slice(None)] * (0 if axis is None else axis % np.ndim(value_of(params)))
    return ops.getitem(params, tuple(index) + (np.asarray(value_of(indices)),))


def print(*inputs, **kwargs):
    """tf.print: Python's print, tensors shown as their arrays."""
    builtins.print(*[value_of(x) for x in inputs],
                   **{k: v for k, v in kwargs.items() if k in ("sep", "end")})


NAMES = {name: value for name, value in globals().items()
         if not name.startswith("_") and name not in ("builtins", "np", "ops", "Tensor",
                                                      "value_of", "annotations")}
