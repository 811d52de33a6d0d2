"""Model files: the architecture as JSON and the weights, in one .npz, written atomically.

A file holds an array "architecture" (JSON text: format, input shape, dtype,
each layer's class and constructor arguments, and ``model.metadata``) and one
array per parameter, named "layer.key" as ``Sequential.parameters`` names it.
Files are read with ``allow_pickle=False``: loading a model runs no code.
"""
import copy as copying
import glob
import json
import os
import tempfile
import zipfile

import numpy as np

from minicnn.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from minicnn.model import Sequential

LAYER_CLASSES = {cls.__name__: cls for cls in
                 (Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Activation)}
FILE_FORMAT = "minicnn-model"
TEMPORARY_MARK = ".minicnn-partial-"


def architecture(model):
    """The JSON-ready description of a built model."""
    return {"format": FILE_FORMAT, "version": 1, "name": model.name,
            "input_shape": list(model.input_shape), "dtype": model.dtype.name,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in model.layers],
            "metadata": model.metadata}


def model_from_architecture(arch, dtype=None):
    """A new, built Sequential (fresh weights) from ``architecture(model)``."""
    if not isinstance(arch, dict) or arch.get("format") != FILE_FORMAT:
        found = arch.get("format") if isinstance(arch, dict) else type(arch).__name__
        raise ValueError(f"format {found!r}, expected {FILE_FORMAT!r}")
    layers = []
    for spec in arch["layers"]:
        if spec["class_name"] not in LAYER_CLASSES:
            raise ValueError(f"unknown layer class {spec['class_name']!r}")
        layers.append(LAYER_CLASSES[spec["class_name"]](**spec["config"]))
    model = Sequential(layers, name=arch["name"])
    model.build(arch["input_shape"], dtype or arch["dtype"])
    model.metadata = arch.get("metadata", {})
    return model


def weight_arrays(model):
    return {name: param for name, param, _ in model.parameters()}


def set_weight_arrays(model, arrays, source):
    """Copy arrays {"layer.key": array} into the model's parameters; every
    name and shape must match (checked before anything is copied)."""
    expected = weight_arrays(model)
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"{source}: the weights do not match this model's architecture: "
                         f"missing {missing or 'nothing'}, unexpected {extra or 'nothing'}")
    for name, param in expected.items():
        if arrays[name].shape != param.shape:
            raise ValueError(f"{source}: {name} has shape {arrays[name].shape}, "
                             f"the model expects {param.shape}")
    for name, param in expected.items():
        param[...] = arrays[name]


def copy_model(model, dtype=None):
    """An independent copy of a built model (same architecture and weights),
    optionally in another dtype; compiled with the same loss if the model is."""
    copy = model_from_architecture(architecture(model), dtype)
    set_weight_arrays(copy, weight_arrays(model), model.name)
    if model.loss is not None:
        copy.compile("sgd", copying.copy(model.loss), [])
    return copy


def save_model(model, path):
    save_arrays(path, {"architecture": np.array(json.dumps(architecture(model))),
                       **weight_arrays(model)})


def load_model(path):
    """A Sequential model from a file written by ``model.save``."""
    arrays = read_arrays(path)
    if "architecture" not in arrays:
        raise ValueError(f"{path}: holds weights but no architecture (written by save_weights?); "
                         f"build the model and call load_weights instead")
    try:
        model = model_from_architecture(json.loads(str(arrays.pop("architecture"))))
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a valid minicnn model architecture ({error})") from None
    set_weight_arrays(model, arrays, path)
    return model


def load_weights(model, path):
    arrays = read_arrays(path)
    arrays.pop("architecture", None)
    set_weight_arrays(model, arrays, path)


def read_arrays(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such model or weights file")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: cannot read it as a minicnn .npz file ({error})") from None


def save_arrays(path, arrays):
    """np.savez into a temporary file beside ``path``, flushed to disk, then
    os.replace: a crash mid-write never leaves a half-written file under the
    real name. Temporaries are named ``.NAME.minicnn-partial-*``; ones left by
    a killed earlier save to the same path are removed."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    prefix = f".{name}{TEMPORARY_MARK}"
    for stale in glob.glob(os.path.join(glob.escape(folder), glob.escape(prefix) + "*")):
        os.remove(stale)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _mode_for(path):
    """The existing file's permissions, else what the umask gives a new file (usually 0644)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
