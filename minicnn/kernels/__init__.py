"""Which twin the layers call: ``"numba"`` (fast.py, the default) or ``"numpy"`` (reference.py).

The layers call the functions below, which forward to the active twin, so
``set_kernels`` switches every layer at run time. The numba module is imported
on first use, which keeps ``import minicnn`` quick.
"""
import importlib

KERNEL_NAMES = ("numba", "numpy")
_MODULES = {"numba": "minicnn.kernels.fast", "numpy": "minicnn.kernels.reference"}
_active_name = "numba"
_active = None


def set_kernels(name):
    """Select the kernels every layer uses: ``"numba"`` or ``"numpy"``."""
    global _active_name, _active
    if name not in KERNEL_NAMES:
        raise ValueError(f"set_kernels: name must be one of {KERNEL_NAMES}, got {name!r}")
    _active_name, _active = name, None


def get_kernels():
    """The name of the active kernels, ``"numba"`` or ``"numpy"``."""
    return _active_name


def active():
    """The module holding the active kernels."""
    global _active
    if _active is None:
        _active = importlib.import_module(_MODULES[_active_name])
    return _active


def matmul(a, b):
    return active().matmul(a, b)


def matmul_tn(a, b):
    return active().matmul_tn(a, b)


def im2col(x, kh, kw, sh, sw, out_h, out_w):
    return active().im2col(x, kh, kw, sh, sw, out_h, out_w)


def col2im(cols, x_shape, kh, kw, sh, sw, out_h, out_w):
    return active().col2im(cols, tuple(x_shape), kh, kw, sh, sw, out_h, out_w)


def conv_forward(x, w, bias, sh, sw, out_h, out_w, relu):
    return active().conv_forward(x, w, bias, sh, sw, out_h, out_w, relu)


def conv_backward(saved, w, grad_y, y, sh, sw, relu, with_bias, input_grad):
    return active().conv_backward(saved, w, grad_y, y, sh, sw, relu, with_bias, input_grad)


def bias_relu(z, bias, relu):
    return active().bias_relu(z, bias, relu)


def relu_bias_backward(grad_y, y, relu, with_bias):
    return active().relu_bias_backward(grad_y, y, relu, with_bias)


def maxpool_forward(x, ph, pw, sh, sw, out_h, out_w):
    return active().maxpool_forward(x, ph, pw, sh, sw, out_h, out_w)


def maxpool_backward(grad_y, argmax, x_shape, ph, pw, sh, sw):
    return active().maxpool_backward(grad_y, argmax, tuple(x_shape), ph, pw, sh, sw)


def affine_resample(x, matrix, shift, fill_mode, cval):
    return active().affine_resample(x, matrix, shift, fill_mode, cval)
