"""What a model file must hold, worked out from its architecture before any
array is read: the layers and their arguments, the shapes and dtypes of every
weight and optimizer slot, the metadata and the compile settings. reading.py
compares a file's members with these; nothing here allocates a weight."""
import inspect

import numpy as np

from minicnn import layers as layer_module
from minicnn import losses
from minicnn import optimizers
from minicnn.arguments import check_layer_name
from minicnn.layers import Layer
from minicnn.preprocessing import layers as preprocessing_layers
from minicnn.training import metrics


# Every layer minicnn has (minicnn.layers and the preprocessing layers), by class
# name: a file names its layers' classes. "MaxPool2D" is also the class's name in
# files of minicnn 0.1.
# A Lambda layer holds a Python function: no file can hold one (loading runs no code).
NOT_IN_FILES = ("Lambda",)
LAYER_CLASSES = {cls.__name__: cls for module in (layer_module, preprocessing_layers)
                 for cls in map(module.__dict__.get, module.__all__)
                 if isinstance(cls, type) and issubclass(cls, Layer) and cls is not Layer
                 and cls.__name__ not in NOT_IN_FILES}


LAYER_CLASSES["MaxPool2D"] = layer_module.MaxPooling2D


METRIC_CLASSES = {cls.__name__: cls for cls in
                  (metrics.Accuracy, metrics.CategoricalAccuracy, metrics.SparseCategoricalAccuracy,
                   metrics.BinaryAccuracy, metrics.AUC, metrics.Precision, metrics.Recall)}


FILE_FORMAT = "minicnn-model"


OPTIMIZER_PREFIX = "optimizer:"  # array names of the optimizer's state; ":" is in no layer name


WEIGHT_DTYPES = (np.float16, np.float32, np.float64)


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
    if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str) \
            or spec["class_name"] not in classes:
        raise ValueError(f"{where}: unknown optimizer {spec!r:.80}; minicnn has {sorted(classes)}")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"{where}.config must be an object, got {config!r:.80}")
    cls = classes[spec["class_name"]]
    arguments = {}
    for key, value in config.items():
        allowed = named_arguments(cls)
        if key not in allowed:
            raise ValueError(f"{where}: {cls.__name__} has no setting {key!r}; "
                             f"it has {', '.join(allowed)}")
        if key == "learning_rate" and isinstance(value, dict):
            value = checked_schedule(value, f"{where}: {cls.__name__}'s learning_rate")
        elif not (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and np.isfinite(value) or isinstance(value, bool) and key != "learning_rate"):
            raise ValueError(f"{where}: {cls.__name__}'s {key} must be a finite number"
                             f"{'' if key == 'learning_rate' else ' or a bool'}, got {value!r:.80}")
        arguments[key] = value
    try:
        return cls(**arguments)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def named_arguments(cls):
    """The arguments a class takes by name; an optimizer passing **keras_only on to
    Optimizer also takes the base class's (weight_decay, clipnorm, clipvalue,
    global_clipnorm), but not ``name``."""
    parameters = inspect.signature(cls).parameters.values()
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if issubclass(cls, optimizers.Optimizer) and cls is not optimizers.Optimizer and any(
            p.kind == p.VAR_KEYWORD for p in parameters):
        names += [name for name in named_arguments(optimizers.Optimizer)
                  if name not in names and name not in ("learning_rate", "name")]
    return names




def checked_schedule(spec, where):
    """A learning-rate schedule from {"class_name", "config"} (minicnn.schedules)."""
    try:
        import importlib
        schedules = importlib.import_module("minicnn.schedules")
    except ImportError:
        raise ValueError(f"{where}: this minicnn has no learning-rate schedules") from None
    classes = schedule_classes(schedules)
    config = spec.get("config", {})
    if not isinstance(spec.get("class_name"), str) or spec["class_name"] not in classes \
            or not isinstance(config, dict):
        raise ValueError(f"{where}: unknown schedule {spec!r:.80}; minicnn has {sorted(classes)}")
    cls = classes[spec["class_name"]]
    for key, value in config.items():
        if key not in named_arguments(cls) or not schedule_value(value):
            raise ValueError(f"{where}: {cls.__name__} takes no {key}={value!r:.60}")
    try:
        return cls(**{key: value for key, value in config.items() if value is not None})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


MAX_SCHEDULE_LIST = 100_000  # PiecewiseConstantDecay's boundaries and values


def schedule_value(value):
    """What a schedule's setting may be in a file: a finite number, a bool, a name,
    None (the class's default), or a list of finite numbers (PiecewiseConstantDecay)."""
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return bool(np.isfinite(value))
    return isinstance(value, list) and len(value) <= MAX_SCHEDULE_LIST and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
        for v in value)


def schedule_classes(schedules):
    """{class name: class} of the learning-rate schedules in the module ``schedules``."""
    return {cls.__name__: cls for cls in vars(schedules).values()
            if isinstance(cls, type) and issubclass(cls, schedules.LearningRateSchedule)
            and cls is not schedules.LearningRateSchedule}


def optimizer_slots(optimizer):
    """The names of the arrays an optimizer keeps per parameter (Adam: m, v; SGD
    with momentum: velocity), or None when it cannot be asked."""
    try:
        return set(optimizer.update("probe", np.zeros(1), np.zeros(1), 1)[1])
    except Exception:  # an optimizer without the usual update(): its slots are not checked
        return None


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
