"""Model files: the architecture as JSON and the weights, in one .npz, written atomically.

A file holds an array "architecture" (JSON text: format, input shape, dtype,
each layer's class and constructor arguments, and ``model.metadata``) and one
array per layer array (parameters and state, ``Layer.arrays``), named "layer.key";
with the optimizer, "optimizer:iterations" and "optimizer:layer.key/slot".

Reading checks before it allocates. The zip's directory first (member names,
compression, every member's size against the file's own size), then the
architecture, then every member's .npy header (name, dtype, shape) against
what the architecture implies; only then is any weight read, and what is read
must be finite floats. Files are read with ``allow_pickle=False``: loading a
model runs no code.

This module knows layers and files, not the model classes: Sequential.save
writes through it, and models.load_model reads through it and builds the model.
"""
import contextlib
import errno
import inspect
import json
import math
import os
import socket
import stat
import tempfile
import time
import zipfile

import numpy as np

from minicnn import layers as layer_module
from minicnn import losses, metrics, optimizers
from minicnn.arguments import check_layer_name
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
OPTIMIZER_PREFIX = "optimizer:"  # array names of the optimizer's state; ":" is in no layer name
WEIGHT_DTYPES = (np.float16, np.float32, np.float64)
# A compressed file (np.savez_compressed) may inflate to at most this many times
# its size on disk, plus 64 MiB: beyond that it is a zip bomb, not a model.
INFLATION = 100
INFLATION_FLOOR = 64 * 2**20
# A temporary file whose writer cannot be asked whether it still runs (another
# machine's, or one whose process id was reused) is stale after this long.
STALE_AFTER_SECONDS = 24 * 3600


# -- writing ------------------------------------------------------------------------------
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
    check_layer_names(model)
    arrays = {"architecture": np.array(architecture_json(model, include_optimizer)),
              **weight_arrays(model)}
    if include_optimizer and model.optimizer is not None:
        arrays.update({OPTIMIZER_PREFIX + k: v for k, v in model.optimizer.get_state().items()})
    save_arrays(path, arrays)


def save_arrays(path, arrays):
    """np.savez, atomically (see atomic_write). Every name is checked first: a
    layer's arrays are "layer.key" with a valid layer name (arguments.check_layer_name),
    so that a file unzipped by hand writes nothing outside its folder."""
    for name in arrays:
        check_member_name(name, os.fspath(path))
    atomic_write(path, lambda file: np.savez(file, **arrays))


def check_member_name(name, source):
    """"architecture", "layer.key" or "optimizer:layer.key/slot", with a valid layer name."""
    if name == "architecture":
        return
    array, slot = name, "state"
    if name.startswith(OPTIMIZER_PREFIX):
        array, _, slot = name[len(OPTIMIZER_PREFIX):].rpartition("/")
        if name == OPTIMIZER_PREFIX + "iterations":
            return
    layer, _, key = array.rpartition(".")
    try:
        check_layer_name(layer, f"{source}: array {name!r}")
    except ValueError as error:
        raise ValueError(f"{error} (a layer's name names its arrays in the file)") from None
    if not key.isidentifier() or not slot.isidentifier():
        raise ValueError(f"{source}: {name!r} cannot name an array in a model file")


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


# -- what a file must hold, from its architecture ----------------------------------------------
def expected_weights(layers, input_shape):
    """{"layer.key": shape} of every array (parameters and state) of unbuilt ``layers``
    on a per-sample input shape, from the architecture alone (nothing allocated)."""
    params, state = expected_arrays(layers, input_shape)
    return {**params, **state}


def expected_arrays(layers, input_shape):
    """({"layer.key": shape} of the parameters, the same of the state) of unbuilt layers."""
    params, state, shape = {}, {}, tuple(input_shape)
    for layer in layers:
        for key, array_shape in layer.param_shapes(shape).items():
            params[f"{layer.name}.{key}"] = tuple(array_shape)
        for key, array_shape in layer.state_shapes(shape).items():
            state[f"{layer.name}.{key}"] = tuple(array_shape)
        shape = tuple(layer.compute_output_shape(shape))
    return params, state


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
    if not isinstance(arch.get("name", ""), str):
        raise ValueError(f"name must be a string, got {arch.get('name')!r}")
    check_metadata(arch.get("metadata", {}))
    layers, names = [], set()
    for i, spec in enumerate(specs):
        if not (isinstance(spec, dict) and isinstance(spec.get("config"), dict)):
            raise ValueError(f"layer {i} must be an object with class_name and config")
        if spec.get("class_name") not in LAYER_CLASSES:
            raise ValueError(f"layer {i}: unknown layer class {spec.get('class_name')!r}; "
                             f"minicnn knows {sorted(LAYER_CLASSES)}")
        try:
            layer = LAYER_CLASSES[spec["class_name"]](**spec["config"])
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as error:
            raise ValueError(f"layer {i} ({spec['class_name']}): {error}") from None
        check_layer_name(layer.name, f"layer {i} ({spec['class_name']})")
        if layer.name in names:
            raise ValueError(f"layer {i}: the name {layer.name!r} is taken by an earlier layer")
        names.add(layer.name)
        layers.append(layer)
    return layers, tuple(input_shape), dtype


# What minicnn itself reads from a model's metadata, and the types it must have.
METADATA_TYPES = {
    "class_names": ("a non-empty list of strings", lambda v: isinstance(v, list) and len(v) > 0
                    and all(isinstance(s, str) for s in v)),
    "rescale": ("a finite number or null", lambda v: v is None or (
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        and np.isfinite(v))),
    "color_mode": ("'grayscale', 'rgb' or 'rgba'", lambda v: v in ("grayscale", "rgb", "rgba")),
    "project": ("a string", lambda v: isinstance(v, str)),
    "training_state": ("an object", lambda v: isinstance(v, dict)),
}


def check_metadata(metadata):
    """The metadata is an object, and the entries minicnn reads have their types."""
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a JSON object, got {type(metadata).__name__}")
    for key, (wanted, ok) in METADATA_TYPES.items():
        if key in metadata and not ok(metadata[key]):
            raise ValueError(f"metadata {key!r} must be {wanted}, got {metadata[key]!r:.80}")


def compile_settings(arch, source):
    """(optimizer, loss name, [metric class names]) from the architecture's "compile"
    entry, each checked; None when the file holds no compile settings."""
    settings = arch.get("compile")
    if settings is None:
        return None
    where = f"{source}: compile"
    if not isinstance(settings, dict):
        raise ValueError(f"{where} must be an object, got {settings!r:.80}")
    unknown = sorted(set(settings) - {"optimizer", "loss", "metrics"})
    if unknown:
        raise ValueError(f"{where} has unknown entries {unknown}; expected optimizer, loss, metrics")
    optimizer = checked_optimizer(settings.get("optimizer"), f"{where}.optimizer")
    loss = settings.get("loss")
    if not isinstance(loss, str) or loss.lower() not in losses.LOSSES:
        raise ValueError(f"{where}.loss must be one of {sorted(losses.LOSSES)}, got {loss!r:.80}")
    names = settings.get("metrics", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n in METRIC_CLASSES
                                              for n in names):
        raise ValueError(f"{where}.metrics must be a list of metric class names "
                         f"({', '.join(sorted(METRIC_CLASSES))}), got {names!r:.80}")
    return optimizer, loss, names


def checked_optimizer(spec, where):
    """An optimizer from {"class_name": ..., "config": {...}}: a known class, and a
    config of its own arguments holding numbers and bools (the learning rate may be
    a schedule, {"class_name": ..., "config": {...}})."""
    classes = {cls.__name__: cls for cls in vars(optimizers).values()
               if isinstance(cls, type) and issubclass(cls, optimizers.Optimizer)
               and cls is not optimizers.Optimizer}
    if not isinstance(spec, dict) or spec.get("class_name") not in classes:
        raise ValueError(f"{where}: unknown optimizer {spec!r:.80}; minicnn has {sorted(classes)}")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"{where}.config must be an object, got {config!r:.80}")
    cls = classes[spec["class_name"]]
    arguments = {}
    for key, value in config.items():
        allowed = _named_arguments(cls)
        if key not in allowed:
            raise ValueError(f"{where}: {cls.__name__} has no setting {key!r}; "
                             f"it has {', '.join(allowed)}")
        if key == "learning_rate" and isinstance(value, dict):
            value = _schedule(value, f"{where}: {cls.__name__}'s learning_rate")
        elif not (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and np.isfinite(value) or isinstance(value, bool) and key != "learning_rate"):
            raise ValueError(f"{where}: {cls.__name__}'s {key} must be a finite number"
                             f"{'' if key == 'learning_rate' else ' or a bool'}, got {value!r:.80}")
        arguments[key] = value
    try:
        return cls(**arguments)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def _named_arguments(cls):
    return [name for name, p in inspect.signature(cls).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _schedule(spec, where):
    """A learning-rate schedule from {"class_name", "config"} (minicnn.schedules)."""
    try:
        import importlib
        schedules = importlib.import_module("minicnn.schedules")
    except ImportError:
        raise ValueError(f"{where}: this minicnn has no learning-rate schedules") from None
    classes = {cls.__name__: cls for cls in vars(schedules).values()
               if isinstance(cls, type) and issubclass(cls, schedules.LearningRateSchedule)
               and cls is not schedules.LearningRateSchedule}
    config = spec.get("config", {})
    if spec.get("class_name") not in classes or not isinstance(config, dict):
        raise ValueError(f"{where}: unknown schedule {spec!r:.80}; minicnn has {sorted(classes)}")
    cls = classes[spec["class_name"]]
    for key, value in config.items():
        if key not in _named_arguments(cls) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{where}: {cls.__name__} takes no {key}={value!r:.60}")
    try:
        return cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def optimizer_slots(optimizer):
    """The names of the arrays an optimizer keeps per parameter (Adam: m, v; SGD
    with momentum: velocity), or None when it cannot be asked."""
    try:
        return set(optimizer.update("probe", np.zeros(1), np.zeros(1), 1)[1])
    except Exception:  # an optimizer without the usual update(): its slots are not checked
        return None


# -- reading -----------------------------------------------------------------------------------
def read_model_file(path):
    """(architecture dict, {"layer.key": weight}, {name: optimizer state array}) from a
    file written by save_model; ValueError naming the file for anything else."""
    path = os.fspath(path)
    with open_npz(path) as members:
        if "architecture" not in members.infos:
            raise ValueError(f"{path}: holds weights but no architecture (written by "
                             f"save_weights?); build the model and call load_weights instead")
        arch = members.read_architecture()
        try:
            layers, input_shape, _ = checked_layers(arch)
            params, state = expected_arrays(layers, input_shape)
        except ValueError as error:
            raise ValueError(f"{path}: not a valid minicnn model architecture ({error})") from None
        settings = compile_settings(arch, path)
        optimizer_state = expected_optimizer_state(settings, params, members, path)
        members.check_headers({**params, **state}, optimizer_state)
        weights = {name: members.read(name) for name in {**params, **state}}
        optimizer = {name[len(OPTIMIZER_PREFIX):]: members.read(name, integer=name.endswith(
            ":iterations")) for name in optimizer_state}
    return arch, weights, optimizer


def expected_optimizer_state(settings, params, members, path):
    """{member name: expected shape} of the optimizer's state in the file: required
    "optimizer:iterations", and per parameter either all of the optimizer's slots,
    each of the parameter's shape, or none. Reads no data."""
    names = sorted(n for n in members.infos if n.startswith(OPTIMIZER_PREFIX))
    if settings is None:
        return {name: None for name in names}  # check_headers refuses them: nothing to restore
    if not names:
        return {}
    expected = {OPTIMIZER_PREFIX + "iterations": ()}
    if OPTIMIZER_PREFIX + "iterations" not in members.infos:
        raise ValueError(f"{path}: the optimizer's state has no {OPTIMIZER_PREFIX}iterations "
                         f"(the step count); the file is damaged or was not written by minicnn")
    slots = optimizer_slots(settings[0])
    per_param = {}
    for name in names:
        if name == OPTIMIZER_PREFIX + "iterations":
            continue
        param, _, slot = name[len(OPTIMIZER_PREFIX):].rpartition("/")
        if param not in params or (slots is not None and slot not in slots):
            expected[name] = None  # refused by check_headers, naming it
            continue
        expected[name] = params[param]
        per_param.setdefault(param, set()).add(slot)
    if slots is not None:
        for param, have in per_param.items():
            if have != slots:
                raise ValueError(f"{path}: the optimizer's state for {param} has "
                                 f"{sorted(have)}, expected {sorted(slots)} "
                                 f"({type(settings[0]).__name__})")
    return expected


def load_weights(model, path):
    """Copy the weights of a file written by save or save_weights into a built model."""
    path = os.fspath(path)
    current = weight_arrays(model)
    with open_npz(path) as members:
        skipped = {name: None for name in members.infos
                   if name == "architecture" or name.startswith(OPTIMIZER_PREFIX)}
        members.check_headers({name: array.shape for name, array in current.items()}, {},
                              skip=skipped)
        arrays = {name: members.read(name) for name in current}
    set_weight_arrays(model, arrays, path)


def check_weights(arrays, expected, source):
    """Names and shapes of arrays ({"name": array or shape}) against expected {"name": shape}."""
    shapes = {name: tuple(a) if isinstance(a, tuple) else np.shape(a) for name, a in arrays.items()}
    missing = sorted(set(expected) - set(shapes))
    extra = sorted(set(shapes) - set(expected))
    if missing or extra:
        raise ValueError(f"{source}: the weights do not match this model's architecture: "
                         f"missing {missing or 'nothing'}, unexpected {extra or 'nothing'}")
    for name, shape in expected.items():
        if shapes[name] != tuple(shape):
            raise ValueError(f"{source}: {name} has shape {shapes[name]}, "
                             f"the model expects {tuple(shape)}")


def set_weight_arrays(model, arrays, source):
    """Copy arrays {"layer.key": array} into the model's layers; every name and
    shape must match (checked before anything is copied)."""
    expected = weight_arrays(model)
    check_weights(arrays, {name: param.shape for name, param in expected.items()}, source)
    for name, param in expected.items():
        param[...] = arrays[name]


@contextlib.contextmanager
def open_npz(path):
    """The members of an .npz file (an NpzMembers), its zip directory checked."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no such model or weights file", path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file (a folder, a pipe or a device), "
                         f"not a minicnn model file")
    not_a_model = f"{path}: not a minicnn model file (model.save and save_weights write .npz)"
    with open(path, "rb") as file:
        start = file.read(6)
    if start == b"\x93NUMPY":
        raise ValueError(f"{path}: holds one NumPy array (.npy), not a minicnn model (.npz)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ValueError(f"{not_a_model}: {error}") from None
    try:
        with archive:
            yield NpzMembers(path, archive)
    except (zipfile.BadZipFile, EOFError, zlib_error(), NotImplementedError) as error:
        raise ValueError(f"{not_a_model}: {error}") from None


def zlib_error():
    import zlib
    return zlib.error


class NpzMembers:
    """An .npz's arrays by name, checked from the zip directory and the .npy
    headers before any array is read."""

    def __init__(self, path, archive):
        self.path, self.archive = path, archive
        size = os.path.getsize(path)
        self.infos, inflated = {}, 0
        for info in archive.infolist():
            where = f"{path}: member {info.filename!r}"
            if not info.filename.endswith(".npy") or info.is_dir():
                raise ValueError(f"{where} is not a NumPy array (.npy); not a minicnn model file")
            name = info.filename[:-4]
            if name in self.infos:
                raise ValueError(f"{where} appears twice; not a minicnn model file")
            if info.flag_bits & 0x1:
                raise ValueError(f"{where} is encrypted; not a minicnn model file")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(f"{where} uses an unknown compression ({info.compress_type})")
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise ValueError(f"{where} claims {info.file_size} bytes but stores "
                                 f"{info.compress_size}; the file is damaged")
            if info.header_offset + info.compress_size > size:
                raise ValueError(f"{where} claims {info.compress_size} bytes, more than the "
                                 f"file holds ({size}); the file is truncated or damaged")
            inflated += info.file_size
            self.infos[name] = info
        if inflated > INFLATION * size + INFLATION_FLOOR:
            raise ValueError(f"{path}: its members would inflate to {inflated:,} bytes from "
                             f"{size:,} on disk; refused (a zip bomb, not a model)")
        self.headers = {}

    def header(self, name):
        """(shape, dtype) of a member from its .npy header alone, checked against
        the member's size in the zip directory."""
        if name not in self.headers:
            info = self.infos[name]
            where = f"{self.path}: {name}"
            with self.archive.open(info) as stream:
                try:
                    version = np.lib.format.read_magic(stream)
                    if version == (1, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
                    elif version == (2, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
                    else:
                        raise ValueError(f"format version {version} is not one minicnn writes")
                except (ValueError, SyntaxError, TypeError) as error:
                    raise ValueError(f"{where}: not a readable NumPy array ({error})") from None
                offset = stream.tell()
            if dtype.hasobject:
                raise ValueError(f"{where} holds Python objects (dtype {dtype}); a model file "
                                 f"holds numbers only, and minicnn never unpickles")
            size = dtype.itemsize * math.prod(shape)
            if offset + size != info.file_size:
                raise ValueError(f"{where}: its header declares shape {shape} of {dtype} "
                                 f"({size:,} bytes) but the member holds "
                                 f"{info.file_size - offset:,}; the file is damaged")
            self.headers[name] = (tuple(shape), dtype)
        return self.headers[name]

    def check_headers(self, weights, optimizer, skip=()):
        """Every member is expected and has the expected shape and a float dtype
        (optimizer:iterations an integer scalar); ``skip``: members left unread."""
        expected = {**weights, **{k: v for k, v in optimizer.items() if v is not None}}
        names = set(self.infos) - {"architecture"} - set(skip)
        check_weights({name: self.header(name)[0] for name in names if name in expected}
                      | {name: () for name in names if name not in expected}, expected, self.path)
        for name in sorted(expected):
            shape, dtype = self.header(name)
            if name == OPTIMIZER_PREFIX + "iterations":
                if dtype.kind not in "iu":
                    raise ValueError(f"{self.path}: {name} must be an integer, got dtype {dtype}")
            elif dtype not in WEIGHT_DTYPES:
                raise ValueError(f"{self.path}: {name} has dtype {dtype}; a weight must be "
                                 f"float16, float32 or float64")
        for name in skip:
            self.header(name)

    def read_architecture(self):
        shape, dtype = self.header("architecture")
        if shape != () or dtype.kind != "U":
            raise ValueError(f"{self.path}: its architecture must be one string (JSON), got "
                             f"an array of shape {shape} and dtype {dtype}")
        try:
            return json.loads(str(self._read("architecture")))
        except RecursionError:
            raise ValueError(f"{self.path}: not a valid minicnn model architecture (JSON "
                             f"nested too deeply)") from None
        except ValueError as error:
            raise ValueError(f"{self.path}: not a valid minicnn model architecture "
                             f"({error})") from None

    def read(self, name, integer=False):
        """A member's array, after its header was checked; non-finite values are refused."""
        array = self._read(name)
        if integer:
            if not 0 <= int(array) < 2**62:
                raise ValueError(f"{self.path}: {name} must be a count >= 0, got {int(array)}")
        elif not np.all(np.isfinite(array)):
            raise ValueError(f"{self.path}: {name} holds non-finite values (NaN or infinity); "
                             f"a model's weights are finite")
        return array

    def _read(self, name):
        with self.archive.open(self.infos[name]) as stream:
            try:
                return np.lib.format.read_array(stream, allow_pickle=False)
            except ValueError as error:
                raise ValueError(f"{self.path}: {name}: {error}") from None
