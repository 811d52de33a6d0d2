"""Model files: round trips, weights only, corrupt and mismatched files, atomic writes."""
import json
import os

import numpy as np
import pytest

from minicnn import Sequential, load_model
from minicnn.layers import Dense, Flatten
from conftest import small_cnn


# -- files ------------------------------------------------------------------------------
def test_save_and_load_model_round_trip(tmp_path, rng):
    model = small_cnn()
    model.compile("adam", "categorical_crossentropy")
    x = rng.standard_normal((3, 8, 8, 2)).astype(np.float32)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [type(l) for l in loaded.layers] == [type(l) for l in model.layers]
    with np.load(path, allow_pickle=False) as data:
        architecture = json.loads(str(data["architecture"]))
    assert architecture["layers"][0]["config"]["filters"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary left behind


def test_save_weights_and_load_weights(tmp_path):
    a, b = small_cnn(), small_cnn()
    a.save_weights(tmp_path / "w.npz")
    b.load_weights(tmp_path / "w.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    with pytest.raises(ValueError, match="load_weights"):
        load_model(tmp_path / "w.npz")


def test_loading_a_corrupt_or_mismatched_file(tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="corrupt.npz"):
        load_model(corrupt)
    truncated = tmp_path / "truncated.npz"
    small_cnn().save(tmp_path / "good.npz")
    truncated.write_bytes((tmp_path / "good.npz").read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.npz"):
        load_model(truncated)
    other = Sequential([Flatten(), Dense(7)], input_shape=(8, 8, 2))
    other.save(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="missing"):
        small_cnn().load_weights(tmp_path / "other.npz")
    wider = small_cnn(num_classes=4)
    wider.save_weights(tmp_path / "wider.npz")
    with pytest.raises(ValueError, match=r"dense_1.W has shape \(5, 4\), the model expects \(5, 3\)"):
        small_cnn().load_weights(tmp_path / "wider.npz")
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_model(tmp_path / "nowhere.npz")


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    small_cnn().save(path)
    good = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        small_cnn(num_classes=4).save(path)
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["model.npz"]



# -- the attacks on model files ----------------------------------------------------------
def test_save_keeps_the_files_mode_or_gives_the_usual_one(tmp_path):
    path = tmp_path / "model.npz"
    old = os.umask(0o022)
    try:
        small_cnn().save(path)
        assert path.stat().st_mode & 0o777 == 0o644  # what the umask gives any new file
        path.chmod(0o640)
        small_cnn().save(path)
        assert path.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode
    finally:
        os.umask(old)


def test_save_removes_a_killed_saves_leftovers_and_syncs(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    stale = tmp_path / ".model.npz.minicnn-partial-abc123"
    stale.write_bytes(b"half a model")
    other = tmp_path / ".other.npz.minicnn-partial-xyz"  # another file's: left alone
    other.write_bytes(b"x")
    synced = []
    original = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or original(fd))
    small_cnn().save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "model.npz"]
    assert len(synced) == 1


@pytest.mark.parametrize("architecture,words", [
    ([1, 2], "JSON list"),
    ("a string", "JSON str"),
    ({"format": "minicnn-model", "input_shape": [4], "dtype": "float32", "layers": "dense"},
     "layers must be"),
    ({"format": "minicnn-model", "input_shape": [4, "x"], "dtype": "float32", "layers": []},
     "input_shape"),
    ({"format": "minicnn-model", "input_shape": [4], "dtype": "float32",
      "layers": [{"class_name": "Lambda", "config": {}}]}, "unknown layer class 'Lambda'"),
    ({"format": "minicnn-model", "input_shape": [4], "dtype": "float32",
      "layers": [{"class_name": "Dense", "config": {"units": 2, "kernel": 3}}]}, "kernel"),
])
def test_malformed_architectures_are_value_errors(tmp_path, architecture, words):
    path = tmp_path / "bad.npz"
    np.savez(path, architecture=np.array(json.dumps(architecture)))
    with pytest.raises(ValueError, match=words) as error:
        load_model(path)
    assert "bad.npz" in str(error.value)


def test_deeply_nested_json_is_a_value_error(tmp_path):
    path = tmp_path / "deep.npz"
    np.savez(path, architecture=np.array("[" * 100_000 + "]" * 100_000))
    with pytest.raises(ValueError, match="deep.npz"):
        load_model(path)


def test_a_huge_input_shape_allocates_nothing(tmp_path):
    """A file claiming a 60000x60000 input is refused by its weights' shapes
    before any layer allocates its parameters."""
    import tracemalloc
    model = Sequential([Flatten(), Dense(2)], input_shape=(4, 4, 1))
    model.save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as data:
        arrays = {k: data[k] for k in data.files}
    arch = json.loads(str(arrays["architecture"]))
    arch["input_shape"] = [60000, 60000, 1]
    arrays["architecture"] = np.array(json.dumps(arch))
    np.savez(tmp_path / "huge.npz", **arrays)
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"dense.W has shape \(16, 2\), the model expects "
                                         r"\(3600000000, 2\)"):
        load_model(tmp_path / "huge.npz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2**20


@pytest.mark.parametrize("content,words", [
    (b"class,weight\ncat,1\n", "not a minicnn model"),
    (None, r"one NumPy array \(.npy\)"),
])
def test_files_that_are_not_models(tmp_path, content, words):
    path = tmp_path / "model.npz"
    if content is None:
        with open(path, "wb") as file:
            np.save(file, np.zeros(3))
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=words) as error:
        load_model(path)
    assert "allow_pickle" not in str(error.value) and "model.npz" in str(error.value)


def test_the_same_layer_twice_is_refused():
    dense = Dense(4)
    model = Sequential([Flatten(), dense])
    with pytest.raises(ValueError, match="already in the model"):
        model.add(dense)


def test_a_saved_optimizer_resumes_training_exactly(tmp_path, rng):
    """model.save keeps the optimizer (settings, step count, moments), as Keras's
    include_optimizer=True: 2 steps, save, load, 2 more == 4 steps in one go."""
    from minicnn.optimizers import Adam
    x, y = rng.standard_normal((8, 8, 8, 2)).astype(np.float32), rng.integers(0, 3, 8)
    from minicnn.layers import Conv2D, MaxPool2D
    models = []
    for _ in range(2):  # no Dropout: its masks are random (minicnn train saves that state too)
        model = Sequential([Conv2D(3, 3, activation="relu"), MaxPool2D(2), Flatten(),
                            Dense(3, activation="softmax")], input_shape=(8, 8, 2))
        model.compile(Adam(0.01), "sparse_categorical_crossentropy", ["accuracy", "auc"])
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    for _ in range(4):
        models[0].train_on_batch(x, y)
    for _ in range(2):
        models[1].train_on_batch(x, y)
    models[1].save(tmp_path / "half.npz")
    resumed = load_model(tmp_path / "half.npz")
    assert type(resumed.optimizer).__name__ == "Adam" and resumed.optimizer.iterations == 2
    assert [m.name for m in resumed.compiled_metrics] == ["accuracy", "auc"]
    for _ in range(2):
        resumed.train_on_batch(x, y)
    for a, b in zip(models[0].get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    resumed.save(tmp_path / "bare.npz", include_optimizer=False)
    assert load_model(tmp_path / "bare.npz").optimizer is None
