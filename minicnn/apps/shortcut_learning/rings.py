"""Regions of a film by their distance from its edge, and how much each one drives a model.

A region is a frame between two depths, ``outer`` and ``inner``: fractions of each side
measured from the edge, 0 <= outer < inner <= 0.5 (0.5 is the middle). The border band of
band.py is region(H, W, 0, f), its centre region(H, W, f, 0.5); ring_edges(8) cuts the film
into 8 frames of equal width, each 1/16 of a side, from the edge to the middle. Pixels are
rounded as band.band_width rounds them: depth f is round(f * side) pixels.

The reliance profile pastes one region of a donor image onto each test image and counts
where the predictions go, region by region: does the prediction follow the donor's class?
Donors of the image's own class are the control: they change the region as much without
changing its class, so their errors say how often a prediction moves for no class reason.

    region(height, width, outer, inner)      bool (H, W): True in the frame
    ring_edges(count)                        [0, 1/(2 count), ..., 0.5]
    blank(images, region)                    a copy of images (N, H, W, C) with the region 0
    inputs_for(model)                        uint8 images -> what the model takes (its
                                             rescale and the mask it was trained with)
    donor_plan(images, labels, donors, donor_labels, per_class, seed)
                                             which donors each image gets: DonorPlan
    region_swap(model, images, labels, donors, region, plan)
                                             the shares: own, donor, neither; control_own,
                                             control_unchanged; excess
    excess(swap, classes)                    follow-the-donor minus what the control's errors give
    blackout_accuracy(model, images, labels, region)   accuracy with the region set to 0
    reliance_profile(model, images, labels, donors, donor_labels, rings=8, ...)
                                             per ring: area, swap, blackout accuracy

Donors that nearly copy the image (fingerprint correlation >= NEAR_COPY: the same film saved
twice) are left out, or the swap would paste the image's own region back. Donors are drawn
with numpy.random.default_rng([seed, image index, class]): the same for every model and
every region, so models and rings compare on the same composites.
"""
from dataclasses import dataclass

import numpy as np

from minicnn.preprocessing.duplicates import correlations, fingerprints

NEAR_COPY = 0.98
CHUNK = 128   # composites predicted at once: 128 films of 256x256 are 32 MB of float32


def _pixels(size, depth):
    return int(round(depth * size))


def region(height, width, outer, inner):
    """Bool (height, width): True where a pixel lies at depth ``outer`` or more from every
    edge and less than ``inner`` from some edge (depths as fractions of each side)."""
    if not (isinstance(outer, (int, float, np.floating)) and isinstance(inner, (int, float, np.floating))
            and 0 <= outer < inner <= 0.5):
        raise ValueError(f"region: need 0 <= outer < inner <= 0.5 (depths as fractions of each "
                         f"side, from the edge), got outer={outer!r}, inner={inner!r}")

    def inside(depth):
        rows, columns = _pixels(height, depth), _pixels(width, depth)
        frame = np.zeros((height, width), dtype=bool)
        frame[rows:height - rows, columns:width - columns] = True
        return frame
    return inside(outer) & ~inside(inner)


def ring_edges(count):
    """The depths of ``count`` rings of equal width, from the edge (0) to the middle (0.5)."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"ring_edges: count must be a positive int, got {count!r}")
    return [k / (2 * count) for k in range(count + 1)]


def blank(images, where):
    """A copy of ``images`` ((N, H, W, C) or one (H, W, C)) with the pixels of ``where``
    (bool (H, W)) set to 0."""
    images = np.array(images, copy=True)
    if images.ndim not in (3, 4) or images.shape[-3:-1] != where.shape:
        raise ValueError(f"blank: images must be (N, height, width, channels) or one (height, "
                         f"width, channels) with height and width {where.shape}; got shape "
                         f"{images.shape}")
    images[..., where, :] = 0
    return images


def hidden(metadata, height, width):
    """What the model's mask hides, bool (H, W), from a model file's metadata ("sees":
    "centre" hides the outer "band" of each side, "band" hides the rest); None without one."""
    sees, depth = metadata.get("sees"), metadata.get("band")
    if sees == "centre":
        return region(height, width, 0, depth)
    if sees == "band":
        return region(height, width, depth, 0.5)
    return None


def inputs_for(model):
    """The function from uint8 images to what ``model`` takes: times its metadata's
    rescale (default 1/255), then the mask it was trained with (hidden()), as `minicnn
    train` prepares test images."""
    metadata = getattr(model, "metadata", None) or {}
    rescale = metadata.get("rescale", 1 / 255)
    rescale = 1.0 if rescale is None else float(rescale)

    def prepare(images):
        x = np.asarray(images, dtype=np.float32) * np.float32(rescale)
        mask = hidden(metadata, *x.shape[-3:-1])
        return x if mask is None else blank(x, mask)
    return prepare


def predicted_classes(model, prepare, images):
    """The class ``model`` gives each of ``images`` (uint8 (N, H, W, C)), CHUNK at a time."""
    return np.concatenate([model.predict(prepare(images[start:start + CHUNK]), batch_size=64)
                           .argmax(axis=1) for start in range(0, len(images), CHUNK)]
                          or [np.zeros(0, dtype=np.int64)])


@dataclass
class DonorPlan:
    """Which donor each composite takes. other, same: int arrays (n, 3) whose rows are
    (image index, donor class, donor index): donors of other classes, and of the image's
    own class (the control)."""
    other: np.ndarray
    same: np.ndarray


def donor_plan(images, labels, donors, donor_labels, per_class=5, seed=2024):
    """Up to ``per_class`` donors of every class for each image, drawn with
    numpy.random.default_rng([seed, image index, class]), near copies of the image left
    out. images, donors: (N, H, W, C) of one shape; labels, donor_labels: ints."""
    images, donors = np.asarray(images), np.asarray(donors)
    labels, donor_labels = np.asarray(labels), np.asarray(donor_labels)
    if images.shape[1:] != donors.shape[1:]:
        raise ValueError(f"donor_plan: images {images.shape[1:]} and donors "
                         f"{donors.shape[1:]} must have the same shape")
    near = correlations(fingerprints(images), fingerprints(donors)) >= NEAR_COPY
    other, same = [], []
    for i in range(len(images)):
        for c in np.unique(donor_labels):
            pool = np.flatnonzero((donor_labels == c) & ~near[i])
            if len(pool) == 0:
                continue
            chosen = np.random.default_rng([seed, i, int(c)]).choice(
                pool, min(per_class, len(pool)), replace=False)
            (same if c == labels[i] else other).extend((i, int(c), int(d)) for d in chosen)
    rows = lambda found: np.asarray(found, dtype=np.int64).reshape(-1, 3)
    return DonorPlan(rows(other), rows(same))


def excess(swap, classes):
    """How much more often a pasted region of another class sets the prediction than chance
    errors would: the donor share minus the control's error rate spread over the other
    classes ((1 - control_own) / (classes - 1)). About 0 for a region the model ignores."""
    return swap["donor"] - (1 - swap["control_own"]) / (classes - 1)


def region_swap(model, images, labels, donors, where, plan, prepare=None, clean=None):
    """Paste ``where`` (bool (H, W)) of each planned donor onto its image and count.

    Returns fractions of the composites: "own" (the prediction is the image's class),
    "donor" (the donor's class), "neither"; "control_own" (same-class donors: the
    prediction is the image's class), "control_unchanged" (it is what it was on the
    untouched image); "excess" (excess()); "clean" (accuracy on the untouched images);
    "images", "composites", "control_composites" (how many). clean: the classes predicted
    on the untouched images, if known."""
    prepare = prepare or inputs_for(model)
    images, donors, labels = np.asarray(images), np.asarray(donors), np.asarray(labels)
    clean = predicted_classes(model, prepare, images) if clean is None else clean
    result = {"clean": float((clean == labels).mean()), "images": len(images),
              "composites": len(plan.other), "control_composites": len(plan.same)}

    def predicted(rows):
        return np.concatenate([predicted_classes(model, prepare, np.where(
            where[None, :, :, None], donors[part[:, 2]], images[part[:, 0]]))
            for part in np.array_split(rows, max(1, -(-len(rows) // CHUNK)))])
    if len(plan.other):
        got = predicted(plan.other)
        own, follows = got == labels[plan.other[:, 0]], got == plan.other[:, 1]
        result.update(own=float(own.mean()), donor=float(follows.mean()),
                      neither=float((~own & ~follows).mean()))
    if len(plan.same):
        got = predicted(plan.same)
        result.update(control_own=float((got == labels[plan.same[:, 0]]).mean()),
                      control_unchanged=float((got == clean[plan.same[:, 0]]).mean()))
    if "donor" in result and "control_own" in result:
        result["excess"] = excess(result, int(model.output_shape[-1]))
    return result


def blackout_accuracy(model, images, labels, where, prepare=None):
    """Accuracy on ``images`` (uint8 (N, H, W, C)) with ``where`` set to 0, and which
    images stay right (bool (N,))."""
    prepare = prepare or inputs_for(model)
    right = predicted_classes(model, prepare, blank(images, where)) == np.asarray(labels)
    return float(right.mean()), right


def reliance_profile(model, images, labels, donors, donor_labels, rings=8, named=None,
                     per_class=5, seed=2024, prepare=None):
    """How much each ring of the film drives ``model``'s predictions.

    images, labels: the test images (uint8 (N, H, W, C) as decoded) and their classes;
    donors, donor_labels: where the pasted rings come from (training images). named:
    {name: (outer, inner)} further regions measured the same way (the band, the centre).
    Returns {"clean": accuracy, "classes", "donors_per_class", "seed", "rings": [entry per
    ring, edge first], "named": {name: entry}}; an entry is {"outer", "inner", "area" (its
    share of the image), "swap" (region_swap), "blackout" (accuracy with it set to 0)}."""
    images, donors = np.asarray(images), np.asarray(donors)
    labels = np.asarray(labels)
    prepare = prepare or inputs_for(model)
    height, width = images.shape[1:3]
    plan = donor_plan(images, labels, donors, donor_labels, per_class, seed)
    clean = predicted_classes(model, prepare, images)

    def measure(outer, inner):
        where = region(height, width, outer, inner)
        return {"outer": outer, "inner": inner, "area": float(where.mean()),
                "swap": region_swap(model, images, labels, donors, where, plan, prepare, clean),
                "blackout": blackout_accuracy(model, images, labels, where, prepare)[0]}
    edges = ring_edges(rings)
    return {"clean": float((clean == labels).mean()), "classes": int(model.output_shape[-1]),
            "donors_per_class": per_class, "seed": seed,
            "rings": [measure(a, b) for a, b in zip(edges[:-1], edges[1:])],
            "named": {name: measure(*span) for name, span in (named or {}).items()}}


def steering_ring(profile):
    """The index of the ring whose pasted donors move predictions most (largest excess)."""
    return int(np.argmax([ring["swap"].get("excess", -np.inf) for ring in profile["rings"]]))
