"""Copies inside an image set, or between two: exact copies (the same pixels) and near
copies (the same film saved again: re-encoded, re-windowed, resized, shifted a little).

A test image that is a copy of a training image is not a test: the model has seen it. The
covid set of the lessons has six (test/Covid 8, 24, 40, 47, 55, 58 are training images), and
near copies on top; report accuracy with and without them.

    fingerprints(images, size=64)   each image (grayscale) averaged over blocks to size x size,
                                    centred and scaled to length 1: (N, size * size)
    correlations(a, b)              the Pearson correlation of every pair of fingerprints: a @ b.T
    find_duplicates(directory, threshold=0.99, size=64)
                                    every image under directory (recursively), grouped:
                                    Duplicates(names, exact groups, near pairs)
    copies_between(a, b, threshold=0.95, size=32)
                                    each image under folder a, its most similar image under
                                    folder b: CrossCopies, with counts per class of a

Between two data sets the same film has often been through more: cropped, resized to
another shape, re-encoded as JPEG. copies_between compares coarser fingerprints (32x32) at a
lower threshold (0.95) by default: that is how most of the Normal and Pneumonia films of the
covid set of the lessons are found among the Kermany pneumonia set's films, and none of its
Covid films (docs/data.md has the figures).

Exact: equal pixels after decoding to grayscale (as flow_from_directory's color_mode=
"grayscale" decodes them). Near: fingerprints correlated at ``threshold`` or above, and not
exact. Two different chest X-rays correlate about 0.86 at the median (the covid set's nearest
neighbours); the same film re-saved, 0.99 and above.
"""
import hashlib
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


def load_folder(directory, size):
    """Every image under ``directory`` (searched recursively), decoded to grayscale one at a
    time: (names relative to the folder, '/'-separated; keys, (shape, SHA-256 of the pixels)
    per image, equal for exact copies; fingerprints (N, size * size))."""
    if not os.path.isdir(directory):
        raise ValueError(f"{directory}: no such folder")
    paths = list_images(directory)
    if not paths:
        raise ValueError(f"{directory}: no images in it (looked for png, jpg, jpeg, bmp, ppm, "
                         f"tif, tiff)")
    names = [os.path.relpath(p, directory).replace(os.sep, "/") for p in paths]
    keys, prints = [], []
    for path in paths:
        image = load_image(path, "grayscale")[:, :, 0]
        keys.append((image.shape, hashlib.sha256(image.tobytes()).hexdigest()))
        prints.append(fingerprints(image[None], size))   # images of any size: one at a time
    return names, keys, np.concatenate(prints)


def _check_threshold(owner, threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
            or not 0 < threshold <= 1:
        raise ValueError(f"{owner}: threshold must be a correlation in (0, 1], got {threshold!r}")


def find_duplicates(directory, threshold=0.99, size=64):
    """Exact and near copies among every image under ``directory`` (searched recursively,
    e.g. a folder with train/ and test/ class folders). Images of any size; near copies are
    compared at size x size. Returns a Duplicates."""
    _check_threshold("find_duplicates", threshold)
    names, keys, prints = load_folder(directory, size)
    groups = {}
    for k, key in enumerate(keys):
        groups.setdefault(key, []).append(k)
    exact = [[names[k] for k in group] for group in groups.values() if len(group) > 1]
    first = [group[0] for group in groups.values()]  # one image per set of exact copies
    r = correlations(prints[first])
    near = [(names[first[i]], names[first[j]], float(r[i, j]))
            for i, j in zip(*np.nonzero(np.triu(r >= threshold, k=1)))]
    near.sort(key=lambda pair: -pair[2])
    return Duplicates(names, exact, near, threshold)


@dataclass
class CrossCopies:
    """What copies_between found. names_a, names_b: the images of each folder (relative,
    '/'-separated); best: for each image of a, the index in names_b of its most similar
    image; r: that correlation (N_a,); exact: (name in a, [names in b]) for identical pixels;
    threshold and size: the near-copy rule and the fingerprints' size."""
    a: str
    b: str
    names_a: list
    names_b: list
    best: np.ndarray
    r: np.ndarray
    exact: list
    threshold: float
    size: int

    def matches(self):
        """[(name in a, its best match in b, r)] with r >= threshold, most similar first."""
        found = [(self.names_a[i], self.names_b[self.best[i]], float(self.r[i]))
                 for i in np.flatnonzero(self.r >= self.threshold)]
        return sorted(found, key=lambda match: -match[2])

    def by_class(self):
        """{class of a (an image's folder name): {"images", "matched" (best r >= threshold),
        "exact" (identical pixels in b), "median_best" (the median best r), "matched_in":
        {folder in b: how many of the matches lie there}}}, splits pooled."""
        exact = {name for name, _ in self.exact}
        result = {}
        for i, name in enumerate(self.names_a):
            counts = result.setdefault(_class(name), {"images": 0, "matched": 0, "exact": 0,
                                                     "best": [], "matched_in": {}})
            counts["images"] += 1
            counts["exact"] += name in exact
            counts["best"].append(float(self.r[i]))
            if self.r[i] >= self.threshold:
                counts["matched"] += 1
                folder = os.path.dirname(self.names_b[self.best[i]])
                counts["matched_in"][folder] = counts["matched_in"].get(folder, 0) + 1
        for counts in result.values():
            counts["median_best"] = float(np.median(counts.pop("best")))
            counts["matched_in"] = dict(sorted(counts["matched_in"].items()))
        return dict(sorted(result.items()))

    def report(self):
        """The findings as lines of text: per class of a, then every match."""
        lines = [f"{len(self.names_a)} images in {self.a}, {len(self.names_b)} in {self.b}; "
                 f"{len(self.exact)} with identical pixels in both; best match per image of "
                 f"the first (correlation of {self.size}x{self.size} averages; a copy at "
                 f">= {self.threshold}):"]
        for name, counts in self.by_class().items():
            where = ", ".join(f"{folder} {n}" for folder, n in counts["matched_in"].items())
            lines.append(f"  {name or '(top folder)'}: {counts['matched']} of {counts['images']} "
                         f"have a copy in the second" + (f" ({where})" if where else "")
                         + f"; median best correlation {counts['median_best']:.2f}")
        for name, others in self.exact:
            lines.append(f"  {name} = {', '.join(others)}   (identical pixels)")
        for name, other, r in self.matches():
            lines.append(f"  {name} ~ {other}   r = {r:.4f}")
        return lines


def copies_between(a, b, threshold=0.95, size=32):
    """Copies of the images under folder ``a`` among those under folder ``b`` (both searched
    recursively): exact (identical pixels after decoding to grayscale) and near (fingerprints
    at size x size correlated at ``threshold`` or more). Returns a CrossCopies."""
    _check_threshold("copies_between", threshold)
    names_a, keys_a, prints_a = load_folder(a, size)
    names_b, keys_b, prints_b = load_folder(b, size)
    in_b = {}
    for name, key in zip(names_b, keys_b):
        in_b.setdefault(key, []).append(name)
    exact = [(name, in_b[key]) for name, key in zip(names_a, keys_a) if key in in_b]
    r = correlations(prints_a, prints_b)
    best = r.argmax(axis=1)
    return CrossCopies(a, b, names_a, names_b, best, r[np.arange(len(best)), best], exact,
                       threshold, size)


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
