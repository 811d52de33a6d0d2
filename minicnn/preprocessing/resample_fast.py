"""The numba version of resample.affine_resample_numpy (its definition), tested equal to it."""
import numpy as np
from numba import njit

from minicnn.ops.fast.compiled import CACHE, kernel


@njit(cache=CACHE)
def _fold_index(index, size, fill_mode):
    """An integer position mapped into [0, size) by the fill mode (its index in
    resample.FILL_MODES: nearest, constant, reflect, wrap)."""
    if fill_mode == 2:
        period = index % (2 * size)  # numba's % follows Python: never negative here
        return period if period < size else 2 * size - 1 - period
    if fill_mode == 3:
        return index % size
    return min(max(index, 0), size - 1)


@njit(cache=CACHE)
def _split(v):
    """(whole, fraction) of a position; within 1e-6 of a whole pixel, exactly that pixel."""
    whole = np.floor(v)
    fraction = v - whole
    if fraction < 1e-6:
        return int(whole), 0.0
    if fraction > 1 - 1e-6:
        return int(whole) + 1, 0.0
    return int(whole), fraction


@kernel
def affine_resample(x, matrix, shift, fill_mode, cval):
    """resample.affine_resample_numpy, one output pixel at a time: x (H, W, C),
    matrix (2, 2) and shift (2,) float64, fill_mode an index into FILL_MODES, cval
    a float -> float32 (H, W, C)."""
    h, w, c = x.shape
    o_r, o_c = (h - 1) / 2, (w - 1) / 2
    out = np.empty((h, w, c), dtype=np.float32)
    for r in range(h):
        for col in range(w):
            dr_, dc_ = r - o_r, col - o_c
            r0, fr = _split(matrix[0, 0] * dr_ + matrix[0, 1] * dc_ + o_r + shift[0])
            c0, fc = _split(matrix[1, 0] * dr_ + matrix[1, 1] * dc_ + o_c + shift[1])
            w00, w01 = (1 - fr) * (1 - fc), (1 - fr) * fc
            w10, w11 = fr * (1 - fc), fr * fc
            if 0 <= r0 and r0 + 1 < h and 0 <= c0 and c0 + 1 < w:
                # all four neighbours inside: no fill mode to consult
                for ch in range(c):
                    out[r, col, ch] = (w00 * x[r0, c0, ch] + w01 * x[r0, c0 + 1, ch]
                                       + w10 * x[r0 + 1, c0, ch] + w11 * x[r0 + 1, c0 + 1, ch])
                continue
            for ch in range(c):
                total = 0.0
                for dr in range(2):
                    rr = r0 + dr
                    for dc in range(2):
                        weight = (w10 if dc == 0 else w11) if dr else (w00 if dc == 0 else w01)
                        if weight == 0:
                            continue
                        cc = c0 + dc
                        if fill_mode == 1 and not (0 <= rr < h and 0 <= cc < w):
                            total += weight * cval
                        else:
                            total += weight * x[_fold_index(rr, h, fill_mode),
                                                _fold_index(cc, w, fill_mode), ch]
                out[r, col, ch] = total
    return out
