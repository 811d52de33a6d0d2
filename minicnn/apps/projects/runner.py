"""Train a recipe: check everything a run is given (the image size, the class
weights, the data's class names) before any image is decoded, train (resuming
from a checkpoint with --resume: checkpoints.py), then write the report
(report.py). Outputs in ``out``: report.OUTPUTS, model.npz, checkpoint.npz and
metrics.json.
"""
import json
import os
import stat
import tempfile
import time

import numpy as np

from minicnn import losses, set_seed
from minicnn.apps.projects.checkpoints import (CHECKPOINT, Checkpoint, RestoreStates,
                                              read_checkpoint, resume_from)
from minicnn.apps.projects.report import OUTPUTS, report
from minicnn.optimizers import SGD, Adam
from minicnn.preprocessing.layers import CenterCrop
from minicnn.schedules import CosineDecay
from minicnn.preprocessing.files import color_mode_of
from minicnn.training.callbacks import EarlyStopping
from minicnn.training.saving.writing import atomic_write


# The largest --image-size: 8 times the lessons' 256 pixels a side. Beyond it the decoded
# images alone (kept in memory) would need tens of gigabytes for a few thousand images.
MAX_IMAGE_SIZE = 2048


CLASS_WEIGHT_FORMS = ("'balanced', 'sqrt-balanced', 'none', or weights by class name or "
                      "index: 'Covid=3,Normal=1' or a JSON object such as '{\"Covid\": 3}' or "
                      "'{\"0\": 3}' (classes not listed weigh 1)")


def recipe_settings(recipe, epochs=None, learning_rate=None, class_weight=None,
                    validation_split=None):
    """(epochs, learning rate, class weight, validation split): those given, else the
    recipe's own (a recipe object such as galaxy.RECIPES["four-blocks"] carries the
    training it was chosen with), else the lessons' (10 epochs, 0.001, none, 0.2)."""
    given = (epochs, learning_rate, class_weight, validation_split)
    own = (getattr(recipe, "epochs", 10), getattr(recipe, "learning_rate", 1e-3),
           getattr(recipe, "class_weight", None), getattr(recipe, "validation_split", 0.2))
    return tuple(own_value if value is None else value for value, own_value in zip(given, own))


def compiled_model(recipe, class_names, input_shape, learning_rate, optimizer, epochs,
                   steps_per_epoch):
    """The recipe's model, compiled as every run compiles it: Adam (or SGD with Nesterov
    momentum) at the learning rate, decayed along a cosine over the whole run when the
    recipe says so (Keras's CosineDecay), categorical cross-entropy, accuracy and AUC."""
    model = recipe.build_model(num_classes=len(class_names), input_shape=input_shape)
    rate = learning_rate
    if getattr(recipe, "schedule", None) == "cosine":
        rate = CosineDecay(learning_rate, decay_steps=max(epochs * steps_per_epoch, 1))
    optimizer_object = Adam(rate) if optimizer == "adam" else SGD(rate, momentum=0.9,
                                                                  nesterov=True)
    model.compile(optimizer_object, "categorical_crossentropy", ["accuracy", "auc"])
    model.metadata = {"class_names": class_names, "rescale": recipe.RESCALE,
                      "color_mode": color_mode_of(input_shape[-1]), "project": recipe.NAME,
                      **(recipe.metadata() if hasattr(recipe, "metadata") else {})}
    return model


def resolved_class_weight(class_weight, classes):
    """class_weight as fit takes it: "sqrt-balanced" (the square roots of "balanced":
    softer) worked out from the training labels ``classes``; the others as they are."""
    if class_weight == "sqrt-balanced":
        return {k: float(np.sqrt(w)) for k, w in losses.balanced_class_weight(classes).items()}
    return class_weight


def run(recipe, data=None, epochs=None, batch_size=32, learning_rate=None, optimizer="adam",
        seed=0, out=None, validation_split=None, verbose=1, class_weight=None, resume=False,
        early_stopping=None, image_size=None, callbacks=(), pictures=True):
    """Train ``recipe`` (xray or galaxy, or one of their RECIPES), checkpointing every
    epoch into ``out``; evaluate on the test set and write the report. Settings left None
    are the recipe's (recipe_settings). resume=True continues the run whose checkpoint
    is in ``out``: it ends with the same weights as a run that was never interrupted.
    pictures=False writes the numbers and the model without the figures (a sweep of many
    runs, or a test of what is not a picture). Returns the summary written to metrics.json."""
    out = out or os.path.join("runs", recipe.NAME)
    epochs, learning_rate, class_weight, validation_split = recipe_settings(
        recipe, epochs, learning_rate, class_weight, validation_split)
    image_size = check_image_size(recipe, image_size)
    config = {"project": recipe.NAME, "data": os.path.abspath(data or getattr(recipe, "SAMPLE", "")),
              "batch_size": batch_size, "learning_rate": learning_rate, "optimizer": optimizer,
              "seed": seed, "validation_split": validation_split,
              "class_weight": (class_weight if class_weight is None or isinstance(class_weight, str)
                               else {str(k): float(v) for k, v in class_weight.items()}),
              "image_size": list(image_size or recipe.IMAGE_SIZE),
              "early_stopping": early_stopping}
    if hasattr(recipe, "metadata"):  # a recipe object (RECIPES), not the project's default
        config["recipe"] = recipe.name
    if getattr(recipe, "schedule", None):  # its learning rate decays over all the epochs:
        config["epochs"] = epochs          # a resumed run must have the same number
    replacing = prepare_output_folder(out)
    print(f"minicnn train {recipe.NAME}: writing to {out}" +
          (" (resuming the run there)" if resume else
           " (replacing the earlier run there)" if replacing else ""))
    checkpoint_state = read_checkpoint(out, config) if resume else None
    set_seed(seed)
    train, validation, test = recipe.load_data(data, batch_size, seed, validation_split,
                                               image_size=image_size, verbose=verbose)
    class_names = list(train.class_indices)
    model = compiled_model(recipe, class_names, _image_shape(train), learning_rate, optimizer,
                           epochs, len(train))
    class_weight = resolved_class_weight(class_weight_by_index(class_weight, train.class_indices),
                                         train.classes)
    model.summary()
    extra = list(callbacks)
    if early_stopping is not None:
        extra.append(EarlyStopping(monitor="val_loss" if validation is not None else "loss",
                                   patience=early_stopping, restore_best_weights=True, verbose=1))
    done, earlier, last_epoch, callback_states = 0, {}, epochs, {}
    if checkpoint_state is not None:
        done, earlier, stopped, callback_states = resume_from(model, train, *checkpoint_state,
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
        resume_from(model, train, *read_checkpoint(out, config), callbacks=extra)
    history = checkpoint.history
    seconds = time.perf_counter() - start
    summary = report(model, test, class_names, history, out, config,
                     originals=[train, validation], border=getattr(recipe, "BORDER_CHECK", None),
                     pictures=pictures)
    summary["seconds_per_epoch"] = seconds / max(len(history.get("loss", [])) - len(earlier.get("loss", [])), 1)
    summary["interrupted"] = interrupted
    atomic_write(os.path.join(out, "metrics.json"),
                 lambda file: file.write(json.dumps(summary, indent=2).encode()))
    if interrupted:
        raise KeyboardInterrupt
    return summary


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
    if getattr(recipe, "test_views", 1) > 1 and height != width:
        raise ValueError(f"--image-size {height} {width}: the {recipe.NAME} recipe averages its "
                         f"predictions over the symmetries of a square; give one size (N)")
    smallest = smallest_image_size(recipe)
    if height < smallest or width < smallest:
        raise ValueError(f"--image-size {height} {width}: too small for the {recipe.NAME} "
                         f"recipe's model, whose windows need at least {smallest} pixels a side "
                         f"(its default is {' '.join(map(str, recipe.IMAGE_SIZE))})")
    return height, width


def smallest_image_size(recipe):
    """The smallest square image the recipe's model takes: every layer's output non-empty,
    and no CenterCrop asked for a window larger than its input (it would enlarge it)."""
    layers = _recipe_layers(recipe)
    for size in range(1, MAX_IMAGE_SIZE + 1):
        shape = (size, size, recipe.CHANNELS)
        try:
            for layer in layers:
                if isinstance(layer, CenterCrop) and min(shape[:2]) < max(layer.height,
                                                                          layer.width):
                    raise ValueError
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


def prepare_output_folder(out, outputs=OUTPUTS):
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
    for name in outputs:  # a file the run would have to replace at the end: checked now
        target = os.path.realpath(os.path.join(out, name))
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode) or not mode & 0o222 or not os.access(target, os.W_OK):
            raise ValueError(f"--out {out}: {name} there is read-only or not a regular file; "
                             f"this run would have to replace it (remove it, or choose another "
                             f"--out)")
    return any(os.path.exists(os.path.join(out, name)) for name in outputs)
