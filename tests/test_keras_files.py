"""Model files Keras reads and writes (.keras, .h5): files written by Keras 3.15 load into
minicnn and predict as Keras did; files minicnn writes have Keras's layout, and Keras read
them (tests/fixtures/minicnn_written: written once by minicnn, read once by Keras 3.15)."""
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import minicnn
from minicnn import optimizers
from minicnn.compat.keras import layers
import minicnn.compat.keras.saving as keras_format  # keras.saving: Keras's names, the file formats

h5py = pytest.importorskip("h5py", reason="Keras files need the keras extra (h5py)")

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
KERAS_WRITTEN = os.path.join(FIXTURES, "keras_round3")
MINICNN_WRITTEN = os.path.join(FIXTURES, "minicnn_written")
# file written by Keras -> its key in models.npz
KERAS_FILES = {"tiny_sequential.keras": "tiny_sequential", "tiny_sequential.h5": "tiny_sequential",
               "functional_chain.keras": "functional", "nested_sequential.keras": "nested"}


def h5_layout(data):
    """{path: shape (datasets) or attributes (groups)} of an HDF5 file's bytes."""
    layout = {}

    def visit(name, node):
        if isinstance(node, h5py.Dataset):
            layout[name] = (tuple(node.shape), node.dtype.str)
        else:
            layout[name] = {k: np.asarray(v).tolist() for k, v in node.attrs.items()
                            if k not in ("model_config", "training_config")}
    with h5py.File(io.BytesIO(data), "r") as file:
        layout["/"] = {k: str(v)[:40] for k, v in file.attrs.items()
                       if k not in ("model_config", "training_config")}
        file.visititems(visit)
    return layout


def h5_values(data):
    """{dataset path: array} of an HDF5 file's bytes."""
    values = {}
    with h5py.File(io.BytesIO(data), "r") as file:
        file.visititems(lambda name, node: values.__setitem__(name, node[()])
                        if isinstance(node, h5py.Dataset) else None)
    return values


def archive_parts(path):
    with zipfile.ZipFile(path) as archive:
        return (archive.namelist(), json.loads(archive.read("config.json")),
                h5_layout(archive.read("model.weights.h5")))


def layer_classes(config):
    return [(entry["class_name"], layer_classes(entry) if "layers" in entry["config"] else None)
            for entry in config["config"]["layers"]]


# -- files Keras wrote ---------------------------------------------------------------------------
@pytest.mark.parametrize("file", sorted(KERAS_FILES))
def test_files_keras_wrote_predict_as_keras_did(file):
    key = KERAS_FILES[file]
    with np.load(os.path.join(KERAS_WRITTEN, "models.npz")) as keras:
        model = minicnn.load_model(os.path.join(KERAS_WRITTEN, file))
        np.testing.assert_allclose(model.predict(keras[f"{key}/x"]), keras[f"{key}/predict"],
                                   rtol=1e-5, atol=1e-6)
        weights = model.get_weights()
        assert len(weights) == len(keras[f"{key}/weight_paths"])
        for i, weight in enumerate(weights):  # get_weights in Keras's order, the same arrays
            np.testing.assert_array_equal(weight, keras[f"{key}/weight{i}"])
        if key == "functional":
            assert type(model).__name__ == "Functional"
            names = keras["functional/layer_names"].tolist()
            assert [layer.name for layer in model.layers] == names


@pytest.mark.parametrize("file", ["tiny_sequential.keras", "tiny_sequential.h5"])
def test_a_compiled_keras_model_comes_back_compiled_with_its_optimizer_state(file):
    model = keras_format.load_model(os.path.join(KERAS_WRITTEN, file))
    assert type(model.optimizer).__name__ == "RMSprop"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.loss.name == "categorical_crossentropy"
    assert [metric.name for metric in model.compiled_metrics] == ["accuracy"]
    with zipfile.ZipFile(os.path.join(KERAS_WRITTEN, "tiny_sequential.keras")) as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as stored:
            assert model.optimizer.iterations == int(stored["optimizer/vars/0"][()])
            velocity = stored["optimizer/vars/2"][()]  # the conv kernel's, Keras's third variable
    np.testing.assert_array_equal(model.optimizer.state[("conv2d.W", "velocity")], velocity)
    without = keras_format.load_model(os.path.join(KERAS_WRITTEN, file), compile=False)
    assert without.optimizer is None


def test_a_layer_minicnn_does_not_have_is_named():
    with pytest.raises(ValueError, match=r"lstm_unsupported.keras: layer 'lstm' is a Keras LSTM; "
                                         r"minicnn has no such layer"):
        minicnn.load_model(os.path.join(KERAS_WRITTEN, "lstm_unsupported.keras"))


def edited_copy(tmp_path, edit):
    """functional_chain.keras with its config.json changed by ``edit``."""
    source = os.path.join(KERAS_WRITTEN, "functional_chain.keras")
    target = tmp_path / "edited.keras"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            if name == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config)
            out.writestr(name, data)
    return target


def test_a_layer_called_on_two_tensors_and_unsupported_arguments_are_refused(tmp_path):
    def merge(config):  # the Dense layer also takes the input: two tensors, and not a merge
        dense = next(e for e in config["config"]["layers"] if e["name"] == "scores")
        args = dense["inbound_nodes"][0]["args"]
        args.append(json.loads(json.dumps(args[0]).replace("global_average_pooling2d", "image")))

    with pytest.raises(ValueError, match="'scores' inbound_nodes.*holds 2 arguments"):
        keras_format.load_model(edited_copy(tmp_path, merge))

    def listed(config):  # ... or as a list: a merge's call, which Dense is not
        dense = next(e for e in config["config"]["layers"] if e["name"] == "scores")
        args = dense["inbound_nodes"][0]["args"]
        args[:] = [[args[0], json.loads(json.dumps(args[0]).replace(
            "global_average_pooling2d", "image"))]]

    with pytest.raises(ValueError, match=r"'scores' \(Dense\) is called on a list of 2 tensors"):
        keras_format.load_model(edited_copy(tmp_path, listed))

    def dilated(config):
        conv = next(e for e in config["config"]["layers"] if e["class_name"] == "Conv2D")
        conv["config"]["dilation_rate"] = [2, 2]

    with pytest.raises(ValueError, match="conv2d.*dilation_rate"):
        keras_format.load_model(edited_copy(tmp_path, dilated))


def test_not_a_keras_file_is_a_clear_error(tmp_path):
    (tmp_path / "notes.keras").write_text("hello")
    with pytest.raises(ValueError, match="notes.keras: not a .keras file"):
        minicnn.load_model(tmp_path / "notes.keras")
    with pytest.raises(FileNotFoundError):
        minicnn.load_model(tmp_path / "missing.keras")


# -- files minicnn writes ------------------------------------------------------------------------
@pytest.mark.parametrize("file", ["tiny_sequential.keras", "functional_chain.keras",
                                  "nested_sequential.keras"])
def test_minicnn_writes_keras_layout(file, tmp_path):
    """Read Keras's file, write it again: the same members, classes and HDF5 layout
    (every group, attribute, dataset path, shape and dtype)."""
    model = keras_format.load_model(os.path.join(KERAS_WRITTEN, file))
    model.save(tmp_path / file)
    members, config, layout = archive_parts(os.path.join(KERAS_WRITTEN, file))
    our_members, our_config, our_layout = archive_parts(tmp_path / file)
    assert our_members == members == ["metadata.json", "config.json", "model.weights.h5"]
    assert our_config["class_name"] == config["class_name"]
    assert layer_classes(our_config) == layer_classes(config)
    assert our_layout == layout
    assert (our_config["compile_config"] == {}) == (config["compile_config"] == {})


def test_minicnn_writes_the_legacy_h5_layout(tmp_path):
    model = keras_format.load_model(os.path.join(KERAS_WRITTEN, "tiny_sequential.h5"))
    model.save(tmp_path / "tiny.h5")
    with open(os.path.join(KERAS_WRITTEN, "tiny_sequential.h5"), "rb") as file:
        keras_layout = h5_layout(file.read())
    ours = h5_layout((tmp_path / "tiny.h5").read_bytes())
    assert ours == keras_layout
    with h5py.File(tmp_path / "tiny.h5", "r") as file:
        config = json.loads(file.attrs["model_config"])
        training = json.loads(file.attrs["training_config"])
    assert config["class_name"] == "Sequential" and "module" not in config["config"]["layers"][1]
    assert training["optimizer_config"]["class_name"] == "RMSprop"


READ_BY_KERAS = {"every_layer.keras": "every_layer", "every_layer.h5": "every_layer",
                 "functional.keras": "functional", "nested.keras": "nested"}


@pytest.mark.parametrize("file", sorted(READ_BY_KERAS))
def test_files_minicnn_wrote_were_read_by_keras(file, tmp_path):
    """Keras 3.15 loaded these files (written by minicnn) and predicted: minicnn's model
    from the same file predicts the same, and writing it again gives the same layout."""
    key = READ_BY_KERAS[file]
    with open(os.path.join(MINICNN_WRITTEN, "keras_reads.json")) as report:
        keras = json.load(report)[file]
    assert keras["max_abs_predict_difference"] < 1e-5
    assert keras["max_abs_optimizer_difference"] == 0.0
    with np.load(os.path.join(MINICNN_WRITTEN, "keras_reads.npz")) as read, \
            np.load(os.path.join(MINICNN_WRITTEN, "minicnn.npz")) as written:
        model = minicnn.load_model(os.path.join(MINICNN_WRITTEN, file))
        np.testing.assert_allclose(model.predict(written[f"{key}/x"]), read[f"{file}/predict"],
                                   rtol=1e-5, atol=1e-6)
    model.save(tmp_path / file)  # the same file again: every array where Keras read it
    if file.endswith(".keras"):
        members, config, layout = archive_parts(os.path.join(MINICNN_WRITTEN, file))
        assert archive_parts(tmp_path / file)[1:] == (config, layout)
        stored, again = (zipfile.ZipFile(path).read("model.weights.h5")
                         for path in (os.path.join(MINICNN_WRITTEN, file), tmp_path / file))
    else:
        stored, again = (open(path, "rb").read()
                         for path in (os.path.join(MINICNN_WRITTEN, file), tmp_path / file))
    stored, again = h5_values(stored), h5_values(again)
    assert sorted(again) == sorted(stored)
    for name, value in stored.items():
        np.testing.assert_array_equal(again[name], value, err_msg=name)


def every_layer_model(dropout=0.2):
    minicnn.set_seed(5)
    model = minicnn.Sequential([
        layers.Rescaling(1 / 255), layers.Conv2D(3, 3, padding="same"), layers.BatchNormalization(),
        layers.ReLU(), layers.MaxPooling2D(2), layers.SeparableConv2D(4, 3, activation="relu"),
        layers.AveragePooling2D(2, padding="same"), layers.Dropout(dropout),
        layers.GlobalAveragePooling2D(), layers.Dense(3), layers.Softmax()],
        input_shape=(10, 10, 1), name="every")
    model.compile(optimizers.Adam(0.01), "categorical_crossentropy", ["accuracy"])
    return model


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_saved_model_trains_on_as_if_never_saved(suffix, tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (6, 10, 10, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 2, 1, 0]]
    model = every_layer_model(dropout=0.0)  # no dropout: each layer draws its own masks
    model.fit(x, y, batch_size=3, epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / f"every{suffix}")
    loaded = minicnn.load_model(tmp_path / f"every{suffix}")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.optimizer.iterations == model.optimizer.iterations == 2
    for name, value in model.optimizer.state.items():
        np.testing.assert_array_equal(loaded.optimizer.state[name], value)
    for each in (model, loaded):
        each.fit(x, y, batch_size=3, epochs=1, verbose=0, shuffle=False)
    for ours, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_model_checkpoint_on_keras_files_writes_keras_archives(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, (6, 10, 10, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 2, 1, 0]]
    model = every_layer_model()
    checkpoint = minicnn.training.callbacks.ModelCheckpoint(str(tmp_path / "ckpt" / "m-{epoch:02d}.keras"))
    model.fit(x, y, batch_size=3, epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["m-01.keras", "m-02.keras"]
    members, config, layout = archive_parts(tmp_path / "ckpt" / "m-02.keras")
    assert members == ["metadata.json", "config.json", "model.weights.h5"]
    assert "layers/batch_normalization/vars/3" in layout and "optimizer/vars/0" in layout
    np.testing.assert_array_equal(minicnn.load_model(tmp_path / "ckpt" / "m-02.keras").predict(x),
                                  model.predict(x))


def test_without_h5py_a_clear_error_and_no_file(tmp_path, monkeypatch):
    model = every_layer_model()
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now fails
    for suffix in (".keras", ".h5"):
        with pytest.raises(ImportError, match=r'(?s)needs h5py.*pip install -e "\.\[keras\]"'):
            model.save(tmp_path / f"model{suffix}")
        assert not os.path.exists(tmp_path / f"model{suffix}")
    with pytest.raises(ImportError, match="needs h5py"):
        minicnn.load_model(os.path.join(KERAS_WRITTEN, "tiny_sequential.keras"))


def test_layers_keras_lacks_are_refused_on_save(tmp_path):
    model = minicnn.Sequential([layers.Dense(2)], input_shape=(3,))
    model.layers[0].get_config = lambda: {"name": "dense", "units": 2, "blocks": 4}
    with pytest.raises(ValueError, match="dense .*blocks cannot be written for Keras"):
        model.save(tmp_path / "x.keras")
    assert not os.path.exists(tmp_path / "x.keras")


def test_keras_weights_files(tmp_path):
    """save_weights("x.weights.h5") writes the HDF5 a .keras archive holds; load_weights
    reads it (or a .keras file's) into a built model of the same layers."""
    x = np.random.default_rng(2).integers(0, 256, (3, 10, 10, 1)).astype("float32")
    model = every_layer_model()
    model.fit(x, np.eye(3, dtype="float32"), batch_size=3, verbose=0)
    keras_format.save_weights(model, tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert h5_layout((tmp_path / "m.weights.h5").read_bytes()) == h5_layout(
            archive.read("model.weights.h5"))
    for source in ("m.weights.h5", "m.keras"):
        fresh = every_layer_model()
        keras_format.load_weights(fresh, tmp_path / source)
        np.testing.assert_array_equal(fresh.predict(x), model.predict(x))
        assert fresh.optimizer.iterations == 1
    smaller = minicnn.Sequential([layers.Flatten(), layers.Dense(3)], input_shape=(10, 10, 1))
    with pytest.raises(ValueError, match=r"m.weights.h5: /layers/dense/vars/0 has shape \(4, 3\).*'dense'.*\(100, 3\)"):
        keras_format.load_weights(smaller, tmp_path / "m.weights.h5")


# -- keras.saving: one module, Keras's names ---------------------------------------------------------
SAVING_NAMES = ["load_model", "save_model", "load_weights", "save_weights",
                "register_keras_serializable", "get_custom_objects", "custom_object_scope",
                "CustomObjectScope"]


@pytest.mark.parametrize("first", ["import minicnn.compat.keras.saving",
                                   "from minicnn.compat.keras import saving",
                                   "import minicnn; minicnn.keras.saving"])
def test_keras_saving_is_one_module_with_keras_names_whatever_is_imported_first(first):
    """keras.saving was two modules once (the file formats, and Keras's names), and which one
    ``from minicnn.compat.keras import saving`` gave hung on what was imported before it:
    each order runs in a fresh interpreter."""
    code = (f"{first}\n"
            "import minicnn.compat.keras.saving as package\n"
            "from minicnn.compat.keras import saving\n"
            "from minicnn.keras import saving as alias\n"
            "assert saving is package is alias, (saving, package, alias)\n"
            f"lacking = [n for n in {SAVING_NAMES!r} if not hasattr(saving, n)]\n"
            "assert not lacking, lacking\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_keras_saving_names_are_keras_models_names_and_refuse_arguments_by_name(tmp_path):
    from minicnn.keras import models, saving
    assert saving.save_model is models.save_model and saving.load_model is models.load_model
    assert saving.get_custom_objects is minicnn.keras.utils.get_custom_objects
    model = every_layer_model()
    saving.save_model(model, tmp_path / "bare.h5", include_optimizer=False)  # Keras's keyword
    assert saving.load_model(tmp_path / "bare.h5").optimizer is None
    with pytest.raises(FileExistsError, match=r"bare.h5.*overwrite=False"):
        saving.save_model(model, tmp_path / "bare.h5", overwrite=False)
    with pytest.raises(ValueError, match=r"m.keras.*not supported: \['max_shard_size'\]"):
        saving.save_model(model, tmp_path / "m.keras", max_shard_size=1)
    with pytest.raises(ValueError, match=r"m.npz.*save_format='tf'"):
        saving.save_model(model, tmp_path / "m.npz", save_format="tf")
    with pytest.raises(AttributeError, match=r"keras.saving.serialize_keras_object.*whole models"):
        saving.serialize_keras_object
