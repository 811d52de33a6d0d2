"""Activation functions as forward/backward pairs, shared by Conv2D, Dense and
the Activation and ReLU layers.

Each backward takes the upstream gradient and the activation's *output* y,
which is all its rule needs:

    relu     y = max(z, 0)            dz = dy where y > 0, else 0
    sigmoid  y = 1 / (1 + exp(-z))    dz = dy * y * (1 - y)
    tanh     y = tanh(z)              dz = dy * (1 - y**2)
    softmax  y = exp(z) / sum exp(z)  dz = y * (dy - sum(dy * y))   (per row: the last axis)
    linear   y = z                    dz = dy

Keras's other activations (the table MORE, at the end) are pairs too; some of
their backwards need the input z as well (gelu, swish, mish: their output does
not tell z), so ``backward`` takes z, which the layers keep:

    elu          y = z if z > 0 else a (e^z - 1)         dz = dy if z > 0 else dy (y + a)
    selu         y = s elu(z, a), Keras's s, a           dz = dy s if z >= 0 else dy (y + s a)
    leaky_relu   y = z if z > 0 else k z  (k = 0.2)      dz = dy if z > 0 else k dy
    relu6        y = min(max(z, 0), 6)                   dz = dy where 0 < z < 6
    gelu         y = z Phi(z)  (Phi: the normal CDF)     dz = dy (Phi(z) + z phi(z))
    swish, silu  y = z sigmoid(z)                        dz = dy (s + y (1 - s)), s = sigmoid(z)
    softplus     y = log(1 + e^z)                        dz = dy sigmoid(z)
    softsign     y = z / (1 + |z|)                       dz = dy / (1 + |z|)^2
    exponential  y = e^z                                 dz = dy y
    hard_sigmoid y = relu6(z + 3) / 6                    dz = dy / 6 where -3 < z < 3
    hard_silu    y = z hard_sigmoid(z)                   dz = dy (hard_sigmoid(z) + z/6 where -3 < z < 3)
    mish         y = z tanh(softplus(z))                 dz = dy (t + z (1 - t^2) sigmoid(z)), t = tanh(softplus(z))
    log_sigmoid  y = -softplus(-z)                       dz = dy (1 - sigmoid(z))
    log_softmax  y = z - logsumexp(z) (per row)          dz = dy - e^y sum(dy)
"""
import math

import numpy as np

ACTIVATIONS = (None, "linear", "relu", "sigmoid", "tanh", "softmax")  # extended with MORE below


def name_of(activation):
    """An activation given as Keras takes it: a name, None, or a function of one of
    the names here (keras.activations.relu, tf.nn.relu), as its name."""
    if callable(activation) and getattr(activation, "__name__", None) in ACTIVATIONS:
        return activation.__name__
    return activation


def forward(name, z):
    """y = act(z), elementwise (softmax: over the last axis); None and "linear" return z itself."""
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        return softmax(z)
    if name in MORE:
        return MORE[name][0](z)
    return z


def backward(name, grad_y, y, z=None):
    """dL/dz from dL/dy and the forward's output y (a new array, or grad_y itself for
    linear); Keras's other activations (MORE) also read the forward's input z."""
    if name == "relu":
        return relu_backward(grad_y, y)
    if name == "sigmoid":
        return grad_y * y * (1 - y)
    if name == "tanh":
        return grad_y * (1 - y * y)
    if name == "softmax":
        return softmax_backward(grad_y, y)
    if name in MORE:
        if z is None:
            raise ValueError(f"the {name} activation's backward needs its input z as well as "
                             f"its output (activations.backward(name, grad_y, y, z))")
        return MORE[name][1](grad_y, y, z)
    return grad_y


def relu_backward(grad_y, y):
    """dL/dz = dL/dy where z > 0 (equivalently y > 0), else 0."""
    return grad_y * (y > 0)


def sigmoid(z):
    """1 / (1 + exp(-z)), computed from exp(-|z|) so that it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def softmax(z, axis=-1):
    """Softmax along ``axis`` (the last: per row), the maximum subtracted first so
    exp never overflows."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_backward(grad_y, y, axis=-1):
    """Jacobian-vector product of softmax: dL/dz = y * (g - sum(g * y)), summed along ``axis``."""
    return y * (grad_y - (grad_y * y).sum(axis=axis, keepdims=True))


# -- Keras's other activations: (forward(z), backward(grad_y, y, z)) -----------------------------
def relu_with(z, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu with its options: z above ``threshold`` (at most ``max_value``),
    else negative_slope * (z - threshold)."""
    y = np.where(z > threshold, z, 0).astype(z.dtype, copy=False)
    if max_value is not None:
        y = np.minimum(y, z.dtype.type(max_value))
    if negative_slope:
        y = y + negative_slope * np.minimum(z - z.dtype.type(threshold), 0)
    return y.astype(z.dtype, copy=False)


def relu_with_backward(grad_y, z, negative_slope=0.0, max_value=None, threshold=0.0):
    """dz = dy where threshold < z <= max_value, negative_slope * dy below the threshold,
    0 at it and above max_value (TensorFlow's rules at the corners)."""
    passes = z > threshold
    if max_value is not None:
        passes &= z <= max_value
    slope = np.where(passes, 1, np.where(z < threshold, negative_slope, 0))
    return (grad_y * slope).astype(grad_y.dtype, copy=False)


def elu(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))).astype(z.dtype, copy=False)


def elu_backward(grad_y, y, z, alpha=1.0):
    return np.where(z > 0, grad_y, grad_y * (y + alpha)).astype(grad_y.dtype, copy=False)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(z):
    return (SELU_SCALE * elu(z, SELU_ALPHA)).astype(z.dtype, copy=False)


def selu_backward(grad_y, y, z):
    return np.where(z >= 0, grad_y * SELU_SCALE, grad_y * (y + SELU_SCALE * SELU_ALPHA)).astype(
        grad_y.dtype, copy=False)


def leaky_relu(z, negative_slope=0.2):
    return np.where(z > 0, z, negative_slope * z).astype(z.dtype, copy=False)


def leaky_relu_backward(grad_y, y, z, negative_slope=0.2):
    return np.where(z > 0, grad_y, negative_slope * grad_y).astype(grad_y.dtype, copy=False)


# erfc's Chebyshev fit (Numerical Recipes' erfcc): relative error below 1.2e-7 for
# every x, float32's precision; NumPy has no erf, and math.erf one value at a time is slow
ERFC_FIT = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
            -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erfc(x):
    """(erfc(x), its derivative): the fit, and the fit's own slope (so that a gradient
    check of gelu, which compares the two, holds exactly; it is -2/sqrt(pi) exp(-x^2)
    to the fit's precision)."""
    a = np.abs(np.asarray(x, dtype=np.float64))
    t = 1 / (1 + 0.5 * a)
    poly, slope = np.zeros_like(t), np.zeros_like(t)
    for c in reversed(ERFC_FIT):
        slope = slope * t + poly
        poly = poly * t + c
    value = t * np.exp(-a * a + poly)  # erfc(a); erfc(-a) = 2 - erfc(a), of the same slope
    dt = -0.5 * t * t
    return np.where(np.asarray(x) >= 0, value, 2 - value), value * (dt / t - 2 * a + slope * dt)


def normal_cdf(z):
    """Phi(z) = erfc(-z / sqrt 2) / 2."""
    return (0.5 * erfc(-z / math.sqrt(2))[0]).astype(z.dtype, copy=False)


def normal_pdf(z):
    """dPhi/dz, of the fit above (exp(-z^2 / 2) / sqrt(2 pi) to its precision)."""
    return (-0.5 / math.sqrt(2) * erfc(-z / math.sqrt(2))[1]).astype(z.dtype, copy=False)


def gelu(z, approximate=False):
    """z Phi(z); approximate=True: Keras's tanh form 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))."""
    if approximate:
        inner = np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)
        return (0.5 * z * (1 + np.tanh(inner))).astype(z.dtype, copy=False)
    return z * normal_cdf(z)


def gelu_backward(grad_y, y, z, approximate=False):
    if approximate:
        c = np.sqrt(2 / np.pi)
        t = np.tanh(c * (z + 0.044715 * z ** 3))
        slope = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z)
    else:
        slope = normal_cdf(z) + z * normal_pdf(z)
    return (grad_y * slope).astype(grad_y.dtype, copy=False)


def swish(z):
    return z * sigmoid(z)


def swish_backward(grad_y, y, z):
    s = sigmoid(z)
    return grad_y * (s + y * (1 - s))


def relu6(z):
    return np.clip(z, 0, 6)


def relu6_backward(grad_y, y, z):
    return grad_y * ((z > 0) & (z < 6))


def softplus(z):
    return np.logaddexp(z.dtype.type(0), z)


def softsign(z):
    return z / (1 + np.abs(z))


def hard_sigmoid(z):
    return relu6(z + z.dtype.type(3)) / z.dtype.type(6)


def hard_sigmoid_slope(z):
    return ((z > -3) & (z < 3)) / z.dtype.type(6)


def hard_silu(z):
    return z * hard_sigmoid(z)


def mish(z):
    return z * np.tanh(softplus(z))


def mish_backward(grad_y, y, z):
    t = np.tanh(softplus(z))
    return grad_y * (t + z * (1 - t * t) * sigmoid(z))


def log_sigmoid(z):
    return -softplus(-z)


MORE = {
    "elu": (elu, elu_backward),
    "selu": (selu, selu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "relu6": (relu6, relu6_backward),
    "gelu": (gelu, gelu_backward),
    "swish": (swish, swish_backward),
    "silu": (swish, swish_backward),
    "softplus": (softplus, lambda g, y, z: g * sigmoid(z)),
    "softsign": (softsign, lambda g, y, z: g / (1 + np.abs(z)) ** 2),
    "exponential": (np.exp, lambda g, y, z: g * y),
    "hard_sigmoid": (hard_sigmoid, lambda g, y, z: g * hard_sigmoid_slope(z)),
    "hard_silu": (hard_silu, lambda g, y, z: g * (hard_sigmoid(z) + z * hard_sigmoid_slope(z))),
    "hard_swish": (hard_silu, lambda g, y, z: g * (hard_sigmoid(z) + z * hard_sigmoid_slope(z))),
    "mish": (mish, mish_backward),
    "log_sigmoid": (log_sigmoid, lambda g, y, z: g * sigmoid(-z)),
    "log_softmax": (log_softmax, lambda g, y, z: g - np.exp(y) * g.sum(axis=-1, keepdims=True)),
}
ACTIVATIONS = ACTIVATIONS + tuple(MORE)
