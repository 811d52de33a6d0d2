"""The report of a trained recipe on its test set: scores, per-class recall, the
pictures (report.OUTPUTS) and metrics.json. Beyond the scores, it says what the
test set is worth and where the model looks: the accuracy without the test
images that copy training images (preprocessing/duplicates.py), every pair of
classes alone (test.pairs: a three-class accuracy can hide that one pair is told
apart by its source), and for projects with a BORDER_CHECK (the X-rays) the border
swap, occlusion and the reliance profile by ring (apps/shortcut_learning/, its
picture reliance.png), with a one-line reading."""
import os

import matplotlib.pyplot as plt
import numpy as np

from minicnn import losses
from minicnn.apps import plots
from minicnn.apps.projects import views
from minicnn.apps.projects.checkpoints import CHECKPOINT
from minicnn.apps.shortcut_learning import summary as border_summary
from minicnn.apps.shortcut_learning.measured import galaxy_figures
from minicnn.apps.shortcut_learning.pairs import pair_accuracies
from minicnn.compat.sklearn import metrics
from minicnn.layers import Conv2D, Dropout
from minicnn.training.metrics import AUC
from minicnn.preprocessing.duplicates import copies_of
from minicnn.training.saving.writing import atomic_write


PROBED_CLASSES = ("edge_on", "elliptical", "merger", "spiral")  # benchmarks/galaxy_recipes.py's
OUTPUTS = ("history.png", "confusion_matrix.png", "filters.png", "feature_maps.png",
           "saliency.png", "grad_cam.png", "reliance.png", "model.npz", "metrics.json",
           "checkpoint.npz")


def report(model, test, class_names, history, out, config, originals=(), border=None,
           pictures=True):
    """Evaluate on the test set, print the report and write every output file
    (model.npz, the figures unless ``pictures`` is False; metrics.json is the caller's).
    originals: the iterators
    over the training folder (training and validation subsets), for the test images
    that copy them and as the border swap's donors; border: the band's fraction for
    the border checks (None: none)."""
    # the recipe's own prediction: averaged over symmetric views where it says so; then
    # the loss and Keras's AUC are those of that prediction too, not of one view
    test_views = model.metadata.get("test_views", 1)
    probabilities = views.predict(model, test, test_views)
    y_true = np.asarray(test.classes)
    y_pred = probabilities.argmax(axis=1)
    evaluated = (model.evaluate(test, return_dict=True) if test_views == 1
                 else _scores_of(probabilities, y_true, len(class_names)))
    test_loss = evaluated["loss"]
    k = len(class_names)
    confusion = metrics.confusion_matrix(y_true, y_pred, num_classes=k)
    precision, recall, f1, support = metrics.precision_recall_f1(y_true, y_pred, k)
    auc_per_class = metrics.roc_auc(y_true, probabilities, average=None)
    summary = {
        **config, "classes": class_names, "epochs": len(history.get("loss", [])),
        "test": {
            "samples": int(len(y_true)), "loss": test_loss,
            "accuracy": metrics.accuracy(y_true, y_pred),
            # the mean of the per-class recalls: a model that ignores a class cannot look good
            "macro_recall": float(recall.mean()),
            # two AUCs with two names: the mean of the per-class one-vs-rest AUCs (exact,
            # scikit-learn's roc_auc_score(average="macro")), and Keras's AUC metric, which
            # pools every class's column into one curve (the history's "auc")
            "auc": metrics.roc_auc(y_true, probabilities),
            "auc_name": "mean per-class AUC (one-vs-rest, exact)",
            "pooled_auc": _finite_or_none(evaluated.get("auc", float("nan"))),
            "per_class": {name: {"precision": float(precision[c]), "recall": float(recall[c]),
                                 "f1": float(f1[c]), "support": int(support[c]),
                                 "auc": _finite_or_none(auc_per_class[c])}
                          for c, name in enumerate(class_names)},
            "confusion_matrix": confusion.tolist(),
        },
        "history": history,
    }
    recalls = ", ".join(f"{name} {r:.2f}" for name, r in zip(class_names, recall))
    print(f"\ntest loss {test_loss:.4f} - accuracy {summary['test']['accuracy']:.4f} - macro "
          f"recall {recall.mean():.4f} ({recalls}) - mean per-class AUC "
          f"{summary['test']['auc']:.4f} ({len(y_true)} images)")
    _pair_scores(summary, y_true, probabilities, class_names)
    _check_the_test_set(summary, model, test, originals, border, y_pred, probabilities)
    _probe_line(summary, config)
    print()
    # a class never predicted has no precision: shown as 0 (zero_division=0, scikit-learn's
    # way to say so without a warning); the test line's per-class recall shows the miss
    print(metrics.classification_report(y_true, y_pred, labels=range(k), target_names=class_names,
                                        digits=3, zero_division=0))
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print(_matrix_text(confusion, class_names))
    model.save(os.path.join(out, "model.npz"))
    figures = _figures(model, test, class_names, history, originals, confusion, summary) \
        if pictures else {}
    for name, figure in figures.items():
        atomic_write(os.path.join(out, name), lambda file: figure.savefig(file, format="png", dpi=100))
        plt.close(figure)
    written = list(figures) + ["model.npz", "metrics.json"]
    if os.path.exists(os.path.join(out, CHECKPOINT)):
        written.append(CHECKPOINT)
    print(f"\nwrote {', '.join(written)} to {out}")
    return summary


def _figures(model, test, class_names, history, originals, confusion, summary):
    """{file name: figure} of the report's pictures, in OUTPUTS' order."""
    images, labels = _examples(test, len(class_names))
    figures = {
        "history.png": plots.plot_history(history, note=_history_note(model, originals)),
        "confusion_matrix.png": plots.plot_confusion_matrix(confusion, class_names, normalize=True,
                                                            split="test"),
        "saliency.png": plots.plot_saliency(model, images, labels, class_names),
        **_convolution_figures(model, images, labels, class_names),
        **_where_it_looks_figures(summary),
    }
    return {name: figures[name] for name in OUTPUTS if name in figures}


def _history_note(model, originals):
    """Why validation can look better than training, when it can: the training figures are
    taken on augmented images with dropout on, averaged while the epoch changes the weights."""
    train = next((each for each in originals if each is not None), None)
    augments = bool(getattr(getattr(train, "generator", None), "augments", False))
    dropout = any(isinstance(layer, Dropout) for layer in model.layers)
    if not (augments or dropout):
        return None
    acting = " and ".join(name for name, on in (("augmentation", augments), ("dropout", dropout))
                          if on)
    return (f"training figures: measured during each epoch, with {acting} acting (both act only "
            f"in training); validation: after the epoch, on plain images. So validation can look "
            f"better than training")


def _check_the_test_set(summary, model, test, originals, border, y_pred, probabilities):
    """What the test set is worth (its figures without the images that copy training
    images) and, with a border fraction, where the model looks (shortcuts.summary): into
    ``summary``, and printed. Needs the decoded images of every loader; skipped otherwise."""
    images, sources = _raw_images(test), [each for each in originals if each is not None]
    donors = [_raw_images(each) for each in sources]
    if images is None or not donors or any(each is None for each in donors):
        return
    y_true = np.asarray(test.classes)
    donor_images = np.concatenate(donors)
    donor_labels = np.concatenate([np.asarray(each.classes) for each in sources])
    copies = summary["test"]["without_copies"] = _without_copies(y_true, y_pred, images,
                                                                 donor_images, test)
    kept = ~np.isin(np.arange(len(y_true)), copies["left_out_index"])
    copies["pairs"] = pair_accuracies(y_true, probabilities, summary["classes"], kept)
    if border:
        summary["where_it_looks"] = border_summary.where_it_looks(
            model, images, y_true, donor_images, donor_labels, border, leaked=~kept)
        print("\n".join(border_summary.lines(summary["where_it_looks"])))


def _pair_scores(summary, y_true, probabilities, class_names):
    """test.pairs: every pair of classes alone, on their own test images (pairs.py); printed."""
    pairs = summary["test"]["pairs"] = pair_accuracies(y_true, probabilities, class_names)
    if len(class_names) > 2:
        print("each pair of classes alone (on their test images, choosing between the two): "
              + ", ".join(f"{name} {'-' if p['accuracy'] is None else format(p['accuracy'], '.3f')}"
                          f" ({p['samples']})" for name, p in pairs.items()))


def _scores_of(probabilities, y_true, k):
    """{"loss", "auc"} as evaluate gives them (the model's categorical cross-entropy,
    Keras's AUC over every class's column), of given probabilities."""
    one_hot = np.eye(k)[y_true]
    auc = AUC()
    auc.update_state(one_hot, probabilities.astype(np.float32))
    return {"loss": float(losses.get("categorical_crossentropy")(one_hot, probabilities)),
            "auc": float(auc.result())}


def _probe_line(summary, config):
    """For the galaxy project: what the probes without the galaxy's shape reached in
    cross-validation on the full Galaxy Zoo set (measured.galaxy_figures), the bar a CNN
    must clear to have learnt more than brightness and concentration."""
    if config.get("project") != "galaxy" or sorted(summary["classes"]) != sorted(PROBED_CLASSES):
        return  # the probes were measured on Galaxy Zoo 1's four classes, not another set's
    try:
        cv = galaxy_figures()["cv"]
    except (FileNotFoundError, KeyError, ValueError):
        return
    probes = {name: cv[name]["accuracy"] for name in ("radial-profile", "border-only")
              if name in cv}
    summary["probes_cv_accuracy"] = probes
    print("the probes on the full Galaxy Zoo 1 set (4-fold cross-validation on its training "
          "images; benchmarks/results/galaxy_recipes.json): " + ", ".join(
              f"{name} {value:.3f}" for name, value in probes.items()) +
          "; a CNN that does not clear radial-profile has learnt little beyond brightness, "
          "colour, concentration and roundness")


def _convolution_figures(model, images, labels, class_names):
    """The first convolution's filters and feature maps, and Grad-CAM on the last: for
    models with convolutions (a probe without one, such as galaxy's radial-profile, has
    none of these pictures)."""
    convolutions = [i for i, layer in enumerate(model.layers) if isinstance(layer, Conv2D)]
    if not convolutions:
        return {}
    first = convolutions[0]
    return {"filters.png": plots.plot_filters(model.layers[first]),
            "feature_maps.png": plots.plot_feature_maps(model, images[0], layer=first,
                                                        true_class=int(labels[0]),
                                                        class_names=class_names),
            "grad_cam.png": plots.plot_grad_cam(model, images, labels, class_names)}


def _where_it_looks_figures(summary):
    """{"reliance.png": the reliance profile by ring} when the border checks ran, else {}."""
    looks = summary.get("where_it_looks")
    if not looks or "reliance_profile" not in looks:
        return {}
    profile = looks["reliance_profile"]
    return {"reliance.png": plots.plot_reliance_profile(
        {"this model": profile}, band=looks["band"],
        title=f"What each ring of the film does to the predictions\n({len(profile['rings'])} rings, "
              f"{profile['rings'][0]['swap']['images']} test images; dotted: the border band's edge)")}


def _raw_images(iterator):
    """Every image of a loader as decoded (uint8, before augmentation and rescaling), in its
    order; None for a loader that cannot give them."""
    if hasattr(iterator, "load") and hasattr(iterator, "samples"):
        return np.stack([iterator.load(k) for k in range(iterator.samples)])
    x = getattr(iterator, "x", None)
    return None if x is None else np.asarray(x)


def _without_copies(y_true, y_pred, images, originals, test):
    """The test figures without the test images that copy a training image: exact copies
    (identical pixels), and also near copies (the same film saved again)."""
    exact, near = copies_of(images, originals)
    names = getattr(test, "filenames", None) or [str(k) for k in range(len(images))]
    right = y_true == y_pred
    result = {"left_out": [names[k] for k in np.flatnonzero(exact)],
              "left_out_index": np.flatnonzero(exact).tolist(),
              "near_copies": [names[k] for k in np.flatnonzero(near)],
              "samples": int((~exact).sum()),
              "accuracy": float(right[~exact].mean()) if (~exact).any() else None,
              "accuracy_without_near_copies_too": (float(right[~exact & ~near].mean())
                                                   if (~exact & ~near).any() else None)}
    if exact.any() or near.any():
        shown = {k: "-" if result[k] is None else f"{result[k]:.4f}"
                 for k in ("accuracy", "accuracy_without_near_copies_too")}
        print(f"{int(exact.sum())} test images are exact copies of training images, "
              f"{int(near.sum())} more nearly copy one; accuracy without the copies "
              f"{shown['accuracy']} ({result['samples']} images), without the near copies "
              f"too {shown['accuracy_without_near_copies_too']}")
    else:
        print("no test image copies a training image (exact or near)")
    return result


def _examples(test, num_classes, per_class=2):
    """Up to ``per_class`` test images of each class (in the test set's order), and their labels."""
    images, labels = [], []
    for i in range(len(test)):
        x, y = test[i][:2]
        for image, label in zip(x, metrics.as_labels(y)):
            if labels.count(label) < per_class:
                images.append(image)
                labels.append(int(label))
        if len(labels) == per_class * num_classes:
            break
    order = np.argsort(labels, kind="stable")
    return np.stack(images)[order], np.array(labels)[order]


def _finite_or_none(value):
    return float(value) if np.isfinite(value) else None


def _matrix_text(matrix, names):
    width = max(8, max(len(n) for n in names) + 1)
    lines = [" " * width + "".join(f"{n:>{width}}" for n in names)]
    for name, row in zip(names, matrix):
        lines.append(f"{name:>{width}}" + "".join(f"{v:>{width}d}" for v in row))
    return "\n".join(lines)
