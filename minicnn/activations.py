"""Activation functions as forward/backward pairs, shared by Conv2D, Dense and
the Activation and ReLU layers.

Each backward takes the upstream gradient and the activation's *output* y,
which is all its rule needs, so layers cache y and nothing else:

    relu     y = max(z, 0)            dz = dy where y > 0, else 0
    sigmoid  y = 1 / (1 + exp(-z))    dz = dy * y * (1 - y)
    tanh     y = tanh(z)              dz = dy * (1 - y**2)
    softmax  y = exp(z) / sum exp(z)  dz = y * (dy - sum(dy * y))   (per row)
    linear   y = z                    dz = dy
"""
import numpy as np

from minicnn import kernels

ACTIVATIONS = (None, "linear", "relu", "sigmoid", "tanh", "softmax")


def forward(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        return softmax(z)
    return z


def backward(name, grad_y, y):
    if name == "relu":
        return relu_backward(grad_y, y)
    if name == "sigmoid":
        return grad_y * y * (1 - y)
    if name == "tanh":
        return grad_y * (1 - y * y)
    if name == "softmax":
        return softmax_backward(grad_y, y)
    return grad_y


def bias_forward(name, z, bias):
    """y = act(z + bias) for the rows z (M, F) of a layer's matrix product.

    The definition is two lines:  z += bias;  y = forward(name, z).
    For relu and linear, ``kernels.bias_relu`` does both in one pass over z,
    in place (its NumPy twin in kernels/reference.py is exactly those two
    lines); other activations return a new y and leave z = the pre-activation.
    bias: (F,), or None for a layer without bias.
    """
    if name in (None, "linear", "relu"):
        empty = np.zeros(0, dtype=z.dtype)
        return kernels.bias_relu(z, empty if bias is None else bias, name == "relu")
    if bias is not None:
        z += bias
    return forward(name, z)


def bias_backward(name, grad_y, y, with_bias):
    """(dL/dz, dL/dbias) from dL/dy, for rows (M, F).

    The definition:  grad_z = backward(name, grad_y, y);  grad_bias = grad_z.sum(axis=0).
    For relu and linear, ``kernels.relu_bias_backward`` does both in one pass.
    grad_bias is None when not with_bias.
    """
    if name in (None, "linear", "relu"):
        grad_z, grad_bias = kernels.relu_bias_backward(grad_y, y, name == "relu", with_bias)
    else:
        grad_z = backward(name, grad_y, y)
        grad_bias = grad_z.sum(axis=0) if with_bias else None
    return grad_z, (grad_bias if with_bias else None)


def relu_backward(grad_y, y):
    """dL/dz = dL/dy where z > 0 (equivalently y > 0), else 0; a new array."""
    return np.where(y > 0, grad_y, 0).astype(grad_y.dtype, copy=False)


def sigmoid(z):
    """1 / (1 + exp(-z)), computed from exp(-|z|) so that it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def softmax(z):
    """Row-wise softmax, the row maximum subtracted first so exp never overflows."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_backward(grad_y, y):
    """Jacobian-vector product of softmax: dL/dz = y * (g - sum(g * y))."""
    return y * (grad_y - (grad_y * y).sum(axis=-1, keepdims=True))
