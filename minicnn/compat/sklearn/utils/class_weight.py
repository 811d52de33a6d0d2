"""compute_class_weight, scikit-learn's (sklearn.utils.class_weight), for fit's class_weight."""
import numpy as np

from minicnn.losses import balanced_class_weight


def compute_class_weight(class_weight, *, classes, y, sample_weight=None):
    """An array of weights, one per class of ``classes`` (in that order), as scikit-learn:

    - "balanced": n_samples / (n_classes * count of the class in y)
      (so each class weighs as much in the loss as it would in balanced data);
    - a dict {class: weight}: those weights, 1.0 for the classes it leaves out;
    - None: all 1.0.

    Every label in y must be among ``classes``; with "balanced", every class must
    occur in y. Labels may be numbers or strings. ``sample_weight`` (scikit-learn
    1.6+) counts each sample with its weight in the "balanced" counts.

        weights = compute_class_weight("balanced", classes=np.unique(y), y=y)
        model.fit(x, y, class_weight=dict(enumerate(weights)))
    """
    classes, y = np.asarray(classes), np.asarray(y)
    unknown = sorted(set(y.tolist()) - set(classes.tolist()), key=str)
    if unknown:
        raise ValueError(f"compute_class_weight: classes should include all valid labels that "
                         f"can be in y; y has {unknown[:5]} not in classes {classes.tolist()[:10]}")
    if class_weight is None or (isinstance(class_weight, dict) and not class_weight):
        return np.ones(len(classes), dtype=np.float64)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"compute_class_weight: class_weight must be 'balanced', a dict or "
                             f"None, got {class_weight!r}")
        present, index = np.unique(y, return_inverse=True)
        missing = [c for c in classes.tolist() if c not in set(present.tolist())]
        if missing:
            raise ValueError(f"compute_class_weight: classes should have valid labels that are "
                             f"in y; {missing[:5]} never occur in y, so 'balanced' cannot weigh "
                             f"them")
        if sample_weight is None:
            per_index = balanced_class_weight(index)
            weights = np.array([per_index[k] for k in range(len(present))])
        else:
            counts = np.bincount(index, weights=np.asarray(sample_weight, dtype=np.float64))
            weights = counts.sum() / (len(present) * counts)
        return weights[np.searchsorted(present, classes)].astype(np.float64)
    if not hasattr(class_weight, "items"):
        raise ValueError(f"compute_class_weight: class_weight must be 'balanced', a dict or "
                         f"None, got {type(class_weight).__name__}")
    weights = np.ones(len(classes), dtype=np.float64)
    listed = classes.tolist()
    for label, weight in class_weight.items():
        if label not in listed:
            raise ValueError(f"compute_class_weight: the class {label!r} of class_weight is not "
                             f"in classes {listed[:10]}")
        weights[listed.index(label)] = weight
    return weights
