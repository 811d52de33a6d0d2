"""The source probe: how far can the label be told from what barely shows the disease?

When the classes of a data set come from different hospitals, machines or patients (on the
covid set, Normal and Pneumonia are children's films from one hospital and Covid adults'
films from others), the label can be read from the film's make rather than its lungs: the
exposure, the framing, the body's outline, the border. The probe measures that, with
features too coarse to show much of a lung's texture, and a linear classifier.

    FEATURES            name -> function(images, band) -> (N, D) float features:
      "thumbnail"         the film averaged to 8x8 blocks (32x32 pixels each at 256), / 255
      "border cells"      the 28 outer cells of that thumbnail (the blurred border)
      "border histogram"  the intensity histogram (32 bins) of the border band
      "film histogram"    the intensity histogram of the whole film
      "silhouette"        the film thresholded (Otsu) at 32x32: the bright body's column and
                          row profiles, its area and bounding box
    fit_probe(x, labels, classes)   Sequential([Dense(classes, softmax, L2 penalty)]) on the
                                    standardised features, full batches, Adam: a Probe
    cross_validate_probe(x, labels, groups)   held-out accuracy, folds stratified and copies
                                    kept in one fold (probe.stratified_group_folds)
    source_probe(images, labels, class_names)   per feature set: every class, and every
                                    pair of classes alone, cross-validated on these images
    probe_on_test(train_images, train_labels, test_images, test_labels, class_names)
                                    per feature set: fitted on the training films, scored on
                                    the test films (accuracy, without copies, recall, pairs)

Run it on training images only for the cross-validation: no test image plays a part.
"""
from dataclasses import dataclass

import numpy as np

from minicnn import Sequential, set_seed
from minicnn.layers import Dense
from minicnn.optimizers import Adam
from minicnn.preprocessing.duplicates import block_averages
from minicnn.regularizers import L2
from minicnn.apps.shortcut_learning.band import band_region
from minicnn.apps.shortcut_learning.pairs import class_pairs, pair_accuracies
from minicnn.apps.shortcut_learning.probe import duplicate_groups, stratified_group_folds

THUMBNAIL, SILHOUETTE, BINS = 8, 32, 32
PENALTY, EPOCHS, LEARNING_RATE = 0.003, 300, 0.05


def thumbnail(images, band=None):
    """(N, 64): each film averaged to 8x8 blocks, scaled to 0..1."""
    return block_averages(images, THUMBNAIL).reshape(len(images), -1) / 255


def border_cells(images, band=None):
    """(N, 28): the outer ring of cells of the 8x8 thumbnail (the outer 12.5% of each side)."""
    outer = np.ones((THUMBNAIL, THUMBNAIL), dtype=bool)
    outer[1:-1, 1:-1] = False
    return (block_averages(images, THUMBNAIL) / 255)[:, outer]


def _histograms(values):
    """(N, BINS): the share of each row's uint8 values in BINS equal bins."""
    bins = np.asarray(values, dtype=np.int64) * BINS // 256
    return np.stack([np.bincount(row, minlength=BINS) / row.size for row in bins])


def film_histogram(images, band=None):
    """(N, 32): the intensity histogram of each whole film (channels averaged)."""
    return _histograms(_grey(images).reshape(len(images), -1))


def border_histogram(images, band=0.125):
    """(N, 32): the intensity histogram of each film's border band (band: its fraction)."""
    grey = _grey(images)
    return _histograms(grey[:, band_region(grey.shape[1], grey.shape[2], band)])


def _grey(images):
    images = np.asarray(images)
    return images.mean(axis=3).round().astype(np.uint8) if images.shape[-1] != 1 else images[..., 0]


def otsu_threshold(values, bins=64):
    """The threshold that best splits ``values`` in two (Otsu 1979: the largest variance
    between the two groups' means), from a histogram of ``bins`` bins: the upper edge of
    the lower group's last bin."""
    counts, edges = np.histogram(values, bins=bins)
    share = counts / counts.sum()
    centres = (edges[:-1] + edges[1:]) / 2
    below, mean_below = np.cumsum(share), np.cumsum(share * centres)
    between = (mean_below[-1] * below - mean_below) ** 2 / np.maximum(below * (1 - below), 1e-12)
    return edges[np.argmax(between[:-1]) + 1]


def silhouette(images, band=None):
    """(N, 39): each film at 32x32, thresholded at its own Otsu threshold (the body bright,
    the air dark); the share of bright pixels in 16 column strips and 16 row strips, the
    bright area, and the bounding box of the bright pixels (top, bottom, left, right, width,
    height, as fractions of the side)."""
    small = block_averages(images, SILHOUETTE)
    bright = np.stack([each > otsu_threshold(each.ravel()) for each in small]).astype(np.float64)
    strips = lambda profile: profile.reshape(len(bright), 16, -1).mean(axis=2)
    boxes = []
    for each in bright:
        rows, columns = np.flatnonzero(each.any(axis=1)), np.flatnonzero(each.any(axis=0))
        top, bottom, left, right = ((rows[0], rows[-1] + 1, columns[0], columns[-1] + 1)
                                    if len(rows) else (0, 0, 0, 0))
        boxes.append([top, bottom, left, right, right - left, bottom - top])
    return np.concatenate([strips(bright.mean(axis=1)), strips(bright.mean(axis=2)),
                           bright.mean(axis=(1, 2))[:, None],
                           np.asarray(boxes, dtype=np.float64) / SILHOUETTE], axis=1)


FEATURES = {"thumbnail": thumbnail, "border cells": border_cells,
            "border histogram": border_histogram, "film histogram": film_histogram,
            "silhouette": silhouette}


@dataclass
class Probe:
    """A fitted probe: the features' mean and sd (of its training rows) and the model."""
    model: object
    mean: np.ndarray
    sd: np.ndarray

    def predict(self, x):
        """(N, classes) probabilities for features x (N, D)."""
        return self.model.predict(((x - self.mean) / self.sd).astype(np.float32), verbose=0)


def fit_probe(x, labels, classes, seed=0, penalty=PENALTY, epochs=EPOCHS,
              learning_rate=LEARNING_RATE):
    """A linear classifier on features x (N, D): standardised by their own mean and sd, then
    Sequential([Dense(classes, activation="softmax", kernel_regularizer=L2(penalty))])
    trained on all rows at once (one batch) for ``epochs`` steps of Adam. Returns a Probe."""
    x = np.asarray(x, dtype=np.float64)
    mean, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    set_seed(seed)
    model = Sequential([Dense(classes, activation="softmax", kernel_regularizer=L2(penalty))],
                       input_shape=(x.shape[1],))
    model.compile(Adam(learning_rate), "categorical_crossentropy")
    model.fit(((x - mean) / sd).astype(np.float32),
              np.eye(classes, dtype=np.float32)[np.asarray(labels)], batch_size=len(x),
              epochs=epochs, shuffle=False, verbose=0)
    return Probe(model, mean, sd)


def cross_validate_probe(x, labels, groups, folds=5, fold_seeds=(0, 1, 2, 3, 4), **fitting):
    """Held-out accuracy of fit_probe on features x (N, D) with int labels: for each fold
    seed a ``folds``-fold split (stratified, each group in one fold), every image predicted
    once by the probe fitted on the other folds. Returns {"accuracy": mean over fold seeds,
    "per_fold_seed": [...], "chance": the largest class's share, "samples": N}."""
    labels = np.asarray(labels)
    classes = int(labels.max()) + 1
    accuracies = []
    for fold_seed in fold_seeds:
        fold = stratified_group_folds(labels, groups, folds, fold_seed)
        predicted = np.empty(len(labels), dtype=np.int64)
        for f in range(folds):
            held = fold == f
            probe = fit_probe(x[~held], labels[~held], classes, **fitting)
            predicted[held] = probe.predict(x[held]).argmax(axis=1)
        accuracies.append(float((predicted == labels).mean()))
    return {"accuracy": float(np.mean(accuracies)), "per_fold_seed": accuracies,
            "chance": float(np.bincount(labels).max() / len(labels)), "samples": len(labels)}


def source_probe(images, labels, class_names, groups=None, features=FEATURES, band=0.125,
                 **cross_validation):
    """Per feature set: {"dims": D, "all classes": cross_validate_probe over every class,
    "A-vs-B": the same on the images of A and B alone, for every pair}. images: uint8
    (N, H, W, C) (training films); groups: probe.duplicate_groups(images) unless given."""
    labels = np.asarray(labels)
    groups = duplicate_groups(images) if groups is None else np.asarray(groups)
    result = {}
    for name, feature in features.items():
        x = feature(images, band)
        result[name] = {"dims": int(x.shape[1]),
                        "all classes": cross_validate_probe(x, labels, groups, **cross_validation)}
        for i, j, pair in class_pairs(class_names):
            mine = np.isin(labels, [i, j])
            result[name][pair] = cross_validate_probe(x[mine], (labels[mine] == j).astype(np.int64),
                                                      groups[mine], **cross_validation)
    return result


def probe_on_test(train_images, train_labels, test_images, test_labels, class_names,
                  features=FEATURES, band=0.125, kept=None, seed=0):
    """Per feature set, the probe fitted on every training film and scored on the test films:
    {"accuracy", "accuracy_without_copies" (on ``kept``, bool per test image, if given),
    "recall": {class: share}, "pairs": pair_accuracies of its probabilities}."""
    test_labels = np.asarray(test_labels)
    result = {}
    for name, feature in features.items():
        probe = fit_probe(feature(train_images, band), train_labels, len(class_names), seed)
        probabilities = probe.predict(feature(test_images, band))
        right = probabilities.argmax(axis=1) == test_labels
        result[name] = {
            "accuracy": float(right.mean()),
            "accuracy_without_copies": None if kept is None else float(right[kept].mean()),
            "recall": {c: float(right[test_labels == k].mean())
                       for k, c in enumerate(class_names) if (test_labels == k).any()},
            "pairs": pair_accuracies(test_labels, probabilities, class_names)}
    return result
