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
    model.compile("adam")
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

