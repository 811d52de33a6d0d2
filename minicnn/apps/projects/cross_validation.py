"""Choosing a recipe by cross-validation (``minicnn train PROJECT --recipe NAME --cv K``):
the training images alone are split into K stratified folds; K models are trained, each
on K - 1 folds with the recipe's own training, and each predicts the fold it did not see
(with the recipe's own prediction: its mask, its symmetric views). Every training image
is then predicted once by a model that never saw it, and the pooled out-of-fold accuracy
and per-class recall compare recipes. The test images are never read: a recipe chosen
this way has not been chosen by the test set, whose figures stay an honest estimate.

The spread: each score is also given fold by fold, as mean and standard deviation."""
import json
import os
import time

import numpy as np

from minicnn import set_seed
from minicnn.apps.projects import views
from minicnn.apps.projects.runner import (class_weight_by_index, compiled_model,
                                          prepare_output_folder, resolved_class_weight)
from minicnn.compat.sklearn import metrics
from minicnn.preprocessing import ImageDataGenerator
from minicnn.training.saving.writing import atomic_write


def stratified_folds(classes, k, seed, names=None):
    """(N,) fold numbers 0..k-1: each class's images shuffled by ``seed`` and dealt out
    in turn, so every fold holds each class in the proportion of the whole (as
    scikit-learn's StratifiedKFold); a class needs at least k images (``names``: the
    classes' names, for the message)."""
    classes = np.asarray(classes)
    rng = np.random.default_rng(seed)
    folds = np.empty(len(classes), np.int64)
    start = 0
    for c in np.unique(classes):
        members = rng.permutation(np.flatnonzero(classes == c))
        if len(members) < k:
            name = names[c] if names is not None else int(c)
            raise ValueError(f"--cv {k}: class {name!r} has only {len(members)} training images; "
                             f"each fold needs one of each class (use a smaller --cv)")
        folds[members] = (start + np.arange(len(members))) % k
        start += len(members)  # the next class starts where this one ended: even fold sizes
    return folds


def scores(classes, probabilities, class_names):
    """Accuracy, mean per-class recall and each class's recall of predictions."""
    predicted = probabilities.argmax(axis=1)
    _, recall, _, support = metrics.precision_recall_f1(classes, predicted, len(class_names))
    return {"accuracy": metrics.accuracy(classes, predicted), "macro_recall": float(recall.mean()),
            "recall": {name: float(r) for name, r in zip(class_names, recall)},
            "support": {name: int(n) for name, n in zip(class_names, support)}}


def cross_validate(recipe, data, k, epochs, batch_size, learning_rate, optimizer, seed, out,
                   class_weight=None, image_size=None, verbose=1):
    """Train k models on the folds of the training images; print and return (and write to
    out/cv.json) the pooled out-of-fold scores and their spread across the folds."""
    if not isinstance(k, int) or k < 2:
        raise ValueError(f"--cv takes the number of folds, at least 2; got {k!r}")
    prepare_output_folder(out, ("cv.json",))
    images, classes, class_names = recipe.training_images(data, image_size, seed)
    class_indices = {name: i for i, name in enumerate(class_names)}
    weights_given = class_weight_by_index(class_weight, class_indices)
    folds = stratified_folds(classes, k, seed, class_names)
    one_hot = np.eye(len(class_names), dtype=np.float32)[classes]
    out_of_fold = np.zeros((len(classes), len(class_names)))
    per_fold, start = [], time.perf_counter()
    print(f"minicnn cross-validation: {len(classes)} training images, {k} stratified folds; "
          f"the test images are not read")
    for fold in range(k):
        seen, held = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        set_seed(seed + fold)
        train = ImageDataGenerator(**recipe.augmentation()).flow(
            images[seen], one_hot[seen], batch_size=batch_size, seed=seed + fold)
        model = compiled_model(recipe, class_names, images.shape[1:], learning_rate, optimizer,
                               epochs, len(train))
        model.fit(train, epochs=epochs, verbose=verbose, seed=seed + fold,
                  class_weight=resolved_class_weight(weights_given, classes[seen]))
        held_out = ImageDataGenerator(**recipe.evaluation()).flow(
            images[held], batch_size=batch_size, shuffle=False)
        out_of_fold[held] = views.predict(model, held_out, model.metadata.get("test_views", 1))
        per_fold.append(scores(classes[held], out_of_fold[held], class_names))
        print(f"fold {fold + 1}/{k}: accuracy {per_fold[-1]['accuracy']:.3f}, " + ", ".join(
            f"{name} recall {r:.2f}" for name, r in per_fold[-1]["recall"].items()))
    pooled = scores(classes, out_of_fold, class_names)
    spread = {"accuracy": _mean_std([f["accuracy"] for f in per_fold]),
              "recall": {name: _mean_std([f["recall"][name] for f in per_fold])
                         for name in class_names}}
    summary = {"project": recipe.NAME, "recipe": getattr(recipe, "name", "lesson"),
               "data": os.path.abspath(data or getattr(recipe, "SAMPLE", "")), "folds": k,
               "seed": seed,
               "epochs": epochs, "learning_rate": learning_rate, "batch_size": batch_size,
               "class_weight": class_weight if not isinstance(class_weight, dict) else
               {str(key): value for key, value in class_weight.items()},
               "pooled": pooled, "per_fold": per_fold, "spread": spread,
               "seconds": time.perf_counter() - start}
    print(f"\npooled out-of-fold accuracy {pooled['accuracy']:.3f} (folds: "
          f"{spread['accuracy'][0]:.3f} +- {spread['accuracy'][1]:.3f}); mean per-class recall "
          f"{pooled['macro_recall']:.3f}")
    for name in class_names:
        mean, std = spread["recall"][name]
        print(f"  {name:>16} recall {pooled['recall'][name]:.3f} (folds: {mean:.3f} +- {std:.3f}, "
              f"{pooled['support'][name]} images)")
    atomic_write(os.path.join(out, "cv.json"),
                 lambda file: file.write(json.dumps(summary, indent=2).encode()))
    print(f"written: {os.path.join(out, 'cv.json')}")
    return summary


def _mean_std(values):
    return [float(np.mean(values)), float(np.std(values))]
