"""Sequential, optimizers, fit/evaluate/predict, callbacks, save/load, trace."""
import json
import os

import numpy as np
import pytest

import minicnn
from minicnn import Sequential, load_model
from minicnn.callbacks import EarlyStopping
from minicnn.gradcheck import check_model
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPool2D, ReLU
from minicnn.optimizers import SGD, Adam


def small_cnn(num_classes=3, input_shape=(8, 8, 2), dtype=np.float32, softmax=True):
    model = Sequential([
        Conv2D(3, 3, padding="same", activation="relu"),
        MaxPool2D(2),
        Conv2D(4, 2, strides=1),
        ReLU(),
        Dropout(0.2),
        Flatten(),
        Dense(5, activation="relu"),
        Dense(num_classes, activation="softmax" if softmax else None),
    ])
    model.build(input_shape, dtype)
    return model


def bars(n, rng, size=12):
    """Horizontal (class 0) vs vertical (class 1) bars, with noise."""
    x = rng.normal(0, 0.1, (n, size, size, 1)).astype(np.float32)
    y = rng.integers(0, 2, n)
    for i in range(n):
        p = rng.integers(1, size - 1)
        if y[i]:
            x[i, :, p, 0] += 1
        else:
            x[i, p, :, 0] += 1
    return x, y


@pytest.mark.parametrize("softmax", [True, False])
def test_whole_model_gradient_check(softmax, kernels, rng):
    minicnn.set_seed(0)
    model = small_cnn(dtype=np.float64, softmax=softmax)
    model.compile("sgd", "categorical_crossentropy")
    x = rng.standard_normal((3, 8, 8, 2))
    y = np.eye(3)[[0, 2, 1]]
    errors = check_model(model, x, y, verbose=False)
    assert len(errors) == 8  # W and b of two convs and two dense layers
    assert max(errors.values()) < 1e-6, errors


def test_fused_softmax_loss_equals_loss_on_logits(rng):
    minicnn.set_seed(1)
    a = small_cnn(softmax=True)
    minicnn.set_seed(1)
    b = small_cnn(softmax=False)
    for m in (a, b):
        m.compile("sgd", "sparse_categorical_crossentropy")
    x = rng.standard_normal((4, 8, 8, 2)).astype(np.float32)
    y = np.array([0, 1, 2, 1])
    assert a.compute_loss(x, y) == pytest.approx(b.compute_loss(x, y), rel=1e-6)
    np.testing.assert_allclose(a.predict(x), b.predict(x), rtol=1e-5)
    np.testing.assert_allclose(a.predict(x).sum(axis=1), 1, rtol=1e-5)


# -- one-step parity with the update equations, computed by hand ----------------
def dense_model(optimizer):
    minicnn.set_seed(2)
    model = Sequential([Dense(3)], input_shape=(4,))
    model.build((4,), np.float64)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=[])
    return model


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_steps_match_hand_computation(momentum, nesterov, rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dense_model(SGD(learning_rate=0.1, momentum=momentum, nesterov=nesterov))
    w = model.layers[0].params["W"].copy()
    v = np.zeros_like(w)
    for _ in range(3):
        model.compute_gradients(x, y)
        g = model.layers[0].grads["W"].copy()
        model.layers[0].params["W"][...] = w  # restore, then let the optimizer step
        model.train_on_batch(x, y)
        v = momentum * v - 0.1 * g
        w = w + (momentum * v - 0.1 * g if nesterov else v)
        np.testing.assert_allclose(model.layers[0].params["W"], w, rtol=1e-12)


def test_adam_steps_match_hand_computation(rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dense_model(Adam(learning_rate=0.01))
    w = model.layers[0].params["W"].copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, 4):
        model.compute_gradients(x, y)
        g = model.layers[0].grads["W"].copy()
        model.train_on_batch(x, y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        w = w - 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-7)
        np.testing.assert_allclose(model.layers[0].params["W"], w, rtol=1e-12)


def test_gradients_stay_inspectable_after_a_step(rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dense_model("sgd")
    model.compute_gradients(x, y)
    before = model.layers[0].grads["W"].copy()
    model.train_on_batch(x, y)  # recomputes the same gradient, then updates
    np.testing.assert_allclose(model.layers[0].grads["W"], before)


# -- learning ----------------------------------------------------------------------
def test_a_small_cnn_learns_bars(rng):
    minicnn.set_seed(0)
    x, y = bars(400, rng)
    x_test, y_test = bars(200, rng)
    model = Sequential([Input((12, 12, 1)), Conv2D(4, 3, activation="relu"), MaxPool2D(2),
                        Flatten(), Dense(2, activation="softmax")])
    model.compile(Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, seed=0)
    loss, accuracy = model.evaluate(x_test, y_test)
    assert accuracy >= 0.95, history.history
    assert history.history["loss"][-1] < history.history["loss"][0]


# -- fit's bookkeeping ----------------------------------------------------------------
def test_fit_history_and_validation_split(rng, capsys):
    minicnn.set_seed(0)
    x, y = bars(64, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy", "auc"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=1)
    assert set(history.history) == {"loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc"}
    assert all(len(v) == 3 for v in history.history.values())
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and "3/3 [" in out and "val_accuracy" in out  # 48 samples / 16


def test_fit_accepts_a_loader(rng):
    class Loader:  # the DirectoryIterator protocol: __len__, __getitem__, on_epoch_end
        def __init__(self):
            self.x, self.y = bars(40, rng, size=8)
            self.epochs_ended = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return self.x[10 * i:10 * i + 10], np.eye(2)[self.y[10 * i:10 * i + 10]]

        def on_epoch_end(self):
            self.epochs_ended += 1

    loader = Loader()
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("adam", "categorical_crossentropy", ["categorical_accuracy"])
    history = model.fit(loader, epochs=2, verbose=0, validation_data=loader)
    assert loader.epochs_ended == 2 and len(history.history["val_accuracy"]) == 2
    assert model.predict(loader).shape == (40, 2)
    assert len(model.evaluate(loader)) == 2


def test_nan_loss_stops_with_epoch_and_batch_and_keeps_weights(rng):
    x, y = bars(64, rng, size=8)
    x[40] = np.nan  # in the third batch of 16 (no shuffling)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    snapshots = []
    original = model._train_step

    def spy(xb, yb):
        snapshots.append(model.get_weights())
        return original(xb, yb)

    model._train_step = spy
    with pytest.raises(FloatingPointError, match="epoch 1, batch 3"):
        model.fit(x, y, batch_size=16, shuffle=False, verbose=0)
    for kept, before in zip(model.get_weights(), snapshots[-1]):
        np.testing.assert_array_equal(kept, before)
        assert np.all(np.isfinite(kept))


def test_early_stopping_restores_best_weights(rng):
    x, y = bars(32, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    # a learning rate so large that the validation loss gets worse after the first epoch
    model.compile(SGD(50.0), "sparse_categorical_crossentropy")
    seen = []
    stopper = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, verbose=0, validation_data=(x, y),
                        callbacks=[stopper, lambda epoch, logs: seen.append((epoch, logs["loss"]))])
    epochs_run = len(history.history["loss"])
    assert epochs_run < 20 and len(seen) == epochs_run
    best = int(np.argmin(history.history["val_loss"]))
    assert model.evaluate(x, y)[0] == pytest.approx(history.history["val_loss"][best], rel=1e-5)


def test_set_seed_gives_bit_identical_training(rng):
    x, y = bars(64, rng, size=8)
    results = []
    for _ in range(2):
        minicnn.set_seed(42)
        model = Sequential([Conv2D(2, 3, activation="relu"), Dropout(0.3), Flatten(),
                            Dense(2, activation="softmax")], input_shape=(8, 8, 1))
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_compile_names_and_errors():
    model = Sequential([Dense(2)], input_shape=(3,))
    model.compile("SGD", "categorical_crossentropy", ["acc"])
    assert isinstance(model.optimizer, SGD) and model.metrics[0][0] == "accuracy"
    with pytest.raises(ValueError, match="rmsprop"):
        model.compile("rmsprop")
    with pytest.raises(ValueError, match="mse"):
        model.compile("adam", "mse")
    with pytest.raises(ValueError, match="f2"):
        model.compile("adam", metrics=["f2"])
    with pytest.raises(ValueError, match="compile"):
        Sequential([Dense(2)], input_shape=(3,)).fit(np.zeros((2, 3)), np.zeros(2))


# -- summary and trace ----------------------------------------------------------------
def test_summary_table(capsys):
    model = Sequential(input_shape=(128, 128, 3))
    for layer in [Conv2D(8, 3, strides=2, activation="relu"), MaxPool2D(2),
                  Conv2D(8, 3, strides=2, activation="relu"), MaxPool2D(2), Flatten(),
                  Dense(16, activation="relu"), Dense(4, activation="softmax")]:
        model.add(layer)
    model.summary()
    out = capsys.readouterr().out
    assert "conv2d (Conv2D)" in out and "conv2d_1 (Conv2D)" in out
    assert "(None, 63, 63, 8)" in out and "(None, 7, 7, 8)" in out and "(None, 392)" in out
    # 3*3*3*8+8 + 3*3*8*8+8 + 392*16+16 + 16*4+4
    assert f"Total params: {224 + 584 + 6288 + 68:,}" in out


def test_trace_reports_every_layer(rng, capsys):
    model = small_cnn()
    model.compile("adam")
    rows = model.trace(rng.standard_normal((4, 8, 8, 2)), np.eye(3)[[0, 1, 2, 0]])
    out = capsys.readouterr().out
    assert [r["layer"] for r in rows] == [layer.name for layer in model.layers]
    assert rows[0]["input_shape"] == (4, 8, 8, 2) and rows[-1]["output_shape"] == (4, 3)
    assert rows[0]["norms"]["W"][1] > 0 and "fwd ms" in out and "dense_1" in out


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


def test_layer_output_by_index_and_name(rng):
    model = small_cnn()
    x = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)
    first = model.layer_output(x, 0)
    assert first.shape == (2, 8, 8, 3) and np.all(first >= 0)  # after the fused ReLU
    np.testing.assert_array_equal(model.layer_output(x, "flatten"), model.layer_output(x, 5))
    with pytest.raises(ValueError, match="no layer 'nope'"):
        model.layer_output(x, "nope")
