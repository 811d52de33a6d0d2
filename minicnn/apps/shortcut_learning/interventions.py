"""Where a model looks, measured by changing the image and counting what the model does.

Heatmaps are read; these are counted. Both take uint8 images (N, H, W, C) as decoded,
change them, and hand them to the model through ``prepare`` (default: inputs_for(model),
the rescaling and mask the model was trained with).

    occlusion(model, images, labels, fraction)
        accuracy on whole images, with the centre blacked out (only the border band left)
        and with the band blacked out (only the centre left)
    border_swap(model, images, labels, donors, donor_labels, fraction)
        each image gets the border band of ``per_class`` donor images of every other class:
        does the prediction stay with the image's class, follow the donor's class, or
        neither? The control pastes bands of donors of the image's own class: how often
        the prediction stays right (a border change alone, without a class change)
    reading(swap, ...)    one sentence: does the model follow the pasted border?

Donors that nearly copy the image (the same film saved twice: fingerprint correlation >= 0.98)
are left out, or the "swap" would paste the image's own border back. Donors are drawn with
numpy.random.default_rng([seed, image index, class]): the same for every model, so models
compare on the same composites.
"""
import numpy as np

from minicnn.preprocessing.duplicates import correlations, fingerprints
from minicnn.apps.shortcut_learning.band import BandMask, band_region, black_out, check_fraction

NEAR_COPY = 0.98


def inputs_for(model):
    """The function from uint8 images to what ``model`` takes: times its metadata's
    rescale (default 1/255), then the band mask it was trained with (metadata "sees":
    "centre" or "band", and "band": the fraction), as `minicnn train` prepares test images."""
    metadata = getattr(model, "metadata", None) or {}
    rescale = metadata.get("rescale", 1 / 255)
    rescale = 1.0 if rescale is None else float(rescale)
    mask = (BandMask(metadata["band"], keep=metadata["sees"])
            if metadata.get("sees") in ("centre", "band") else None)

    def prepare(images):
        x = np.asarray(images, dtype=np.float32) * np.float32(rescale)
        return x if mask is None else black_out(x, mask.fraction,
                                                "band" if mask.keep == "centre" else "centre")
    return prepare


def _predict(model, prepare, images, batch_size=64):
    return model.predict(prepare(images), batch_size=batch_size).argmax(axis=1)


def occlusion(model, images, labels, fraction=0.125, prepare=None, leaked=None):
    """{"clean", "centre_blacked", "band_blacked": accuracy}; with ``leaked`` (bool per
    image), also "without_leaked": the same three on the other images."""
    fraction = check_fraction("occlusion", fraction)
    prepare = prepare or inputs_for(model)
    labels = np.asarray(labels)
    right = {"clean": _predict(model, prepare, images) == labels}
    for name, part in (("centre_blacked", "centre"), ("band_blacked", "band")):
        right[name] = _predict(model, prepare, black_out(images, fraction, part)) == labels
    result = {name: float(r.mean()) for name, r in right.items()}
    if leaked is not None:
        kept = ~np.asarray(leaked, dtype=bool)
        result["without_leaked"] = {name: float(r[kept].mean()) for name, r in right.items()}
    return result


def border_swap(model, images, labels, donors, donor_labels, fraction=0.125, per_class=5,
                seed=2024, prepare=None):
    """Paste the band of other images onto each image; count where the predictions go.

    images, labels: the images tested (uint8 (N, H, W, C), int labels); donors,
    donor_labels: where the bands come from (training images). Returns fractions of the
    composites: "own" (the prediction is the image's class), "donor" (the donor's class),
    "neither"; "control_own" (same-class donors: the prediction is the image's class) and
    "control_unchanged" (it is what it was on the untouched image); "clean" (accuracy on
    the untouched images); "composites" and "control_composites" (how many)."""
    fraction = check_fraction("border_swap", fraction)
    prepare = prepare or inputs_for(model)
    images, donors = np.asarray(images), np.asarray(donors)
    labels, donor_labels = np.asarray(labels), np.asarray(donor_labels)
    if images.shape[1:] != donors.shape[1:]:
        raise ValueError(f"border_swap: images {images.shape[1:]} and donors "
                         f"{donors.shape[1:]} must have the same shape")
    region = band_region(images.shape[1], images.shape[2], fraction)
    near = correlations(fingerprints(images), fingerprints(donors)) >= NEAR_COPY
    clean = _predict(model, prepare, images)
    other, same = [], []   # (image index, donor class, donor index) per composite
    for i in range(len(images)):
        for c in np.unique(donor_labels):
            pool = np.flatnonzero((donor_labels == c) & ~near[i])
            if len(pool) == 0:
                continue
            chosen = np.random.default_rng([seed, i, int(c)]).choice(
                pool, min(per_class, len(pool)), replace=False)
            (same if c == labels[i] else other).extend((i, int(c), int(d)) for d in chosen)

    def composites(rows):
        """Each row's image with its donor's band: np.where over the band region."""
        index, donor = np.array([r[0] for r in rows]), np.array([r[2] for r in rows])
        return np.where(region[None, :, :, None], donors[donor], images[index])
    result = {"clean": float((clean == labels).mean()), "images": len(images),
              "composites": len(other), "control_composites": len(same)}
    if other:
        index, donor_class = np.array([r[0] for r in other]), np.array([r[1] for r in other])
        predicted = _predict(model, prepare, composites(other))
        own, follows = predicted == labels[index], predicted == donor_class
        result.update(own=float(own.mean()), donor=float(follows.mean()),
                      neither=float((~own & ~follows).mean()))
    if same:
        index = np.array([i for i, _, _ in same])
        predicted = _predict(model, prepare, composites(same))
        result.update(control_own=float((predicted == labels[index]).mean()),
                      control_unchanged=float((predicted == clean[index]).mean()))
    return result


def follows_the_border(swap, classes):
    """How much more often a pasted border of another class sets the prediction than chance
    errors would: the donor share minus the control's error rate spread over the other
    classes ((1 - control_own) / (classes - 1)). About 0 for a model the border does not steer."""
    return swap["donor"] - (1 - swap["control_own"]) / (classes - 1)


def reading(swap, classes, masked=False):
    """One sentence on what the border swap says about the model."""
    if masked:
        return ("reading: this recipe sets the band to 0 before the model sees it, so no pasted "
                "border can reach it (its swap figures are the clean ones by construction)")
    excess = follows_the_border(swap, classes)
    if excess > 0.05:
        return (f"reading: a pasted border of another class sets {swap['donor']:.0%} of the "
                f"predictions to its class ({excess:.0%} above what a same-class border's errors "
                f"give): this model reads the film's border (markers, edges), not only the lungs")
    return (f"reading: a pasted border of another class sets {swap['donor']:.0%} of the "
            f"predictions to its class, no more than a same-class border's errors give "
            f"({excess:+.0%}): the border does not steer this model")
