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


# -- beyond the tape's table: compat/array_ops.py's functions under TensorFlow's names ------------
from minicnn.compat import array_ops as more  # noqa: E402

truediv = realdiv = divide
cumsum, einsum, tensordot, eye, linspace = (more.cumsum, more.einsum, more.tensordot, more.eye,
                                            more.linspace)
tile, roll, unravel_index = more.tile, more.roll, more.unravel_index
logical_and, logical_or, logical_not = more.logical_and, more.logical_or, more.logical_not
broadcast_to = ops.broadcast_to
double = float64
Tensor = Tensor
newaxis = None


def add_n(inputs, name=None):
    """The sum of a list of tensors of one shape (as a custom loop adds its losses)."""
    total = inputs[0]
    for item in inputs[1:]:
        total = ops.add(total, item)
    return total


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return more.prod(input_tensor, axis, keepdims)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return more.all_(input_tensor, axis=axis, keepdims=keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return more.any_(input_tensor, axis=axis, keepdims=keepdims)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    order = np.argsort(np.asarray(value_of(values)), axis=axis, kind="stable")
    return Tensor((order if direction == "ASCENDING" else np.flip(order, axis)).astype(np.int32))


def sort(values, axis=-1, direction="ASCENDING", name=None):
    out = more.sort(values, axis)
    return out if direction == "ASCENDING" else more.flip(out, axis)


def reverse(tensor, axis, name=None):
    return more.flip(tensor, tuple(np.ravel(axis)))


def repeat(input, repeats, axis=None, name=None):
    return more.repeat(input, repeats, axis)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    return more.pad(tensor, np.asarray(value_of(paddings)), mode.lower(), constant_values)


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """tf.split: a number of equal parts, or the parts' sizes."""
    if np.ndim(num_or_size_splits) == 0:
        return more.split(value, int(num_or_size_splits), axis)
    return more.split(value, list(np.cumsum(num_or_size_splits)[:-1]), axis)


def unstack(value, num=None, axis=0, name=None):
    return more.unstack(value, num, axis)


def slice(input_, begin, size, name=None):
    return more.slice_(input_, begin, size)


def strided_slice(input_, begin, end, strides=None, **masks):
    strides = [1] * len(begin) if strides is None else strides
    return ops.getitem(input_, tuple(builtins.slice(int(b), int(e), int(s))
                                     for b, e, s in zip(begin, end, strides)))


def gather_nd(params, indices, batch_dims=0, name=None):
    indices = np.asarray(value_of(indices))
    return ops.getitem(params, tuple(np.moveaxis(indices, -1, 0)))


def boolean_mask(tensor, mask, axis=None, name=None):
    return ops.getitem(tensor, np.asarray(value_of(mask), dtype=bool))


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    return more.norm(tensor, ord, axis, bool(keepdims))


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t scaled so that its L2 norm (over axes) is at most clip_norm."""
    length = more.norm(t, axis=axes, keepdims=True)
    return ops.multiply(t, ops.divide(clip_norm, ops.maximum(length, clip_norm)))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(the tensors scaled together to a total norm at most clip_norm, that total norm)."""
    total = use_norm if use_norm is not None else global_norm(t_list)
    scale = ops.divide(clip_norm, ops.maximum(total, clip_norm))
    return [None if t is None else ops.multiply(t, scale) for t in t_list], total


def global_norm(t_list, name=None):
    return ops.sqrt(add_n([ops.sum(ops.square(t)) for t in t_list if t is not None]))


def is_tensor(x):
    return isinstance(x, Tensor)


def ensure_shape(x, shape, name=None):
    """x itself, after checking its shape (None: any size) as TensorFlow does."""
    got = np.shape(value_of(x))
    if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
        raise ValueError(f"ensure_shape: the tensor has shape {got}, expected {tuple(shape)}")
    return x


def executing_eagerly():
    """minicnn always computes at once (tf.function runs functions eagerly too)."""
    return True


def map_fn(fn, elems, dtype=None, fn_output_signature=None, **options):
    """fn applied to each element along the first axis, the results stacked."""
    return ops.stack([fn(element) for element in convert_to_tensor(elems)], 0)


def numpy_function(func, inp, Tout=None, stateful=True, name=None):
    """func run on the inputs as NumPy arrays; its results as tensors (no gradient)."""
    out = func(*[np.asarray(value_of(x)) for x in inp])
    return [Tensor(np.asarray(o)) for o in out] if isinstance(out, (list, tuple))         else Tensor(np.asarray(out))


py_function = numpy_function


def get_logger():
    import logging
    return logging.getLogger("tensorflow")


class device:
    """tf.device("/CPU:0"): minicnn computes on the CPU, so the block runs as it is."""

    def __init__(self, device_name):
        self.device_name = device_name

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        return False


class TensorShape(tuple):
    """A shape: a tuple of sizes (None where unknown), with as_list()."""

    def __new__(cls, dims):
        return super().__new__(cls, () if dims is None else tuple(
            None if d is None else int(d) for d in dims))

    def as_list(self):
        return list(self)

    @property
    def rank(self):
        return len(self)


class TensorSpec:
    """The shape and dtype a tensor should have (for tf.function signatures and tf.data)."""

    def __init__(self, shape, dtype=np.float32, name=None):
        self.shape, self.dtype, self.name = TensorShape(shape), np.dtype(dtype), name

    def __repr__(self):
        return f"TensorSpec(shape={tuple(self.shape)}, dtype={self.dtype.name}, name={self.name!r})"


DType = np.dtype


class UnconnectedGradients:
    """What tape.gradient gives a source the target does not depend on: None (NONE,
    minicnn's answer) or zeros (ZERO)."""
    NONE, ZERO = "none", "zero"


NAMES = {name: value for name, value in globals().items()
         if not name.startswith("_") and name not in ("builtins", "np", "ops", "value_of",
                                                      "annotations", "more")}
