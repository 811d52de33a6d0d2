"""Copies inside an image set: exact copies (the same pixels) and near copies (the same
film saved again: re-encoded, re-windowed, shifted a little).

A test image that is a copy of a training image is not a test: the model has seen it. The
covid set of the lessons has six (test/Covid 8, 24, 40, 47, 55, 58 are training images), and
near copies on top; report accuracy with and without them.

    fingerprints(images, size=64)   each image (grayscale) averaged over blocks to size x size,
                                    centred and scaled to length 1: (N, size * size)
    correlations(a, b)              the Pearson correlation of every pair of fingerprints: a @ b.T
    find_duplicates(directory, threshold=0.99, size=64)
                                    every image under directory (recursively), grouped:
                                    Duplicates(names, exact groups, near pairs)

Exact: equal pixels after decoding to grayscale (as flow_from_directory's color_mode=
"grayscale" decodes them). Near: fingerprints correlated at ``threshold`` or above, and not
exact. Two different chest X-rays correlate about 0.86 at the median (the covid set's nearest
neighbours); the same film re-saved, 0.99 and above.
"""
import os
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from minicnn.preprocessing.files import list_images, load_image


def block_averages(images, size):
    """(N, size, size) float32: each image (N, H, W) or (N, H, W, C) (channels averaged)
    resized to size x size by averaging blocks of pixels (Pillow's box filter)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images.mean(axis=3)
    if images.ndim != 3:
        raise ValueError(f"block_averages: images must be (N, height, width[, channels]); got "
                         f"shape {images.shape}")
    return np.stack([np.asarray(Image.fromarray(image, mode="F").resize((size, size),
                                                                       Image.Resampling.BOX))
                     for image in images]).reshape(len(images), size, size)


def fingerprints(images, size=64):
    """(N, size * size) float64: each image (N, H, W) or (N, H, W, C) (channels averaged)
    resized to size x size by block averaging (block_averages), minus its mean, divided by
    its length; a flat image (all pixels equal) stays all zeros."""
    small = block_averages(images, size).reshape(len(images), -1).astype(np.float64)
    small -= small.mean(axis=1, keepdims=True)
    length = np.linalg.norm(small, axis=1, keepdims=True)
    return np.divide(small, length, out=np.zeros_like(small), where=length > 0)


def correlations(a, b=None):
    """The Pearson correlation of every pair of images' fingerprints, (N_a, N_b); b=None
    compares a with itself. a and b: fingerprints (fingerprints()) of the two sets."""
    return a @ (a if b is None else b).T


@dataclass
class Duplicates:
    """What find_duplicates found. names: every image, relative to the folder ('train/Covid/8.png');
    exact: groups of names with identical pixels; near: (name, name, correlation) pairs of
    images that are not exact copies, most similar first, each exact group counted once (by
    its first name)."""
    names: list
    exact: list = field(default_factory=list)
    near: list = field(default_factory=list)
    threshold: float = 0.99

    def copies_across(self, kept="train", dropped="test"):
        """Names in ``dropped`` (a top folder, such as test) with an exact copy in ``kept``:
        the images to leave out of a figure "without the leaked images"."""
        return sorted(name for group in self.exact if any(_split(n) == kept for n in group)
                      for name in group if _split(name) == dropped)

    def films(self, name):
        """``name`` and its exact copies."""
        return next((group for group in self.exact if name in group), [name])

    def near_copies_across(self, kept="train", dropped="test"):
        """Names in ``dropped`` that nearly copy an image in ``kept`` (an exact copy of one
        included), leaving out those copies_across already lists."""
        found = set()
        for a, b, _ in self.near:
            films = self.films(a) + self.films(b)
            if any(_split(n) == kept for n in films):
                found |= {n for n in films if _split(n) == dropped}
        return sorted(found - set(self.copies_across(kept, dropped)))

    def report(self):
        """The findings as lines of text, each group or pair labelled by where it lies."""
        lines = [f"{len(self.names)} images; {len(self.exact)} groups of exact copies "
                 f"(identical pixels)"]
        for group in self.exact:
            lines.append(f"  {' = '.join(group)}   [{_where(group)}]")
        lines.append(f"{len(self.near)} pairs of near copies (correlation >= {self.threshold}, "
                     f"not identical)")
        for a, b, r in self.near:
            lines.append(f"  {self._shown(a)} ~ {self._shown(b)}   r = {r:.4f}   "
                         f"[{_where(self.films(a) + self.films(b))}]")
        leaks = self.copies_across()
        if leaks:
            lines.append(f"test images that are copies of training images ({len(leaks)}): "
                         f"{', '.join(leaks)}")
        near = self.near_copies_across()
        if near:
            lines.append(f"test images that nearly copy training images ({len(near)}): "
                         f"{', '.join(near)}")
        return lines

    def _shown(self, name):
        copies = [n for n in self.films(name) if n != name]
        return name + (f" (= {', '.join(copies)})" if copies else "")


def _split(name):
    return name.split("/")[0] if "/" in name else ""


def _class(name):
    parts = name.split("/")
    return parts[1] if len(parts) > 2 else parts[0] if len(parts) > 1 else ""


def _where(names):
    splits = sorted({_split(n) for n in names})
    place = " / ".join(splits) + (" (across splits)" if len(splits) > 1 else "")
    if len({_class(n) for n in names}) > 1:
        place += ", DIFFERENT classes"
    return place


def find_duplicates(directory, threshold=0.99, size=64):
    """Exact and near copies among every image under ``directory`` (searched recursively,
    e.g. a folder with train/ and test/ class folders). Images of any size; near copies are
    compared at size x size. Returns a Duplicates."""
    if not os.path.isdir(directory):
        raise ValueError(f"{directory}: no such folder")
    if not 0 < threshold <= 1:
        raise ValueError(f"find_duplicates: threshold must be in (0, 1], got {threshold!r}")
    paths = list_images(directory)
    if not paths:
        raise ValueError(f"{directory}: no images in it (looked for png, jpg, jpeg, bmp, ppm, "
                         f"tif, tiff)")
    names = [os.path.relpath(p, directory).replace(os.sep, "/") for p in paths]
    images = [load_image(p, "grayscale")[:, :, 0] for p in paths]
    groups = {}
    for name, image in zip(names, images):
        groups.setdefault((image.shape, image.tobytes()), []).append(name)
    exact = [group for group in groups.values() if len(group) > 1]
    first = [group[0] for group in groups.values()]  # one image per set of exact copies
    index = {name: k for k, name in enumerate(names)}
    prints = np.concatenate([fingerprints(images[index[name]][None], size) for name in first])
    r = correlations(prints)
    near = [(first[i], first[j], float(r[i, j]))
            for i, j in zip(*np.nonzero(np.triu(r >= threshold, k=1)))]
    near.sort(key=lambda pair: -pair[2])
    return Duplicates(names, exact, near, threshold)


def copies_of(images, originals, threshold=0.99, size=64):
    """(exact, near): a bool per image of ``images`` ((N, H, W[, C]) arrays, such as test
    images): it has an exact copy among ``originals`` (training images of the same size);
    it has a near copy there (fingerprint correlation >= threshold) and no exact one."""
    images, originals = np.asarray(images), np.asarray(originals)
    same_shape = images.shape[1:] == originals.shape[1:]
    seen = {image.tobytes() for image in originals} if same_shape else set()
    exact = np.array([image.tobytes() in seen for image in images], dtype=bool)
    if len(images) == 0 or len(originals) == 0:
        return exact, np.zeros(len(images), dtype=bool)
    r = correlations(fingerprints(images, size), fingerprints(originals, size))
    return exact, (r >= threshold).any(axis=1) & ~exact
