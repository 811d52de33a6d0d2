"""The border band of a film: its outer fraction on each side, and hiding one part of an image.

A chest X-ray's border holds what is not anatomy: the side marker ("R", "L"), a hospital's
letters, the edge of the detector. ``fraction`` = 0.125 is the outer 12.5% of each side
(32 pixels of 256): 43.75% of the image's area.

    band_width(size, fraction)          round(fraction * size): the band's pixels along one side
    band_region(height, width, fraction)  bool (H, W): True in the band
    black_out(images, fraction, part)   images (N, H, W, C) or one (H, W, C), with ``part``
                                        ("band" or "centre") set to 0
    BandMask(fraction, keep)            the same as a preprocessing_function for
                                        ImageDataGenerator: it keeps "centre" (the band set
                                        to 0) or "band" (the centre set to 0)
"""
import numpy as np

from minicnn.apps.shortcut_learning.rings import blank, region

PARTS = ("band", "centre")


def check_fraction(owner, fraction):
    """fraction as a float in (0, 0.5); a ValueError naming ``owner`` otherwise."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)) \
            or not 0 < fraction < 0.5:
        raise ValueError(f"{owner}: fraction must be a number in (0, 0.5) (the band's share of "
                         f"each side), got {fraction!r}")
    return float(fraction)


def band_width(size, fraction):
    """The band's width in pixels along a side of ``size`` pixels: round(fraction * size)."""
    return int(round(check_fraction("band_width", fraction) * size))


def band_region(height, width, fraction):
    """Boolean (height, width): True on the outer ``fraction`` of each side (rings.region
    from the edge to depth ``fraction``)."""
    return region(height, width, 0, check_fraction("band_region", fraction))


def black_out(images, fraction, part):
    """A copy of ``images`` ((N, H, W, C) or one (H, W, C)) with ``part`` set to 0:
    part="band" leaves only the centre, part="centre" only the band."""
    if part not in PARTS:
        raise ValueError(f"black_out: part must be 'band' or 'centre', got {part!r}")
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"black_out: images must be (N, height, width, channels) or one "
                         f"(height, width, channels); got shape {images.shape}")
    band = band_region(*images.shape[-3:-1], fraction)
    return blank(images, band if part == "band" else ~band)


class BandMask:
    """A preprocessing_function (one image (H, W, C) after augmentation): keep="centre"
    sets the band to 0 (a model that cannot read the border), keep="band" sets the
    centre to 0 (the border-only probe). It writes zeros, so it gives the same before
    or after rescaling."""

    def __init__(self, fraction, keep="centre"):
        if keep not in PARTS:
            raise ValueError(f"BandMask: keep must be 'centre' or 'band', got {keep!r}")
        self.fraction, self.keep = check_fraction("BandMask", fraction), keep

    def __call__(self, image):
        return black_out(image, self.fraction, "band" if self.keep == "centre" else "centre")

    def __repr__(self):
        return f"BandMask({self.fraction}, keep={self.keep!r})"
