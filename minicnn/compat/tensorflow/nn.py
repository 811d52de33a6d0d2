"""TensorFlow's tf.nn functions Keras tutorials call (``import tensorflow as tf`` ->
``import minicnn as tf``), as minicnn's tape operations (a recording GradientTape
follows them): activations, the convolutions and poolings (their rule: the layers'
own backward, compat/array_ops.py), normalisations and the cross-entropies on logits.
TensorFlow's argument orders: tf.nn.conv2d(input, filters, strides, padding)."""
import numpy as np

from minicnn.compat import array_ops as more
from minicnn.compat.keras import activations as _activations
from minicnn.compat.missing import missing_names
from minicnn.seeding import make_rng
from minicnn.tape import operations as ops
from minicnn.tape.tensor import Tensor, value_of


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


relu6, elu, selu = _activations.relu6, _activations.elu, _activations.selu
softplus, softsign = _activations.softplus, _activations.softsign
silu = swish = _activations.silu


def leaky_relu(features, alpha=0.2, name=None):
    return _activations.leaky_relu(features, alpha)


def gelu(features, approximate=False, name=None):
    return _activations.gelu(features, approximate)


def _pair(value):
    """TensorFlow's strides and sizes: n, [n, m], or [1, n, m, 1]."""
    value = [int(v) for v in np.ravel(value)]
    return tuple(value[1:3]) if len(value) == 4 else tuple(value * 2) if len(value) == 1 \
        else tuple(value)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    return more.conv(input, filters, _pair(strides), padding)


convolution = conv2d


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    return more.depthwise_conv(input, filter, _pair(strides), padding)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    return more.separable_conv(input, depthwise_filter, pointwise_filter, _pair(strides), padding)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    out = more.conv_transpose(input, filters, _pair(strides), padding)
    want = tuple(int(d) for d in np.ravel(value_of(output_shape)))
    if tuple(np.shape(value_of(out))) != want:
        raise ValueError(f"conv2d_transpose: the output has shape {np.shape(value_of(out))}, "
                         f"output_shape says {want}")
    return out


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return more.max_pool(input, _pair(ksize), _pair(strides), padding)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return more.average_pool(input, _pair(ksize), _pair(strides), padding)


max_pool, avg_pool = max_pool2d, avg_pool2d


def bias_add(value, bias, data_format=None, name=None):
    return ops.add(value, bias)


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Each value kept with probability 1 - rate, scaled by 1 / (1 - rate)."""
    keep = make_rng(seed).random(noise_shape or np.shape(value_of(x))) >= rate
    return ops.multiply(x, (keep / (1 - rate)).astype(np.asarray(value_of(x)).dtype))


def l2_loss(t, name=None):
    """sum(t**2) / 2."""
    return ops.divide(ops.sum(ops.square(t)), 2)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    return more.l2_normalize(x, axis, epsilon)


def moments(x, axes, shift=None, keepdims=False, name=None):
    return more.moments(x, tuple(axes), keepdims)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    return more.batch_normalization(x, mean, variance, -1, offset, scale, variance_epsilon)


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):
    """x / (bias + alpha * sum of x**2 over the 2r + 1 channels around) ** beta."""
    squares = ops.square(input)
    channels = np.shape(value_of(input))[-1]
    padded = more.pad(squares, [(0, 0)] * (np.ndim(value_of(input)) - 1)
                      + [(depth_radius, depth_radius)])
    total = None
    for shift in range(2 * depth_radius + 1):
        part = ops.getitem(padded, (Ellipsis, slice(shift, shift + channels)))
        total = part if total is None else ops.add(total, part)
    return ops.divide(input, ops.power(ops.add(bias, ops.multiply(alpha, total)), beta))


lrn = local_response_normalization


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """max(z, 0) - z t + log(1 + exp(-|z|)), elementwise (stable for any logits)."""
    z = _floats(logits)
    return ops.add(ops.subtract(ops.maximum(z, 0), ops.multiply(z, labels)),
                   more.log1p(ops.exp(ops.negative(ops.abs(z)))))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """(1 - t) z + (1 + (pos_weight - 1) t) (log(1 + exp(-|z|)) + max(-z, 0))."""
    z = _floats(logits)
    weight = ops.add(1, ops.multiply(pos_weight - 1, labels))
    softplus_part = ops.add(more.log1p(ops.exp(ops.negative(ops.abs(z)))),
                            ops.maximum(ops.negative(z), 0))
    return ops.add(ops.multiply(ops.subtract(1, labels), z), ops.multiply(weight, softplus_part))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    return ops.negative(ops.sum(ops.multiply(labels, ops.log_softmax(_floats(logits), axis)), axis))


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    logits = _floats(logits)
    rows = ops.one_hot(labels, np.shape(value_of(logits))[-1], np.asarray(value_of(logits)).dtype)
    return softmax_cross_entropy_with_logits(rows, logits)


def top_k(input, k=1, sorted=True, index_type=np.int32, name=None):
    return more.top_k(input, k, sorted)


def in_top_k(targets, predictions, k, name=None):
    return more.in_top_k(targets, predictions, k)


__all__ = sorted(n for n, v in dict(globals()).items() if callable(v) and not n.startswith("_")
                 and n not in ("make_rng", "missing_names", "value_of", "Tensor"))
__getattr__ = missing_names("tf.nn", {}, __all__, kind="TensorFlow")
