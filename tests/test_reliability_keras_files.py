"""Keras files (.keras, .h5, .weights.h5), round 4: one validation pass over a file's
structure (JSON types and depth, the layer graph, declared shapes, dtypes, links,
compression and sizes) before any model is built or array read; one import rule for
every weight (finite real floats, the optimizer's state, the step count), shared with
the .npz reader; every failure a ValueError naming the file and the entry."""
import io
import json
import os
import shutil
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import minicnn
from minicnn import layers
import minicnn.compat.keras.saving as keras_format  # keras.saving: Keras's names, the file formats
from minicnn.compat.keras.saving import reading as keras_reading

h5py = pytest.importorskip("h5py", reason="Keras files need the keras extra (h5py)")

KERAS_WRITTEN = os.path.join(os.path.dirname(__file__), "fixtures", "keras_round3")
DENSE = "layers/dense/vars/0"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small compiled, trained model as .keras, .h5 and .weights.h5 (Adam: 3 + 2 x 6
    optimizer variables), and Keras's own functional chain."""
    folder = tmp_path_factory.mktemp("keras_files")
    x = np.random.default_rng(0).random((6, 8, 8, 1), dtype=np.float32)
    model = minicnn.Sequential([layers.Conv2D(2, 3, activation="relu"), layers.BatchNormalization(),
                                layers.GlobalAveragePooling2D(),
                                layers.Dense(3, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("adam", "categorical_crossentropy", ["accuracy"])
    model.fit(x, np.eye(3, dtype=np.float32)[np.arange(6) % 3], epochs=1, verbose=0)
    for name in ("seq.keras", "seq.h5"):
        model.save(folder / name)
    model.save_weights(folder / "seq.weights.h5")
    shutil.copy(os.path.join(KERAS_WRITTEN, "functional_chain.keras"), folder / "func.keras")
    return folder, model, x


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path, parts, deflated=()):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED
                             if name in deflated else zipfile.ZIP_STORED)
    return path


def edit_config(files, tmp_path, edit, base="seq.keras"):
    """A copy of ``base`` whose config.json is ``edit(config)``'s work (or its result)."""
    folder = files[0]
    parts = members(folder / base)
    config = json.loads(parts["config.json"])
    result = edit(config)
    parts["config.json"] = result if isinstance(result, bytes) else json.dumps(config).encode()
    return write_zip(tmp_path / f"edited-{base}", parts)


def edit_weights(files, tmp_path, edit, base="seq.keras"):
    """A copy of ``base`` whose model.weights.h5 is changed by ``edit(h5py.File)``."""
    parts = members(files[0] / base)
    buffer = io.BytesIO(parts["model.weights.h5"])
    with h5py.File(buffer, "a") as file:
        edit(file)
    parts["model.weights.h5"] = buffer.getvalue()
    return write_zip(tmp_path / "edited.keras", parts)


def edit_h5(files, tmp_path, edit, base="seq.h5"):
    target = tmp_path / f"edited-{base}"
    shutil.copy(files[0] / base, target)
    with h5py.File(target, "a") as file:
        edit(file)
    return target


def replace(file, path, data, **options):
    del file[path]
    file.create_dataset(path, data=data, **options)


def refused(path, *words, load=minicnn.load_model):
    """load(path) raises a ValueError naming the file and each of ``words``."""
    with pytest.raises(ValueError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, (word, message)
    return message


def entries(config):
    return config["config"]["layers"]


def entry(config, class_name):
    return next(e for e in entries(config) if e["class_name"] == class_name)


def optimizer_config(config):
    return config["compile_config"]["optimizer"]["config"]


# -- the structure of config.json ----------------------------------------------------------------
STRUCTURE = {
    "a layer entry is a list": (lambda c: entries(c).append([1, 2]), "layer 5 must be a JSON object"),
    "layers is an object": (lambda c: c["config"].__setitem__("layers", {"a": 1}), "config.layers"),
    "config is a string": (lambda c: c.__setitem__("config", "hello"), "config must be a JSON object"),
    "a layer's config is a list": (lambda c: entry(c, "Dense").__setitem__("config", [1]),
                                   "layer 4 config must be a JSON object"),
    "class_name is a list": (lambda c: entry(c, "Dense").__setitem__("class_name", ["Dense"]),
                             "class_name must be a string"),
    "a layer's name is an int": (lambda c: entry(c, "Dense")["config"].__setitem__("name", 5),
                                 "name must be a string"),
    "two layers share a name": (lambda c: entry(c, "Dense")["config"].__setitem__("name", "conv2d"),
                                "two layers are named 'conv2d'"),
    "batch_shape holds text": (lambda c: entries(c)[0]["config"].__setitem__(
        "batch_shape", [None, "8", "eight", 1]), "batch_shape must be"),
    "batch_shape is negative": (lambda c: entries(c)[0]["config"].__setitem__(
        "batch_shape", [None, -8, 8, 1]), "batch_shape must be"),
    "batch_shape is fractional": (lambda c: entries(c)[0]["config"].__setitem__(
        "batch_shape", [None, 8.5, 8, 1]), "batch_shape must be"),
    "batch_shape is a number": (lambda c: entries(c)[0]["config"].__setitem__("batch_shape", 8),
                                "batch_shape must be a JSON list"),
    "the input's dtype is complex": (lambda c: entries(c)[0]["config"].__setitem__(
        "dtype", "complex64"), "dtype 'complex64'"),
    "a layer's dtype is int": (lambda c: entry(c, "Dense")["config"].__setitem__(
        "dtype", {"class_name": "DTypePolicy", "config": {"name": "int32"}}), "dtype 'int32'"),
    "compile_config is a list": (lambda c: c.__setitem__("compile_config", [1, 2]),
                                 "compile_config must be a JSON object"),
    "the loss is 5": (lambda c: c["compile_config"].__setitem__("loss", 5), "compile_config.loss"),
    "metrics is an int": (lambda c: c["compile_config"].__setitem__("metrics", 3),
                          "compile_config.metrics must be a list"),
    "the optimizer's class_name is a list": (
        lambda c: c["compile_config"]["optimizer"].__setitem__("class_name", ["Adam"]),
        "optimizer, which minicnn does not have"),
    "the optimizer's config is text": (
        lambda c: c["compile_config"]["optimizer"].__setitem__("config", "fast"),
        "compile_config.optimizer.config must be a JSON object"),
    "learning_rate is text": (lambda c: optimizer_config(c).__setitem__("learning_rate", "fast"),
                              "learning_rate must be a finite number"),
    "learning_rate is negative": (lambda c: optimizer_config(c).__setitem__("learning_rate", -1),
                                  "learning_rate must be in"),
    "beta_1 is text": (lambda c: optimizer_config(c).__setitem__("beta_1", "x"), "beta_1"),
}


@pytest.mark.parametrize("case", sorted(STRUCTURE))
def test_a_config_of_the_wrong_json_types_names_the_file_and_the_entry(files, tmp_path, case):
    edit, words = STRUCTURE[case]
    refused(edit_config(files, tmp_path, edit), words)


def chain_edit(*history):
    """Functional chain edits: layer name -> the layer it is called on."""
    def edit(config):
        for name, source in history:
            layer = next(e for e in entries(config) if e["name"] == name)
            layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [source, 0, 0]
    return edit


def renamed(old, new):
    def edit(config):
        layer = next(e for e in entries(config) if e["name"] == old)
        layer["name"] = layer["config"]["name"] = new
    return edit


GRAPHS = {
    # input -> rescaling -> ... -> scores -> rescaling again: a walk without a visited set loops
    "a name repeated further down the chain": (lambda c: (renamed("probabilities", "rescaling")(c),
                                                          c["config"].__setitem__(
                                                              "output_layers", ["rescaling", 0, 0])),
                                               "two layers are named 'rescaling'"),
    "a layer called on itself": (chain_edit(("conv2d", "conv2d")), "conv2d"),
    "a cycle back to the start": (chain_edit(("rescaling", "probabilities")), "cycle"),
    "an input that is no layer": (lambda c: c["config"].__setitem__("input_layers",
                                                                   ["nowhere", 0, 0]), "nowhere"),
    "input_layers is text": (lambda c: c["config"].__setitem__("input_layers", "image"),
                             "config.input_layers must be a JSON list"),
    "inbound_nodes is text": (lambda c: entries(c)[2].__setitem__("inbound_nodes", "x"),
                              "inbound_nodes must be a JSON list"),
    "keras_history is a number": (
        lambda c: entries(c)[2]["inbound_nodes"][0]["args"][0]["config"].__setitem__(
            "keras_history", 7), "keras_history must be a JSON list"),
}


@pytest.mark.parametrize("case", sorted(GRAPHS))
def test_the_layer_graph_is_walked_once_and_refused_when_broken(files, tmp_path, case):
    edit, words = GRAPHS[case]
    refused(edit_config(files, tmp_path, edit, "func.keras"), words)


def nested(depth):
    def edit(config):
        inner, first = json.loads(json.dumps(config)), entries(config)[0]
        for i in range(depth):
            inner = {"class_name": "Sequential", "config": {"name": f"s{i}", "layers": [
                json.loads(json.dumps(first)), inner]}}
        config.clear()
        config.update(inner)
    return edit


def test_json_nested_too_deeply_is_refused_in_every_entry(files, tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    refused(edit_config(files, tmp_path, lambda c: deep), "config.json", "nested too deeply")
    refused(edit_config(files, tmp_path, lambda c: c["config"].__setitem__(
        "name", json.loads("[" * 900 + "]" * 900))), "config.json", "levels deep")
    refused(edit_config(files, tmp_path, nested(40)), "config.json", "nested more than 16 deep")
    refused(edit_h5(files, tmp_path, lambda f: f.attrs.__setitem__("model_config", deep)),
            "model_config", "nested too deeply")
    refused(edit_h5(files, tmp_path, lambda f: f.attrs.__setitem__("training_config", deep)),
            "training_config", "nested too deeply")
    refused(edit_h5(files, tmp_path, lambda f: f.attrs.__setitem__("training_config", "[1]")),
            "training_config must be a JSON object")


# -- sizes: declared, never allocated ------------------------------------------------------------
def allocates_little(path, *words, load=minicnn.load_model):
    """Refused, having allocated under 32 MiB (NumPy's allocations are traced too)."""
    tracemalloc.start()
    try:
        message = refused(path, *words, load=load)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, (peak, message)


def huge_empty(file, path="layers/dense/vars/0", shape=(40000, 25000), **options):
    del file[path]
    file.create_dataset(path, shape=shape, dtype="f4", **options)


def gzip_bomb(file):
    """A (20000, 20000) float32 dataset (1.6 GB), gzip'd, one chunk of it written."""
    huge_empty(file, shape=(20000, 20000), compression="gzip", chunks=(100, 20000))
    file[DENSE][:100] = 0


SIZES = {
    "an unwritten dataset declaring 4 GB": (lambda f, t: edit_weights(f, t, huge_empty),
                                            "declares shape (40000, 25000)"),
    "a gzip'd dataset inflating to 1.6 GB": (lambda f, t: edit_weights(f, t, gzip_bomb),
                                             "declares 1,600,000,000 bytes"),
    "units=10**9": (lambda f, t: edit_config(f, t, lambda c: entry(c, "Dense")["config"].__setitem__(
        "units", 10**9)), "expects (2, 1000000000)"),
    "filters=10**9": (lambda f, t: edit_config(f, t, lambda c: entry(c, "Conv2D")[
        "config"].__setitem__("filters", 10**9)), "values per sample"),
    "an input of 10**12 values": (lambda f, t: edit_config(f, t, lambda c: entries(c)[0][
        "config"].__setitem__("batch_shape", [None, 10**6, 10**6, 1])), "values per sample"),
    "a kernel larger than the input": (lambda f, t: edit_config(f, t, lambda c: entry(c, "Conv2D")[
        "config"].__setitem__("kernel_size", [10**5, 10**5])), "window of size 100000"),
    "a legacy .h5 weight declaring 4 GB": (lambda f, t: edit_h5(f, t, lambda h: huge_empty(
        h, "model_weights/dense/sequential/dense/kernel")), "declares shape (40000, 25000)"),
    "a zipped weights member of 160 MiB": (lambda f, t: write_zip(t / "bomb.keras", {
        **members(f[0] / "seq.keras"), "model.weights.h5": bytes(160 * 2**20)},
        deflated={"model.weights.h5"}), "would inflate to 167,772,160 bytes"),
}


@pytest.mark.parametrize("case", sorted(SIZES))
def test_declared_sizes_are_refused_before_anything_is_allocated(files, tmp_path, case):
    make, words = SIZES[case]
    allocates_little(make(files, tmp_path), words)


def test_load_weights_checks_sizes_as_load_model_does(files, tmp_path):
    folder, model, _ = files
    weights = tmp_path / "huge.weights.h5"
    shutil.copy(folder / "seq.weights.h5", weights)
    with h5py.File(weights, "a") as file:
        huge_empty(file)
    allocates_little(weights, "declares shape (40000, 25000)", load=model.load_weights)
    bomb = write_zip(tmp_path / "bomb.keras", {**members(folder / "seq.keras"),
                                               "model.weights.h5": bytes(160 * 2**20)},
                     deflated={"model.weights.h5"})
    allocates_little(bomb, "would inflate", load=model.load_weights)


# -- the weights: types, values, the optimizer's state (one import rule) -------------------------
def dtype_edit(path, make):
    return lambda f: replace(f, path, make(f[path]))


WEIGHTS = {
    "complex": (dtype_edit(DENSE, lambda d: d[()].astype("c8")), "dtype complex64"),
    "int32": (dtype_edit(DENSE, lambda d: np.ones(d.shape, "i4")), "dtype int32"),
    "bool": (dtype_edit(DENSE, lambda d: np.ones(d.shape, bool)), "dtype bool"),
    "bytes": (dtype_edit(DENSE, lambda d: np.full(d.shape, b"ab")), "dtype |S2"),
    "compound": (dtype_edit(DENSE, lambda d: np.zeros(d.shape, [("a", "f4"), ("b", "f4")])),
                 "dtype compound"),
    "NaN": (dtype_edit(DENSE, lambda d: np.full(d.shape, np.nan, "f4")), "non-finite"),
    "infinity": (dtype_edit("layers/dense/vars/1", lambda d: np.full(d.shape, np.inf, "f4")),
                 "non-finite"),
    "a NaN moment": (dtype_edit("optimizer/vars/3", lambda d: np.full(d.shape, np.nan, "f4")),
                     "/optimizer/vars/3 (the optimizer's"),
    "a NaN step count": (dtype_edit("optimizer/vars/0", lambda d: np.float64(np.nan)),
                         "/optimizer/vars/0 has dtype float64; it must be an integer"),
    "a step count of -7": (dtype_edit("optimizer/vars/0", lambda d: np.int64(-7)),
                           "must be a count >= 0, got -7"),
    "a step count that is an array": (dtype_edit("optimizer/vars/0", lambda d: np.arange(5)),
                                      "/optimizer/vars/0 has shape (5,)"),
    "a step count of 2.5": (dtype_edit("optimizer/vars/0", lambda d: np.float64(2.5)),
                            "must be an integer"),
    "a NaN learning rate": (dtype_edit("optimizer/vars/1", lambda d: np.float32(np.nan)),
                            "(the learning rate) must be a finite number > 0"),
    "a moment of the wrong shape": (dtype_edit("optimizer/vars/3", lambda d: np.zeros(7, "f4")),
                                    "/optimizer/vars/3 has shape (7,)"),
}


@pytest.mark.parametrize("case", sorted(WEIGHTS))
def test_weights_and_optimizer_state_go_through_one_import_rule(files, tmp_path, case):
    edit, words = WEIGHTS[case]
    refused(edit_weights(files, tmp_path, edit), words)


def test_the_legacy_h5_and_weights_files_share_the_rule(files, tmp_path):
    folder, model, _ = files
    kernel = "model_weights/dense/sequential/dense/kernel"
    refused(edit_h5(files, tmp_path, dtype_edit(kernel, lambda d: np.full(d.shape, np.nan, "f4"))),
            kernel, "non-finite")
    refused(edit_h5(files, tmp_path, dtype_edit("optimizer_weights/adam/iteration",
                                                lambda d: np.int64(-7))), "count >= 0, got -7")
    refused(edit_h5(files, tmp_path, dtype_edit(kernel, lambda d: d[()].astype("c16"))),
            "dtype complex128")
    weights = tmp_path / "nan.weights.h5"
    shutil.copy(folder / "seq.weights.h5", weights)
    with h5py.File(weights, "a") as file:
        replace(file, DENSE, np.full(file[DENSE].shape, np.nan, "f4"))
    refused(weights, DENSE, "non-finite", load=model.load_weights)
    npz = tmp_path / "nan.npz"
    model.save(npz)
    with np.load(npz) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["dense.W"] = np.full_like(arrays["dense.W"], np.nan)
    np.savez(npz, **arrays)
    # the same words: the .npz reader and the Keras readers import through one function
    refused(npz, "dense.W holds non-finite values (NaN or infinity); a model's weights are finite")


def reference_dataset(file):
    shape = file[DENSE].shape
    del file[DENSE]
    file.create_dataset(DENSE, shape=shape, dtype=h5py.ref_dtype)[0, 0] = file["layers"].ref


LINKS = {
    "a soft link loop on a dataset": (lambda f: (f.__delitem__("layers/dense/vars/0"), f.__setitem__(
        "layers/dense/vars/0", h5py.SoftLink("/layers/dense/vars/0"))), "is a soft link"),
    "a soft link loop on a group": (lambda f: (f.__delitem__("layers/dense"), f.__setitem__(
        "layers/dense", h5py.SoftLink("/layers/dense2")), f.__setitem__(
        "layers/dense2", h5py.SoftLink("/layers/dense"))), "/layers/dense is a soft link"),
    "a link to another file": (lambda f: (f.__delitem__(DENSE), f.__setitem__(
        DENSE, h5py.ExternalLink("/etc/passwd", "/x"))), "links to another file"),
    "data stored in /dev/zero": (lambda f: huge_empty(f, shape=(2, 3), external=[
        ("/dev/zero", 0, h5py.h5f.UNLIMITED)]), "keeps its data in another file (/dev/zero)"),
    "the lzf filter": (lambda f: replace(f, DENSE, f[DENSE][()], compression="lzf"),
                       "filter lzf"),
    "a group holding itself": (lambda f: f.__setitem__("layers/dense/vars/loop",
                                                       f["layers/dense/vars"]), "holds ['0', '1', 'loop']"),
    "a reference dataset": (reference_dataset, "model.weights.h5"),
}


@pytest.mark.parametrize("case", sorted(LINKS))
def test_links_storage_and_filters_outside_the_file_are_refused(files, tmp_path, case):
    edit, words = LINKS[case]
    refused(edit_weights(files, tmp_path, edit), words)


def test_gzip_and_shuffle_as_h5py_writes_them_load(files, tmp_path):
    model, x = files[1], files[2]
    path = edit_weights(files, tmp_path, lambda f: replace(f, DENSE, f[DENSE][()],
                                                           compression="gzip", shuffle=True))
    np.testing.assert_array_equal(minicnn.load_model(path).predict(x), model.predict(x))


# -- the zip, HDF5 and JSON libraries' failures --------------------------------------------------
def damaged_deflate(files, tmp_path):
    path = write_zip(tmp_path / "damaged.keras", members(files[0] / "seq.keras"),
                     deflated={"model.weights.h5"})
    data = bytearray(path.read_bytes())
    start = data.find(b"model.weights.h5") + 40
    data[start:start + 200] = bytes(range(200))
    path.write_bytes(bytes(data))
    return path


def with_member(name, data):
    return lambda f, t: write_zip(t / "x.keras", {**members(f[0] / "seq.keras"), name: data})


LIBRARIES = {
    "a truncated .keras": (lambda f, t: (t / "x.keras").write_bytes(
        (f[0] / "seq.keras").read_bytes()[:3000]) and t / "x.keras", "not a .keras file"),
    "a damaged deflate stream": (damaged_deflate, "model.weights.h5 cannot be read from the zip"),
    "weights that are not HDF5": (with_member("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(99)),
                                  "model.weights.h5 is not a readable HDF5 file"),
    "truncated HDF5 weights": (lambda f, t: with_member("model.weights.h5", members(
        f[0] / "seq.keras")["model.weights.h5"][:3000])(f, t), "model.weights.h5 is not a readable"),
    "config.json not UTF-8": (with_member("config.json", b"\xff\xfe{}"), "config.json is not valid"),
    "config.json not JSON": (with_member("config.json", b"{nope"), "config.json is not valid JSON"),
    "no config.json": (lambda f, t: write_zip(t / "x.keras", {
        k: v for k, v in members(f[0] / "seq.keras").items() if k != "config.json"}),
        "has no config.json"),
    "an HDF5 file named .keras": (lambda f, t: shutil.copy(f[0] / "seq.h5", t / "x.keras"),
                                  "not a .keras file"),
    "a zip named .h5": (lambda f, t: shutil.copy(f[0] / "seq.keras", t / "x.h5"),
                        "not a readable HDF5 file"),
    "a folder named .keras": (lambda f, t: (t / "x.keras").mkdir() or t / "x.keras",
                              "not a regular file"),
    "a pipe named .keras": (lambda f, t: os.mkfifo(t / "x.keras") or t / "x.keras",
                            "not a regular file"),
    "model_config not UTF-8": (lambda f, t: edit_h5(f, t, lambda h: h.attrs.__setitem__(
        "model_config", np.bytes_(b"\xff\xfe"))), "model_config is not valid JSON"),
    "weight_names an int": (lambda f, t: edit_h5(f, t, lambda h: h["model_weights/dense"].attrs.__setitem__(
        "weight_names", 5)), "attribute weight_names must be a list of names"),
    "layer_names an int": (lambda f, t: edit_h5(f, t, lambda h: h["model_weights"].attrs.__setitem__(
        "layer_names", 5)), "attribute layer_names must be a list of names"),
}


@pytest.mark.parametrize("case", sorted(LIBRARIES))
def test_zip_hdf5_and_json_failures_name_the_file_and_the_entry(files, tmp_path, case):
    make, words = LIBRARIES[case]
    refused(make(files, tmp_path), words)


@pytest.mark.parametrize("case", ["not a zip", "no weights member", "weights not HDF5"])
def test_load_weights_on_a_bad_keras_file_names_it(files, tmp_path, case):
    folder, model, _ = files
    parts = members(folder / "seq.keras")
    path = tmp_path / "w.keras"
    if case == "not a zip":
        path.write_bytes(b"not a zip at all" * 10)
    elif case == "no weights member":
        write_zip(path, {k: v for k, v in parts.items() if k != "model.weights.h5"})
    else:
        write_zip(path, {**parts, "model.weights.h5": b"garbage" * 20})
    refused(path, load=model.load_weights)


# -- class names only from tables ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["np", "__class__", "os", "SoftmaxCrossEntropyX", "get"])
def test_a_loss_class_name_is_looked_up_in_a_table_only(files, tmp_path, name):
    refused(edit_config(files, tmp_path, lambda c: c["compile_config"].__setitem__(
        "loss", {"class_name": name, "config": {}})), f"'{name}' loss, which minicnn does not have")


@pytest.mark.parametrize("spec", [{"class_name": "np", "config": {}}, "kl_divergence",
                                  {"class_name": "__class__"}])
def test_a_metric_minicnn_lacks_is_left_out_with_a_warning(files, tmp_path, spec):
    path = edit_config(files, tmp_path, lambda c: c["compile_config"].__setitem__(
        "metrics", ["accuracy", spec]))
    with pytest.warns(UserWarning, match="is left out"):
        model = minicnn.load_model(path)
    assert [m.name for m in model.compiled_metrics] == ["accuracy"]


def test_a_metric_minicnn_has_by_any_of_its_names_is_read(files, tmp_path):
    """The running-mean metrics (metric_means.py) are read by name as the others are."""
    path = edit_config(files, tmp_path, lambda c: c["compile_config"].__setitem__(
        "metrics", ["accuracy", "mean_absolute_error", "top_k_categorical_accuracy"]))
    model = minicnn.load_model(path)
    assert [m.name for m in model.compiled_metrics] == [
        "accuracy", "mean_absolute_error", "top_k_categorical_accuracy"]


@pytest.mark.parametrize("schedule", ["np", "__import__", "LearningRateSchedule"])
def test_a_schedule_class_name_is_looked_up_in_a_table_only(files, tmp_path, schedule):
    refused(edit_config(files, tmp_path, lambda c: optimizer_config(c).__setitem__(
        "learning_rate", {"class_name": schedule, "config": {}})), "which minicnn does not have")


# -- files that should load ----------------------------------------------------------------------
def test_weights_files_round_trip_and_a_keras_path_for_weights_is_refused(files, tmp_path):
    folder, model, x = files
    with pytest.raises(ValueError, match=r"w.keras: save_weights writes .* .weights.h5"):
        model.save_weights(tmp_path / "w.keras")
    assert not (tmp_path / "w.keras").exists()
    with pytest.raises(ValueError, match="save_weights_only=True, filepath must end in .weights.h5"):
        minicnn.callbacks.ModelCheckpoint(tmp_path / "w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match="a .weights.h5 file holds weights only"):
        minicnn.callbacks.ModelCheckpoint(tmp_path / "w.weights.h5")
    checkpoint = minicnn.callbacks.ModelCheckpoint(tmp_path / "w.weights.h5", monitor="loss",
                                                   save_weights_only=True)
    trained = minicnn.load_model(folder / "seq.keras")
    trained.fit(x, np.eye(3, dtype=np.float32)[np.arange(6) % 3], epochs=1, verbose=0,
                callbacks=[checkpoint])
    fresh = minicnn.load_model(folder / "seq.keras")
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x), trained.predict(x))
    assert fresh.optimizer.iterations == trained.optimizer.iterations


@pytest.mark.parametrize("axis, loads", [([3], True), ([-1], True), (3, True), ([1, 2], False)])
def test_tf_keras_2s_batchnorm_axis_list_loads(files, tmp_path, axis, loads):
    model, x = files[1], files[2]
    path = edit_config(files, tmp_path, lambda c: entry(c, "BatchNormalization")[
        "config"].__setitem__("axis", axis))
    if loads:
        np.testing.assert_array_equal(minicnn.load_model(path).predict(x), model.predict(x))
    else:
        refused(path, "axis")


def fully_convolutional(config):
    entries(config)[0]["config"]["batch_shape"] = [None, None, None, 3]


def test_a_fully_convolutional_model_loads_at_the_size_asked_for(files, tmp_path):
    """Keras writes batch_shape [None, None, None, 3] for a model of any input size;
    a minicnn model has one size: load_model(input_shape=) gives it."""
    keras_model = keras_reading.load_model(files[0] / "func.keras")
    path = edit_config(files, tmp_path, fully_convolutional, "func.keras")
    message = refused(path, "(None, None, 3)", "input_shape=")
    assert "load_model(path, input_shape=(224, 224, 3))" in message
    x = np.random.default_rng(1).random((2, 12, 12, 3), dtype=np.float32) * 255
    same = keras_reading.load_model(path, input_shape=(12, 12, 3))
    np.testing.assert_array_equal(same.predict(x), keras_model.predict(x))
    larger = keras_reading.load_model(path, input_shape=(20, 20, 3))
    assert larger.predict(np.zeros((1, 20, 20, 3), np.float32)).shape == (1, 3)
    with pytest.raises(ValueError, match=r"input_shape=\(12, 12, 1\) does not fit"):
        keras_reading.load_model(path, input_shape=(12, 12, 1))


def test_free_dimensions_the_weights_depend_on_are_refused(files, tmp_path):
    def flatten_then_dense(config):
        entries(config)[0]["config"]["batch_shape"] = [None, None, None, 1]
        entry(config, "GlobalAveragePooling2D")["class_name"] = "Flatten"
    path = edit_config(files, tmp_path, flatten_then_dense)
    refused(path, "depend on them", load=lambda p: keras_reading.load_model(p, input_shape=(8, 8, 1)))


def test_the_checks_add_no_warning_to_keras_files_that_load(files):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("seq.keras", "seq.h5", "func.keras"):
            minicnn.load_model(files[0] / name)
        keras_format.load_weights(minicnn.load_model(files[0] / "seq.keras"),
                                  files[0] / "seq.weights.h5")
