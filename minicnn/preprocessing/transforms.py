"""Augmentations as pure functions on one image (height, width, channels).

The geometric ones (rotation, shift, zoom) are one affine map, applied as
Keras applies it: each output pixel (r, c) reads the input at

    (r_in, c_in) = A @ (r - o_r, c - o_c) + (o_r, o_c) + shift,   o = (size - 1) / 2

with bilinear interpolation; positions outside the image are filled by
``fill_mode``. Note what this means, as in Keras: a zoom factor above 1 reads
a larger area, so the content shrinks (zooms out); a shift of +t reads t
pixels further on, so the content moves by -t.
"""
import numpy as np

from minicnn import kernels
from minicnn.kernels.reference import FILL_MODES


def flip_horizontal(x):
    return x[:, ::-1]


def flip_vertical(x):
    return x[::-1]


def affine_matrix(theta=0.0, tx=0.0, ty=0.0, zx=1.0, zy=1.0):
    """The 2x2 map A and the shift (tx rows, ty columns) of the formula above.

    theta: degrees, positive turns the content counter-clockwise (so 90 on a
    square image is np.rot90). zx, zy: zoom along rows and columns.
    """
    angle = np.deg2rad(theta)
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    return rotation @ np.diag([zx, zy]), np.array([tx, ty], dtype=np.float64)


def affine_transform(x, matrix, shift, fill_mode="nearest", cval=0.0):
    """Resample x (H, W, C) through the affine map, bilinearly; float32 result.
    The loop is a kernel (``minicnn.kernels.reference.affine_resample`` is its definition)."""
    return kernels.affine_resample(np.ascontiguousarray(x), np.asarray(matrix, np.float64),
                                   np.asarray(shift, np.float64), FILL_MODES.index(fill_mode),
                                   float(cval))


def apply_transform(x, params, fill_mode="nearest", cval=0.0):
    """Apply a parameter dict (as ``ImageDataGenerator.get_random_transform``
    makes): the affine part first, then the flips, as Keras orders them."""
    x = np.asarray(x, dtype=np.float32)
    theta, tx, ty = params.get("theta", 0), params.get("tx", 0), params.get("ty", 0)
    zx, zy = params.get("zx", 1), params.get("zy", 1)
    if theta or tx or ty or zx != 1 or zy != 1:
        matrix, shift = affine_matrix(theta, tx, ty, zx, zy)
        x = affine_transform(x, matrix, shift, fill_mode, cval)
    if params.get("flip_horizontal"):
        x = flip_horizontal(x)
    if params.get("flip_vertical"):
        x = flip_vertical(x)
    return x
