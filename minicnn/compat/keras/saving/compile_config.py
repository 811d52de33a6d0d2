"""How a model was compiled (optimizer, loss, metrics) as Keras's compile config, and back;
and the optimizer's state (step count, moments) as Keras's optimizer variables.

Keras keeps an optimizer's variables in one list: the step count ("iteration"),
the learning rate (unless it is a schedule), then the optimizer's slots for the
model's trainable variables (in the order of Keras's ``model.layers``:
model_config.keras_parameters), then any scalar of its own (Nadam's product of
momentum factors). ``LAYOUTS`` gives each optimizer's slots in Keras 3.15's order,
by groups: "interleaved" slots come per variable (Adam: momentum and velocity of
the first variable, then of the second...), "blocks" one block per slot (RMSprop:
all velocities, then all momentums); with minicnn's name of each slot. A slot the
optimizer does not keep with its settings (SGD's momentum at 0, Adam's
velocity_hat without amsgrad) is in neither.
"""
import inspect
import warnings

import numpy as np

from minicnn import losses, optimizers
from minicnn.compat.keras.saving import layer_table, model_config
from minicnn.training.saving import checking, importing

_ADAM = [("interleaved", [("momentum", "m"), ("velocity", "v")]),
         ("blocks", [("velocity_hat", "v_hat")])]
# Keras optimizer -> [(group kind, [(Keras's slot, minicnn's slot)])] in Keras's order.
LAYOUTS = {"Adam": _ADAM, "AdamW": _ADAM,
           "Nadam": [("interleaved", [("momentum", "m"), ("velocity", "v")])],
           "Adamax": [("interleaved", [("momentum", "m"), ("norm", "u")])],
           "Adagrad": [("blocks", [("accumulator", "accumulator")])],
           "Adadelta": [("interleaved", [("accumulated_grad", "accumulated_grad"),
                                         ("accumulated_delta_var", "accumulated_delta_var")])],
           "SGD": [("blocks", [("momentum", "velocity")])],
           "RMSprop": [("blocks", [("velocity", "velocity"), ("momentum", "momentum"),
                                   ("average_gradient", "average_gradient")])]}
# Scalars Keras keeps after the slots: Nadam's product of its momentum factors, which
# minicnn works out from the step count (optimizers.Nadam.product).
SCALARS = {"Nadam": ["variable"]}
# Every optimizer's config in Keras 3, beyond its own settings; at these values they change nothing.
OPTIMIZER_COMMON = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None,
                    "gradient_accumulation_steps": None}
_BETAS = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07}
OPTIMIZER_OWN = {"Adam": {**_BETAS, "amsgrad": False},
                 "AdamW": {**_BETAS, "amsgrad": False},
                 "Nadam": dict(_BETAS), "Adamax": dict(_BETAS),
                 "Adagrad": {"initial_accumulator_value": 0.1, "epsilon": 1e-07},
                 "Adadelta": {"rho": 0.95, "epsilon": 1e-07},
                 "SGD": {"momentum": 0.0, "nesterov": False},
                 "RMSprop": {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": False}}
CLIPPING = ("clipnorm", "clipvalue", "global_clipnorm")
# Keras's loss classes' settings beyond name and reduction, with their defaults.
LOSS_CONFIG = {"CategoricalCrossentropy": {"from_logits": False, "label_smoothing": 0.0,
                                           "axis": -1},
               "SparseCategoricalCrossentropy": {"from_logits": False, "ignore_class": None},
               "BinaryCrossentropy": {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
               "MeanSquaredError": {}, "MeanAbsoluteError": {},
               "BinaryFocalCrossentropy": {"from_logits": False, "label_smoothing": 0.0,
                                           "axis": -1, "apply_class_balancing": False,
                                           "alpha": 0.25, "gamma": 2.0},
               "CategoricalFocalCrossentropy": {"from_logits": False, "label_smoothing": 0.0,
                                                "axis": -1, "alpha": 0.25, "gamma": 2.0}}


# -- minicnn -> Keras ------------------------------------------------------------------------
def compile_config(model):
    """Keras's compile_config of a compiled model ({} when it is not compiled)."""
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        return {}
    several = hasattr(model.loss, "losses")  # outputs.OutputsLoss: one loss per output
    weights = getattr(model.loss, "weights", None) if several else None
    return {"optimizer": optimizer_config(model.optimizer), "loss": loss_config(model.loss),
            "loss_weights": None if not weights or all(w == 1.0 for w in weights) else
            list(weights),
            "metrics": metrics_config(model, several),
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
            "jit_compile": False}


def metrics_config(model, several):
    """The metrics as Keras writes them: a list (one output), or one list per output
    (the outputs' losses fit logs are not metrics of their own)."""
    compiled = list(model.compiled_metrics)
    if not several:
        return [m for m in map(metric_config, compiled) if m is not None]
    per_output = [[] for _ in model.loss.losses]
    for metric in compiled:
        if type(metric).__name__ == "OutputMetric":
            made = metric_config(metric.metric)
            if made is not None:
                per_output[metric.index].append(made)
    return per_output if any(per_output) else None


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
    for key in CLIPPING:
        if own.get(key) is not None:
            config[key] = float(own[key])
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
        config = dict(rate.get("config") or {})
        if rate["class_name"] == "CosineDecay":
            config.setdefault("warmup_target", None)  # Keras writes it, null when not warming up
        return {"module": "keras.optimizers.schedules", "class_name": rate["class_name"],
                "config": config, "registered_name": None}
    raise ValueError(f"the learning rate {rate!r:.60} cannot be written for Keras")


def has_rate_variable(optimizer):
    """Keras keeps a fixed learning rate among the optimizer's variables, a schedule not."""
    return getattr(optimizer, "schedule", None) is None


def loss_config(loss):
    """Keras's name when the loss is one with default settings, else the serialized
    object; a list for a model of several outputs; Keras's own loss functions by name.
    A loss written in Python (a function, a Loss subclass) is refused: a Keras file
    holds no code, and minicnn never runs code from a file."""
    if hasattr(loss, "losses"):  # outputs.OutputsLoss
        return [None if one is None else loss_config(one) for one in loss.losses]
    class_name = type(loss).__name__
    if class_name == "LossFunction":
        name = keras_function_name(loss.function)
        if name is None:
            raise ValueError(written_in_python(loss))
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    if class_name not in LOSS_CONFIG:
        if class_name in {cls.__name__ for cls in losses.LOSSES.values()}:
            return loss.name  # minicnn's own (softmax_cross_entropy): by its name
        raise ValueError(written_in_python(loss))
    settings = {key: getattr(loss, key, default) for key, default in
                LOSS_CONFIG[class_name].items()}
    if getattr(loss, "options", None):  # the focal losses keep their settings so
        settings.update({k: v for k, v in loss.options.items() if k in settings})
    default_name = layer_table.to_snake_case(class_name)
    if loss.name == default_name and settings == LOSS_CONFIG[class_name]:
        return default_name
    return {"module": "keras.losses", "class_name": class_name,
            "config": {"name": loss.name, "reduction": "sum_over_batch_size", **settings},
            "registered_name": None}


def written_in_python(loss):
    return (f"the loss {loss.name!r} is written in Python (a function or a Loss subclass), "
            f"which a Keras file cannot hold (it holds no code, and loading runs none): "
            f"compile with a Keras loss by name or class (e.g. 'mse', "
            f"keras.losses.BinaryFocalCrossentropy()), or save with include_optimizer=False "
            f"and compile the loaded model again")


def keras_function_name(function):
    """Keras's name of one of its loss functions (keras.losses.mean_squared_error), or None."""
    from minicnn.compat.keras import losses as keras_losses
    return next((name for name, f in keras_losses.FUNCTIONS.items() if f is function), None)


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
    elif class_name in ("TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy"):
        config["k"] = int(getattr(metric, "k", 5))
    return {"module": "keras.metrics", "class_name": class_name, "config": config,
            "registered_name": None}


def probe_slots(optimizer):
    """The names of the arrays this optimizer keeps per parameter, with its settings."""
    try:
        return set(optimizer.update("probe", np.zeros(1), np.zeros(1), 1)[1])
    except Exception:  # an optimizer without the usual update(): no slots written
        return set()


def slot_order(optimizer, parameters):
    """[(key, parameter, Keras's slot, minicnn's slot)] of the optimizer's slot variables
    in Keras's order, for ``parameters`` [(key, parameter)] in Keras's order."""
    kept, order = probe_slots(optimizer), []
    for kind, slots in LAYOUTS.get(type(optimizer).__name__, []):
        slots = [(keras, own) for keras, own in slots if own in kept]
        order += ([(key, param, keras, own) for key, param in parameters for keras, own in slots]
                  if kind == "interleaved" else
                  [(key, param, keras, own) for keras, own in slots for key, param in parameters])
    return order


def scalar_names(optimizer):
    return SCALARS.get(type(optimizer).__name__, [])


def optimizer_variables(model):
    """Keras's optimizer variables of a compiled model: [iteration, learning_rate
    (unless a schedule), slots..., scalars...], zeros where the optimizer has no state yet."""
    optimizer = model.optimizer
    values = [np.array(int(optimizer.iterations), dtype=np.int64)]
    if has_rate_variable(optimizer):
        values.append(np.array(optimizer.learning_rate, dtype=np.float32))
    for key, param, _, own in slot_order(optimizer, model_config.keras_parameters(model)):
        values.append(np.asarray(optimizer.state.get((key, own), np.zeros_like(param))))
    if scalar_names(optimizer):  # Nadam's product of momentum factors after t steps
        values.append(np.array(optimizer.product(int(optimizer.iterations)), dtype=np.float32))
    return values


# -- Keras -> minicnn ------------------------------------------------------------------------
# Keras's class names read from a file are looked up in these tables only (never as an
# attribute of a module: a loss named "np" must not reach NumPy).
OPTIMIZER_CLASSES = {name: getattr(optimizers, name) for name in OPTIMIZER_OWN}


def loss_tables():
    """({Keras's loss class name: minicnn's class}, {Keras's loss function name: function})."""
    from minicnn.compat.keras import losses as keras_losses
    classes = {cls.__name__: cls for cls in losses.LOSSES.values()}
    classes.update(keras_losses.CLASSES)
    return classes, dict(keras_losses.FUNCTIONS)


def settings_from_config(config, where, entry="compile_config"):
    """(optimizer, loss, metrics, loss_weights) from Keras's compile config, every part
    checked and made (nothing needs the model yet); None when the file says nothing.
    loss and metrics keep the file's structure (one per output, as lists or dicts)."""
    if config is None or config == {}:
        return None
    if not isinstance(config, dict):
        raise ValueError(f"{where}: {entry} must be a JSON object, got {config!r:.80}")
    optimizer = optimizer_from_config(config.get("optimizer"), where, f"{entry}.optimizer")
    loss = per_output(config.get("loss"), loss_from_config, where, f"{entry}.loss")
    metrics = config.get("metrics") or []
    if not isinstance(metrics, (list, dict)):
        raise ValueError(f"{where}: {entry}.metrics must be a list, got {metrics!r:.80}")
    if isinstance(metrics, dict) or metrics and all(isinstance(m, list) or m is None
                                                    for m in metrics):
        made = per_output(metrics, lambda spec, w, e: metric_list(spec or [], w, e), where,
                          f"{entry}.metrics")
    else:
        made = metric_list(metrics, where, f"{entry}.metrics")
    weights = config.get("loss_weights")
    if weights is not None and not (
            isinstance(weights, (list, dict)) and all(
                isinstance(w, (int, float)) and not isinstance(w, bool) and np.isfinite(w)
                for w in (weights.values() if isinstance(weights, dict) else weights))):
        raise ValueError(f"{where}: {entry}.loss_weights must be a list or an object of "
                         f"finite numbers, got {weights!r:.80}")
    return optimizer, loss, made, weights


def per_output(spec, read, where, entry):
    """``read(spec)`` for one loss (or metrics), or for each output's: a list of them,
    or an object by output name (Keras's forms for models of several outputs)."""
    if isinstance(spec, list):
        return [None if one is None else read(one, where, f"{entry}[{i}]")
                for i, one in enumerate(spec)]
    if isinstance(spec, dict) and "class_name" not in spec:
        return {key: None if one is None else read(one, where, f"{entry}.{key}")
                for key, one in spec.items()}
    return read(spec, where, entry)


def metric_list(specs, where, entry):
    if not isinstance(specs, list):
        raise ValueError(f"{where}: {entry} must be a list, got {specs!r:.80}")
    return [m for m in (metric_from_config(spec, where, f"{entry}[{i}]")
                        for i, spec in enumerate(specs)) if m is not None]


def compile_from_settings(model, settings, where):
    """Compile ``model`` with settings_from_config's (optimizer, loss, metrics, loss_weights)."""
    optimizer, loss, made, weights = settings
    names = getattr(model, "symbolic_outputs", None) or [None]
    if len(names) == 1 and isinstance(made, list) and made and all(
            isinstance(m, list) for m in made):
        made = made[0]  # one output: its metrics
    try:
        model.compile(optimizer=optimizer, loss=loss, metrics=made,
                      **({"loss_weights": weights} if weights is not None else {}))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: compile_config: {error}") from None


def optimizer_from_config(spec, where, entry):
    """minicnn's optimizer of Keras's serialized one (OPTIMIZER_CLASSES); the settings
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
    accepted = set(checking.named_arguments(OPTIMIZER_CLASSES[class_name]))
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
    schedule's {"class_name", "config"} (the arguments minicnn's class takes; those
    Keras writes as null left to their defaults)."""
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
                                                 if k in accepted and v is not None}}


def loss_from_config(spec, where, entry):
    """minicnn's loss object of a Keras loss name, serialized loss, or Keras loss function."""
    classes, functions = loss_tables()
    if isinstance(spec, str):
        by_name = {layer_table.to_snake_case(name): cls for name, cls in classes.items()
                   if name in LOSS_CONFIG}
        if spec.lower() not in losses.LOSSES and spec in by_name:
            return by_name[spec]()  # "binary_focal_crossentropy": the class, as Keras reads it
        try:
            return losses.get(spec)
        except ValueError as error:
            raise ValueError(f"{where}: {entry}: {error}") from None
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: {entry} must be a loss name or a serialized loss, got "
                         f"{spec!r:.80}")
    class_name, config = spec.get("class_name"), spec.get("config") or {}
    if class_name == "function":  # a Keras loss function, by name
        if not isinstance(config, str) or config not in functions:
            raise ValueError(f"{where}: {entry}: the loss is Keras's function {config!r:.60}, "
                             f"which minicnn does not have (it has {', '.join(functions)})")
        return losses.get(functions[config])  # minicnn's LossFunction of Keras's function
    if class_name == "__lambda__" or (isinstance(class_name, str) and class_name not in classes
                                      and spec.get("module") not in ("keras.losses", None)):
        raise ValueError(f"{where}: {entry}: the loss is Python code ({class_name!r:.60}), "
                         f"which minicnn never runs from a file; load the model with "
                         f"compile=False and compile it again")
    if not isinstance(class_name, str) or class_name not in classes:
        raise ValueError(f"{where}: the model was compiled with Keras's {class_name!r:.60} loss, "
                         f"which minicnn does not have (it has {', '.join(sorted(classes))}; "
                         f"load it with compile=False)")
    if not isinstance(config, dict):
        raise ValueError(f"{where}: {entry}.config must be a JSON object, got {config!r:.80}")
    cls = classes[class_name]
    accepted = set(inspect.signature(cls).parameters)
    for key, default in {"reduction": "sum_over_batch_size", **LOSS_CONFIG.get(class_name, {})
                         }.items():
        if key not in accepted and config.get(key, default) != default:
            warnings.warn(f"{where}: the loss's {key}={config[key]!r:.60} is left out (minicnn's "
                          f"{class_name} computes with {key}={default!r})", stacklevel=4)
    try:
        return cls(**{k: v for k, v in config.items() if k in accepted})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {entry}: {error}") from None


def metric_from_config(spec, where, entry):
    """minicnn's metric of a Keras metric name or serialized metric; one minicnn
    does not have is left out with a warning (Keras files often name custom ones)."""
    from minicnn.training import metric_names

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
    if spec.lower() not in metric_names.NAMES:
        warnings.warn(f"{where}: the metric {spec!r:.60} is left out (minicnn has no such "
                      f"metric)", stacklevel=4)
        return None
    return metric_names.get(spec)


def optimizer_layout(optimizer, parameter_shapes):
    """The shapes of Keras's optimizer variables for ``optimizer`` on parameters of
    ``parameter_shapes`` (in Keras's order): [None (the step count), None (the learning
    rate, unless a schedule), slot shapes..., None per scalar]."""
    slots = slot_order(optimizer, [(i, shape) for i, shape in enumerate(parameter_shapes)])
    return ([None] * (1 + has_rate_variable(optimizer)) + [shape for _, shape, _, _ in slots]
            + [None] * len(scalar_names(optimizer)))


def set_optimizer_variables(model, values, where, names=None):
    """Restore Keras's optimizer variables into a compiled model's optimizer, each
    through the one import rule (training/saving/importing.py: a step count >= 0, a
    finite learning rate > 0, finite float slots and scalars); ``names``: the file's
    names of them, for the errors. When their number does not match (another
    optimizer, or one never stepped), the optimizer starts afresh, with a warning, as
    Keras does."""
    names = names or [f"the optimizer's variable {i}" for i in range(len(values))]
    optimizer = model.optimizer
    has_rate = has_rate_variable(optimizer)
    order = slot_order(optimizer, model_config.keras_parameters(model))
    scalars = scalar_names(optimizer)
    expected = 1 + has_rate + len(order) + len(scalars)
    if len(values) != expected:
        warnings.warn(f"{where}: the optimizer's state has {len(values)} variables, "
                      f"{type(optimizer).__name__} on this model keeps {expected}; the loaded "
                      f"model's optimizer starts afresh", stacklevel=4)
        return
    start = 1 + has_rate
    slots = values[start:start + len(order)]
    for (key, param, _, own), value in zip(order, slots):
        if np.shape(value) != param.shape:
            raise ValueError(f"{where}: the optimizer's {own} for {key} has shape "
                             f"{np.shape(value)}, the parameter {param.shape}")
    count = importing.imported_step_count(values[0], names[0], where)
    rate = importing.imported_learning_rate(values[1], names[1], where) if has_rate else None
    state = {(key, own): np.asarray(importing.imported_weight(
        value, f"{name} (the optimizer's {own} for {key})", where), dtype=param.dtype)
        for (key, param, _, own), value, name in zip(order, slots, names[start:])}
    for value, name in zip(values[start + len(order):], names[start + len(order):]):
        importing.imported_weight(value, f"{name} (the optimizer's {scalars[0]})", where)
    optimizer.iterations = count
    if has_rate and np.float32(optimizer.learning_rate) != np.float32(rate):
        optimizer.learning_rate = rate  # Keras keeps it in float32: same unless changed
    optimizer.state = state
