"""How a model was compiled (optimizer, loss, metrics) as Keras's compile config, and back;
and the optimizer's state (step count, moments) as Keras's optimizer variables.

Keras keeps an optimizer's variables in one list: the step count ("iteration"),
the learning rate (unless it is a schedule), then per trainable variable the
optimizer's slots: Adam's two interleaved (momentum, velocity of the first
variable, then of the second...), RMSprop's and SGD's in blocks (all
velocities, then all momentums). ``SLOTS`` maps those to minicnn's slot names.
"""
import importlib
import inspect
import warnings

import numpy as np

from minicnn.compat.keras.saving import layer_table

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
            "loss_weights": None, "metrics": [m for m in map(metric_config, model.metrics)
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
def compile_from_config(model, config, where):
    """Compile ``model`` as Keras's compile config says; settings minicnn lacks are
    left out with a warning naming them."""
    model.compile(optimizer=optimizer_from_config(config.get("optimizer"), where),
                  loss=loss_from_config(config.get("loss"), where),
                  metrics=[m for m in (metric_from_config(spec, where)
                                       for spec in (config.get("metrics") or [])) if m is not None])


def optimizer_from_config(spec, where):
    from minicnn import optimizers

    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: the compile config's optimizer is {spec!r:.80}")
    class_name, config = spec.get("class_name"), dict(spec.get("config") or {})
    cls = getattr(optimizers, class_name, None) if class_name in OPTIMIZER_OWN else None
    if cls is None:
        raise ValueError(f"{where}: the model was compiled with Keras's {class_name} optimizer, "
                         f"which minicnn does not have (load it with compile=False, then compile "
                         f"it with one minicnn has)")
    accepted = set(inspect.signature(cls).parameters)
    defaults = {**OPTIMIZER_COMMON, **OPTIMIZER_OWN[class_name]}
    arguments = {}
    for key, value in config.items():
        if key == "learning_rate":
            arguments[key] = schedule_from_config(value, where)
        elif key in accepted and value is not None:
            arguments[key] = value
        elif key != "name" and value is not None and value != defaults.get(key):
            warnings.warn(f"{where}: the optimizer's {key}={value!r} is left out (minicnn's "
                          f"{class_name} has no {key})", stacklevel=4)
    return cls(**arguments)


def schedule_from_config(value, where):
    """A number, or minicnn's schedule of the class Keras's config names."""
    if not isinstance(value, dict):
        return float(value)
    class_name = value.get("class_name")
    try:
        cls = getattr(importlib.import_module("minicnn.schedules"), class_name)
    except (ImportError, AttributeError):
        raise ValueError(f"{where}: the learning rate follows a Keras {class_name}, which minicnn "
                         f"does not have") from None
    config = dict(value.get("config") or {})
    accepted = set(inspect.signature(cls).parameters)
    return cls(**{k: v for k, v in config.items() if k in accepted})


def loss_from_config(spec, where):
    from minicnn import losses

    if isinstance(spec, str) or spec is None:
        return spec
    class_name, config = spec.get("class_name"), dict(spec.get("config") or {})
    cls = getattr(losses, class_name, None)
    if cls is None:
        raise ValueError(f"{where}: the model was compiled with Keras's {class_name} loss, which "
                         f"minicnn does not have")
    for key, default in {"reduction": "sum_over_batch_size", **LOSS_CONFIG.get(class_name, {})
                         }.items():
        if config.get(key, default) != default:
            warnings.warn(f"{where}: the loss's {key}={config[key]!r} is left out (minicnn's "
                          f"{class_name} computes with {key}={default!r})", stacklevel=4)
    accepted = set(inspect.signature(cls).parameters)
    return cls(**{k: v for k, v in config.items() if k in accepted})


def metric_from_config(spec, where):
    from minicnn.training import metrics

    if isinstance(spec, str) or spec is None:
        return spec
    if isinstance(spec, list):  # per-output metrics: minicnn models have one output
        return spec[0] if spec else None
    class_name, config = spec.get("class_name"), dict(spec.get("config") or {})
    cls = getattr(metrics, class_name, None)
    if cls is None or not isinstance(cls, type):
        warnings.warn(f"{where}: the metric {class_name} is left out (minicnn has no such "
                      f"metric)", stacklevel=4)
        return None
    accepted = set(inspect.signature(cls).parameters)
    arguments = {k: v for k, v in config.items() if k in accepted and v is not None}
    return cls(**arguments)


def set_optimizer_variables(model, values, where):
    """Restore Keras's optimizer variables into a compiled model's optimizer; when
    their number does not match (another optimizer, or one never stepped), the
    optimizer starts afresh, with a warning, as Keras does."""
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
    optimizer.iterations = int(values[0])
    if has_rate and np.float32(optimizer.learning_rate) != np.float32(values[1]):
        optimizer.learning_rate = float(values[1])  # Keras keeps it in float32: same unless changed
    optimizer.state = {(key, own): np.asarray(value, dtype=param.dtype)
                       for (key, param, own), value in zip(order, slots)}
