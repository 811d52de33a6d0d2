"""Resampling an image through an affine map, bilinearly: what rotation, shift,
zoom and shear augmentations compute (transforms.py builds the map).

``affine_resample`` below is the NumPy definition; with the fast ops on
(``minicnn.set_ops("numba")``, the default) the numba loop in resample_fast.py,
tested equal to it, runs instead. Textbook mode runs this file.
"""
import numpy as np

from minicnn import ops


def affine_resample(x, matrix, shift, fill_mode, cval):
    """Resample one image x (H, W, C) through an affine map: see affine_resample_numpy.
    fill_mode is an index into FILL_MODES. Returns float32 (H, W, C)."""
    if ops.get_ops() == "numba":
        from minicnn.preprocessing.resample_fast import affine_resample as compiled
        return compiled(x, matrix, shift, fill_mode, cval)
    return affine_resample_numpy(x, matrix, shift, fill_mode, cval)


# Fill modes of affine_resample, by index: how positions outside the image read.
#   nearest: aaaa|abcd|dddd   constant: kkkk|abcd|kkkk (k = cval)
#   reflect: dcba|abcd|dcba   wrap:     abcd|abcd|abcd
FILL_MODES = ("nearest", "constant", "reflect", "wrap")


def _fold_positions(index, size, fill_mode):
    """Integer positions mapped inside [0, size); also whether each was inside."""
    inside = (index >= 0) & (index < size)
    if FILL_MODES[fill_mode] == "reflect":
        period = np.mod(index, 2 * size)
        index = np.where(period < size, period, 2 * size - 1 - period)
    elif FILL_MODES[fill_mode] == "wrap":
        index = np.mod(index, size)
    else:
        index = np.clip(index, 0, size - 1)
    return index, inside


def affine_resample_numpy(x, matrix, shift, fill_mode, cval):
    """Resample one image x (H, W, C) through an affine map, bilinearly.

    Output pixel (r, c) reads the input at
        (r_in, c_in) = matrix @ (r - o_r, c - o_c) + (o_r, o_c) + shift,  o = (size - 1) / 2,
    blending its four neighbours; neighbours outside the image read per
    FILL_MODES[fill_mode]. Positions within 1e-6 of a whole pixel are snapped
    to it, so whole-pixel shifts and quarter turns copy pixels exactly.
    Returns float32 (H, W, C).
    """
    h, w, _ = x.shape
    o_r, o_c = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.meshgrid(np.arange(h) - o_r, np.arange(w) - o_c, indexing="ij")
    r_in = matrix[0, 0] * rows + matrix[0, 1] * cols + o_r + shift[0]
    c_in = matrix[1, 0] * rows + matrix[1, 1] * cols + o_c + shift[1]
    r_in = np.where(np.abs(r_in - np.rint(r_in)) < 1e-6, np.rint(r_in), r_in)
    c_in = np.where(np.abs(c_in - np.rint(c_in)) < 1e-6, np.rint(c_in), c_in)
    r0, c0 = np.floor(r_in).astype(np.int64), np.floor(c_in).astype(np.int64)
    fr, fc = (r_in - r0)[..., None], (c_in - c0)[..., None]
    out = np.zeros(x.shape, dtype=np.float64)
    for dr, weight_r in ((0, 1 - fr), (1, fr)):
        rr, r_inside = _fold_positions(r0 + dr, h, fill_mode)
        for dc, weight_c in ((0, 1 - fc), (1, fc)):
            cc, c_inside = _fold_positions(c0 + dc, w, fill_mode)
            values = x[rr, cc].astype(np.float64)
            if FILL_MODES[fill_mode] == "constant":
                values = np.where((r_inside & c_inside)[..., None], values, cval)
            out += weight_r * weight_c * values
    return out.astype(np.float32)
