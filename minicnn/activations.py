"""Activation functions as forward/backward pairs, shared by ReLU, Conv2D and Dense.

Each backward takes the upstream gradient and the activation's *output* y,
which is all the rule needs, so layers cache y and nothing else.
"""
import numpy as np

ACTIVATIONS = (None, "linear", "relu", "softmax")


def forward(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "softmax":
        return softmax(z)
    return z


def backward(name, grad_y, y):
    if name == "relu":
        return relu_backward(grad_y, y)
    if name == "softmax":
        return softmax_backward(grad_y, y)
    return grad_y


def relu_backward(grad_y, y):
    """dL/dz = dL/dy where z > 0 (equivalently y > 0), else 0; a new array."""
    return np.where(y > 0, grad_y, 0).astype(grad_y.dtype, copy=False)


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
