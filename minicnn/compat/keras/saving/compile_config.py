"""How a model was compiled (optimizer, loss, metrics) as Keras's compile config, and back;
and the optimizer's state (step count, moments) as Keras's optimizer variables.

Keras keeps an optimizer's variables in one list: the step count ("iteration"),
the learning rate (unless it is a schedule), then per trainable variable the
optimizer's slots: Adam's two interleaved (momentum, velocity of the first
variable, then of the second...), RMSprop's and SGD's in blocks (all
velocities, then all momentums). ``SLOTS`` maps those to minicnn's slot names.
"""
import inspect
import warnings

import numpy as np

from minicnn import losses, optimizers
from minicnn.compat.keras.saving import layer_table
from minicnn.training.saving import checking, importing

# Keras optimizer -> [(Keras's slot, minicnn's slot)] in Keras's order.
SLOTS = {"Adam": [("momentum", "m"), ("velocity", "v")],
         "SGD": [("momentum", "velocity")],
         "RMSprop": [("velocity", "velocity"), ("momentum", "momentum"),
                     ("average_gradient", "average_gradient")]}
INTERLEAVED = {"Adam"}  # slots per variable; the others write one block per slot
# Every optimizer's config in Keras 3, beyond its own settings; at these values they change nothing.
OPTIMIZER_COMMON = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None,
                    "gradient_accumulation_steps": None}
OPTIMIZER_OWN = {"Adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
                 "SGD": {"momentum": 0.0, "nesterov": False},
                 "RMSprop": {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": False}}
LOSS_CONFIG = {"CategoricalCrossentropy": {"label_smoothing": 0.0, "axis": -1},
               "SparseCategoricalCrossentropy": {"ignore_class": None},
               "BinaryCrossentropy": {"label_smoothing": 0.0, "axis": -1}}


# -- minicnn -> Keras ------------------------------------------------------------------------
def compile_config(model):
    """Keras's compile_config of a compiled model ({} when it is not compiled)."""
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        return {}
    return {"optimizer": optimizer_config(model.optimizer), "loss": loss_config(model.loss),
            "loss_weights": None, "metrics": [m for m in map(metric_config, model.compiled_metrics)
                                              if m is not None],
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
            "jit_compile": False}


def optimizer_config(optimizer):
    class_name = type(optimizer).__name__
    if class_name not in OPTIMIZER_OWN:
        raise ValueError(f"the optimizer {class_name} cannot be written for Keras (minicnn "
                         f"writes {', '.join(OPTIMIZER_OWN)})")
    own = optimizer.get_config()
    config = {"name": layer_table.to_snake_case(class_name),
              "learning_rate": learning_rate_config(own.get("learning_rate",
                                                            optimizer.learning_rate)),
              **OPTIMIZER_COMMON}
    if own.get("weight_decay"):
        config["weight_decay"] = float(own["weight_decay"])
    for key, default in OPTIMIZER_OWN[class_name].items():
        config[key] = own.get(key, default)
    return {"module": "keras.optimizers", "class_name": class_name, "config": config,
            "registered_name": None}


def learning_rate_config(rate):
    """A number, or a schedule as Keras serializes it (from {"class_name", "config"},
    as minicnn's optimizers give it in get_config)."""
    if isinstance(rate, (int, float, np.floating)):
        return float(rate)
    if isinstance(rate, dict):
        return {"module": "keras.optimizers.schedules", "class_name": rate["class_name"],
                "config": dict(rate.get("config") or {}), "registered_name": None}
    raise ValueError(f"the learning rate {rate!r:.60} cannot be written for Keras")


def has_rate_variable(optimizer):
    """Keras keeps a fixed learning rate among the optimizer's variables, a schedule not."""
    return getattr(optimizer, "schedule", None) is None


def loss_config(loss):
    """Keras's name when the loss is one with default settings, else the serialized object."""
    class_name = type(loss).__name__
    default_name = layer_table.to_snake_case(class_name)
    from_logits = bool(getattr(loss, "from_logits", False))
    if class_name not in LOSS_CONFIG:
        return loss.name
    if not from_logits and loss.name == default_name:
        return default_name
    return {"module": "keras.losses", "class_name": class_name,
            "config": {"name": loss.name, "reduction": "sum_over_batch_size",
                       "from_logits": from_logits, **LOSS_CONFIG[class_name]},
            "registered_name": None}


def metric_config(metric):
    """A metric as Keras serializes it; the shape-chosen accuracy as its name
    ("accuracy", "acc"), as compile was given it; None (with a warning) for a
    function, which Keras could not rebuild."""
    class_name = type(metric).__name__
    if class_name == "Accuracy":
        return metric.name
    if class_name == "EpochFunction":
        warnings.warn(f"metric {metric.name!r} is a Python function: not written into the "
                      f"Keras file (compile the loaded model with it again)", stacklevel=5)
        return None
    config = {"name": metric.name, "dtype": "float32"}
    thresholds = getattr(metric, "thresholds", None)
    if class_name in ("Precision", "Recall") and thresholds is not None:
        config.update({"thresholds": float(np.ravel(thresholds)[0]), "top_k": None,
                       "class_id": None})
    elif class_name == "AUC" and thresholds is not None:
        config.update({"num_thresholds": len(thresholds), "curve": "ROC",
                       "summation_method": "interpolation", "multi_label": False,
                       "num_labels": None, "label_weights": None, "from_logits": False})
    elif class_name == "BinaryAccuracy":
        config["threshold"] = float(getattr(metric, "threshold", 0.5))
    return {"module": "keras.metrics", "class_name": class_name, "config": config,
            "registered_name": None}


def slot_layout(optimizer):
    """[(Keras slot, minicnn slot)] this optimizer keeps, in Keras's order."""
    class_name = type(optimizer).__name__
    try:
        probe = set(optimizer.update("probe", np.zeros(1), np.zeros(1), 1)[1])
    except Exception:
        probe = set()
    return [(keras, own) for keras, own in SLOTS.get(class_name, []) if own in probe]


def optimizer_variables(model):
    """Keras's optimizer variables of a compiled model: [iteration, learning_rate
    (unless a schedule), slots...], zeros where the optimizer has no state yet."""
    optimizer = model.optimizer
    values = [np.array(int(optimizer.iterations), dtype=np.int64)]
    if has_rate_variable(optimizer):
        values.append(np.array(optimizer.learning_rate, dtype=np.float32))
    parameters = [(key, param) for key, param, _ in model.parameters()]
    layout = slot_layout(optimizer)
    order = ([(key, param, own) for key, param in parameters for _, own in layout]
             if type(optimizer).__name__ in INTERLEAVED else
             [(key, param, own) for _, own in layout for key, param in parameters])
    for key, param, own in order:
        values.append(np.asarray(optimizer.state.get((key, own), np.zeros_like(param))))
    return values


# -- Keras -> minicnn ------------------------------------------------------------------------
# Keras's class names read from a file are looked up in these tables only (never as an
# attribute of a module: a loss named "np" must not reach NumPy).
LOSS_CLASSES = {cls.__name__: cls for cls in losses.LOSSES.values()}
OPTIMIZER_CLASSES = {"Adam": optimizers.Adam, "SGD": optimizers.SGD, "RMSprop": optimizers.RMSprop}


def settings_from_config(config, where, entry="compile_config"):
    """(optimizer, loss, [metrics]) from Keras's compile config, every part checked
    and made (nothing needs the model yet); None when the file says nothing."""
    if config is None or config == {}:
        return None
    if not isinstance(config, dict):
        raise ValueError(f"{where}: {entry} must be a JSON object, got {config!r:.80}")
    metrics = config.get("metrics") or []
    if not isinstance(metrics, list):
        raise ValueError(f"{where}: {entry}.metrics must be a list, got {metrics!r:.80}")
    optimizer = optimizer_from_config(config.get("optimizer"), where, f"{entry}.optimizer")
    loss = loss_from_config(config.get("loss"), where, f"{entry}.loss")
    made = [m for m in (metric_from_config(spec, where, f"{entry}.metrics[{i}]")
                        for i, spec in enumerate(metrics)) if m is not None]
    return optimizer, loss, made


def compile_from_settings(model, settings, where):
    """Compile ``model`` with settings_from_config's (optimizer, loss, metrics)."""
    optimizer, loss, made = settings
    try:
        model.compile(optimizer=optimizer, loss=loss, metrics=made)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: compile_config: {error}") from None


def optimizer_from_config(spec, where, entry):
    """minicnn's optimizer (Adam, SGD, RMSprop) of Keras's serialized one; the settings
    minicnn lacks are left out with a warning when they would change anything."""
    if isinstance(spec, str):
        try:
            return optimizers.get(spec)
        except ValueError as error:
            raise ValueError(f"{where}: {entry}: {error}") from None
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: {entry} must be a name or a serialized optimizer, got "
                         f"{spec!r:.80}")
    class_name, config = spec.get("class_name"), spec.get("config") or {}
    if not isinstance(class_name, str) or class_name not in OPTIMIZER_CLASSES:
        raise ValueError(f"{where}: the model was compiled with Keras's {class_name!r:.60} "
                         f"optimizer, which minicnn does not have (it reads "
                         f"{', '.join(OPTIMIZER_OWN)}; load it with compile=False, then compile "
                         f"it with one minicnn has)")
    if not isinstance(config, dict):
        raise ValueError(f"{where}: {entry}.config must be a JSON object, got {config!r:.80}")
    accepted = set(inspect.signature(OPTIMIZER_CLASSES[class_name]).parameters)
    defaults = {**OPTIMIZER_COMMON, **OPTIMIZER_OWN[class_name]}
    arguments = {}
    for key, value in config.items():
        if key == "learning_rate":
            arguments[key] = schedule_config(value, where, f"{entry}.learning_rate")
        elif key in accepted and key != "name" and value is not None:
            arguments[key] = value
        elif key != "name" and value is not None and value != defaults.get(key):
            warnings.warn(f"{where}: the optimizer's {key}={value!r:.60} is left out (minicnn's "
                          f"{class_name} has no {key})", stacklevel=4)
    return checking.checked_optimizer({"class_name": class_name, "config": arguments},
                                      f"{where}: {entry}")


def schedule_config(value, where, entry):
    """A learning rate as the .npz reader's check takes it: a number, or a minicnn
    schedule's {"class_name", "config"} (the arguments minicnn's class takes)."""
    if not isinstance(value, dict):
        return value  # checked_optimizer: a finite number
    from minicnn import schedules

    classes = checking.schedule_classes(schedules)
    class_name, config = value.get("class_name"), value.get("config") or {}
    if not isinstance(class_name, str) or class_name not in classes:
        raise ValueError(f"{where}: {entry}: the learning rate follows a Keras "
                         f"{class_name!r:.60}, which minicnn does not have (it has "
                         f"{', '.join(sorted(classes))})")
    if not isinstance(config, dict):
        raise ValueError(f"{where}: {entry}.config must be a JSON object, got {config!r:.80}")
    accepted = set(inspect.signature(classes[class_name]).parameters)
    return {"class_name": class_name, "config": {k: v for k, v in config.items()
                                                 if k in accepted}}


def loss_from_config(spec, where, entry):
    """minicnn's loss object of a Keras loss name or serialized loss."""
    if isinstance(spec, str):
        try:
            return losses.get(spec)
        except ValueError as error:
            raise ValueError(f"{where}: {entry}: {error}") from None
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: {entry} must be a loss name or a serialized loss, got "
                         f"{spec!r:.80}")
    class_name, config = spec.get("class_name"), spec.get("config") or {}
    if not isinstance(class_name, str) or class_name not in LOSS_CLASSES:
        raise ValueError(f"{where}: the model was compiled with Keras's {class_name!r:.60} loss, "
                         f"which minicnn does not have (it has {', '.join(sorted(LOSS_CLASSES))})")
    if not isinstance(config, dict):
        raise ValueError(f"{where}: {entry}.config must be a JSON object, got {config!r:.80}")
    for key, default in {"reduction": "sum_over_batch_size", **LOSS_CONFIG.get(class_name, {})
                         }.items():
        if config.get(key, default) != default:
            warnings.warn(f"{where}: the loss's {key}={config[key]!r:.60} is left out (minicnn's "
                          f"{class_name} computes with {key}={default!r})", stacklevel=4)
    cls = LOSS_CLASSES[class_name]
    accepted = set(inspect.signature(cls).parameters)
    try:
        return cls(**{k: v for k, v in config.items() if k in accepted})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {entry}: {error}") from None


def metric_from_config(spec, where, entry):
    """minicnn's metric of a Keras metric name or serialized metric; one minicnn
    does not have is left out with a warning (Keras files often name custom ones)."""
    from minicnn.training import metrics

    if isinstance(spec, list):  # per-output metrics: minicnn models have one output
        spec = spec[0] if spec else None
    if spec is None:
        return None
    if isinstance(spec, dict):
        class_name, config = spec.get("class_name"), spec.get("config") or {}
        if not isinstance(class_name, str) or class_name not in checking.METRIC_CLASSES:
            warnings.warn(f"{where}: the metric {class_name!r:.60} is left out (minicnn has no "
                          f"such metric)", stacklevel=4)
            return None
        if not isinstance(config, dict):
            raise ValueError(f"{where}: {entry}.config must be a JSON object, got "
                             f"{config!r:.80}")
        cls = checking.METRIC_CLASSES[class_name]
        accepted = set(inspect.signature(cls).parameters)
        try:
            return cls(**{k: v for k, v in config.items() if k in accepted and v is not None})
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {entry}: {error}") from None
    if not isinstance(spec, str):
        raise ValueError(f"{where}: {entry} must be a metric name or a serialized metric, got "
                         f"{spec!r:.80}")
    if spec.lower() not in metrics.NAMES:
        warnings.warn(f"{where}: the metric {spec!r:.60} is left out (minicnn has no such "
                      f"metric)", stacklevel=4)
        return None
    return metrics.get(spec)


def optimizer_layout(optimizer, parameter_shapes):
    """The shapes of Keras's optimizer variables for ``optimizer`` on parameters of
    ``parameter_shapes`` (in the model's order): [None (the step count), None (the
    learning rate, unless a schedule), slot shapes...]."""
    layout = slot_layout(optimizer)
    slots = ([shape for shape in parameter_shapes for _ in layout]
             if type(optimizer).__name__ in INTERLEAVED else
             [shape for _ in layout for shape in parameter_shapes])
    return [None] * (1 + has_rate_variable(optimizer)) + slots


def set_optimizer_variables(model, values, where, names=None):
    """Restore Keras's optimizer variables into a compiled model's optimizer, each
    through the one import rule (training/saving/importing.py: a step count >= 0, a
    finite learning rate > 0, finite float slots); ``names``: the file's names of
    them, for the errors. When their number does not match (another optimizer, or
    one never stepped), the optimizer starts afresh, with a warning, as Keras does."""
    names = names or [f"the optimizer's variable {i}" for i in range(len(values))]
    optimizer = model.optimizer
    has_rate = has_rate_variable(optimizer)
    parameters = [(key, param) for key, param, _ in model.parameters()]
    layout = slot_layout(optimizer)
    expected = 1 + has_rate + len(parameters) * len(layout)
    if len(values) != expected:
        warnings.warn(f"{where}: the optimizer's state has {len(values)} variables, "
                      f"{type(optimizer).__name__} on this model keeps {expected}; the loaded "
                      f"model's optimizer starts afresh", stacklevel=4)
        return
    order = ([(key, param, own) for key, param in parameters for _, own in layout]
             if type(optimizer).__name__ in INTERLEAVED else
             [(key, param, own) for _, own in layout for key, param in parameters])
    slots = values[1 + has_rate:]
    for (key, param, own), value in zip(order, slots):
        if np.shape(value) != param.shape:
            raise ValueError(f"{where}: the optimizer's {own} for {key} has shape "
                             f"{np.shape(value)}, the parameter {param.shape}")
    count = importing.imported_step_count(values[0], names[0], where)
    rate = importing.imported_learning_rate(values[1], names[1], where) if has_rate else None
    state = {(key, own): np.asarray(importing.imported_weight(
        value, f"{name} (the optimizer's {own} for {key})", where), dtype=param.dtype)
        for (key, param, own), value, name in zip(order, slots, names[1 + has_rate:])}
    optimizer.iterations = count
    if has_rate and np.float32(optimizer.learning_rate) != np.float32(rate):
        optimizer.learning_rate = rate  # Keras keeps it in float32: same unless changed
    optimizer.state = state
