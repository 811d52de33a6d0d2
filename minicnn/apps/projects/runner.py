"""Train a recipe, evaluate it on the test set, and write the report.

Outputs in ``out``: history.png, confusion_matrix.png, filters.png,
feature_maps.png, saliency.png, grad_cam.png, model.npz, checkpoint.npz and
metrics.json. Everything a run is given (the image size, the class weights,
the data's class names) is checked before any image is decoded.

Beyond the scores, the report says what the test set is worth and where the model
looks: the accuracy without the test images that copy training images
(preprocessing/duplicates.py), and for projects with a BORDER_CHECK (the X-rays) the
border swap and occlusion (apps/shortcut_learning/), with a one-line reading.
"""
import json
import os
import stat
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np

from minicnn import losses, set_seed
from minicnn.apps import plots
from minicnn.compat.sklearn import metrics
from minicnn.training.callbacks import Callback, EarlyStopping
from minicnn.layers import Dropout
from minicnn.optimizers import SGD, Adam
from minicnn.training.models import load_model
from minicnn.preprocessing.duplicates import copies_of
from minicnn.preprocessing.files import color_mode_of
from minicnn.training.saving.writing import architecture, atomic_write
from minicnn.apps.shortcut_learning import summary as border_summary

OUTPUTS = ("history.png", "confusion_matrix.png", "filters.png", "feature_maps.png",
           "saliency.png", "grad_cam.png", "model.npz", "metrics.json", "checkpoint.npz")


CHECKPOINT = "checkpoint.npz"
# The largest --image-size: 8 times the lessons' 256 pixels a side. Beyond it the decoded
# images alone (kept in memory) would need tens of gigabytes for a few thousand images.
MAX_IMAGE_SIZE = 2048
CLASS_WEIGHT_FORMS = ("'balanced', 'sqrt-balanced', or weights by class name or index: "
                      "'Covid=3,Normal=1' or a JSON object such as '{\"Covid\": 3}' or "
                      "'{\"0\": 3}' (classes not listed weigh 1)")


def run(recipe, data=None, epochs=10, batch_size=32, learning_rate=1e-3, optimizer="adam",
        seed=0, out=None, validation_split=0.2, verbose=1, class_weight=None, resume=False,
        early_stopping=None, image_size=None, callbacks=()):
    """Train ``recipe`` (xray or galaxy), checkpointing every epoch into ``out``;
    evaluate on the test set and write the report. resume=True continues the
    run whose checkpoint is in ``out``: it ends with the same weights as a run
    that was never interrupted. Returns the summary written to metrics.json."""
    out = out or os.path.join("runs", recipe.NAME)
    image_size = check_image_size(recipe, image_size)
    config = {"project": recipe.NAME, "data": os.path.abspath(data or getattr(recipe, "SAMPLE", "")),
              "batch_size": batch_size, "learning_rate": learning_rate, "optimizer": optimizer,
              "seed": seed, "validation_split": validation_split,
              "class_weight": (class_weight if class_weight is None or isinstance(class_weight, str)
                               else {str(k): float(v) for k, v in class_weight.items()}),
              "image_size": list(image_size or recipe.IMAGE_SIZE),
              "early_stopping": early_stopping}
    if hasattr(recipe, "metadata"):  # a recipe object (xray.RECIPES), not the project's default
        config["recipe"] = recipe.name
    replacing = prepare_output_folder(out)
    print(f"minicnn train {recipe.NAME}: writing to {out}" +
          (" (resuming the run there)" if resume else
           " (replacing the earlier run there)" if replacing else ""))
    checkpoint_state = _read_checkpoint(out, config) if resume else None
    set_seed(seed)
    train, validation, test = recipe.load_data(data, batch_size, seed, validation_split,
                                               image_size=image_size, verbose=verbose)
    class_names = list(train.class_indices)
    input_shape = _image_shape(train)
    model = recipe.build_model(num_classes=len(class_names), input_shape=input_shape)
    class_weight = class_weight_by_index(class_weight, train.class_indices)
    model.summary()
    optimizer_object = (Adam(learning_rate) if optimizer == "adam"
                        else SGD(learning_rate, momentum=0.9, nesterov=True))
    model.compile(optimizer_object, "categorical_crossentropy", ["accuracy", "auc"])
    model.metadata = {"class_names": class_names, "rescale": recipe.RESCALE,
                      "color_mode": color_mode_of(input_shape[-1]), "project": recipe.NAME,
                      **(recipe.metadata() if hasattr(recipe, "metadata") else {})}
    if class_weight == "sqrt-balanced":  # a softer weighting: the square roots of "balanced"
        class_weight = {k: float(np.sqrt(w)) for k, w in
                        losses.balanced_class_weight(train.classes).items()}
    extra = list(callbacks)
    if early_stopping is not None:
        extra.append(EarlyStopping(monitor="val_loss" if validation is not None else "loss",
                                   patience=early_stopping, restore_best_weights=True, verbose=1))
    done, earlier, last_epoch, callback_states = 0, {}, epochs, {}
    if checkpoint_state is not None:
        done, earlier, stopped, callback_states = _restore(model, train, *checkpoint_state,
                                                           callbacks=extra)
        if stopped:  # it had stopped early: no more epochs, only what ends training
            last_epoch = done
            print(f"the run in {out} stopped early after epoch {done}; writing its report")
        else:
            print(f"resuming after epoch {done} of {epochs}")
    restore = RestoreStates(extra, callback_states)
    # last: it saves the other callbacks' states once they have seen the epoch
    checkpoint = Checkpoint(os.path.join(out, CHECKPOINT), config, train, earlier, extra)
    start = time.perf_counter()
    interrupted = False
    try:
        model.fit(train, epochs=max(last_epoch, done), initial_epoch=done,
                  validation_data=validation, verbose=verbose, seed=seed,
                  class_weight=class_weight, callbacks=extra + [restore, checkpoint])
    except KeyboardInterrupt:
        interrupted = True
        if checkpoint.epochs_done == 0:
            raise
        print(f"\ninterrupted: the report below is from epoch {checkpoint.epochs_done}, the last "
              f"one completed; continue with --resume")
        _restore(model, train, *_read_checkpoint(out, config), callbacks=extra)
    history = checkpoint.history
    seconds = time.perf_counter() - start
    summary = report(model, test, class_names, history, out, config,
                     originals=[train, validation], border=getattr(recipe, "BORDER_CHECK", None))
    summary["seconds_per_epoch"] = seconds / max(len(history.get("loss", [])) - len(earlier.get("loss", [])), 1)
    summary["interrupted"] = interrupted
    atomic_write(os.path.join(out, "metrics.json"),
                 lambda file: file.write(json.dumps(summary, indent=2).encode()))
    if interrupted:
        raise KeyboardInterrupt
    return summary


class RestoreStates(Callback):
    """Hands each callback its saved state ({callback: state}) once every callback's
    on_train_begin has run, before the first epoch: the resume protocol of
    callbacks/base.py."""

    def __init__(self, callbacks, states):
        self.states = [(c, states[key]) for key, c in zip(_callback_keys(callbacks), callbacks)
                       if key in states]

    def on_train_begin(self, logs=None):
        for callback, state in self.states:
            callback.set_state(state)


class Checkpoint(Callback):
    """After every epoch, the model with its optimizer, and what a resumed run
    needs (epoch, history, Dropout's random states, the run's settings, the
    state of every other callback: ``callbacks``, get_state), in one file
    written atomically."""

    def __init__(self, path, config, train, earlier_history, callbacks=()):
        self.path, self.config, self.train = path, config, train
        self.history = {k: list(v) for k, v in earlier_history.items()}
        self.epochs_done = len(self.history.get("loss", []))
        self.callbacks = list(callbacks)

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self.epochs_done = epoch + 1
        metadata = self.model.metadata
        self.model.metadata = {**metadata, "training_state": {
            "epoch": epoch + 1, "history": self.history, "config": self.config,
            "loader_epoch": int(getattr(self.train, "epoch", 0)),
            "dropout_rng": {layer.name: layer.rng.bit_generator.state
                            for layer in self.model.layers if hasattr(layer, "rng")},
            "stopped": bool(self.model.stop_training),
            "callbacks": {key: c.get_state() for key, c in
                          zip(_callback_keys(self.callbacks), self.callbacks) if _keeps_state(c)}}}
        try:
            self.model.save(self.path)
        finally:
            self.model.metadata = metadata


def _callback_keys(callbacks):
    """A name per callback: its class's, numbered from the second of a class on."""
    keys, seen = [], {}
    for callback in callbacks:
        name = type(callback).__name__
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys


def _keeps_state(callback):
    return type(callback).get_state is not Callback.get_state


TRAINING_STATE = {"epoch": int, "history": dict, "config": dict, "loader_epoch": int,
                  "dropout_rng": dict}


def _read_checkpoint(out, config):
    """(the checkpoint's model, its training state), every part a resumed run reads
    checked; a ValueError naming the file and the part otherwise."""
    path = os.path.join(out, CHECKPOINT)
    if not os.path.exists(path):
        raise ValueError(f"--resume: no {CHECKPOINT} in {out}; nothing to resume")
    saved = load_model(path)
    state = saved.metadata.get("training_state")
    if not isinstance(state, dict):
        raise ValueError(f"{path}: holds no training state to resume from")
    for key, kind in TRAINING_STATE.items():
        value = state.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 0):
            raise ValueError(f"{path}: its training state's {key!r} must be "
                             f"{'an int >= 0' if kind is int else 'an object'}, got {value!r:.80}"
                             f"; the checkpoint is damaged or from another program")
    if saved.optimizer is None:
        raise ValueError(f"{path}: holds no optimizer (compile settings and state) to resume "
                         f"from; the checkpoint is damaged")
    history = state["history"]
    if not all(isinstance(v, list) and len(v) == state["epoch"]
               and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
               for v in history.values()):
        raise ValueError(f"{path}: its history must hold one number per epoch done "
                         f"({state['epoch']}) for each value logged")
    differing = sorted(k for k in config if state["config"].get(k) != config[k])
    if differing:
        raise ValueError(f"--resume: the run in {out} was started with other settings: "
                         + ", ".join(f"{k} {state['config'].get(k)!r} (now {config[k]!r})"
                                     for k in differing))
    return saved, state


def _restore(model, train, saved, state, callbacks=()):
    """Weights, optimizer state, Dropout's random states, the loader's epoch and the
    callbacks' states from the checkpoint (``saved``, its model; ``state``, its
    training state); returns (epochs done, history so far, whether it had stopped
    early, {callback key: state} for RestoreStates). Everything is checked before
    anything is changed."""
    path = CHECKPOINT
    mine, theirs = architecture(model), architecture(saved)
    for key in ("input_shape", "layers"):
        if mine[key] != theirs[key]:
            raise ValueError(f"--resume: {path} holds a model of another architecture "
                             f"({key}: {theirs[key]!r:.200}; this run builds {mine[key]!r:.200}); "
                             f"resume with the data and settings of that run, or train anew in "
                             f"another --out")
    names = saved.metadata.get("class_names")
    if names != model.metadata.get("class_names"):
        raise ValueError(f"--resume: {path} was trained on the classes {names}, this data has "
                         f"{model.metadata.get('class_names')}")
    rngs = {layer.name: layer.rng for layer in model.layers if hasattr(layer, "rng")}
    if set(state["dropout_rng"]) != set(rngs):
        raise ValueError(f"--resume: {path} holds random states for {sorted(state['dropout_rng'])}"
                         f", the model has Dropout layers {sorted(rngs)}")
    saved_callbacks = state.get("callbacks", {})
    keys = [key for key, c in zip(_callback_keys(callbacks), callbacks) if _keeps_state(c)]
    if not isinstance(saved_callbacks, dict) or sorted(saved_callbacks) != sorted(keys):
        raise ValueError(f"--resume: {path} holds the state of the callbacks "
                         f"{sorted(saved_callbacks) if isinstance(saved_callbacks, dict) else saved_callbacks!r:.80}"
                         f", this run has callbacks that keep state {keys}: resume with the same "
                         f"callbacks (and --early-stopping) as the interrupted run")
    for key, callback in zip(_callback_keys(callbacks), callbacks):
        if key in saved_callbacks:  # checked now; RestoreStates hands it over again in fit
            try:
                callback.set_state(saved_callbacks[key])
            except (ValueError, TypeError, KeyError) as error:
                raise ValueError(f"--resume: {path}: the state of {key} is damaged "
                                 f"({error})") from None
    for name, rng in rngs.items():
        spare = type(rng.bit_generator)()
        try:
            spare.state = state["dropout_rng"][name]
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"--resume: {path}: the random state of {name} is not one "
                             f"{type(spare).__name__} takes ({error})") from None
    model.set_weights(saved.get_weights())
    model.optimizer.set_state(saved.optimizer.get_state())
    if getattr(saved.optimizer, "schedule", None) is None:  # ReduceLROnPlateau may have lowered it
        model.optimizer.learning_rate = saved.optimizer.learning_rate
    for name, rng in rngs.items():
        rng.bit_generator.state = state["dropout_rng"][name]
    if hasattr(train, "epoch"):
        train.epoch, train.batch_index = state["loader_epoch"], 0
        train._set_index_array()
    return state["epoch"], state["history"], bool(state.get("stopped", False)), saved_callbacks


def check_image_size(recipe, image_size):
    """(height, width) or None; refused (naming --image-size) when the recipe's model
    cannot take it (too small for its windows) or it is over MAX_IMAGE_SIZE."""
    if image_size is None:
        return None
    try:
        height, width = (int(v) for v in image_size)
        if (height, width) != tuple(image_size) or min(height, width) < 1:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"--image-size takes N or H W (positive ints), got {image_size!r}") from None
    if max(height, width) > MAX_IMAGE_SIZE:
        raise ValueError(f"--image-size {height} {width}: at most {MAX_IMAGE_SIZE} pixels a side "
                         f"(the {recipe.NAME} recipe's default is "
                         f"{' '.join(map(str, recipe.IMAGE_SIZE))})")
    smallest = smallest_image_size(recipe)
    if height < smallest or width < smallest:
        raise ValueError(f"--image-size {height} {width}: too small for the {recipe.NAME} "
                         f"recipe's model, whose windows need at least {smallest} pixels a side "
                         f"(its default is {' '.join(map(str, recipe.IMAGE_SIZE))})")
    return height, width


def smallest_image_size(recipe):
    """The smallest square image the recipe's model takes (every layer's output non-empty)."""
    layers = _recipe_layers(recipe)
    for size in range(1, MAX_IMAGE_SIZE + 1):
        shape = (size, size, recipe.CHANNELS)
        try:
            for layer in layers:
                shape = tuple(layer.compute_output_shape(shape))
                if min(shape) < 1:
                    raise ValueError
            return size
        except ValueError:
            continue
    return MAX_IMAGE_SIZE + 1


def _recipe_layers(recipe):
    """The recipe's layers (built on its default size); only their geometry is read."""
    return recipe.build_model(num_classes=2).layers


def _image_shape(iterator):
    """The per-image shape (height, width, channels) a loader gives."""
    if hasattr(iterator, "image_shape"):
        return tuple(iterator.image_shape)
    return tuple(iterator.x.shape[1:])


def class_weight_by_index(class_weight, class_indices):
    """class_weight as fit takes it: "balanced" and "sqrt-balanced" as they are;
    {class name or index: weight} -> {index: weight}, every key a class of the
    data and every weight a finite number >= 0."""
    if class_weight is None or isinstance(class_weight, str):
        if class_weight not in (None, "balanced", "sqrt-balanced"):
            raise ValueError(f"--class-weight {class_weight!r}: expected {CLASS_WEIGHT_FORMS}")
        return class_weight
    names = list(class_indices)
    table = {}
    for key, weight in class_weight.items():
        if isinstance(key, str) and key in class_indices:
            index = class_indices[key]
        else:
            try:
                index = int(key)
                if str(index) != str(key).strip() or not 0 <= index < len(names):
                    raise ValueError
            except (TypeError, ValueError):
                raise ValueError(f"--class-weight: {key!r} is not a class of this data; its "
                                 f"classes are {', '.join(names)} (or their indices 0 to "
                                 f"{len(names) - 1}); accepted forms: {CLASS_WEIGHT_FORMS}") from None
        if (isinstance(weight, bool) or not isinstance(weight, (int, float))
                or not np.isfinite(weight) or weight < 0):
            raise ValueError(f"--class-weight: the weight of {key!r} must be a finite number "
                             f">= 0, got {weight!r}")
        if index in table:
            raise ValueError(f"--class-weight: class {names[index]!r} is given twice")
        table[index] = float(weight)
    if table and not any(table.get(i, 1.0) > 0 for i in range(len(names))):
        raise ValueError("--class-weight: every class weighs 0; nothing would be learnt")
    return table


def report(model, test, class_names, history, out, config, originals=(), border=None):
    """Evaluate on the test set, print the report and write every output file
    (model.npz, the figures; metrics.json is the caller's). originals: the iterators
    over the training folder (training and validation subsets), for the test images
    that copy them and as the border swap's donors; border: the band's fraction for
    the border checks (None: none)."""
    probabilities = model.predict(test)
    y_true = np.asarray(test.classes)
    y_pred = probabilities.argmax(axis=1)
    evaluated = model.evaluate(test, return_dict=True)
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
    _check_the_test_set(summary, model, test, originals, border, y_pred)
    print()
    print(metrics.classification_report(y_true, y_pred, labels=range(k), target_names=class_names,
                                        digits=3))
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print(_matrix_text(confusion, class_names))
    model.save(os.path.join(out, "model.npz"))
    images, labels = _examples(test, k)
    figures = {
        "history.png": plots.plot_history(history, note=_history_note(model, originals)),
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
    written = list(figures) + ["model.npz", "metrics.json"]
    if os.path.exists(os.path.join(out, CHECKPOINT)):
        written.append(CHECKPOINT)
    print(f"\nwrote {', '.join(written)} to {out}")
    return summary


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


def _check_the_test_set(summary, model, test, originals, border, y_pred):
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
    if border:
        leaked = np.isin(np.arange(len(y_true)), copies["left_out_index"])
        summary["where_it_looks"] = border_summary.where_it_looks(
            model, images, y_true, donor_images, donor_labels, border, leaked=leaked)
        print("\n".join(border_summary.lines(summary["where_it_looks"])))


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
    for name in OUTPUTS:  # a file the run would have to replace at the end: checked now
        target = os.path.realpath(os.path.join(out, name))
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode) or not mode & 0o222 or not os.access(target, os.W_OK):
            raise ValueError(f"--out {out}: {name} there is read-only or not a regular file; "
                             f"this run would have to replace it (remove it, or choose another "
                             f"--out)")
    return any(os.path.exists(os.path.join(out, name)) for name in OUTPUTS)


def _finite_or_none(value):
    return float(value) if np.isfinite(value) else None


def _matrix_text(matrix, names):
    width = max(8, max(len(n) for n in names) + 1)
    lines = [" " * width + "".join(f"{n:>{width}}" for n in names)]
    for name, row in zip(names, matrix):
        lines.append(f"{name:>{width}}" + "".join(f"{v:>{width}d}" for v in row))
    return "\n".join(lines)
