"""Keras files, round 4: every layer minicnn and Keras share (the new ones: depthwise and
transposed convolutions, the merges, the normalizations, the activations with options,
reshaping, noise and the preprocessing layers), functional models that are graphs (merges,
several inputs and outputs, shared layers, models inside), the new optimizers, schedules
and losses, both ways: files Keras 3.15 wrote load into minicnn and predict and train on
as Keras did; files minicnn wrote, Keras read and predicted and trained on as minicnn did
(tests/fixtures/keras_files_round4, made once by its three scripts). Every check of
config.json comes before anything is built (docs/guarantees.md)."""
import io
import json
import os
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import minicnn
from minicnn.compat import keras
from minicnn.compat.keras.saving import graph_order, graph_plan, layer_table
from minicnn.compat.keras.saving import model_config, model_from_config

h5py = pytest.importorskip("h5py", reason="Keras files need the keras extra (h5py)")

L = keras.layers
HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_files_round4")
BY_KERAS = os.path.join(HERE, "written_by_keras")
BY_MINICNN = os.path.join(HERE, "written_by_minicnn")
REFUSED = {"lambda.keras", "operation.keras", "opt_huber.keras"}
KERAS_FILES = sorted(set(os.listdir(BY_KERAS)) - REFUSED)
MINICNN_FILES = sorted(os.listdir(BY_MINICNN))


def listed(data, prefix):
    """The arrays "<prefix>0", "<prefix>1", ... of an .npz, in order."""
    keys = [k for k in data if k.startswith(prefix) and k[len(prefix):].isdigit()]
    return [data[k] for k in sorted(keys, key=lambda k: int(k[len(prefix):]))]


def one(values):
    return values[0] if len(values) == 1 else list(values)


def predictions(model, xs):
    made = model.predict(one(xs), verbose=0)
    if isinstance(made, dict):
        return list(made.values())
    return list(made) if isinstance(made, (list, tuple)) else [made]


def keras_weights(model):
    """A model's arrays in the order of Keras's get_weights (its layers in Keras's order)."""
    return [w for layer in model_config.flat_layers(model) if hasattr(layer, "arrays")
            for w in layer.arrays().values()]


def close(ours, theirs, atol=1e-5):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def archive(path):
    with zipfile.ZipFile(path) as zipped:
        return json.loads(zipped.read("config.json")), zipped.read("model.weights.h5")


def h5_datasets(data):
    """{dataset path: (shape, dtype)} and {dataset path: array} of HDF5 bytes."""
    layout, values = {}, {}

    def visit(name, node):
        if isinstance(node, h5py.Dataset):
            layout[name], values[name] = (node.shape, node.dtype.str), node[()]
    with h5py.File(io.BytesIO(data), "r") as file:
        file.visititems(visit)
    return layout, values


def classes(config):
    """Every class name in a model config, models inside included."""
    found = set()
    for entry in config["config"]["layers"]:
        found.add(entry["class_name"])
        if "layers" in entry.get("config", {}):
            found |= classes(entry)
    return found


# -- files Keras wrote ----------------------------------------------------------------------------
@pytest.mark.parametrize("file", KERAS_FILES)
def test_files_keras_wrote_predict_and_train_on_as_keras_did(file):
    name = file.rsplit(".", 1)[0]
    with np.load(os.path.join(HERE, "keras_files.npz")) as data:
        with warnings.catch_warnings():  # Keras's own files load without a warning
            warnings.simplefilter("error")  # "several" too: each output's loss read with its layer
            model = minicnn.load_model(os.path.join(BY_KERAS, file))
        close(predictions(model, listed(data, f"{name}/x")), listed(data, f"{name}/predict"))
        if f"{name}/train_x0" in data:  # the optimizer's state read into its right places
            model.train_on_batch(one(listed(data, f"{name}/train_x")),
                                 one(listed(data, f"{name}/train_y")))
            close(keras_weights(model), listed(data, f"{name}/after"))


@pytest.mark.parametrize("file", [f for f in KERAS_FILES if f.endswith(".keras")])
def test_minicnn_writes_them_again_in_keras_layout(file, tmp_path):
    """Read Keras's file, write it again: the layers in Keras's order with their
    names, every weight and optimizer variable at Keras's path, of its shape and dtype."""
    model = minicnn.load_model(os.path.join(BY_KERAS, file))
    model.save(tmp_path / file)
    (config, weights), (ours, our_weights) = archive(os.path.join(BY_KERAS, file)), \
        archive(tmp_path / file)
    def names(spec):  # a Sequential's InputLayer: minicnn keeps its shape, not its name
        return [(e["class_name"], None if spec["class_name"] == "Sequential" and
                 e["class_name"] == "InputLayer" else e["config"].get("name"))
                for e in spec["config"]["layers"]]
    assert names(ours) == names(config)
    for key in ("input_layers", "output_layers"):
        assert ours["config"].get(key) == config["config"].get(key)
    for entry, theirs in zip(ours["config"]["layers"], config["config"]["layers"]):
        assert len(entry.get("inbound_nodes", [])) == len(theirs.get("inbound_nodes", []))
    assert h5_datasets(our_weights)[0] == h5_datasets(weights)[0]
    if config["compile_config"]:
        assert ours["compile_config"]["optimizer"]["class_name"] == \
            config["compile_config"]["optimizer"]["class_name"]


# -- files minicnn wrote --------------------------------------------------------------------------
@pytest.mark.parametrize("file", MINICNN_FILES)
def test_files_minicnn_wrote_were_read_by_keras(file, tmp_path):
    """Keras 3.15 loaded these (read_with_keras.py): its predictions, optimizer variables
    and one more training step equal minicnn's; minicnn reads them back to the same
    predictions, and writes the same file again."""
    name = file.rsplit(".", 1)[0]
    with open(os.path.join(HERE, "keras_reads.json")) as report:
        keras_saw = json.load(report)[file]
    assert keras_saw["max_abs_predict_difference"] < 1e-5
    if "optimizer_variables" in keras_saw:
        assert keras_saw["optimizer_variables"] == keras_saw["minicnn_optimizer_variables"]
        assert keras_saw["max_abs_optimizer_difference"] == 0.0
    assert keras_saw.get("max_abs_step_difference", 0.0) < 1e-5
    with np.load(os.path.join(HERE, "minicnn_files.npz")) as data, \
            np.load(os.path.join(HERE, "keras_reads.npz")) as read:
        model = minicnn.load_model(os.path.join(BY_MINICNN, file))
        close(predictions(model, listed(data, f"{name}/x")), listed(read, f"{file}/predict"))
    model.save(tmp_path / file)
    if file.endswith(".keras"):
        (config, weights), (ours, again) = archive(os.path.join(BY_MINICNN, file)), \
            archive(tmp_path / file)
        assert ours == config
    else:
        weights, again = (open(p, "rb").read() for p in (os.path.join(BY_MINICNN, file),
                                                         tmp_path / file))
    stored, written = h5_datasets(weights)[1], h5_datasets(again)[1]
    assert sorted(stored) == sorted(written)
    for path, value in stored.items():
        np.testing.assert_array_equal(written[path], value, err_msg=path)


def test_the_docs_count_the_layers_of_the_table():
    with open(os.path.join(os.path.dirname(__file__), "..", "docs", "keras.md")) as docs:
        text = " ".join(docs.read().split())
    assert f"for the {len(layer_table.LAYERS)} layers both have" in text


def test_every_layer_in_the_table_went_both_ways():
    """Each layer row has been written by Keras and read by minicnn, and written by
    minicnn and read by Keras (the fixtures' configs name them all)."""
    seen = {}
    for folder in (BY_KERAS, BY_MINICNN):
        found = set()
        for file in os.listdir(folder):
            if file.endswith(".keras"):
                found |= classes(archive(os.path.join(folder, file))[0])
        seen[folder] = found
    rows = set(layer_table.LAYERS) - {"RandomFlip", "RandomRotation", "RandomZoom", "Dropout",
                                      "Softmax", "Dense"}  # round 3's files cover these
    assert rows - seen[BY_KERAS] == set()
    assert rows - seen[BY_MINICNN] == set()


# -- graph models in this process ------------------------------------------------------------------
def graph_model(optimizer="nadam"):
    minicnn.set_seed(3)
    a, b = keras.Input((6, 6, 2), name="a"), keras.Input((6, 6, 2), name="b")
    conv = L.Conv2D(2, 1, name="shared")
    x, y = conv(a), conv(b)
    z = L.Concatenate()([L.Add()([x, y]), a])
    z = L.DepthwiseConv2D(3, padding="same")(z)
    z = L.Multiply()([L.LayerNormalization()(z), L.Conv2D(4, 1)(z)])
    outputs = {"o1": L.Dense(3, name="o1")(L.GlobalMaxPooling2D()(z)),
               "o2": L.Dense(1, name="o2")(L.Flatten()(y))}
    model = keras.Model([a, b], outputs)
    model.compile(optimizer, {"o1": "mse", "o2": "mae"}, loss_weights={"o1": 1.0, "o2": 0.5})
    return model


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_graph_model_round_trips_and_trains_on_as_if_never_saved(suffix, tmp_path):
    rng = np.random.default_rng(0)
    xs = [rng.random((4, 6, 6, 2), dtype=np.float32) for _ in range(2)]
    ys = {"o1": rng.random((4, 3), dtype=np.float32), "o2": rng.random((4, 1), dtype=np.float32)}
    model = graph_model()
    model.fit(xs, ys, batch_size=2, epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / f"g{suffix}")
    loaded = minicnn.load_model(tmp_path / f"g{suffix}")
    assert type(loaded).__name__ == "Model" and loaded.optimizer.iterations == 2
    assert [layer.name for layer in model_config.keras_layers(loaded)] == \
        [layer.name for layer in model_config.keras_layers(model)]
    close(predictions(loaded, xs), predictions(model, xs), atol=0)
    for each in (model, loaded):
        each.fit(xs, ys, batch_size=4, epochs=1, verbose=0, shuffle=False)
    close(loaded.get_weights(), model.get_weights(), atol=0)


def test_a_graph_walked_naively_would_take_forever():
    """40 layers each adding the one before to itself: 2**40 ways back from the output,
    one walk (each call once), as Keras's."""
    x = inputs = keras.Input((2,))
    for _ in range(40):
        x = L.Add()([x, x])
    model = keras.Model(inputs, x)
    start = time.perf_counter()
    names, ordered = graph_order.layer_order(*model_graph(model), "m")
    assert len(ordered) == 41 and time.perf_counter() - start < 1.0
    chain = {(f"l{i}", 0): [(f"l{i - 1}", 0)] if i else [] for i in range(50_000)}
    names, ordered = graph_order.layer_order(chain, [("l0", 0)], [("l49999", 0)], "m")
    assert names[0] == "l0" and len(ordered) == 50_000  # no RecursionError


def model_graph(model):
    from minicnn.compat.keras.saving import graph_config
    nodes, _, inputs, outputs = graph_config.graph_of(model)
    return nodes, inputs, outputs


def test_keras_order_of_layers_is_keras_s(tmp_path):
    """The order Keras 3.15 gave the layers of several.keras (its model.layers), from the
    graph alone: the output's branch deepest first."""
    with open(os.path.join(HERE, "keras_files.json")) as report:
        keras_layers = json.load(report)["several"]["layers"]
    model = minicnn.load_model(os.path.join(BY_KERAS, "several.keras"))
    assert [type(layer).__name__ for layer in model_config.keras_layers(model)] == keras_layers


# -- checked before anything is built -------------------------------------------------------------
def edited(tmp_path, file, edit, folder=BY_KERAS):
    """A copy of a fixture whose config.json is changed by ``edit(config)``."""
    with zipfile.ZipFile(os.path.join(folder, file)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    config = json.loads(parts["config.json"])
    edit(config)
    parts["config.json"] = json.dumps(config).encode()
    target = tmp_path / f"edited-{file}"
    with zipfile.ZipFile(target, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


def edited_weights(tmp_path, file, edit, folder=BY_KERAS):
    with zipfile.ZipFile(os.path.join(folder, file)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    buffer = io.BytesIO(parts["model.weights.h5"])
    with h5py.File(buffer, "a") as weights:
        edit(weights)
    parts["model.weights.h5"] = buffer.getvalue()
    target = tmp_path / f"edited-{file}"
    with zipfile.ZipFile(target, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


@pytest.fixture
def nothing_built(monkeypatch):
    """Building a model from a file fails the test: a refusal must come first."""
    def build(*args, **kwargs):
        raise AssertionError("the model was built before the file was refused")
    monkeypatch.setattr(model_from_config, "build", build)


def refused(path, *words, **options):
    with pytest.raises(ValueError) as caught:
        minicnn.load_model(path, **options)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, (word, message)
    return message


def layer(config, name):
    return next(e for e in config["config"]["layers"] if e["name"] == name)


def history(config, name, call=0, arg=0):
    """The keras_history of a call's argument (a merge's list entries too)."""
    args = layer(config, name)["inbound_nodes"][call]["args"]
    tensor = args[0][arg] if isinstance(args[0], list) else args[arg]
    return tensor["config"]["keras_history"]


def set_history(name, value, call=0, arg=0):
    return lambda c: history(c, name, call, arg).__setitem__(slice(None), value)


GRAPHS = {
    "a call reading its own output": (set_history("shared", ["shared", 0, 0]), "cycle"),
    "a cycle through two layers": (set_history("shared", ["joined", 0, 0]), "cycle"),
    "a call that does not exist": (set_history("joined", ["subtract", 3, 0], arg=0),
                                   "has no such call"),
    "an output that does not exist": (set_history("joined", ["subtract", 0, 2], arg=0),
                                      "no such output"),
    "a layer that does not exist": (set_history("project", ["ghost", 0, 0]),
                                    "not a layer of the model"),
    "keras_history too short": (set_history("project", ["vector", 0]), "[layer name, call"),
    "a negative call": (set_history("project", ["vector", -1, 0]), "[layer name, call"),
    "an output naming no call": (lambda c: c["config"]["output_layers"][0].__setitem__(1, 4),
                                 "not a call"),
    "an input that is a Dense": (lambda c: c["config"]["input_layers"][0].__setitem__(
        0, "project"), "not an InputLayer"),
    "an input left out of input_layers": (lambda c: c["config"]["input_layers"].pop(),
                                          "not among the model's inputs"),
    "a layer no output needs": (lambda c: c["config"]["layers"].append(dict(
        layer(c, "project"), name="spare", config=dict(layer(c, "project")["config"],
                                                       name="spare"))), "'spare'"),
    "a layer called on nothing": (lambda c: layer(c, "project").__setitem__(
        "inbound_nodes", []), "called on nothing"),
    "a merge called on one tensor": (lambda c: layer(c, "subtract")["inbound_nodes"][
        0].__setitem__("args", layer(c, "subtract")["inbound_nodes"][0]["args"][0][:1]),
        "a merge layer takes a list"),
    "a merge called on a list of one": (lambda c: layer(c, "subtract")["inbound_nodes"][0][
        "args"][0].__delitem__(slice(1, None)), "at least 2"),
    "a Dense called on a list": (lambda c: layer(c, "project")["inbound_nodes"][0].__setitem__(
        "args", [layer(c, "project")["inbound_nodes"][0]["args"] * 2]), "it takes one"),
    "a shared layer on two shapes": (set_history("shared", ["vector", 0, 0], call=1),
                                     "a shared layer"),
    "a keyword argument": (lambda c: layer(c, "project")["inbound_nodes"][0].__setitem__(
        "kwargs", {"mask": [1, 0]}), "is called with"),
    "a number for a tensor": (lambda c: layer(c, "project")["inbound_nodes"][0].__setitem__(
        "args", [5]), "not a tensor"),
    "two inputs of one name": (lambda c: c["config"]["input_layers"].__setitem__(
        1, ["left", 0, 0]), "listed twice"),
    "inbound_nodes an object": (lambda c: layer(c, "project").__setitem__(
        "inbound_nodes", {"a": 1}), "inbound_nodes must be a JSON list"),
}


@pytest.mark.parametrize("case", sorted(GRAPHS))
def test_a_broken_graph_is_refused_before_anything_is_built(case, tmp_path, nothing_built):
    edit, words = GRAPHS[case]
    refused(edited(tmp_path, "several.keras", edit), words)


def test_keras_s_training_flag_is_read_as_the_model_s_mode(tmp_path):
    """Keras writes training=False into Dropout's calls (its default): read silently; on a
    BatchNormalization it would matter, and a warning says minicnn runs it in the model's mode."""
    def frozen(config):
        layer(config, "batch_normalization")["inbound_nodes"][0]["kwargs"] = {"training": False}
    with pytest.warns(UserWarning, match="'batch_normalization' .* training=False"):
        minicnn.load_model(edited(tmp_path, "residual.keras", frozen))


def test_more_calls_or_inputs_than_the_bounds_are_refused(tmp_path, nothing_built, monkeypatch):
    monkeypatch.setattr(graph_plan, "MAX_CALLS", 5)
    refused(edited(tmp_path, "several.keras", lambda c: None), "more than 5 layer calls")
    monkeypatch.setattr(graph_plan, "MAX_CALLS", 10_000)
    monkeypatch.setattr(graph_plan, "MAX_CALL_INPUTS", 3)
    refused(edited(tmp_path, "several.keras", lambda c: None), "more than 3 tensors")


def set_config(name, key, value, by_class=None):
    def edit(config):
        entries = config["config"]["layers"]
        entry = next(e for e in entries if (e["class_name"] == by_class if by_class else
                                            e["config"].get("name") == name))
        entry["config"][key] = value
    return edit


def set_input(shape):
    return lambda c: c["config"]["layers"][0]["config"].__setitem__("batch_shape", shape)


SIZES = {  # (file, edit, words): each would allocate gigabytes or more if built
    "two huge inputs": ("several.keras", lambda c: [
        layer(c, n)["config"].__setitem__("batch_shape", [None, 100_000, 100_000, 2])
        for n in ("left", "right")], "has shape (100000, 100000, 2)"),
    "units=10**9 in a graph": ("several.keras", set_config("classes", "units", 10**9),
                               "expects (25, 1000000000)"),
    "a huge upsampling": ("layers.keras", set_config(None, "size", [100_000, 100_000],
                                                     "UpSampling2D"), "values per sample"),
    "a huge padding": ("layers.keras", set_config(None, "padding", [[10**6, 0], [10**6, 0]],
                                                  "ZeroPadding2D"), "values per sample"),
    "a huge resizing": ("preprocessing.keras", lambda c: [set_config(None, key, 10**6,
                                                                     "Resizing")(c)
                                                          for key in ("height", "width")],
                        "values per sample"),
    "filters=10**9 transposed": ("layers.keras", set_config(None, "filters", 10**9,
                                                            "Conv2DTranspose"),
                                 "values per sample"),
    "a reshape to 10**12 values": ("layers.keras", set_config(None, "target_shape",
                                                              [10**6, 10**6], "Reshape"),
                                   "reshape"),
}


@pytest.mark.parametrize("case", sorted(SIZES))
def test_declared_sizes_are_refused_before_anything_is_allocated(case, tmp_path, nothing_built):
    file, edit, words = SIZES[case]
    path = edited(tmp_path, file, edit)
    tracemalloc.start()
    try:
        refused(path, words)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, peak


LAYER_CONFIGS = {  # (file, edit, words)
    "a dilated depthwise convolution": ("layers.keras", set_config(
        None, "dilation_rate", [2, 2], "DepthwiseConv2D"), "dilation_rate"),
    "output_padding": ("layers.keras", set_config(None, "output_padding", [1, 1],
                                                  "Conv2DTranspose"), "output_padding"),
    "channels first": ("layers.keras", set_config(None, "data_format", "channels_first",
                                                  "ZeroPadding2D"), "data_format"),
    "normalization along the height": ("layers.keras", set_config(None, "axis", [1],
                                                                  "Normalization"), "axis"),
    "groups that do not divide": ("layers.keras", set_config(None, "groups", 3,
                                                             "GroupNormalization"),
                                  "group_normalization"),
    "a shared axis outside": ("layers.keras", set_config(None, "shared_axes", [7], "PReLU"),
                              "shared axis 7"),
    "a lopsided shear": ("preprocessing.keras", set_config(None, "x_factor", [-0.1, 0.3],
                                                           "RandomShear"), "x_factor"),
    "a Dot along two axes": ("several.keras", set_config(None, "axes", [1, 2], "Dot"), "axes"),
    "a Concatenate along the batch": ("several.keras", set_config("joined", "axis", 0),
                                      "axis must be an int other than 0"),
    "a negative slope as text": ("layers.keras", set_config(None, "negative_slope", "steep",
                                                            "LeakyReLU"), "negative_slope"),
    "a Lambda by name": ("layers.keras", lambda c: c["config"]["layers"][-1].__setitem__(
        "class_name", "Lambda"), "Lambda: it holds Python code"),
}


@pytest.mark.parametrize("case", sorted(LAYER_CONFIGS))
def test_bad_configs_of_the_new_layers_name_the_layer_and_argument(case, tmp_path,
                                                                   nothing_built):
    file, edit, words = LAYER_CONFIGS[case]
    refused(edited(tmp_path, file, edit), words)


def count_dataset(value):
    def edit(file):
        del file["layers/normalization/vars/2"]
        file["layers/normalization/vars/2"] = value
    return edit


WEIGHTS = {
    "a count in floats": (count_dataset(np.float32(20)), "must be an integer"),
    "a negative count": (count_dataset(np.int64(-3)), "must be >= 0"),
    "a gamma with NaN": (lambda f: f["layers/layer_normalization/vars/0"].__setitem__(
        0, np.nan), "non-finite"),
    "an alpha of the wrong shape": (lambda f: (f.__delitem__("layers/p_re_lu/vars/0"),
                                               f.create_dataset("layers/p_re_lu/vars/0",
                                                                data=np.zeros((1, 2, 4))))
                                    , "expects (1, 1, 4)"),
}


@pytest.mark.parametrize("case", sorted(WEIGHTS))
def test_the_new_layers_weights_go_through_the_import_rule(case, tmp_path):
    edit, words = WEIGHTS[case]
    refused(edited_weights(tmp_path, "layers.keras", edit), words)


def test_layers_holding_code_and_losses_minicnn_lacks_are_refused_by_name(tmp_path):
    refused(os.path.join(BY_KERAS, "lambda.keras"), "'double' is a Keras Lambda",
            "Python code")
    refused(os.path.join(BY_KERAS, "operation.keras"), "operation Add", "layers.Add()")
    huber = os.path.join(BY_KERAS, "opt_huber.keras")
    refused(huber, "'Huber' loss", "compile=False")
    with np.load(os.path.join(HERE, "keras_files.npz")) as data:
        model = minicnn.load_model(huber, compile=False)
        close(predictions(model, [data["opt_huber/x0"]]), [data["opt_huber/predict0"]])


def optimizer(config):
    return config["compile_config"]["optimizer"]["config"]


def learning_rate(config):
    return optimizer(config)["learning_rate"]["config"]


COMPILE = {  # (file, edit, words)
    "a negative accumulator": ("opt_adagrad.keras", lambda c: optimizer(c).__setitem__(
        "initial_accumulator_value", -1), "initial_accumulator_value"),
    "rho as text": ("opt_adadelta.keras", lambda c: optimizer(c).__setitem__("rho", "x"),
                    "rho"),
    "a schedule value NaN": ("opt_piecewise.keras", lambda c: learning_rate(c).__setitem__(
        "values", [0.1, float("nan"), 0.01]), "values"),
    "boundaries as text": ("opt_piecewise.keras", lambda c: learning_rate(c).__setitem__(
        "boundaries", "1, 3"), "boundaries"),
    "boundaries by the million": ("opt_piecewise.keras", lambda c: (
        learning_rate(c).__setitem__("boundaries", list(range(200_001))),
        learning_rate(c).__setitem__("values", [0.1] * 200_002)), "boundaries"),
    "a lambda loss": ("opt_sgd.keras", lambda c: c["compile_config"].__setitem__(
        "loss", {"class_name": "__lambda__", "config": {"code": "..."}}), "Python code"),
    "a function minicnn lacks": ("opt_adam.keras", lambda c: c["compile_config"][
        "loss"].__setitem__("config", "np"), "function 'np'"),
    "loss_weights as text": ("several.keras", lambda c: c["compile_config"].__setitem__(
        "loss_weights", "half"), "loss_weights"),
}


@pytest.mark.parametrize("case", sorted(COMPILE))
def test_bad_compile_settings_are_refused_before_anything_is_built(case, tmp_path,
                                                                   nothing_built):
    file, edit, words = COMPILE[case]
    refused(edited(tmp_path, file, edit), words)


def test_the_new_optimizers_state_goes_through_the_import_rule(tmp_path):
    def nan_product(file):  # Nadam's last variable: its product of momentum factors
        last = str(len(file["optimizer/vars"]) - 1)
        file[f"optimizer/vars/{last}"][()] = np.nan
    refused(edited_weights(tmp_path, "opt_nadam.keras", nan_product), "non-finite")

    def wrong_hat(file):  # Adam's velocity_hat of the first kernel, of another shape
        del file["optimizer/vars/10"]
        file["optimizer/vars/10"] = np.zeros((2, 2), np.float32)
    refused(edited_weights(tmp_path, "opt_adam.keras", wrong_hat), "optimizer/vars/10")


# -- what minicnn refuses to write ----------------------------------------------------------------
def test_what_a_keras_file_cannot_hold_is_refused_and_nothing_written(tmp_path):
    inputs = keras.Input((3,))
    cases = {
        "lambda": (keras.Sequential([keras.Input((3,)), L.Lambda(lambda t: t * 2)]),
                   "a Lambda layer holds a Python function"),
        "arithmetic": (keras.Model(inputs, L.Dense(3)(inputs) + inputs),
                       "arithmetic on symbolic tensors"),
    }

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)
    subclassed = Subclassed()
    subclassed(np.ones((1, 3), np.float32))
    cases["subclassed"] = (subclassed, "subclassed keras.Model")
    function = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    function.compile("sgd", lambda y, p: keras.ops.mean(keras.ops.square(y - p), axis=-1))
    cases["a loss function"] = (function, "written in Python")
    for name, (model, words) in cases.items():
        for suffix in (".keras", ".h5"):
            with pytest.raises(ValueError, match=words):
                model.save(tmp_path / f"{name}{suffix}")
            assert not os.path.exists(tmp_path / f"{name}{suffix}")
    function.save(tmp_path / "no-compile.keras", include_optimizer=False)  # the way round
    assert minicnn.load_model(tmp_path / "no-compile.keras").optimizer is None
    function.compile("sgd", keras.losses.mean_squared_error)  # Keras's own function: by name
    function.save(tmp_path / "function.keras")
    assert archive(tmp_path / "function.keras")[0]["compile_config"]["loss"]["config"] == \
        "mean_squared_error"


def test_npz_files_refuse_graphs_and_name_the_keras_file(tmp_path):
    """Decision: minicnn's .npz holds chains; a graph goes to a .keras file (which holds
    it and Keras reads it too). Weights alone (.npz) work for any model."""
    model = graph_model()
    with pytest.raises(ValueError, match=r"g.npz: .* not one chain .* "
                                         r"model.save\(\"model.keras\"\)"):
        model.save(tmp_path / "g.npz")
    assert not os.path.exists(tmp_path / "g.npz")
    model.save_weights(tmp_path / "w.npz")
    again = graph_model()
    again.load_weights(tmp_path / "w.npz")
    close(again.get_weights(), model.get_weights(), atol=0)
