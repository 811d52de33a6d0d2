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

The donors are drawn by rings.donor_plan (near copies of the image left out; the same draws
for every model), and both are thin uses of rings.py, whose reliance profile does the same
for every ring of the film.
"""
import numpy as np

from minicnn.apps.shortcut_learning.band import band_region, check_fraction
from minicnn.apps.shortcut_learning.rings import (blackout_accuracy, donor_plan, excess,
                                                  inputs_for, predicted_classes, region_swap)


def occlusion(model, images, labels, fraction=0.125, prepare=None, leaked=None):
    """{"clean", "centre_blacked", "band_blacked": accuracy}; with ``leaked`` (bool per
    image), also "without_leaked": the same three on the other images."""
    fraction = check_fraction("occlusion", fraction)
    prepare = prepare or inputs_for(model)
    images, labels = np.asarray(images), np.asarray(labels)
    band = band_region(images.shape[1], images.shape[2], fraction)
    right = {"clean": predicted_classes(model, prepare, images) == labels}
    for name, hidden in (("centre_blacked", ~band), ("band_blacked", band)):
        right[name] = blackout_accuracy(model, images, labels, hidden, prepare)[1]
    result = {name: float(r.mean()) for name, r in right.items()}
    if leaked is not None:
        kept = ~np.asarray(leaked, dtype=bool)
        result["without_leaked"] = {name: float(r[kept].mean()) for name, r in right.items()}
    return result


def border_swap(model, images, labels, donors, donor_labels, fraction=0.125, per_class=5,
                seed=2024, prepare=None):
    """Paste the band of other images onto each image; count where the predictions go.

    images, labels: the images tested (uint8 (N, H, W, C), int labels); donors,
    donor_labels: where the bands come from (training images). Returns rings.region_swap's
    fractions of the composites: "own", "donor", "neither"; "control_own",
    "control_unchanged"; "excess"; "clean", "images", "composites", "control_composites"."""
    fraction = check_fraction("border_swap", fraction)
    images = np.asarray(images)
    plan = donor_plan(images, labels, donors, donor_labels, per_class, seed)
    return region_swap(model, images, labels, donors,
                       band_region(images.shape[1], images.shape[2], fraction), plan, prepare)


def follows_the_border(swap, classes):
    """rings.excess of the border swap: about 0 for a model the border does not steer."""
    return excess(swap, classes)


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
