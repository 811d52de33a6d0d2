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

from minicnn import losses, metrics, plots, set_seed
from minicnn.callbacks import Callback, EarlyStopping
from minicnn.optimizers import SGD, Adam
from minicnn.models import load_model
from minicnn.saving import atomic_write

OUTPUTS = ("history.png", "confusion_matrix.png", "filters.png", "feature_maps.png",
           "saliency.png", "grad_cam.png", "model.npz", "metrics.json", "checkpoint.npz")


CHECKPOINT = "checkpoint.npz"


def run(recipe, data=None, epochs=10, batch_size=32, learning_rate=1e-3, optimizer="adam",
        seed=0, out=None, validation_split=0.2, verbose=1, class_weight=None, resume=False,
        early_stopping=None, image_size=None, callbacks=()):
    """Train ``recipe`` (xray or galaxy), checkpointing every epoch into ``out``;
    evaluate on the test set and write the report. resume=True continues the
    run whose checkpoint is in ``out``: it ends with the same weights as a run
    that was never interrupted. Returns the summary written to metrics.json."""
    out = out or os.path.join("runs", recipe.NAME)
    config = {"project": recipe.NAME, "data": os.path.abspath(data or getattr(recipe, "SAMPLE", "")),
              "batch_size": batch_size, "learning_rate": learning_rate, "optimizer": optimizer,
              "seed": seed, "validation_split": validation_split,
              "class_weight": (class_weight if class_weight is None or isinstance(class_weight, str)
                               else {str(k): float(v) for k, v in class_weight.items()}),
              "image_size": list(image_size or recipe.IMAGE_SIZE)}
    replacing = prepare_output_folder(out)
    print(f"minicnn train {recipe.NAME}: writing to {out}" +
          (" (resuming the run there)" if resume else
           " (replacing the earlier run there)" if replacing else ""))
    checkpoint_state = _read_checkpoint(out, config) if resume else None
    set_seed(seed)
    train, validation, test = recipe.load_data(data, batch_size, seed, validation_split,
                                               image_size=image_size, verbose=verbose)
    class_names = list(train.class_indices)
    model = recipe.build_model(num_classes=len(class_names),
                               input_shape=tuple(config["image_size"]) + (recipe.CHANNELS,))
    model.summary()
    optimizer_object = (Adam(learning_rate) if optimizer == "adam"
                        else SGD(learning_rate, momentum=0.9, nesterov=True))
    model.compile(optimizer_object, "categorical_crossentropy", ["accuracy", "auc"])
    model.metadata = {"class_names": class_names, "rescale": recipe.RESCALE,
                      "color_mode": recipe.COLOR_MODE, "project": recipe.NAME}
    if class_weight == "sqrt-balanced":  # a softer weighting: the square roots of "balanced"
        class_weight = {k: float(np.sqrt(w)) for k, w in
                        losses.balanced_class_weight(train.classes).items()}
    done, earlier = 0, {}
    if checkpoint_state is not None:
        done, earlier = _restore(model, train, *checkpoint_state)
        print(f"resuming after epoch {done} of {epochs}")
    extra = list(callbacks)
    if early_stopping is not None:
        extra.append(EarlyStopping(monitor="val_loss" if validation is not None else "loss",
                                   patience=early_stopping, restore_best_weights=True, verbose=1))
    checkpoint = Checkpoint(os.path.join(out, CHECKPOINT), config, train, earlier)
    start = time.perf_counter()
    interrupted = False
    try:
        model.fit(train, epochs=epochs, initial_epoch=done, validation_data=validation,
                  verbose=verbose, seed=seed, class_weight=class_weight,
                  callbacks=[checkpoint] + extra)
    except KeyboardInterrupt:
        interrupted = True
        if checkpoint.epochs_done == 0:
            raise
        print(f"\ninterrupted: the report below is from epoch {checkpoint.epochs_done}, the last "
              f"one completed; continue with --resume")
        _restore(model, train, *_read_checkpoint(out, config))
    history = checkpoint.history
    seconds = time.perf_counter() - start
    summary = report(model, test, class_names, history, out, config)
    summary["seconds_per_epoch"] = seconds / max(len(history.get("loss", [])) - len(earlier.get("loss", [])), 1)
    summary["interrupted"] = interrupted
    atomic_write(os.path.join(out, "metrics.json"),
                 lambda file: file.write(json.dumps(summary, indent=2).encode()))
    if interrupted:
        raise KeyboardInterrupt
    return summary


class Checkpoint(Callback):
    """After every epoch, the model with its optimizer, and what a resumed run
    needs (epoch, history, Dropout's random states, the run's settings), in one
    file written atomically."""

    def __init__(self, path, config, train, earlier_history):
        self.path, self.config, self.train = path, config, train
        self.history = {k: list(v) for k, v in earlier_history.items()}
        self.epochs_done = len(self.history.get("loss", []))

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self.epochs_done = epoch + 1
        metadata = self.model.metadata
        self.model.metadata = {**metadata, "training_state": {
            "epoch": epoch + 1, "history": self.history, "config": self.config,
            "loader_epoch": int(getattr(self.train, "epoch", 0)),
            "dropout_rng": {layer.name: layer.rng.bit_generator.state
                            for layer in self.model.layers if hasattr(layer, "rng")}}}
        try:
            self.model.save(self.path)
        finally:
            self.model.metadata = metadata


def _read_checkpoint(out, config):
    path = os.path.join(out, CHECKPOINT)
    if not os.path.exists(path):
        raise ValueError(f"--resume: no {CHECKPOINT} in {out}; nothing to resume")
    saved = load_model(path)
    state = saved.metadata.get("training_state")
    if not isinstance(state, dict):
        raise ValueError(f"{path}: holds no training state to resume from")
    differing = sorted(k for k in config if state["config"].get(k) != config[k])
    if differing:
        raise ValueError(f"--resume: the run in {out} was started with other settings: "
                         + ", ".join(f"{k} {state['config'].get(k)!r} (now {config[k]!r})"
                                     for k in differing))
    return saved, state


def _restore(model, train, saved, state):
    """Weights, optimizer state, Dropout's random states and the loader's epoch from
    the checkpoint (``saved``, its model; ``state``, its training state); returns
    (epochs done, history so far)."""
    model.set_weights(saved.get_weights())
    model.optimizer.set_state(saved.optimizer.get_state())
    for layer in model.layers:
        if hasattr(layer, "rng") and layer.name in state["dropout_rng"]:
            layer.rng.bit_generator.state = state["dropout_rng"][layer.name]
    if hasattr(train, "epoch"):
        train.epoch, train.batch_index = state["loader_epoch"], 0
        train._set_index_array()
    return state["epoch"], state["history"]


def report(model, test, class_names, history, out, config):
    """Evaluate on the test set, print the report and write every output file
    (model.npz, the figures; metrics.json is the caller's)."""
    probabilities = model.predict(test)
    y_true = np.asarray(test.classes)
    y_pred = probabilities.argmax(axis=1)
    test_loss = model.evaluate(test)[0]
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
            "auc": metrics.roc_auc(y_true, probabilities),
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
          f"recall {recall.mean():.4f} ({recalls}) - AUC {summary['test']['auc']:.4f} "
          f"({len(y_true)} images)\n")
    print(metrics.classification_report(y_true, y_pred, labels=range(k), target_names=class_names,
                                        digits=3))
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print(_matrix_text(confusion, class_names))
    model.save(os.path.join(out, "model.npz"))
    images, labels = _examples(test, k)
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
