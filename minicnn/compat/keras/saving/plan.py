"""What a Keras model config is checked against before anything is built: the Plan of a
model (its layers made unbuilt, their output and weight shapes traced from the input
shape), the limits on its size, and the checks of the config's JSON types that name
the entry at fault. model_from_config.py and graph_plan.py read configs with them."""
import math

from minicnn.compat.keras.saving import layer_table

MAX_MODELS_DEEP = 16        # models used as layers, inside one another
MAX_LAYERS = 10_000         # layers in one model
MAX_ELEMENTS = 2**31        # values per sample of the input and of every layer's output
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64", "mixed_float16", "mixed_bfloat16")



class Plan:
    """A model read from its config, not built: kind ("Sequential", or "Graph" for a
    functional model: graph_plan.GraphPlan),
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
                params, state = stored_arrays(child, shape)
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


def stored_arrays(layer, shape):
    """([parameter shapes], [state shapes]) a Keras file holds for an unbuilt layer on
    inputs of ``shape`` (worked out, nothing allocated; layer_table.stored_shapes)."""
    params, state = layer_table.stored_shapes(layer, layer.param_shapes(shape),
                                              layer.state_shapes(shape))
    return [tuple(s) for s in params.values()], [tuple(s) for s in state.values()]


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


def check_dtype(config, where, entry):
    """A layer's dtype (a name or Keras's DTypePolicy) must be a float type."""
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name") if isinstance(
            dtype.get("config"), dict) else dtype.get("config")
    if dtype is not None and dtype not in FLOAT_DTYPES:
        raise ValueError(f"{where}: {entry} has dtype {dtype!r:.60}; minicnn's models compute in "
                         f"floats ({', '.join(FLOAT_DTYPES)})")
