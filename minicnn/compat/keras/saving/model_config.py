"""A minicnn model's architecture as Keras's config (config.json, or the .h5's model_config).

Keras's Sequential config lists an InputLayer (its ``batch_shape``) and then the
layers; a Functional config lists every layer with the layers it is called on
(``inbound_nodes``); a model used as a layer is a config inside the config.
model_from_config.py reads them back.

Keras keeps each layer's weights in model.weights.h5 under
``layers/<class name in snake case>[_k]``, numbered per model in the order of
``model.layers`` (not by the layer's name), nested models recursing
(``layers/sequential/layers/dense``): ``weight_children`` names them.
"""
from minicnn.compat.keras.saving import graph_config, layer_table

SEQUENTIAL_MODULE, FUNCTIONAL_MODULE = "keras", "keras.src.models.functional"


# -- minicnn -> Keras ------------------------------------------------------------------------
def is_model(obj):
    """A model (it holds layers), as opposed to a layer."""
    return isinstance(getattr(obj, "layers", None), list)


def is_input_layer(obj):
    return type(obj).__name__ == layer_table.INPUT_LAYER


def model_kind(model):
    """"Sequential" or "Functional" (Keras's class names in files)."""
    if type(model).__name__ == "Sequential":
        return "Sequential"
    if hasattr(model, "source") and not hasattr(model, "input_shape"):
        raise ValueError(f"{model.name}: a sub-model of another model's layers cannot be saved "
                         f"on its own; save the whole model")
    if hasattr(model, "graph") and model.graph is None:
        raise ValueError(f"{model.name} ({type(model).__name__}): a subclassed keras.Model (its "
                         f"call written in Python) cannot be written to a Keras file, which "
                         f"holds no code; save its weights, model.save_weights("
                         f"\"model.weights.h5\"), and rebuild the model in code, or build it "
                         f"with the functional API (keras.Input, keras.Model(inputs, outputs))")
    return "Functional"


def keras_layers(model):
    """The model's layers in the order of Keras's ``model.layers`` (which numbers the
    weight groups and orders the optimizer's slots): a graph's as Keras orders it."""
    if graph_config.is_graph(model):
        return graph_config.keras_layers(model)
    return list(model.layers)


def keras_parameters(model):
    """[(key, parameter)] of the model's trainable parameters in Keras's order (its
    layers' in keras_layers order, models used as layers recursing): the order of
    Keras's optimizer slots. Falls back to ``model.parameters()`` where the two do
    not list the same parameters."""
    own = [(key, param) for key, param, _ in model.parameters()]
    ordered, seen = [], set()
    for layer in flat_layers(model):
        for variable in getattr(layer, "trainable_variables", []):
            if variable.key not in seen:
                seen.add(variable.key)
                ordered.append((variable.key, variable.value))
    return ordered if sorted(k for k, _ in ordered) == sorted(k for k, _ in own) else own


def flat_layers(obj):
    """The layers of a model in Keras's order (or [obj] for a layer), models used as
    layers giving their own."""
    if not is_model(obj):
        return [obj]
    return [layer for child in keras_layers(obj) if not is_input_layer(child)
            for layer in flat_layers(child)]


def per_sample_shape(shape):
    """A shape without the batch axis (minicnn stores it so; Keras adds None in front)."""
    shape = tuple(shape)
    return shape[1:] if shape and shape[0] is None else shape


def weight_children(model):
    """[(group name, child)] of a model's layers as model.weights.h5 names them:
    Keras's class name in snake case, numbered _1, _2... per model."""
    used, children = {}, []
    for child in keras_layers(model):
        if is_input_layer(child):
            base = "input_layer"
        elif is_model(child):
            base = layer_table.to_snake_case(model_kind(child))
        else:
            base = layer_table.to_snake_case(layer_table.keras_class_of(child))
        count = used.get(base, -1) + 1
        used[base] = count
        children.append((base if count == 0 else f"{base}_{count}", child))
    return children


def model_to_config(model, legacy=False):
    """Keras's serialized model: {"module", "class_name", "config", "registered_name",
    "build_config"} (compile_config is added by the caller). ``legacy``: the .h5
    form (layer entries without module and registered_name)."""
    kind = model_kind(model)
    if graph_config.is_graph(model):
        spec = graph_config.graph_to_config(model, lambda child: child_config(
            child, model.dtype, legacy))
        return strip_legacy(spec) if legacy else spec
    dtype = model.dtype
    shape = list(per_sample_shape(model.input_shape))
    layers, previous, input_name = [], None, "input_layer"
    for child in model.layers:
        if is_input_layer(child):
            input_name = child.name
    input_entry = {"module": "keras.layers", "class_name": "InputLayer",
                   "config": {"batch_shape": [None] + shape, "dtype": dtype.name, "sparse": False,
                              "ragged": False, "name": input_name, "optional": False},
                   "registered_name": None}
    if kind == "Functional":
        input_entry.update({"name": input_name, "inbound_nodes": []})
    layers.append(input_entry)
    previous, previous_shape = input_name, shape
    for child in model.layers:
        if is_input_layer(child):
            continue
        entry = child_config(child, dtype, legacy)
        entry["build_config"] = {"input_shape": [None] + list(previous_shape)}
        if kind == "Functional":
            entry["name"] = child.name
            entry["inbound_nodes"] = [{"args": [{"class_name": "__keras_tensor__", "config": {
                "shape": [None] + list(previous_shape), "dtype": dtype.name,
                "keras_history": [previous, 0, 0]}}], "kwargs": {}}]
        layers.append(entry)
        previous, previous_shape = child.name, list(per_sample_shape(child.per_sample_output_shape))
    config = {"name": model.name, "trainable": True, "layers": layers}
    if kind == "Sequential":
        config["dtype"] = layer_table.dtype_policy(dtype)
        config["build_input_shape"] = [None] + shape
        spec = {"module": SEQUENTIAL_MODULE, "class_name": "Sequential", "config": config,
                "registered_name": None, "build_config": {"input_shape": [None] + shape}}
    else:
        config["input_layers"] = [input_name, 0, 0]
        config["output_layers"] = [previous, 0, 0]
        spec = {"module": FUNCTIONAL_MODULE, "class_name": "Functional", "config": config,
                "registered_name": "Functional", "build_config": {"input_shape": None}}
    if legacy:
        spec = strip_legacy(spec)
    return spec


def child_config(child, dtype, legacy):
    if is_model(child):
        entry = model_to_config(child, legacy)
        entry["compile_config"] = {}
        return entry
    class_name, config = layer_table.layer_to_config(child, dtype)
    return {"module": "keras.layers", "class_name": class_name, "config": config,
            "registered_name": None}


def strip_legacy(spec):
    """The legacy .h5 form of a model's config: only class_name and config per
    entry, as Keras writes model_config into .h5 files."""
    config = dict(spec["config"])
    config["layers"] = [strip_legacy(entry) if entry["class_name"] in layer_table.MODEL_CLASSES
                        else {k: v for k, v in entry.items()
                              if k not in ("module", "registered_name", "build_config")}
                        for entry in config["layers"]]
    return {"class_name": spec["class_name"], "config": config}
