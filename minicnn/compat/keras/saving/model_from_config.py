"""A minicnn model from Keras's model config (config.json, or the .h5's model_config).

minicnn reads Sequential models, functional models that are one chain of layers
(each called on the one before) and models used as layers. With the model comes,
for each layer holding weights, where Keras keeps them in model.weights.h5
(``layers/<class name in snake case>[_k]``, as model_config.weight_children names them).

This is the one part of compat/keras/saving that builds models (it imports the
model classes); writing a file (writing.py) never imports it.
"""
import warnings

from minicnn.compat.keras.saving import layer_table
from minicnn.compat.keras.saving.model_config import is_model


def model_from_config(spec, where):
    """(a built minicnn model, [(h5 group path, layer) for every layer with weights])
    from Keras's serialized model; a ValueError naming the file and the layer
    minicnn cannot represent."""
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise ValueError(f"{where}: the model's config is not a Keras model config")
    class_name, config = spec.get("class_name"), spec["config"]
    if class_name == "Sequential":
        entries = [e for e in config.get("layers", []) if e.get("class_name") != "InputLayer"]
        shape = sequential_input_shape(spec, where)
        input_name = None
    elif class_name in ("Functional", "Model"):
        input_entry, entries = functional_chain(config, where)
        shape = input_shape_from(input_entry.get("config", {}))
        input_name = input_entry.get("config", {}).get("name") or input_entry.get("name")
    else:
        raise ValueError(f"{where}: the model is a Keras {class_name}; minicnn reads Sequential "
                         f"models and functional chains of layers")
    if shape is None:
        raise ValueError(f"{where}: the model's config gives no input shape (no InputLayer); "
                         f"minicnn needs it to build the model")
    children, paths, used = [], [], {}
    if class_name != "Sequential":
        used["input_layer"] = 0  # a Functional model's layers start with its InputLayer
    for entry in entries:
        kind = entry.get("class_name")
        base = layer_table.to_snake_case("Functional" if kind == "Model" else kind)
        count = used.get(base, -1) + 1
        used[base] = count
        path = f"layers/{base if count == 0 else f'{base}_{count}'}"
        if kind in layer_table.MODEL_CLASSES:
            inner, inner_paths = model_from_config(entry, where)
            children.append(inner)
            paths += [(f"{path}/{inner_path}", layer) for inner_path, layer in inner_paths]
        else:
            layer = layer_table.layer_from_config(kind, entry.get("config", {}), where)
            children.append(layer)
            paths.append((path, layer))
    name = config.get("name") or layer_table.to_snake_case(class_name)
    if class_name == "Sequential":
        model = new_sequential(children, name, shape, where)
    else:
        model = new_functional(children, name, shape, input_name, where)
    return model, paths


def input_shape_from(config):
    """The per-sample shape an InputLayer's (or a first layer's) config declares, or None."""
    for key in ("batch_shape", "batch_input_shape"):
        if isinstance(config.get(key), list):
            return tuple(int(d) for d in config[key][1:])
    return None


def sequential_input_shape(spec, where):
    config = spec["config"]
    for entry in config.get("layers", []):
        shape = input_shape_from(entry.get("config", {}))
        if shape is not None:
            return shape
    for declared in (config.get("build_input_shape"),
                     (spec.get("build_config") or {}).get("input_shape")):
        if isinstance(declared, list) and declared:
            return tuple(int(d) for d in declared[1:])
    return None


def inbound_names(entry, where):
    """The names of the layers an entry of a Functional config is called on
    (Keras 3's {"args": [...]} nodes, or Keras 2's [[name, 0, 0, {}]] lists)."""
    nodes = entry.get("inbound_nodes") or []
    name = entry.get("name") or entry.get("config", {}).get("name")
    if len(nodes) > 1:
        raise ValueError(f"{where}: layer {name!r} is called {len(nodes)} times (a shared "
                         f"layer); minicnn reads functional models that are one chain")
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):
        extra = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None}
        if extra:
            raise ValueError(f"{where}: layer {name!r} is called with {extra!r:.80}; minicnn "
                             f"reads layers called on their input alone")
        tensors = [arg for arg in node.get("args", [])]
        if len(tensors) == 1 and isinstance(tensors[0], list):
            tensors = tensors[0]  # a layer called on a list of tensors (a merge)
        return [t["config"]["keras_history"][0] for t in tensors
                if isinstance(t, dict) and "keras_history" in t.get("config", {})]
    return [item[0] for item in node]


def functional_chain(config, where):
    """(the InputLayer entry, the other entries in the order they are called)
    of a Functional config that is one chain; a ValueError for any other graph."""
    entries = config.get("layers", [])
    by_name = {e.get("name") or e.get("config", {}).get("name"): e for e in entries}
    inputs, outputs = config.get("input_layers"), config.get("output_layers")
    inputs = inputs if inputs and isinstance(inputs[0], list) else [inputs]
    outputs = outputs if outputs and isinstance(outputs[0], list) else [outputs]
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"{where}: the model has {len(inputs)} inputs and {len(outputs)} "
                         f"outputs; minicnn reads models with one input and one output")
    consumers = {}
    for entry in entries:
        sources = inbound_names(entry, where)
        name = entry.get("name") or entry.get("config", {}).get("name")
        if len(sources) > 1:
            raise ValueError(f"{where}: layer {name!r} ({entry.get('class_name')}) takes "
                             f"{len(sources)} inputs (a merge, e.g. a residual connection); "
                             f"minicnn reads functional models that are one chain of layers")
        for source in sources:
            if source in consumers:
                raise ValueError(f"{where}: the output of {source!r} goes to both "
                                 f"{consumers[source]!r} and {name!r} (a branch); minicnn "
                                 f"reads functional models that are one chain of layers")
            consumers[source] = name
    chain, current = [], inputs[0][0]
    if current not in by_name:
        raise ValueError(f"{where}: the input layer {current!r} is not among the model's layers")
    while current in consumers:
        current = consumers[current]
        chain.append(by_name[current])
    if current != outputs[0][0] or len(chain) != len(entries) - 1:
        raise ValueError(f"{where}: the layers do not form one chain from {inputs[0][0]!r} "
                         f"to {outputs[0][0]!r}; minicnn reads functional models that are "
                         f"one chain of layers")
    return by_name[inputs[0][0]], chain


def new_sequential(children, name, shape, where):
    """A built Sequential of ``children`` (layers, or models used as layers)."""
    from minicnn.training.trainer import Sequential

    try:
        model = Sequential(children, name=name)
    except TypeError:  # this minicnn's Sequential takes no model as a layer: its layers then
        warnings.warn(f"{where}: a model inside {name!r} is read as its layers, in line "
                      f"(this minicnn has no models used as layers)", stacklevel=4)
        model = Sequential(flattened(children), name=name)
    model.build(shape)
    return model


def flattened(children):
    return [layer for child in children
            for layer in (flattened(child.layers) if is_model(child) else [child])]


def new_functional(children, name, shape, input_name, where):
    """A functional model: Input, then each layer called on the one before, as
    Keras's Functional API builds it; where this minicnn has no Functional API, a
    Sequential of the same layers (the same predictions)."""
    try:
        from minicnn.compat.functional import Model
        from minicnn.layers import Input

        x = inputs = Input(shape=shape, name=input_name)
        for child in children:
            x = child(x)
        return Model(inputs=inputs, outputs=x, name=name)
    except (TypeError, AttributeError, ValueError, ImportError):
        warnings.warn(f"{where}: the functional model {name!r} is read as a Sequential of its "
                      f"layers (this minicnn has no Functional API for it)", stacklevel=4)
        return new_sequential(children, name, shape, where)
