"""A minicnn model from Keras's model config (config.json, or the .h5's model_config),
in two steps, so that nothing is built before the whole file is checked:

1. ``plan_model(spec, where)`` reads the config and checks it: the JSON types of
   every entry the reader uses (naming the entry), the layer graph (each layer once,
   each name once: a walk that meets a layer twice stops), the input shape (whole
   numbers, at most MAX_ELEMENTS values per sample), and makes each layer as a new,
   *unbuilt* minicnn layer, which allocates nothing. It then works out every
   layer's weight shapes from the input shape (``Plan.weights``): the reader checks
   the weights file against them before anything is built or read.
2. ``build(plan)`` makes the minicnn model, built: its weights, of the checked
   shapes, are allocated only now.

minicnn reads Sequential models, functional models that are one chain of layers
(each called on the one before) and models used as layers. With each layer holding
weights comes where Keras keeps them in model.weights.h5
(``layers/<class name in snake case>[_k]``, as model_config.weight_children names them).

An input with free dimensions (``batch_shape`` [None, None, None, 3], Keras's
fully-convolutional models) is built at the size ``input_shape`` gives (a minicnn
model has one input size); without it, or when the weights would depend on the free
dimensions, a ValueError says so.

This is the one part of compat/keras/saving that builds models (it imports the
model classes); writing a file (writing.py) never imports it.
"""
import math
import warnings

from minicnn.compat.keras.saving import layer_table

MAX_MODELS_DEEP = 16        # models used as layers, inside one another
MAX_LAYERS = 10_000         # layers in one model
MAX_ELEMENTS = 2**31        # values per sample of the input and of every layer's output
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64", "mixed_float16", "mixed_bfloat16")


class Plan:
    """A model read from its config, not built: kind ("Sequential" or "Functional"),
    name, the declared per-sample input shape (None for a free dimension), the input
    layer's name, and ``children``: [(weights group path, unbuilt layer or Plan)].
    After ``fix_shape``: input_shape, output_shape and ``weights``:
    [(group path, layer, [shapes of its arrays in get_weights order], parameter count)]."""

    def __init__(self, kind, name, declared, input_name, children):
        self.kind, self.name, self.declared = kind, name, declared
        self.input_name, self.children = input_name, children
        self.input_shape = self.output_shape = None
        self.weights = []

    def trace(self, shape, where, prefix=""):
        """(output shape, weights) of the model on a per-sample input ``shape``."""
        self.input_shape, weights = tuple(shape), []
        for path, child in self.children:
            if isinstance(child, Plan):
                shape, inner = child.trace(shape, where, f"{prefix}{path}/")
                weights += inner
                continue
            try:
                params = [tuple(s) for s in child.param_shapes(shape).values()]
                state = [tuple(s) for s in child.state_shapes(shape).values()]
                shape = tuple(child.compute_output_shape(shape))
            except (ValueError, TypeError, OverflowError) as error:
                raise ValueError(f"{where}: layer {child.name!r} ({type(child).__name__}) on "
                                 f"inputs of shape {shape}: {error}") from None
            check_size(shape, where, f"the output of layer {child.name!r}")
            weights.append((f"{prefix}{path}", child, params + state, len(params)))
        self.output_shape = shape
        return shape, weights

    def fix_shape(self, where, input_shape=None):
        """Trace the model at its declared input shape, or at ``input_shape`` when the
        declared one has free dimensions; sets input_shape, output_shape, weights."""
        declared = self.declared
        free = [i for i, d in enumerate(declared) if d is None]
        if input_shape is not None:
            shape = per_sample(input_shape, f"{where}: input_shape")
            if len(shape) != len(declared) or any(
                    d is not None and d != s for d, s in zip(declared, shape)):
                raise ValueError(f"{where}: input_shape={shape} does not fit the model's input "
                                 f"shape {shown(declared)}")
        elif free:
            raise ValueError(free_dimensions_message(self, where))
        else:
            shape = declared
        check_size(shape, where, "the model's input")
        _, self.weights = self.trace(shape, where)
        if free:
            # the weights must not depend on the free dimensions (Flatten then Dense would)
            other = tuple(s + 7 if d is None else s for d, s in zip(declared, shape))
            try:
                _, weights = self.trace(other, where)
            except ValueError:
                weights = None
            if weights is None or [w[2] for w in weights] != [w[2] for w in self.weights]:
                raise ValueError(f"{where}: the model's input shape is {shown(declared)} (free "
                                 f"dimensions), and its weights depend on them (a layer such as "
                                 f"Dense after Flatten); minicnn cannot read it")
            self.trace(shape, where)  # the children's shapes again at the size asked for


def free_dimensions_message(plan, where):
    example = tuple(224 if d is None else d for d in plan.declared)
    return (f"{where}: the model takes inputs of shape {shown(plan.declared)} (None: any size, "
            f"a fully-convolutional model); a minicnn model is built for one input size: load "
            f"it with input_shape=, e.g. minicnn.compat.keras.saving.load_model(path, "
            f"input_shape={example})")


def shown(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def check_size(shape, where, what):
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(f"{where}: {what} has shape {tuple(shape)}, {math.prod(shape):,} values "
                         f"per sample; minicnn reads models of at most {MAX_ELEMENTS:,}")


def per_sample(shape, where):
    """A per-sample shape given by the caller: a tuple of positive ints."""
    if (not isinstance(shape, (list, tuple)) or not shape
            or not all(is_int(d) and d > 0 for d in shape)):
        raise ValueError(f"{where} must be a tuple of positive ints (height, width, channels), "
                         f"got {shape!r}")
    return tuple(int(d) for d in shape)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


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
    if class_name == "Sequential":
        layers = [(e, n) for e, n in zip(entries, names) if e["class_name"] != "InputLayer"]
        declared = sequential_input_shape(spec, entries, where, entry)
        input_name = None
    elif class_name in ("Functional", "Model"):
        input_entry, layers = functional_chain(config, entries, names, where, entry)
        declared = input_shape_from(input_entry.get("config", {}), where,
                                    f"{entry}: layer {input_entry_name(input_entry)!r}")
        input_name = input_entry_name(input_entry)
    else:
        raise ValueError(f"{where}: the model is a Keras {class_name}; minicnn reads Sequential "
                         f"models and functional chains of layers")
    if depth == 0 and declared is None:
        raise ValueError(f"{where}: the model's config gives no input shape (no InputLayer); "
                         f"minicnn needs it to build the model")
    if class_name != "Sequential":
        check_dtype(input_entry.get("config", {}), where, f"{entry}: the input layer")
    children, used = [], {"input_layer": 0} if class_name != "Sequential" else {}
    for item, name in layers:
        kind = item["class_name"]
        base = layer_table.to_snake_case("Functional" if kind == "Model" else kind)
        count = used.get(base, -1) + 1
        used[base] = count
        path = f"layers/{base if count == 0 else f'{base}_{count}'}"
        if kind in layer_table.MODEL_CLASSES:
            children.append((path, plan_model(item, where, None, f"{entry}: layer {name!r}",
                                              depth + 1)))
        elif kind == "InputLayer":
            raise ValueError(f"{where}: {entry}: layer {name!r} is an InputLayer inside the "
                             f"chain; minicnn reads models with one input")
        else:
            layer_config = dict(item.get("config", {}))
            layer_config.setdefault("name", name)
            check_dtype(layer_config, where, f"{entry}: layer {name!r}")
            children.append((path, layer_table.layer_from_config(kind, layer_config, where)))
    name = config.get("name")
    name = string(name, where, f"{entry}: config.name") if name is not None else \
        layer_table.to_snake_case(class_name)
    plan = Plan("Sequential" if class_name == "Sequential" else "Functional", name,
                declared, input_name, children)
    if depth == 0:
        plan.fix_shape(where, input_shape)
    return plan


def obj(value, where, entry):
    if not isinstance(value, dict):
        raise ValueError(f"{where}: {entry} must be a JSON object, got {kind_of(value)}")
    return value


def array(value, where, entry):
    if not isinstance(value, list):
        raise ValueError(f"{where}: {entry} must be a JSON list, got {kind_of(value)}")
    return value


def string(value, where, entry):
    if not isinstance(value, str):
        raise ValueError(f"{where}: {entry} must be a string, got {kind_of(value)}")
    return value


def kind_of(value):
    return f"{type(value).__name__} {value!r:.60}"


def entry_name(item):
    """A layer entry's name: Keras 3 writes it beside the config, Keras 2 inside."""
    return item.get("name") if item.get("name") is not None else item.get("config", {}).get("name")


input_entry_name = entry_name


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


def input_shape_from(config, where, entry):
    """The per-sample shape an InputLayer's (or a first layer's) config declares
    (None for a free dimension), or None when it declares none."""
    for key in ("batch_shape", "batch_input_shape"):
        if key in config and config[key] is not None:
            declared = array(config[key], where, f"{entry}: {key}")
            if not declared:
                raise ValueError(f"{where}: {entry}: {key} is empty")
            dims = declared[1:]
            if not dims or not all(d is None or (is_int(d) and d > 0) for d in dims):
                raise ValueError(f"{where}: {entry}: {key} must be [None, then positive ints "
                                 f"or None], got {declared!r:.80}")
            return tuple(dims)
    return None


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


def check_dtype(config, where, entry):
    """A layer's dtype (a name or Keras's DTypePolicy) must be a float type."""
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name") if isinstance(
            dtype.get("config"), dict) else dtype.get("config")
    if dtype is not None and dtype not in FLOAT_DTYPES:
        raise ValueError(f"{where}: {entry} has dtype {dtype!r:.60}; minicnn's models compute in "
                         f"floats ({', '.join(FLOAT_DTYPES)})")


def inbound_names(item, name, where, entry):
    """The names of the layers an entry of a Functional config is called on
    (Keras 3's {"args": [...]} nodes, or Keras 2's [[name, 0, 0, {}]] lists)."""
    nodes = array(item.get("inbound_nodes") or [], where, f"{entry}: layer {name!r} inbound_nodes")
    if len(nodes) > 1:
        raise ValueError(f"{where}: layer {name!r} is called {len(nodes)} times (a shared "
                         f"layer); minicnn reads functional models that are one chain")
    if not nodes:
        return []
    node, shown_entry = nodes[0], f"{entry}: layer {name!r} inbound_nodes[0]"
    if isinstance(node, dict):
        kwargs = node.get("kwargs") or {}
        obj(kwargs, where, f"{shown_entry}.kwargs")
        extra = {k: v for k, v in kwargs.items() if v is not None}
        if extra:
            raise ValueError(f"{where}: layer {name!r} is called with {extra!r:.80}; minicnn "
                             f"reads layers called on their input alone")
        tensors = array(node.get("args", []), where, f"{shown_entry}.args")
        if len(tensors) == 1 and isinstance(tensors[0], list):
            tensors = tensors[0]  # a layer called on a list of tensors (a merge)
        sources = []
        for tensor in tensors:
            config = tensor.get("config") if isinstance(tensor, dict) else None
            if isinstance(config, dict) and "keras_history" in config:
                history = array(config["keras_history"], where, f"{shown_entry} keras_history")
                sources.append(string(history[0] if history else None, where,
                                      f"{shown_entry} keras_history[0]"))
        return sources
    items = array(node, where, shown_entry)
    return [string(array(item, where, shown_entry)[0] if item else None, where,
                   f"{shown_entry}: a layer's name") for item in items]


def end_names(value, where, entry):
    """input_layers / output_layers: [name, 0, 0] or [[name, 0, 0], ...] -> [name, ...]."""
    value = array(value, where, entry)
    items = value if value and isinstance(value[0], list) else [value]
    return [string(array(item, where, entry)[0] if item else None, where, f"{entry}: a name")
            for item in items]


def functional_chain(config, entries, names, where, entry):
    """(the InputLayer entry, [(entry, name)] in the order they are called) of a
    Functional config that is one chain; a ValueError for any other graph. The walk
    from the input visits each layer at most once."""
    by_name = dict(zip(names, entries))
    inputs = end_names(config.get("input_layers"), where, f"{entry}: config.input_layers")
    outputs = end_names(config.get("output_layers"), where, f"{entry}: config.output_layers")
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"{where}: the model has {len(inputs)} inputs and {len(outputs)} "
                         f"outputs; minicnn reads models with one input and one output")
    consumers = {}
    for item, name in zip(entries, names):
        sources = inbound_names(item, name, where, entry)
        if len(sources) > 1:
            raise ValueError(f"{where}: layer {name!r} ({item.get('class_name')}) takes "
                             f"{len(sources)} inputs (a merge, e.g. a residual connection); "
                             f"minicnn reads functional models that are one chain of layers")
        for source in sources:
            if source in consumers:
                raise ValueError(f"{where}: the output of {source!r} goes to both "
                                 f"{consumers[source]!r} and {name!r} (a branch); minicnn "
                                 f"reads functional models that are one chain of layers")
            consumers[source] = name
    start = inputs[0]
    if start not in by_name:
        raise ValueError(f"{where}: the input layer {start!r} is not among the model's layers")
    chain, current, seen = [], start, {start}
    while current in consumers:
        current = consumers[current]
        if current in seen or current not in by_name:
            raise ValueError(f"{where}: the layers do not form one chain from {start!r}: "
                             f"{current!r} {'comes back' if current in seen else 'is not a layer'}"
                             f"; minicnn reads functional models that are one chain of layers")
        seen.add(current)
        chain.append((by_name[current], current))
    if current != outputs[0] or len(chain) != len(entries) - 1:
        raise ValueError(f"{where}: the layers do not form one chain from {start!r} "
                         f"to {outputs[0]!r}; minicnn reads functional models that are "
                         f"one chain of layers")
    return by_name[start], chain


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
    return new_functional(children, plan.name, plan.input_shape, plan.input_name, where)


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


def new_functional(children, name, shape, input_name, where):
    """A functional model: Input, then each layer called on the one before, as
    Keras's Functional API builds it; where this minicnn has no Functional API, a
    Sequential of the same layers (the same predictions)."""
    try:
        from minicnn.compat.functional import Model
        from minicnn.training.symbolic import Input

        x = inputs = Input(shape=shape, name=input_name)
        for child in children:
            x = child(x)
        return Model(inputs=inputs, outputs=x, name=name)
    except (TypeError, AttributeError, ValueError, ImportError):
        warnings.warn(f"{where}: the functional model {name!r} is read as a Sequential of its "
                      f"layers (this minicnn has no Functional API for it)", stacklevel=4)
        return new_sequential(children, name, shape, where)
