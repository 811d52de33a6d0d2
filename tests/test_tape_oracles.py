"""The tape's gradients against two oracles that share none of its code: PyTorch autograd
(its gradients of random graphs, computed once into tests/fixtures/tape_torch/ by
make_fixture.py there) and centred differences in float64 (every operation of
minicnn/tape/operations.py). Where the frameworks define a gradient differently (ties of max
and maximum, relu and abs at 0, clip at its bounds) the fixture avoids the point, and
the rule minicnn follows, TensorFlow's, is tested here on its own."""
import functools
import inspect
import json
import os

import numpy as np
import pytest

from minicnn import layers as minicnn_layers
from minicnn.gradcheck import numerical_gradient, rel_error
from minicnn.tape import GradientTape, Tensor, operations

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "tape_torch")


@functools.lru_cache(maxsize=None)
def fixture():
    with open(os.path.join(FIXTURE, "graphs.json")) as file:
        graphs = json.load(file)
    with np.load(os.path.join(FIXTURE, "gradients.npz")) as data:
        values = data["values"]
    # every array is a piece of one vector: graphs.json gives {name: [offset, shape]}
    return graphs, {name: values[offset:offset + int(np.prod(shape))].reshape(shape)
                    for name, (offset, shape) in graphs["arrays"].items()}


# -- the graphs of the fixture, rebuilt with the tape ---------------------------------------------
def python_index(items):
    """The fixture's description of an index (make_fixture.draw_index) as Python's."""
    made = {"slice": lambda v: slice(*v), "int": int, "none": lambda v: None,
            "ellipsis": lambda v: Ellipsis, "array": lambda v: np.array(v, dtype=np.int64),
            "mask": lambda v: np.array(v, dtype=bool)}
    return tuple(made[kind](value) for item in items for kind, value in item.items())


def make_layer(kind, config):
    cls = {"MaxPool2D": minicnn_layers.MaxPool2D}.get(kind) or getattr(minicnn_layers, kind)
    return cls(**config)


def run_graph(graph, data):
    """Rebuild ``graph`` on a GradientTape: (the sinks' values, {leaf index: gradient or None})."""
    name, values, layers, sources = graph["name"], [], {}, {}
    entries = graph["values"]
    with GradientTape() as tape:
        for i, entry in enumerate(entries):
            if entry["op"] == "leaf":
                values.append(Tensor(data[f"{name}/value{i}"].copy()))
                tape.watch(values[-1])
                sources[i] = values[-1]
            elif entry["op"] == "layer":
                x = values[entry["in"][0]]
                layer = layers.get(entry["layer"])
                if layer is None:
                    layer = layers[entry["layer"]] = make_layer(entry["kind"], entry["config"])
                    layer.build(x.shape[1:], np.float64)
                    for key, j in entry["weights"].items():
                        array = layer.params if key in layer.params else layer.state
                        array[key][...] = values[j].numpy()
                        sources[j] = layer.variable(key)  # the gradient asked for: the weight's
                values.append(layer(x, training=entry["training"]))
            else:
                args = dict(entry.get("args", {}))
                if "index" in args:
                    args["index"] = python_index(args["index"])
                function = getattr(operations, entry["op"])
                if entry["op"] in ("concatenate", "stack"):
                    values.append(function([values[j] for j in entry["in"][0]], **args))
                else:
                    values.append(function(*[j["const"] if isinstance(j, dict) else values[j]
                                             for j in entry["in"]], **args))
        sinks = [values[i] for i in graph["sinks"]]
        seeds = [data[f"{name}/seed{i}"] for i in graph["sinks"]]
        if graph["target"] == "loss":  # L built of the tape's operations
            target = functools.reduce(operations.add, [
                operations.sum(operations.multiply(s, seed)) for s, seed in zip(sinks, seeds)])
    wanted = [i for i, entry in enumerate(entries) if entry["op"] == "leaf" and entry["grad"]]
    if graph["target"] == "loss":
        grads = tape.gradient(target, [sources[i] for i in wanted])
    else:  # the sinks as a list of targets, weighed by output_gradients
        grads = tape.gradient(sinks, [sources[i] for i in wanted], output_gradients=seeds)
    return sinks, {i: None if g is None else g.numpy() for i, g in zip(wanted, grads)}


def test_the_fixture_covers_every_differentiable_operation_and_the_layers():
    graphs, _ = fixture()
    used = {entry.get("kind", entry["op"]) for graph in graphs["graphs"]
            for entry in graph["values"]}
    differentiable = set(operation_names()) - NO_GRADIENT - {"cast"}  # cast: a float32 step
    assert differentiable <= used, sorted(differentiable - used)
    assert {"Dense", "Conv2D", "MaxPool2D", "Flatten", "Dropout", "BatchNormalization",
            "Activation", "Softmax"} <= used
    # what the graphs are made of: reuse, x op x, branches that end in several sinks
    assert sum(graph["reused"] > 0 for graph in graphs["graphs"]) > len(graphs["graphs"]) // 2
    assert sum(graph["self_pairs"] > 0 for graph in graphs["graphs"]) >= 10
    assert sum(len(graph["sinks"]) > 1 for graph in graphs["graphs"]) > len(graphs["graphs"]) // 2


def graph_names():
    graphs, _ = fixture()
    return [graph["name"] for graph in graphs["graphs"]]


def test_tape_gradients_equal_pytorch_autograd_on_random_graphs():
    """Every graph of the fixture (about 180: operations alone, and layer stacks with
    operations between them), float64: the sinks' values and every leaf's gradient, to
    1e-9 relative; a leaf that torch finds unconnected (no gradient) gets None."""
    graphs, data = fixture()
    failures, worst = [], 0.0
    for graph in graphs["graphs"]:
        name = graph["name"]
        sinks, grads = run_graph(graph, data)
        for i, sink in zip(graph["sinks"], sinks):
            np.testing.assert_allclose(sink.numpy(), data[f"{name}/value{i}"], rtol=1e-10,
                                       atol=1e-12, err_msg=f"{name}: value {i}")
        for i, got in grads.items():
            expected = data.get(f"{name}/grad{i}")
            if (got is None) != (expected is None):
                failures.append(f"{name}: leaf {i}: tape {'None' if got is None else 'a gradient'}"
                                f", torch {'None' if expected is None else 'a gradient'}")
                continue
            if got is None:
                continue
            scale = max(1.0, float(np.abs(expected).max(initial=0)))
            error = float(np.abs(got - expected).max(initial=0)) / scale
            worst = max(worst, error)
            if error > 1e-9:
                failures.append(f"{name}: leaf {i}: error {error:.1e}")
    print(f"{len(graphs['graphs'])} graphs, largest error {worst:.1e} (relative to max(1, |grad|))")
    assert not failures, failures[:20]


# -- the rules at ties: TensorFlow's, each stated in operations.py ------------------------------
def gradient(function, *arrays):
    tensors = [Tensor(np.array(a, dtype=np.float64)) for a in arrays]
    with GradientTape() as tape:
        tape.watch(tensors)
        out = function(*tensors)
    return [None if g is None else g.numpy() for g in tape.gradient(out, tensors)]


def test_ties_follow_tensorflows_rules():
    # tf.maximum / tf.minimum at x == y: the whole gradient to x (greater_equal / less_equal)
    gx, gy = gradient(operations.maximum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    assert gx.tolist() == [1, 1, 0] and gy.tolist() == [0, 0, 1]
    gx, gy = gradient(operations.minimum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    assert gx.tolist() == [1, 0, 1] and gy.tolist() == [0, 1, 0]
    # tf.reduce_max / reduce_min: tied extremes share the gradient equally
    g, = gradient(lambda x: operations.max(x, axis=1), [[2.0, 2.0, 1.0], [0.0, 3.0, 3.0]])
    assert g.tolist() == [[0.5, 0.5, 0], [0, 0.5, 0.5]]
    g, = gradient(operations.max, [4.0, 4.0, 4.0, 1.0])
    np.testing.assert_allclose(g, [1 / 3, 1 / 3, 1 / 3, 0])
    g, = gradient(lambda x: operations.min(x, axis=0, keepdims=True), [[1.0, 2.0], [1.0, 0.0]])
    assert g.tolist() == [[0.5, 0], [0.5, 1]]
    # tf.nn.relu at 0: gradient 0 (ReluGrad passes where the output is > 0)
    g, = gradient(operations.relu, [-1.0, 0.0, 2.0])
    assert g.tolist() == [0, 0, 1]
    # tf.abs at 0: sign(0) = 0
    g, = gradient(operations.abs, [-2.0, 0.0, 2.0])
    assert g.tolist() == [-1, 0, 1]
    # tf.clip_by_value at its bounds: the gradient passes (it stops only strictly outside)
    g, = gradient(lambda x: operations.clip(x, 0.0, 1.0), [-0.5, 0.0, 0.5, 1.0, 1.5])
    assert g.tolist() == [0, 1, 1, 1, 0]


def test_max_pooling_ties_go_to_one_input():
    """MaxPool2D at a tie (a layer's own backward, as TensorFlow's MaxPoolGrad): the whole
    gradient to one of the tied inputs, not shared as reduce_max shares it."""
    pool = minicnn_layers.MaxPool2D(2)
    pool.build((2, 2, 1), np.float64)
    x = Tensor(np.ones((1, 2, 2, 1)))
    with GradientTape() as tape:
        tape.watch(x)
        y = pool(x)
    g = tape.gradient(y, x).numpy()
    assert sorted(g.ravel().tolist()) == [0, 0, 0, 1]


# -- a numerical gradient check of every operation of the table ----------------------------------
def operation_names():
    """Every operation of operations.py: the functions @operation made (functools.wraps
    leaves the rule as __wrapped__), read from the module, so a new one is found."""
    return sorted(name for name, value in vars(operations).items()
                  if inspect.isfunction(value) and hasattr(value, "__wrapped__")
                  and value.__module__ == operations.__name__)


# what each operation is checked on: a function of float64 arrays (the ones checked, each
# perturbed) away from kinks. NO_GRADIENT: operations whose result no tape follows.
RNG = np.random.default_rng(5)
A, B = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
COL = RNG.standard_normal((3, 1))
POSITIVE = RNG.uniform(0.5, 2.0, (3, 4))
DISTINCT = (RNG.permutation(12).reshape(3, 4) - 6) * 0.1 + 0.05  # no ties, nothing near 0
CHECKS = {
    "add": (lambda x, y: operations.add(x, y), [A, COL]),
    "subtract": (lambda x, y: operations.subtract(x, y), [COL, A]),
    "multiply": (lambda x, y: operations.multiply(x, y), [A, B[0]]),
    "divide": (lambda x, y: operations.divide(x, y), [A, POSITIVE]),
    "power": (lambda x, y: operations.power(x, y), [POSITIVE, A[0]]),
    "maximum": (lambda x, y: operations.maximum(x, y), [DISTINCT, DISTINCT[::-1] + 0.03]),
    "minimum": (lambda x, y: operations.minimum(x, y), [DISTINCT, DISTINCT[:, ::-1] + 0.03]),
    "negative": (operations.negative, [A]),
    "abs": (operations.abs, [DISTINCT]),
    "square": (operations.square, [A]),
    "sqrt": (operations.sqrt, [POSITIVE]),
    "exp": (operations.exp, [A]),
    "log": (operations.log, [POSITIVE]),
    "where": (lambda x, y: operations.where(A > 0, x, y), [B, COL]),
    "clip": (lambda x: operations.clip(x, -0.3, 0.3), [DISTINCT]),
    "relu": (operations.relu, [DISTINCT]),
    "sigmoid": (operations.sigmoid, [A]),
    "tanh": (operations.tanh, [A]),
    "softmax": (lambda x: operations.softmax(x, axis=0), [A]),
    "log_softmax": (lambda x: operations.log_softmax(x, axis=-1), [A]),
    "sum": (lambda x: operations.sum(x, axis=[0, 2], keepdims=True), [A.reshape(3, 2, 2)]),
    "mean": (lambda x: operations.mean(x, axis=1), [A]),
    "max": (lambda x: operations.max(x, axis=0), [DISTINCT]),
    "min": (lambda x: operations.min(x, axis=-1, keepdims=True), [DISTINCT]),
    "logsumexp": (lambda x: operations.logsumexp(x, axis=1), [A]),
    "matmul": (lambda x, y: operations.matmul(x, y), [A.reshape(3, 1, 4), RNG.standard_normal((2, 1, 4, 3))]),
    "reshape": (lambda x: operations.reshape(x, (2, -1)), [A]),
    "transpose": (lambda x: operations.transpose(x, (1, 2, 0)), [A.reshape(3, 2, 2)]),
    "expand_dims": (lambda x: operations.expand_dims(x, 1), [A]),
    "squeeze": (lambda x: operations.squeeze(x, 1), [COL]),
    "broadcast_to": (lambda x: operations.broadcast_to(x, (2, 3, 4)), [COL]),
    "getitem": (lambda x: x[np.array([0, 2, 0]), None, 1:], [A]),
    "concatenate": (lambda x, y: operations.concatenate([x, y, x], axis=1), [A, COL]),
    "stack": (lambda x, y: operations.stack([x, y, x], axis=-1), [A, B]),
    "cast": (lambda x: operations.cast(x, "float64"), [A]),
}
NO_GRADIENT = {"stop_gradient", "argmax", "argmin", "sign", "round", "floor", "one_hot",
               "zeros_like", "ones_like", "equal", "not_equal", "greater", "greater_equal",
               "less", "less_equal"}


@pytest.mark.parametrize("name", operation_names())
def test_every_operation_has_a_gradient_check_and_passes_it(name):
    """Parametrised over operations.py itself: an operation added there without a check here
    fails, saying so."""
    if name in NO_GRADIENT:
        x = Tensor(DISTINCT.copy())
        with GradientTape() as tape:
            tape.watch(x)
            out = getattr(operations, name)(*([x, x] if name in (
                "equal", "not_equal", "greater", "greater_equal", "less", "less_equal")
                else [x, 3] if name == "one_hot" else [x]))
        assert tape.gradient(out, x) is None, f"{name}: a tape followed its result"
        return
    assert name in CHECKS, (f"operations.{name} has no gradient check: add one to CHECKS in "
                            f"{os.path.basename(__file__)} (or to NO_GRADIENT)")
    function, arrays = CHECKS[name]
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    upstream = np.random.default_rng(0).standard_normal(
        np.shape(function(*[Tensor(a) for a in arrays])))
    tensors = [Tensor(a) for a in arrays]  # the same arrays: perturbing them moves the tensors
    analytic = gradient(lambda *ts: operations.multiply(function(*ts), upstream), *arrays)

    def loss():
        return float(np.sum(np.asarray(function(*tensors)) * upstream))
    for i, (array, grad) in enumerate(zip(arrays, analytic)):
        numeric = numerical_gradient(loss, array, h=1e-5)
        assert grad is not None and grad.shape == array.shape, (name, i)
        assert rel_error(grad, numeric) < 1e-8, (name, i, rel_error(grad, numeric))


def test_docs_tape_md_lists_exactly_the_operations():
    """docs/tape.md's table of operations: every operation of operations.py, once each."""
    import re
    path = os.path.join(os.path.dirname(__file__), "..", "docs", "tape.md")
    with open(path) as file:
        rows = [line.split("|")[1] for line in file if line.startswith("| `")]
    listed = [name for cell in rows for name in re.findall(r"`(\w+)`", cell)]
    assert sorted(listed) == operation_names(), (
        sorted(set(operation_names()) - set(listed)), sorted(set(listed) - set(operation_names())))
