"""Activation functions as forward/backward pairs, shared by Conv2D, Dense and
the Activation and ReLU layers.

Each backward takes the upstream gradient and the activation's *output* y,
which is all its rule needs:

    relu     y = max(z, 0)            dz = dy where y > 0, else 0
    sigmoid  y = 1 / (1 + exp(-z))    dz = dy * y * (1 - y)
    tanh     y = tanh(z)              dz = dy * (1 - y**2)
    softmax  y = exp(z) / sum exp(z)  dz = y * (dy - sum(dy * y))   (per row: the last axis)
    linear   y = z                    dz = dy
"""
import numpy as np

ACTIVATIONS = (None, "linear", "relu", "sigmoid", "tanh", "softmax")


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
    return z


def backward(name, grad_y, y):
    """dL/dz from dL/dy and the forward's output y (a new array, or grad_y itself for linear)."""
    if name == "relu":
        return relu_backward(grad_y, y)
    if name == "sigmoid":
        return grad_y * y * (1 - y)
    if name == "tanh":
        return grad_y * (1 - y * y)
    if name == "softmax":
        return softmax_backward(grad_y, y)
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
