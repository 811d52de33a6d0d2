"""keras.ops: the array functions keras.io's examples call, under Keras 3's names and
arguments: the tape's operations (minicnn/tape/operations.py, each with its backward
rule) and those composed of them (compat/array_ops.py). They take tensors, arrays or
numbers and give Tensors; a recording GradientTape follows them.

keras.ops.nn, keras.ops.numpy and keras.ops.image are these functions by kind, as
Keras groups them."""
import types

import numpy as np

from minicnn.compat import array_ops as more
from minicnn.compat.keras import activations as _activations
from minicnn.compat.missing import missing_names
from minicnn.compat.tensorflow import image as _image
from minicnn.tape import operations as ops
from minicnn.tape.operations import convert_to_tensor
from minicnn.tape.tensor import Tensor, value_of

# the same operation under Keras's name
add, subtract, multiply, divide, power = ops.add, ops.subtract, ops.multiply, ops.divide, ops.power
maximum, minimum, negative, abs, absolute = ops.maximum, ops.minimum, ops.negative, ops.abs, ops.abs
square, sqrt, exp, log, where, matmul = ops.square, ops.sqrt, ops.exp, ops.log, ops.where, ops.matmul
sum, mean, max, min, logsumexp = ops.sum, ops.mean, ops.max, ops.min, ops.logsumexp
amax, amin = ops.max, ops.min
sigmoid, tanh = ops.sigmoid, ops.tanh
expand_dims, squeeze, broadcast_to, stack = ops.expand_dims, ops.squeeze, ops.broadcast_to, ops.stack
equal, not_equal, greater, greater_equal = ops.equal, ops.not_equal, ops.greater, ops.greater_equal
less, less_equal, sign, round, floor = ops.less, ops.less_equal, ops.sign, ops.round, ops.floor
ones_like, zeros_like, stop_gradient, cast = ops.ones_like, ops.zeros_like, ops.stop_gradient, ops.cast
get_item, true_divide = ops.getitem, ops.divide

# composed of them, or with rules of their own (compat/array_ops.py)
expm1, log1p, log2, log10, reciprocal, rsqrt = (more.expm1, more.log1p, more.log2, more.log10,
                                                more.reciprocal, more.rsqrt)
divide_no_nan, ceil, trunc, floor_divide, mod = (more.divide_no_nan, more.ceil, more.trunc,
                                                 more.floor_divide, more.mod)
isfinite, isinf, isnan, isclose, allclose = (more.isfinite, more.isinf, more.isnan, more.isclose,
                                             more.allclose)
logical_and, logical_or, logical_not, logical_xor = (more.logical_and, more.logical_or,
                                                     more.logical_not, more.logical_xor)
var, std, moments, norm, average, prod = more.var, more.std, more.moments, more.norm, \
    more.average, more.prod
cumsum, cumprod, count_nonzero, argsort, sort, nonzero = (more.cumsum, more.cumprod,
                                                          more.count_nonzero, more.argsort,
                                                          more.sort, more.nonzero)
flip, fliplr, flipud, rot90, roll, tile, repeat = (more.flip, more.fliplr, more.flipud, more.rot90,
                                                  more.roll, more.tile, more.repeat)
moveaxis, swapaxes, ravel, split, array_split, unstack = (more.moveaxis, more.swapaxes, more.ravel,
                                                          more.split, more.array_split,
                                                          more.unstack)
hstack, vstack, append, take, take_along_axis = (more.hstack, more.vstack, more.append, more.take,
                                                 more.take_along_axis)
tril, triu, copy, pad, einsum, tensordot, outer = (more.tril, more.triu, more.copy, more.pad,
                                                   more.einsum, more.tensordot, more.outer)
top_k, in_top_k, unravel_index = more.top_k, more.in_top_k, more.unravel_index
full, full_like, eye, linspace = more.full, more.full_like, more.eye, more.linspace
conv, depthwise_conv, separable_conv, conv_transpose = (more.conv, more.depthwise_conv,
                                                        more.separable_conv, more.conv_transpose)
max_pool, average_pool = more.max_pool, more.average_pool
batch_normalization, layer_normalization = more.batch_normalization, more.layer_normalization
slice = more.slice_

# the activations (keras.activations's, differentiable)
relu, relu6, elu, selu = _activations.relu, _activations.relu6, _activations.elu, _activations.selu
leaky_relu, silu, swish = _activations.leaky_relu, _activations.silu, _activations.swish
softplus, softsign, log_sigmoid = _activations.softplus, _activations.softsign, \
    _activations.log_sigmoid
hard_sigmoid, hard_silu, hard_swish = _activations.hard_sigmoid, _activations.hard_silu, \
    _activations.hard_swish


def gelu(x, approximate=True):
    """Keras's ops.gelu: the tanh approximation by default (keras.activations.gelu: exact)."""
    return _activations.gelu(x, approximate)


def softmax(x, axis=-1):
    return _activations.softmax(x, axis)


def log_softmax(x, axis=-1):
    return _activations.log_softmax(x, axis)


def normalize(x, axis=-1, order=2, epsilon=None):
    if order != 2:
        raise ValueError(f"normalize: minicnn computes the L2 normalisation (order=2), got {order}")
    return more.l2_normalize(x, axis, 1e-12 if epsilon is None else epsilon)


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


def all(x, axis=None, keepdims=False):
    return more.all_(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return more.any_(x, axis=axis, keepdims=keepdims)


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    return ops.one_hot(x, num_classes, dtype)


def dot(x, y):
    return ops.matmul(x, y)


def flatten(x):
    return ops.reshape(x, (-1,))


def identity(n, dtype="float32"):
    """keras.ops.identity: the n x n identity matrix."""
    return more.eye(n, dtype=dtype)


def shape(x):
    """The shape as a tuple of ints, as Keras 3 gives it."""
    return tuple(np.shape(value_of(x)))


def ndim(x):
    return np.ndim(value_of(x))


def size(x):
    return np.size(value_of(x))


def dtype(x):
    """The dtype's name ("float32"), as Keras 3's ops.dtype."""
    return np.asarray(value_of(x)).dtype.name


def is_tensor(x):
    return isinstance(x, Tensor)


def convert_to_numpy(x):
    return np.asarray(value_of(x))


def array(x, dtype=None):
    return convert_to_tensor(x, dtype)


def zeros(shape, dtype="float32"):
    return Tensor(np.zeros(shape, dtype))


def ones(shape, dtype="float32"):
    return Tensor(np.ones(shape, dtype))


def empty(shape, dtype="float32"):
    return Tensor(np.zeros(shape, dtype))  # Keras's "empty" holds whatever; zeros here


def empty_like(x, dtype=None):
    return Tensor(np.zeros_like(np.asarray(value_of(x)), dtype=dtype))


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


_NAMES = sorted(name for name, value in dict(globals()).items()
                if callable(value) and not name.startswith("_")
                and name not in ("missing_names", "value_of", "Tensor", "more", "types"))


def _group(name, names):
    module = types.ModuleType(f"keras.ops.{name}")
    module.__dict__.update({n: globals()[n] for n in names})
    return module


# keras.ops.image: the image functions under Keras's names
image = _group("image", [])
image.resize = lambda images, size, interpolation="bilinear", **kw: _image.resize(
    images, size, interpolation)
image.rgb_to_grayscale = lambda images, data_format=None: _image.rgb_to_grayscale(images)
image.rgb_to_hsv = lambda images, data_format=None: _image.rgb_to_hsv(images)
image.hsv_to_rgb = lambda images, data_format=None: _image.hsv_to_rgb(images)
image.extract_patches = lambda images, size, strides=None, dilation_rate=1, padding="valid", \
    data_format=None: _image.extract_patches(images, (1,) + tuple(np.broadcast_to(size, 2)) + (1,),
                                             (1,) + tuple(np.broadcast_to(strides or size, 2)) + (1,),
                                             (1, 1, 1, 1), padding.upper())
nn = _group("nn", [n for n in _NAMES if n in (
    "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
    "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu", "gelu", "softmax",
    "log_softmax", "max_pool", "average_pool", "conv", "depthwise_conv", "separable_conv",
    "conv_transpose", "one_hot", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "moments", "batch_normalization", "normalize")])
numpy = _group("numpy", [n for n in _NAMES if n not in vars(nn)])

__all__ = _NAMES + ["image", "nn", "numpy"]
HINTS = {}
__getattr__ = missing_names("keras.ops", HINTS, __all__)
