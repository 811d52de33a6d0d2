"""Train a recipe, evaluate it on the test set, and write the report.

Outputs in ``out``: history.png, confusion_matrix.png, filters.png,
feature_maps.png, saliency.png, grad_cam.png, model.npz and metrics.json.
"""
import json
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np

from minicnn import metrics, plots, set_seed
from minicnn.optimizers import SGD, Adam
from minicnn.saving import atomic_write

OUTPUTS = ("history.png", "confusion_matrix.png", "filters.png", "feature_maps.png",
           "saliency.png", "grad_cam.png", "model.npz", "metrics.json")


def run(recipe, data=None, epochs=10, batch_size=32, learning_rate=1e-3, optimizer="adam",
        seed=0, out=None, validation_split=0.2, verbose=1):
    out = out or os.path.join("runs", recipe.NAME)
    replacing = prepare_output_folder(out)
    print(f"minicnn train {recipe.NAME}: writing to {out}"
          + (" (replacing the earlier run there)" if replacing else ""))
    set_seed(seed)
    train, validation, test = recipe.load_data(data, batch_size, seed, validation_split)
    class_names = list(train.class_indices)
    model = recipe.build_model(num_classes=len(class_names))
    model.summary()
    optimizer = (Adam(learning_rate) if optimizer == "adam"
                 else SGD(learning_rate, momentum=0.9, nesterov=True))
    model.compile(optimizer, "categorical_crossentropy", ["accuracy", "auc"])

    start = time.perf_counter()
    history = model.fit(train, epochs=epochs, validation_data=validation, verbose=verbose, seed=seed)
    seconds_per_epoch = (time.perf_counter() - start) / len(history.epoch)

    probabilities = model.predict(test)
    y_true = np.asarray(test.classes)
    y_pred = probabilities.argmax(axis=1)
    test_loss = model.evaluate(test)[0]
    confusion = metrics.confusion_matrix(y_true, y_pred, num_classes=len(class_names))
    precision, recall, f1, support = metrics.precision_recall_f1(y_true, y_pred, len(class_names))
    auc_per_class = metrics.roc_auc(y_true, probabilities, average=None)
    summary = {
        "project": recipe.NAME, "data": os.path.abspath(data or getattr(recipe, "SAMPLE", "")),
        "classes": class_names, "epochs": len(history.epoch), "batch_size": batch_size,
        "optimizer": type(optimizer).__name__, "learning_rate": learning_rate, "seed": seed,
        "seconds_per_epoch": seconds_per_epoch,
        "test": {
            "samples": int(len(y_true)), "loss": test_loss,
            "accuracy": metrics.accuracy(y_true, y_pred),
            "auc": metrics.roc_auc(y_true, probabilities),
            "per_class": {name: {"precision": float(precision[k]), "recall": float(recall[k]),
                                 "f1": float(f1[k]), "support": int(support[k]),
                                 "auc": _finite_or_none(auc_per_class[k])}
                          for k, name in enumerate(class_names)},
            "confusion_matrix": confusion.tolist(),
        },
        "history": history.history,
    }
    print(f"\ntest loss {test_loss:.4f} - accuracy {summary['test']['accuracy']:.4f} - "
          f"AUC {summary['test']['auc']:.4f} ({len(y_true)} images)\n")
    print(metrics.classification_report(y_true, y_pred, labels=range(len(class_names)),
                                        target_names=class_names, digits=3))
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print(_matrix_text(confusion, class_names))

    os.makedirs(out, exist_ok=True)
    model.metadata = {"class_names": class_names, "rescale": recipe.RESCALE,
                      "color_mode": recipe.COLOR_MODE, "project": recipe.NAME}
    model.save(os.path.join(out, "model.npz"))
    images, labels = _examples(test, len(class_names))
    figures = {
        "history.png": plots.plot_history(history),
        "confusion_matrix.png": plots.plot_confusion_matrix(confusion, class_names, normalize=True,
                                                            split="test"),
        "filters.png": plots.plot_filters(model.layers[0]),
        "feature_maps.png": plots.plot_feature_maps(model, images[0], layer=0,
                                                    true_class=int(labels[0]),
                                                    class_names=class_names),
        "saliency.png": plots.plot_saliency(model, images, labels, class_names),
        "grad_cam.png": plots.plot_grad_cam(model, images, labels, class_names),
    }
    for name, figure in figures.items():
        atomic_write(os.path.join(out, name), lambda file: figure.savefig(file, format="png", dpi=100))
        plt.close(figure)
    atomic_write(os.path.join(out, "metrics.json"),
                 lambda file: file.write(json.dumps(summary, indent=2).encode()))
    print(f"\nwrote {', '.join(list(figures) + ['model.npz', 'metrics.json'])} to {out}")
    return summary


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


def prepare_output_folder(out):
    """Create ``out`` and check that files can be written in it, before any data is
    loaded, so that a bad --out fails at once and not after training. Returns
    whether it already holds a run (whose files this run replaces)."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out {out}: is a file, not a folder")
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise ValueError(f"--out {out}: cannot write there ({error.strerror or error})") from None
    return any(os.path.exists(os.path.join(out, name)) for name in OUTPUTS)


def _finite_or_none(value):
    return float(value) if np.isfinite(value) else None


def _matrix_text(matrix, names):
    width = max(8, max(len(n) for n in names) + 1)
    lines = [" " * width + "".join(f"{n:>{width}}" for n in names)]
    for name, row in zip(names, matrix):
        lines.append(f"{name:>{width}}" + "".join(f"{v:>{width}d}" for v in row))
    return "\n".join(lines)
