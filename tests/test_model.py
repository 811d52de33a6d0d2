"""Sequential: the training step, fit/evaluate/predict, the input gradient and the fused loss."""

import numpy as np
import pytest

import minicnn
from minicnn import Sequential
from minicnn.gradcheck import check_model
from minicnn.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.keras import Input
from minicnn.optimizers import SGD, Adam
from conftest import bars, dense_model, small_cnn


@pytest.mark.parametrize("softmax", [True, False])
def test_whole_model_gradient_check(softmax, ops_mode, rng):
    minicnn.set_seed(0)
    model = small_cnn(dtype=np.float64, softmax=softmax)
    model.compile("sgd", "categorical_crossentropy")
    x = rng.standard_normal((3, 8, 8, 2))
    y = np.eye(3)[[0, 2, 1]]
    errors = check_model(model, x, y, verbose=False, check_input=True)
    # dL/dx through every layer, the first included (saliency maps need it)
    assert errors.pop("input") < 1e-6
    assert len(errors) == 8  # W and b of two convs and two dense layers
    assert max(errors.values()) < 1e-6, errors


def test_fused_softmax_loss_equals_loss_on_logits(rng):
    minicnn.set_seed(1)
    a = small_cnn(softmax=True)
    minicnn.set_seed(1)
    b = small_cnn(softmax=False)
    a.compile("sgd", "sparse_categorical_crossentropy")
    b.compile("sgd", minicnn.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = rng.standard_normal((4, 8, 8, 2)).astype(np.float32)
    y = np.array([0, 1, 2, 1])
    assert a.compute_loss(x, y) == pytest.approx(b.compute_loss(x, y), rel=1e-6)
    # predict returns the last layer's output, as Keras does: b's are the logits
    from minicnn.activations import softmax
    np.testing.assert_allclose(a.predict(x), softmax(b.predict(x)), rtol=1e-5)
    np.testing.assert_allclose(a.predict(x).sum(axis=1), 1, rtol=1e-5)


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
    assert loader.epochs_ended == 2 and len(history.history["val_categorical_accuracy"]) == 2
    assert model.predict(loader).shape == (40, 2)
    assert len(model.evaluate(loader)) == 2


def test_nan_loss_stops_with_epoch_and_batch_and_keeps_weights(rng):
    x, y = bars(64, rng, size=8)
    x[40] = np.nan  # in the third batch of 16 (no shuffling)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    snapshots = []
    original = model.train_step

    def spy(*batch):
        snapshots.append(model.get_weights())
        return original(*batch)

    model.train_step = spy
    with pytest.raises(FloatingPointError, match="epoch 1, batch 3"):
        model.fit(x, y, batch_size=16, shuffle=False, verbose=0)
    for kept, before in zip(model.get_weights(), snapshots[-1]):
        np.testing.assert_array_equal(kept, before)
        assert np.all(np.isfinite(kept))


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
    assert isinstance(model.optimizer, SGD)
    assert model.compiled_metrics.metrics[0].name == "acc"  # Keras logs "acc"
    with pytest.raises(ValueError, match="adamz"):
        model.compile("adamz")
    with pytest.raises(ValueError, match="msle_typo"):
        model.compile("adam", "msle_typo")
    with pytest.raises(ValueError, match="f2"):
        model.compile("adam", metrics=["f2"])
    with pytest.raises(ValueError, match="compile"):
        Sequential([Dense(2)], input_shape=(3,)).fit(np.zeros((2, 3)), np.zeros(2))




# -- the input gradient and the fused loss, through the layer contract -------------
def test_the_first_layer_returns_its_input_gradient(rng):
    model = small_cnn()
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)
    model.compute_gradients(x, [0, 1])
    out = model.layers[0].forward(x, training=False)
    assert model.layers[0].backward(np.ones_like(out)).shape == x.shape
    grad = model.input_gradient(x, [0, 1])
    assert grad.shape == x.shape and np.any(grad != 0)


def test_fit_skips_only_the_work_nobody_reads(rng, monkeypatch):
    """fit asks the first layer for no input gradient; everything else gets one (in
    textbook mode, where every layer's own backward runs; the fast step's fused stand-ins
    skip the same work, tests/test_fused_ops.py)."""
    model = small_cnn()
    model.compile("sgd", "sparse_categorical_crossentropy")
    asked = []
    for layer in model.layers:
        original = layer.backward
        monkeypatch.setattr(layer, "backward", lambda g, input_grad=True, _o=original, _l=layer:
                            asked.append((_l.name, input_grad)) or _o(g, input_grad))
    minicnn.set_ops("numpy")
    try:
        model.fit(rng.standard_normal((4, 8, 8, 2)), [0, 1, 2, 0], batch_size=4, verbose=0)
    finally:
        minicnn.set_ops("numba")
    assert asked[-1] == ("conv2d", False) and all(wanted for _, wanted in asked[:-1])


def test_softmax_fusion_works_for_any_layer_that_ends_in_softmax(rng):
    """The fusion asks the last layer's activation (the contract), not its class:
    Dense(3, softmax) and Dense(3) + Activation("softmax") train the same."""
    models = []
    for split in (False, True):
        minicnn.set_seed(4)
        layers = [Flatten(), Dense(3, activation=None if split else "softmax")]
        model = Sequential(layers + ([Activation("softmax")] if split else []), input_shape=(4, 4, 1))
        model.build((4, 4, 1), np.float64)
        model.compile(SGD(0.5), "sparse_categorical_crossentropy")
        assert model.loss_is_fused()
        models.append(model)
    x, y = rng.standard_normal((6, 4, 4, 1)), rng.integers(0, 3, 6)
    for model in models:
        model.fit(x, y, epochs=3, batch_size=3, shuffle=False, verbose=0)
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(models[0].predict(x), models[1].predict(x), rtol=1e-12)


def test_check_model_on_a_float32_model_checks_its_float64_twin(rng):
    minicnn.set_seed(0)
    model = small_cnn()  # float32
    model.compile("sgd", "categorical_crossentropy")
    before = model.get_weights()
    errors = check_model(model, rng.standard_normal((2, 8, 8, 2)), np.eye(3)[[0, 2]],
                         verbose=False)
    assert len(errors) == 8 and max(errors.values()) < 1e-6, errors
    assert model.dtype == np.float32
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- interrupts ---------------------------------------------------------------------
def test_ctrl_c_at_random_times_leaves_a_whole_step(rng, sigint_raises):
    """30 interrupts at random moments of fit: the weights and the optimizer's
    state are exactly those after ``optimizer.iterations`` whole steps (replayed
    on a twin model), and model.history holds the epochs completed so far."""
    import _thread
    import threading

    x, y = rng.standard_normal((64, 12, 12, 1)).astype(np.float32), rng.integers(0, 3, 64)

    def make():
        minicnn.set_seed(7)
        model = Sequential([Conv2D(8, 3, activation="relu"), Flatten(), Dense(64, activation="relu"),
                            Dense(3, activation="softmax")], input_shape=(12, 12, 1))
        model.compile(Adam(1e-3), "sparse_categorical_crossentropy")
        return model

    # compile the kernels first: numba's own first-time initialisation does not
    # survive an interrupt (a later call then fails inside numba)
    make().fit(x, y, batch_size=4, epochs=1, verbose=0)
    interrupted, steps_seen = 0, set()
    for trial in range(30):
        model = make()
        fired = []
        timer = threading.Timer(rng.uniform(0.0, 0.2),
                                lambda: fired.append(1) or _thread.interrupt_main())
        timer.start()
        try:
            # far longer than the timer's 0.2 s, however fast the step: the interrupt lands in fit
            model.fit(x, y, batch_size=4, epochs=1000, shuffle=False, verbose=0)
        except KeyboardInterrupt:
            if not fired:  # a real Ctrl-C: stop the test run
                raise
            interrupted += 1
        finally:
            timer.cancel()
        steps = model.optimizer.iterations
        steps_seen.add(steps)
        twin = make()
        for k in range(steps):
            twin.train_on_batch(x[4 * (k % 16):4 * (k % 16) + 4], y[4 * (k % 16):4 * (k % 16) + 4])
        for kept, replayed in zip(model.get_weights(), twin.get_weights()):
            np.testing.assert_array_equal(kept, replayed)
        assert model.optimizer.state.keys() == twin.optimizer.state.keys()
        for key, value in model.optimizer.state.items():
            np.testing.assert_array_equal(value, twin.optimizer.state[key])
        epochs = len(model.history.history.get("loss", []))
        assert steps // 16 - (steps % 16 == 0) <= epochs <= steps // 16
    assert interrupted == 30 and len(steps_seen) > 10  # the interrupts fell at many places


def test_sample_weights_scale_each_samples_loss_as_keras_does(rng):
    """loss = sum(w * l) / N (Keras's sum_over_batch_size), and class_weight picks w by class."""
    model = dense_model("sgd")
    x, y = rng.standard_normal((5, 4)), np.array([0, 1, 2, 1, 0])
    per_sample = [model.compute_loss(x[i:i + 1], y[i:i + 1]) for i in range(5)]
    w = np.array([0.5, 2.0, 1.0, 0.0, 3.0])
    assert model.test_on_batch(x, y, sample_weight=w) == pytest.approx(np.dot(w, per_sample) / 5)
    by_class = model.train_on_batch(x, y, class_weight={0: 0.5, 1: 2.0})
    expected = np.dot([0.5, 2.0, 1.0, 2.0, 0.5], per_sample) / 5
    assert by_class == pytest.approx(expected)


def test_keras_2_style_input_shape_on_the_first_layer():
    model = Sequential()
    model.add(Conv2D(2, 3, input_shape=(6, 6, 1)))
    model.add(Flatten())
    assert model.built and model.input_shape == (6, 6, 1) and model.output_shape == (None, 32)
    assert Sequential([Dense(3, input_shape=(4,))]).output_shape == (None, 3)


def test_binary_crossentropy_fused_with_sigmoid(rng, ops_mode):
    """A sigmoid output with binary cross-entropy: value and gradients checked numerically."""
    minicnn.set_seed(3)
    model = Sequential([Conv2D(2, 3, activation="relu"), Flatten(), Dense(1, activation="sigmoid")])
    model.build((5, 5, 1), np.float64)
    model.compile("sgd", "binary_crossentropy", ["accuracy", "auc"])
    assert model.loss_is_fused()
    x, y = rng.standard_normal((4, 5, 5, 1)), np.array([0, 1, 1, 0])
    p = model.predict(x)[:, 0]
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert model.compute_loss(x, y) == pytest.approx(expected, rel=1e-10)
    errors = check_model(model, x, y, verbose=False, check_input=True)
    assert max(errors.values()) < 1e-6, errors
    logs = model.evaluate(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy", "auc"}
    assert logs["accuracy"] == pytest.approx(np.mean((p > 0.5) == y))


def test_one_model_trains_in_one_thread_at_a_time():
    """fit in one thread and train_on_batch in another would share the layers'
    caches: the second is refused with a clear error, and works once fit is done."""
    import threading
    from minicnn.training.callbacks import Callback
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(3, 3, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = np.zeros((8, 3, 3, 1), np.float32), np.zeros(8, int)
    inside, release = threading.Event(), threading.Event()

    class Wait(Callback):
        def on_train_batch_end(self, batch, logs=None):
            inside.set()
            release.wait(10)
    worker = threading.Thread(target=lambda: model.fit(x, y, batch_size=8, verbose=0,
                                                       callbacks=[Wait()]))
    worker.start()
    try:
        assert inside.wait(10)
        with pytest.raises(RuntimeError, match="being trained in another thread"):
            model.train_on_batch(x, y)
        with pytest.raises(RuntimeError, match="fit: the model is being trained"):
            model.fit(x, y, verbose=0)
    finally:
        release.set()
        worker.join()
    model.train_on_batch(x, y)
