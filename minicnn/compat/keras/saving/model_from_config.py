"""A minicnn model from Keras's model config (config.json, or the .h5's model_config),
in two steps, so that nothing is built before the whole file is checked:

1. ``plan_model(spec, where)`` reads the config and checks it (with plan.py's checks): the JSON types of
   every entry the reader uses (naming the entry), the layer graph (each layer once,
   each name once, each call once: a walk that meets a call again on its own way
   back stops, graph_order.py), the input shape (whole
   numbers, at most MAX_ELEMENTS values per sample), and makes each layer as a new,
   *unbuilt* minicnn layer, which allocates nothing. It then works out every
   layer's weight shapes from the input shape (``Plan.weights``): the reader checks
   the weights file against them before anything is built or read.
2. ``build(plan)`` makes the minicnn model, built: its weights, of the checked
   shapes, are allocated only now.

minicnn reads Sequential models, functional models (any graph of layer calls: merges,
several inputs and outputs, shared layers; graph_plan.py) and models used as layers,
except layers that hold Python code (Lambda). With each layer holding
weights comes where Keras keeps them in model.weights.h5
(``layers/<class name in snake case>[_k]``, as model_config.weight_children names them).

An input with free dimensions (``batch_shape`` [None, None, None, 3], Keras's
fully-convolutional models) is built at the size ``input_shape`` gives (a minicnn
model has one input size); without it, or when the weights would depend on the free
dimensions, a ValueError says so.

This is the one part of compat/keras/saving that builds models (it imports the
model classes); writing a file (writing.py) never imports it.
"""
import warnings

from minicnn.compat.keras.saving import graph_plan, layer_table
from minicnn.compat.keras.saving.plan import (MAX_LAYERS, MAX_MODELS_DEEP, Plan, array,
                                              check_dtype, input_shape_from, obj, string)


# -- reading and checking the config -----------------------------------------------------------
def plan_model(spec, where, input_shape=None, entry="the model config", depth=0):
    """A Plan (traced when ``depth`` is 0) from Keras's serialized model; a
    ValueError naming the file and the entry for anything minicnn cannot read."""
    if depth > MAX_MODELS_DEEP:
        raise ValueError(f"{where}: {entry}: models nested more than {MAX_MODELS_DEEP} deep")
    spec = obj(spec, where, entry)
    class_name = string(spec.get("class_name"), where, f"{entry}: class_name")
    config = obj(spec.get("config"), where, f"{entry}: config")
    entries = array(config.get("layers", []), where, f"{entry}: config.layers")
    if len(entries) > MAX_LAYERS:
        raise ValueError(f"{where}: {entry} has {len(entries):,} layers; minicnn reads at most "
                         f"{MAX_LAYERS:,}")
    for i, item in enumerate(entries):
        obj(item, where, f"{entry}: layer {i}")
        string(item.get("class_name"), where, f"{entry}: layer {i} class_name")
        obj(item.get("config", {}), where, f"{entry}: layer {i} config")
    names = unique_names(entries, where, entry)
    name = config.get("name")
    name = string(name, where, f"{entry}: config.name") if name is not None else \
        layer_table.to_snake_case(class_name)
    if class_name in ("Functional", "Model"):
        plan = graph_model(config, entries, names, name, where, entry, depth)
    elif class_name == "Sequential":
        layers = [(e, n) for e, n in zip(entries, names) if e["class_name"] != "InputLayer"]
        declared = sequential_input_shape(spec, entries, where, entry)
        if depth == 0 and declared is None:
            raise ValueError(f"{where}: the model's config gives no input shape (no "
                             f"InputLayer); minicnn needs it to build the model")
        plan = Plan("Sequential", name, declared, None,
                    children(layers, {}, where, entry, depth))
    else:
        raise ValueError(f"{where}: the model is a Keras {class_name}; minicnn reads Sequential "
                         f"and functional models")
    if depth == 0:
        plan.fix_shape(where, input_shape)
    return plan


def graph_model(config, entries, names, name, where, entry, depth):
    """A GraphPlan of a Functional config (graph_plan.py): its graph checked first, then
    its layers made, unbuilt, in Keras's order of the model's layers."""
    graph = graph_plan.read_graph(config, entries, names, where, entry)
    by_name = dict(zip(names, entries))
    ordered = [(by_name[n], n) for n in graph["order"]]
    made = children(ordered, {}, where, entry, depth)
    kept = [(child, n) for child, (item, n) in zip(made, ordered)
            if item["class_name"] != "InputLayer"]
    return graph_plan.GraphPlan(name, graph, [c for c, _ in kept], [n for _, n in kept])


def children(layers, used, where, entry, depth):
    """[(weights group path, unbuilt layer or Plan)] of [(layer entry, name)], the
    paths numbered per class as Keras numbers them (an InputLayer takes a number too,
    and gives (path, None))."""
    made = []
    for item, name in layers:
        kind = item["class_name"]
        base = ("input_layer" if kind == "InputLayer" else
                layer_table.to_snake_case("Functional" if kind == "Model" else kind))
        count = used.get(base, -1) + 1
        used[base] = count
        path = f"layers/{base if count == 0 else f'{base}_{count}'}"
        if kind == "InputLayer":
            made.append((path, None))
        elif kind in layer_table.MODEL_CLASSES:
            made.append((path, plan_model(item, where, None, f"{entry}: layer {name!r}",
                                          depth + 1)))
        else:
            layer_config = dict(item.get("config", {}))
            layer_config.setdefault("name", name)
            check_dtype(layer_config, where, f"{entry}: layer {name!r}")
            made.append((path, layer_table.layer_from_config(kind, layer_config, where)))
    return made


def entry_name(item):
    """A layer entry's name: Keras 3 writes it beside the config, Keras 2 inside."""
    return item.get("name") if item.get("name") is not None else item.get("config", {}).get("name")


def unique_names(entries, where, entry):
    """Each layer's name (a string), none twice (Keras refuses two layers of one name)."""
    names, seen = [], set()
    for i, item in enumerate(entries):
        name = entry_name(item)
        if name is None:
            name = f"{layer_table.to_snake_case(item['class_name'])}_{i}"
        string(name, where, f"{entry}: layer {i} name")
        if name in seen:
            raise ValueError(f"{where}: {entry}: two layers are named {name!r}; a Keras model's "
                             f"layers have one name each")
        seen.add(name)
        names.append(name)
    return names


def sequential_input_shape(spec, entries, where, entry):
    for i, item in enumerate(entries):
        shape = input_shape_from(item.get("config", {}), where, f"{entry}: layer {i}")
        if shape is not None:
            if item["class_name"] == "InputLayer":
                check_dtype(item.get("config", {}), where, f"{entry}: layer {i}")
            return shape
    build = spec.get("build_config")
    for key, declared in (("config.build_input_shape", spec["config"].get("build_input_shape")),
                          ("build_config.input_shape",
                           build.get("input_shape") if isinstance(build, dict) else None)):
        if declared is not None:
            return input_shape_from({"batch_shape": declared}, where, f"{entry}: {key}")
    return None


# -- building ---------------------------------------------------------------------------------
def build(plan, where):
    """The built minicnn model of a traced Plan, and [(group path, layer)] of its
    layers that hold weights (their arrays allocated now, of the checked shapes)."""
    model = _build(plan, where)
    return model, [(path, layer) for path, layer, shapes, _ in plan.weights if shapes]


def _build(plan, where):
    children = [_build(child, where) if isinstance(child, Plan) else child
                for _, child in plan.children]
    if plan.kind == "Sequential":
        return new_sequential(children, plan.name, plan.input_shape, where)
    return graph_plan.build_graph(plan, children, where)


def new_sequential(children, name, shape, where):
    """A built Sequential of ``children`` (layers, or models used as layers)."""
    from minicnn.training.trainer import Sequential

    try:
        model = Sequential(children, name=name)
    except TypeError:  # this minicnn's Sequential takes no model as a layer: its layers then
        warnings.warn(f"{where}: a model inside {name!r} is read as its layers, in line "
                      f"(this minicnn has no models used as layers)", stacklevel=4)
        model = Sequential(flattened(children), name=name)
    except ValueError as error:
        raise ValueError(f"{where}: model {name!r}: {error}") from None
    model.build(shape)
    return model


def flattened(children):
    from minicnn.compat.keras.saving.model_config import is_model
    return [layer for child in children
            for layer in (flattened(child.layers) if is_model(child) else [child])]
