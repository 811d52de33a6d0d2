"""Window geometry: how Conv2D and the pooling layers slide a window over an image.

One place for the arithmetic every rung of the ops and every window layer shares:
the output size and padding of an axis ("valid" and TensorFlow's "same"), padding
and unpadding an NHWC batch, and the input positions one kernel offset touches.
"""
import math

import numpy as np


def window_geometry(owner, n, k, s, padding):
    """Output size and padding along one axis for a window of size k, stride s.

    "valid": out = (n - k) // s + 1, no padding.
    "same" (TensorFlow's rule): out = ceil(n / s); total padding
    max((out - 1) * s + k - n, 0), the smaller half before (top/left).
    Returns (out, pad_before, pad_after). ``owner`` names the layer in errors.
    """
    if padding == "valid":
        if k > n:
            raise ValueError(f"{owner}: window of size {k} is larger than its input of size {n} "
                             f"with padding='valid'; use a smaller window or padding='same'")
        return (n - k) // s + 1, 0, 0
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def sliding_window_shape(owner, input_shape, window, strides, padding):
    """Output (height, width) and pads (top, bottom, left, right) of a 2-D
    window sliding over a per-sample input (height, width, channels)."""
    if len(input_shape) != 3:
        raise ValueError(f"{owner}: expects per-sample input (height, width, channels), "
                         f"got shape {input_shape}")
    out_h, top, bottom = window_geometry(owner, input_shape[0], window[0], strides[0], padding)
    out_w, left, right = window_geometry(owner, input_shape[1], window[1], strides[1], padding)
    return (out_h, out_w), (top, bottom, left, right)


def output_size(padded, k, s):
    """Windows of size k, stride s, that fit in ``padded`` positions: (padded - k) // s + 1."""
    return (padded - k) // s + 1


def pad_hw(x, pads, value=0.0):
    """Pad the height and width axes of an NHWC batch; pads = (top, bottom, left, right)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def unpad_hw(x, pads):
    """The inverse of pad_hw: drop the padded rows and columns."""
    top, bottom, left, right = pads
    return x[:, top:x.shape[1] - bottom, left:x.shape[2] - right, :]


def window_slice(i, j, sh, sw, out_h, out_w):
    """The input positions that kernel offset (i, j) touches across all windows:
    rows i, i + sh, ..., i + sh * (out_h - 1), and likewise columns."""
    return slice(i, i + sh * (out_h - 1) + 1, sh), slice(j, j + sw * (out_w - 1) + 1, sw)
