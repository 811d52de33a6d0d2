"""Colour arithmetic on images (..., height, width, channels), as TensorFlow computes
it: grey levels, HSV and back, and the change of value range Keras's colour layers
make (their formulas work on 0..255). tf.image and the colour layers use these."""
import numpy as np

GREY_WEIGHTS = np.array([0.2989, 0.5870, 0.1140], dtype=np.float32)  # TensorFlow's


def rgb_to_grayscale(images):
    """(..., 3) -> (..., 1): the weighted sum of red, green and blue."""
    return (np.asarray(images, np.float32) @ GREY_WEIGHTS)[..., None]


def rgb_to_hsv(images):
    """(..., 3) RGB in [0, 1] -> HSV, hue in [0, 1) (TensorFlow's formulas)."""
    images = np.asarray(images, np.float32)
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    value = images.max(axis=-1)
    spread = value - images.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        saturation = np.where(value > 0, spread / value, 0)
        norm = 1 / (6 * spread)
        hue = np.where(r == value, norm * (g - b),
                       np.where(g == value, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6))
    hue = np.where(spread > 0, hue, 0)
    hue = np.where(hue < 0, hue + 1, hue)
    return np.stack([hue, saturation, value], axis=-1).astype(np.float32)


def hsv_to_rgb(images):
    """(..., 3) HSV -> RGB (TensorFlow's formulas)."""
    images = np.asarray(images, np.float32)
    h, s, v = images[..., 0], images[..., 1], images[..., 2]
    dh = h * 6
    parts = [np.clip(np.abs(dh - 3) - 1, 0, 1), np.clip(2 - np.abs(dh - 2), 0, 1),
             np.clip(2 - np.abs(dh - 4), 0, 1)]
    return np.stack([v * (1 - s + s * part) for part in parts], axis=-1).astype(np.float32)


def to_range(images, original, target):
    """Values moved linearly from the range ``original`` (low, high) to ``target``."""
    (low, high), (new_low, new_high) = original, target
    if (low, high) == (new_low, new_high):
        return np.asarray(images, np.float32)
    return ((np.asarray(images, np.float32) - low) / (high - low) * (new_high - new_low)
            + new_low).astype(np.float32)
