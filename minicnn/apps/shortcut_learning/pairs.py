"""Every pair of classes on its own: how well a model tells A from B on their images.

A three-class accuracy mixes questions that a data set can answer very differently: on the
covid set two classes come from one hospital and the third from others, so "A or B" may be
a question of disease for one pair and of source for another. Each pair is reported alone.

    class_pairs(class_names)        [(i, j, "A-vs-B")] for every i < j
    pair_accuracies(labels, probabilities, class_names, kept=None)
        {"A-vs-B": {"accuracy", "samples"}}: on the images of class A or B, the share whose
        larger probability of the two is their own class's
"""
import numpy as np


def class_pairs(class_names):
    """[(i, j, "A-vs-B")] for every pair of classes, i < j, in the classes' order."""
    names = list(class_names)
    return [(i, j, f"{names[i]}-vs-{names[j]}")
            for i in range(len(names)) for j in range(i + 1, len(names))]


def pair_accuracies(labels, probabilities, class_names, kept=None):
    """{"A-vs-B": {"accuracy": float or None, "samples": int}} for every pair of classes.

    labels: the true class of each image (N,); probabilities: (N, classes), the model's
    output (any scores whose larger value is the choice); kept: bool (N,), the images to
    count (all by default). An image of class A is right when its score for A exceeds its
    score for B (ties count as wrong), whatever the other classes' scores."""
    labels, probabilities = np.asarray(labels), np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError(f"pair_accuracies: probabilities must be (N, classes) with N = "
                         f"{len(labels)} labels; got shape {probabilities.shape}")
    kept = np.ones(len(labels), dtype=bool) if kept is None else np.asarray(kept, dtype=bool)
    result = {}
    for i, j, name in class_pairs(class_names):
        mine = kept & np.isin(labels, [i, j])
        own = probabilities[mine, labels[mine]]
        other = probabilities[mine, np.where(labels[mine] == i, j, i)]
        result[name] = {"accuracy": float((own > other).mean()) if mine.any() else None,
                        "samples": int(mine.sum())}
    return result
