"""Model files: the architecture as JSON and the weights, in one .npz, written atomically.

A file holds an array "architecture" (JSON text: format, input shape, dtype,
each layer's class and constructor arguments, and ``model.metadata``) and one
array per layer array (parameters and state, ``Layer.arrays``), named "layer.key".
Files are read with ``allow_pickle=False``: loading a model runs no code.

This module knows layers and files, not the model classes: Sequential.save
writes through it, and models.load_model reads through it and builds the model.
"""
import glob
import json
import os
import tempfile
import zipfile

import numpy as np

from minicnn import layers as layer_module
from minicnn import metrics
from minicnn.layers import Layer

# Every layer minicnn.layers exports, by class name (a file names its layers' classes);
# "MaxPool2D" is also the class's name in files of minicnn 0.1.
LAYER_CLASSES = {cls.__name__: cls for cls in vars(layer_module).values()
                 if isinstance(cls, type) and issubclass(cls, Layer) and cls is not Layer}
LAYER_CLASSES["MaxPool2D"] = layer_module.MaxPooling2D
METRIC_CLASSES = {cls.__name__: cls for cls in
                  (metrics.Accuracy, metrics.CategoricalAccuracy, metrics.SparseCategoricalAccuracy,
                   metrics.BinaryAccuracy, metrics.AUC, metrics.Precision, metrics.Recall)}
FILE_FORMAT = "minicnn-model"
TEMPORARY_MARK = ".minicnn-partial-"


OPTIMIZER_PREFIX = "optimizer:"  # array names of the optimizer's state; ":" is in no weight name


def architecture(model, include_optimizer=False):
    """The JSON-ready description of a built model; with include_optimizer and a
    compiled model, also how it was compiled (optimizer, loss, metrics)."""
    arch = {"format": FILE_FORMAT, "version": 1, "name": model.name,
            "input_shape": list(model.input_shape), "dtype": model.dtype.name,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in model.layers],
            "metadata": model.metadata}
    if include_optimizer and model.optimizer is not None:
        arch["compile"] = {
            "optimizer": {"class_name": type(model.optimizer).__name__,
                          "config": model.optimizer.get_config()},
            "loss": model.loss.name,
            "metrics": [type(m).__name__ for m in model.metrics if type(m).__name__ in
                        METRIC_CLASSES]}
    return arch


def expected_weights(layers, input_shape):
    """{"layer.key": shape} of every array (parameters and state) of unbuilt ``layers``
    on a per-sample input shape, from the architecture alone (nothing allocated)."""
    expected, shape = {}, tuple(input_shape)
    for layer in layers:
        for key, array_shape in {**layer.param_shapes(shape), **layer.state_shapes(shape)}.items():
            expected[f"{layer.name}.{key}"] = tuple(array_shape)
        shape = tuple(layer.compute_output_shape(shape))
    return expected


def checked_layers(arch, dtype=None):
    """(unbuilt layers, input shape, dtype) from an architecture dict, or a
    ValueError saying which part is malformed."""
    if not isinstance(arch, dict):
        raise ValueError(f"the architecture is a JSON {type(arch).__name__}, not an object")
    if arch.get("format") != FILE_FORMAT:
        raise ValueError(f"format {arch.get('format')!r}, expected {FILE_FORMAT!r}")
    input_shape = arch.get("input_shape")
    if (not isinstance(input_shape, list) or not input_shape
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in input_shape)):
        raise ValueError(f"input_shape must be a list of positive ints, got {input_shape!r}")
    dtype = dtype or arch.get("dtype")
    if dtype not in ("float32", "float64", np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    specs = arch.get("layers")
    if not isinstance(specs, list) or not specs:
        raise ValueError("layers must be a non-empty list")
    if not isinstance(arch.get("metadata", {}), dict):
        raise ValueError("metadata must be a JSON object")
    layers = []
    for i, spec in enumerate(specs):
        if not (isinstance(spec, dict) and isinstance(spec.get("config"), dict)):
            raise ValueError(f"layer {i} must be an object with class_name and config")
        if spec.get("class_name") not in LAYER_CLASSES:
            raise ValueError(f"layer {i}: unknown layer class {spec.get('class_name')!r}; "
                             f"minicnn knows {sorted(LAYER_CLASSES)}")
        try:
            layers.append(LAYER_CLASSES[spec["class_name"]](**spec["config"]))
        except TypeError as error:
            raise ValueError(f"layer {i} ({spec['class_name']}): {error}") from None
    return layers, tuple(input_shape), dtype


def check_weights(arrays, expected, source):
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"{source}: the weights do not match this model's architecture: "
                         f"missing {missing or 'nothing'}, unexpected {extra or 'nothing'}")
    for name, shape in expected.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{source}: {name} has shape {arrays[name].shape}, "
                             f"the model expects {shape}")


def weight_arrays(model):
    """{"layer.key": array} of every layer's arrays (parameters and state)."""
    return {f"{layer.name}.{key}": array for layer in model.layers
            for key, array in layer.arrays().items()}


def set_weight_arrays(model, arrays, source):
    """Copy arrays {"layer.key": array} into the model's layers; every name and
    shape must match (checked before anything is copied)."""
    expected = weight_arrays(model)
    check_weights(arrays, {name: param.shape for name, param in expected.items()}, source)
    for name, param in expected.items():
        param[...] = arrays[name]


def save_model(model, path, include_optimizer=True):
    """Architecture, weights and (with include_optimizer, as Keras) the optimizer:
    its settings and state (step count, moments), so training can resume."""
    arrays = {"architecture": np.array(json.dumps(architecture(model, include_optimizer))),
              **weight_arrays(model)}
    if include_optimizer and model.optimizer is not None:
        arrays.update({OPTIMIZER_PREFIX + k: v for k, v in model.optimizer.get_state().items()})
    save_arrays(path, arrays)


def read_model_file(path):
    """(architecture dict, {"layer.key": weight}, {name: optimizer state array}) from a
    file written by save_model; ValueError naming the file for anything else."""
    arrays = read_arrays(path)
    if "architecture" not in arrays:
        raise ValueError(f"{path}: holds weights but no architecture (written by save_weights?); "
                         f"build the model and call load_weights instead")
    try:
        arch = json.loads(str(arrays.pop("architecture")))
    except RecursionError:
        raise ValueError(f"{path}: not a valid minicnn model architecture (JSON nested too "
                         f"deeply)") from None
    except ValueError as error:
        raise ValueError(f"{path}: not a valid minicnn model architecture ({error})") from None
    optimizer_state = {k[len(OPTIMIZER_PREFIX):]: arrays.pop(k) for k in list(arrays)
                       if k.startswith(OPTIMIZER_PREFIX)}
    return arch, arrays, optimizer_state


def load_weights(model, path):
    arrays = {k: v for k, v in read_arrays(path).items()
              if k != "architecture" and not k.startswith(OPTIMIZER_PREFIX)}
    set_weight_arrays(model, arrays, path)


def read_arrays(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such model or weights file")
    not_a_model = f"{path}: not a minicnn model file (model.save and save_weights write .npz)"
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error):  # NumPy's words for "not an npy/npz file"; no advice to follow
            raise ValueError(not_a_model) from None
        raise ValueError(f"{not_a_model}: {error}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_a_model}: {error}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: holds one NumPy array (.npy), not a minicnn model (.npz)")
    try:
        with data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_a_model}: {error}") from None


def save_arrays(path, arrays):
    """np.savez, atomically (see atomic_write)."""
    atomic_write(path, lambda file: np.savez(file, **arrays))


def atomic_write(path, write):
    """Call write(file) on a temporary file beside ``path``, flush it to disk,
    then os.replace it over ``path``: a crash mid-write never leaves a
    half-written file under the real name. Temporaries are named
    ``.NAME.minicnn-partial-*``; ones left by a killed earlier write to the
    same path are removed first. A replaced file keeps its permissions."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    prefix = f".{name}{TEMPORARY_MARK}"
    for stale in glob.glob(os.path.join(glob.escape(folder), glob.escape(prefix) + "*")):
        os.remove(stale)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix)
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
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
