"""Writing model files: the architecture as JSON and the weights, in one .npz,
written atomically (a temporary file beside the target, flushed, then renamed
over it), so a crash leaves the old file or the new one.

A file holds an array "architecture" (JSON text: format, input shape, dtype,
each layer's class and constructor arguments, and ``model.metadata``) and one
array per layer array (parameters and state, ``Layer.arrays``), named "layer.key";
with the optimizer, "optimizer:iterations" and "optimizer:layer.key/slot".
``atomic_write`` is also how every other file minicnn writes is written.
"""
import contextlib
import errno
import json
import os
import socket
import stat
import tempfile
import time

import numpy as np

from minicnn.arguments import check_layer_name
from minicnn.training import metrics
from minicnn.training.saving.checking import FILE_FORMAT, METRIC_CLASSES, OPTIMIZER_PREFIX, check_member_name


TEMPORARY_MARK = ".minicnn-partial-"


# A temporary file whose writer cannot be asked whether it still runs (another
# machine's, or one whose process id was reused) is stale after this long.
STALE_AFTER_SECONDS = 24 * 3600


def architecture(model, include_optimizer=False):
    """The JSON-ready description of a built model; with include_optimizer and a
    compiled model, also how it was compiled (optimizer, loss, metrics)."""
    arch = {"format": FILE_FORMAT, "version": 1, "name": model.name,
            "input_shape": list(model.input_shape), "dtype": model.dtype.name,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in model.layers],
            "metadata": model.metadata}
    if include_optimizer and model.optimizer is not None and model.loss is not None:
        arch["compile"] = {
            "optimizer": {"class_name": type(model.optimizer).__name__,
                          "config": model.optimizer.get_config()},
            "loss": model.loss.name,
            "metrics": [type(m).__name__ for m in model.compiled_metrics if type(m).__name__ in
                        METRIC_CLASSES]}
    return arch


def architecture_json(model, include_optimizer=False):
    """The architecture as JSON text; metadata holding what JSON cannot (a set, an
    object) is a ValueError naming the entry; NumPy numbers and arrays become
    plain numbers and lists."""
    arch = architecture(model, include_optimizer)
    arch["metadata"] = jsonable(arch["metadata"], f"{model.name}: metadata")
    return json.dumps(arch)


def jsonable(value, where):
    """``value`` with NumPy scalars and arrays as Python numbers and lists, or a
    ValueError naming ``where`` (e.g. "metadata['classes'][2]") for anything JSON cannot hold."""
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_, np.void)):
        value = value.item()
    elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        value = value.tolist()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, np.generic):
                key = key.item()
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise ValueError(f"{where}: key {key!r} ({type(key).__name__}) cannot be stored "
                                 f"in a model file; use strings as keys")
            out[key if isinstance(key, str) else json.dumps(key)] = jsonable(item, f"{where}[{key!r}]")
        return out
    raise ValueError(f"{where} holds a {type(value).__name__} ({value!r:.60}), which a model "
                     f"file cannot store: use dicts, lists, strings, numbers, bools and None")


def check_chain(model, path):
    """A .npz model file holds a chain of layers (its architecture is their list): a
    functional model that is a graph (merges, several inputs or outputs, shared layers)
    or a subclassed model is refused, naming the Keras file that holds it."""
    if not hasattr(model, "graph"):  # a Sequential (a functional chain is one too)
        return
    if model.graph is not None:
        raise ValueError(f"{os.fspath(path)}: {model.name} is a functional model that is not one "
                         f"chain of layers (merges, several inputs or outputs, shared layers); "
                         f"minicnn's .npz model files hold a chain of layers: save it as a Keras "
                         f"file, model.save(\"model.keras\"), which holds the graph")
    raise ValueError(f"{os.fspath(path)}: {model.name} is a subclassed keras.Model (its call "
                     f"written in Python), which no model file holds (they hold no code): save "
                     f"its weights, model.save_weights(\"model.weights.h5\") (or .npz), and "
                     f"rebuild the model in code")


def check_layer_names(model):
    """Every layer's name can name the layer's arrays in a file, and names are unique."""
    seen = set()
    for layer in model.layers:
        check_layer_name(layer.name, f"{model.name}: layer {type(layer).__name__}")
        if layer.name in seen:
            raise ValueError(f"{model.name}: two layers are named {layer.name!r}; a model file "
                             f"names each layer's weights by its name")
        seen.add(layer.name)


def save_model(model, path, include_optimizer=True):
    """Architecture, weights and (with include_optimizer, as Keras) the optimizer:
    its settings and state (step count, moments), so training can resume."""
    check_chain(model, path)
    check_layer_names(model)
    arrays = {"architecture": np.array(architecture_json(model, include_optimizer)),
              **weight_arrays(model)}
    if include_optimizer and model.optimizer is not None:
        arrays.update({OPTIMIZER_PREFIX + k: v for k, v in model.optimizer.get_state().items()})
    save_arrays(path, arrays)


def save_arrays(path, arrays):
    """np.savez, atomically (see atomic_write). Every name is checked first: a
    layer's arrays are "layer.key" with a valid layer name (arguments.check_layer_name),
    so that a file unzipped by hand writes nothing outside its folder. A path
    ending in .keras is refused: load_weights reads it as Keras's archive, which
    this .npz is not (Keras 3's save_weights refuses it too)."""
    if os.fspath(path).lower().endswith(".keras"):
        raise ValueError(f"{os.fspath(path)}: save_weights writes minicnn's .npz or Keras's "
                         f".weights.h5, not a .keras archive (a whole model: model.save); "
                         f"give a path ending in .weights.h5 or .npz")
    for name in arrays:
        check_member_name(name, os.fspath(path))
    atomic_write(path, lambda file: np.savez(file, **arrays))


def weight_arrays(model):
    """{"layer.key": array} of every layer's arrays (parameters and state)."""
    return {f"{layer.name}.{key}": array for layer in model.layers
            for key, array in layer.arrays().items()}


def atomic_write(path, write):
    """Call write(file) on a temporary file beside ``path``, flush it to disk,
    then os.replace it over ``path``: a crash mid-write never leaves a
    half-written file under the real name.

    - Through a symbolic link, the file the link points to is replaced (the link stays).
    - A file without write permission is not replaced (PermissionError).
    - Temporaries are named ``.NAME.minicnn-partial-PID@HOST@RANDOM``, unique per
      writer; ones whose writer is gone (no such process on this machine, or older
      than a day) are removed, never another live writer's.
    - A replaced file keeps its permissions; a new one gets what the umask gives.
    """
    shown = os.fspath(path)
    path = os.path.realpath(shown)  # follow a link to the file it names
    folder, name = os.path.split(path)
    check_replaceable(path, shown)
    os.makedirs(folder, exist_ok=True)
    prefix = f".{name}{TEMPORARY_MARK}"
    remove_stale_temporaries(folder, prefix)
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=f"{prefix}{os.getpid()}@{socket.gethostname()}@")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def check_replaceable(path, shown=None):
    """Refuse (OSError naming the file) to replace what is not a regular file or
    what has no write permission (for anyone: root too is refused)."""
    shown = shown or path
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", shown)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "exists and is not a regular file (a pipe, a device...); "
                                    "minicnn does not replace it", shown)
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only; minicnn does not replace "
                                            "it (chmod u+w to allow)", shown)


def remove_stale_temporaries(folder, prefix):
    """Remove temporaries (``prefix`` + PID@HOST@RANDOM) whose writer is gone."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for entry in names:
        if entry.startswith(prefix) and _writer_gone(os.path.join(folder, entry),
                                                     entry[len(prefix):]):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, entry))


def _writer_gone(path, tag):
    try:
        age = time.time() - os.lstat(path).st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_SECONDS:
        return True
    parts = tag.split("@")
    if len(parts) != 3 or not parts[0].isdigit():
        return True  # minicnn 0.3 and earlier named no writer: such leftovers are a killed save's
    if parts[1] != socket.gethostname() or os.name != "posix":
        return False  # another machine's writer: only its age tells
    try:
        os.kill(int(parts[0]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def _mode_for(path):
    """The existing file's permissions, else what the umask gives a new file (usually 0644)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
