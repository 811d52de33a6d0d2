"""fit-level behaviour pinned to Keras 3.15's (tests/fixtures/keras_round4, its README): how fit
shuffles and splits, how the epoch and evaluate losses average over uneven batches, class
weights, EarlyStopping's min_delta, AUC at scores on a threshold, the shift ranges' draws,
Dropout's survivors, BatchNormalization's default momentum, and tiny.py at inference."""
import os

import numpy as np
import pytest

import minicnn
from minicnn import tiny
from minicnn.layers import BatchNormalization, Dense, Dropout
from minicnn.preprocessing import ImageDataGenerator
from minicnn.training import batches, metrics
from minicnn.training.callbacks import Callback, EarlyStopping, LearningRateScheduler

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
with np.load(os.path.join(FIXTURES, "keras_round4", "keras_round4.npz")) as _data:
    KERAS = {k: _data[k] for k in _data.files}


# -- fit and evaluate with the weights held still (SGD at learning rate 0) ---------------------
# minicnn's SGD refuses a learning rate of 0; at 1e-300 a step leaves every weight as it was
STILL = 1e-300


def held_model():
    """Keras's Dense(3, softmax) with the fixture's weights; nothing moves during fit."""
    model = minicnn.Sequential([Dense(3, activation="softmax")])
    model.build((4,), np.float64)
    model.set_weights([KERAS["fit/kernel"], KERAS["fit/bias"]])
    model.compile(minicnn.optimizers.SGD(STILL), "categorical_crossentropy", metrics=["accuracy"])
    return model


FIT_CASES = {"plain": {"shuffle": False}, "shuffled": {}, "split_0.3": {"validation_split": 0.3},
             "split_0.25": {"validation_split": 0.25}, "split_0.35": {"validation_split": 0.35},
             "class_weight": {"class_weight": dict(enumerate(KERAS["fit/class_weight"]))},
             "sample_weight": {"sample_weight": KERAS["fit/sample_weight"]},
             "split_0.3_weighted": {"validation_split": 0.3,
                                    "sample_weight": KERAS["fit/sample_weight"]},
             "class_weight_partial": {"class_weight": {0: 0.5, 2: 3.0}}}  # class 1 weighs 1


WEIGHTED = ("class_weight", "sample_weight", "split_0.3_weighted", "class_weight_partial")


def fit_history(case):
    history = held_model().fit(KERAS["fit/x"], KERAS["fit/y"], batch_size=4, epochs=2,
                               verbose=0, seed=1, **FIT_CASES[case]).history
    expected = {k.split("/")[2]: v for k, v in KERAS.items() if k.startswith(f"fit/{case}/")}
    assert sorted(history) == sorted(expected)
    return history, expected


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_fit_logs_what_keras_logs_over_uneven_batches(case):
    """10 samples in batches of 4 (4, 4, 2): the epoch's loss is the mean over samples, the
    validation split the last rows (with their sample weights), class weights weigh each
    sample's loss (no sample weights given; a class left out weighs 1), as Keras's history
    has them."""
    history, expected = fit_history(case)
    for key, values in expected.items():
        if case not in WEIGHTED or "loss" in key:  # weighted metrics: the test below
            np.testing.assert_allclose(history[key], values, rtol=1e-9, err_msg=key)


@pytest.mark.parametrize("case", WEIGHTED)
def test_fit_metrics_ignore_sample_and_class_weights_as_keras(case):
    history, expected = fit_history(case)
    np.testing.assert_allclose(history["accuracy"], expected["accuracy"], rtol=1e-9)


def test_evaluate_averages_over_samples_not_over_batches():
    model = held_model()
    x, y = KERAS["fit/x"], KERAS["fit/y"]
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=4), KERAS["evaluate/plain"],
                               rtol=1e-9)
    weighted = model.evaluate(x, y, batch_size=4, sample_weight=KERAS["fit/sample_weight"])
    assert weighted[0] == pytest.approx(KERAS["evaluate/sample_weight"][0], rel=1e-9)
    # the case tells the two apart: a mean of the three batch means is far from it
    assert abs(KERAS["evaluate/batch_means"][0] - KERAS["evaluate/plain"][0]) > 0.1


def test_evaluate_runs_in_inference_mode():
    """Dropout is the identity in evaluate: Keras's loss for the same weights."""
    model = minicnn.Sequential([Dense(6, activation="relu"), Dropout(0.5),
                                Dense(3, activation="softmax")])
    model.build((4,), np.float64)
    model.set_weights([KERAS[f"evaluate/dropout/weight{i}"] for i in range(4)])
    model.compile("sgd", "categorical_crossentropy")
    loss = model.evaluate(KERAS["fit/x"], KERAS["fit/y"], batch_size=4)
    assert loss == pytest.approx(float(KERAS["evaluate/dropout/loss"]), rel=1e-9)


class Begun(Callback):
    """The epochs and batches fit begins."""

    def __init__(self):
        self.epochs, self.batches = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self.batches.append(batch)


def test_fit_from_initial_epoch_runs_the_remaining_epochs_as_keras():
    begun = Begun()
    history = held_model().fit(KERAS["fit/x"], KERAS["fit/y"], batch_size=4, epochs=3,
                               initial_epoch=1, verbose=0, callbacks=[begun])
    assert begun.epochs == KERAS["fit/initial_epoch1/epochs_begun"].tolist()
    np.testing.assert_allclose(history.history["loss"], KERAS["fit/initial_epoch1/loss"],
                               rtol=1e-9)


def test_fit_batches_32_samples_by_default_as_keras():
    begun = Begun()
    x, y = np.resize(KERAS["fit/x"], (70, 4)), np.resize(KERAS["fit/y"], (70, 3))
    held_model().fit(x, y, epochs=1, verbose=0, callbacks=[begun])
    assert len(begun.batches) == int(KERAS["fit/default_batch_size/steps"])


def test_learning_rate_scheduler_counts_epochs_from_zero_as_keras():
    asked = []

    def schedule(epoch, lr):
        asked.append(epoch)
        return 0.01 * (epoch + 1)

    history = held_model().fit(KERAS["fit/x"], KERAS["fit/y"], batch_size=4, epochs=3, verbose=0,
                               callbacks=[LearningRateScheduler(schedule)])
    assert asked == KERAS["fit/lr_schedule/asked"].tolist()
    np.testing.assert_allclose(history.history["learning_rate"],
                               KERAS["fit/lr_schedule/learning_rate"], rtol=1e-6)


@pytest.mark.parametrize("key", sorted(k for k in KERAS if k.startswith("split/")))
def test_validation_split_takes_the_rows_keras_takes(key):
    n, fraction = (float(part[1:]) for part in key.split("/")[1].split("_"))
    rows = np.arange(int(n))
    _, _, _, (validation, _, _) = batches.split_off_validation(rows, rows, None, fraction)
    np.testing.assert_array_equal(validation, KERAS[key])


def epoch_orders(epochs=3, n=12, **fit_options):
    """The rows fit's steps saw, epoch by epoch (x's one feature is the row's index)."""
    model = minicnn.Sequential([Dense(2, activation="softmax")])
    model.build((1,), np.float64)
    model.compile(minicnn.optimizers.SGD(STILL), "sparse_categorical_crossentropy")
    seen, step = [], model.fit_step()

    def recording_step(x, y, w):
        seen.append(x[:, 0].astype(int))
        return step(x, y, w)

    model.fit_step = lambda: recording_step
    model.fit(np.arange(n, dtype=np.float64)[:, None], np.arange(n) % 2, batch_size=5,
              epochs=epochs, verbose=0, **fit_options)
    per_epoch = -(-len(seen) // epochs)
    return [np.concatenate(seen[i:i + per_epoch]) for i in range(0, len(seen), per_epoch)]


def test_fit_shuffles_every_epoch_differently_and_the_seed_repeats_it():
    orders = epoch_orders(seed=5)
    for order in orders:
        assert sorted(order) == list(range(12))  # each row once an epoch
    assert not np.array_equal(orders[0], np.arange(12))
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    again, other = epoch_orders(seed=5), epoch_orders(seed=6)
    assert all(np.array_equal(a, b) for a, b in zip(orders, again))
    assert not all(np.array_equal(a, b) for a, b in zip(orders, other))
    for order in epoch_orders(shuffle=False):
        np.testing.assert_array_equal(order, np.arange(12))


def test_validation_split_is_taken_before_shuffling():
    """Keras cuts off the last rows, then shuffles what is left: every epoch trains on
    the first 8 of 12 rows (validation_split 0.3), shuffled."""
    for order in epoch_orders(seed=5, validation_split=0.3):
        assert sorted(order) == list(range(8))
        assert not np.array_equal(order, np.arange(8))


# -- EarlyStopping's min_delta, both modes ----------------------------------------------------
class Holder:
    """What EarlyStopping needs of a model."""
    stop_training = False

    def get_weights(self):
        return []


EARLY = sorted({k.rsplit("/", 1)[0] for k in KERAS if k.startswith("early/") and "delta" in k})


@pytest.mark.parametrize("case", EARLY)
def test_early_stopping_min_delta_as_keras(case):
    """Values that fall by more and by less than min_delta, and rise by less than it:
    the waits, the best value after each epoch and the epoch stopped at are Keras's."""
    _, mode, setting = case.split("/")
    delta, patience = setting[len("delta"):].split("_patience")
    monitor = "val_loss" if mode == "min" else "val_accuracy"
    stopper = EarlyStopping(monitor=monitor, min_delta=float(delta), patience=int(patience),
                            mode=mode)
    holder = Holder()
    stopper.set_model(holder)
    stopper.on_train_begin()
    waits, bests, stopped = [], [], -1
    for epoch, value in enumerate(KERAS[f"early/{mode}/values"]):
        stopper.on_epoch_end(epoch, {monitor: float(value)})
        waits.append(stopper.wait)
        bests.append(stopper.best)
        if holder.stop_training:
            stopped = epoch
            break
    assert waits == KERAS[case + "/waits"].tolist()
    np.testing.assert_allclose(bests, KERAS[case + "/bests"])
    assert stopped == int(KERAS[case + "/stopped_epoch"])


# -- AUC, Precision and Recall with scores exactly on a threshold -----------------------------
@pytest.mark.parametrize("n", [3, 5, 9])
def test_auc_counts_a_score_on_a_threshold_as_below_it(n):
    """Keras's rule: predicted positive when the score is strictly above the threshold."""
    auc = metrics.AUC(num_thresholds=n)
    auc.update_state(KERAS["auc/truth"], KERAS["auc/scores"][:, None])
    assert auc.value() == pytest.approx(float(KERAS[f"auc/n{n}"]), abs=1e-6)


def test_auc_precision_and_recall_on_thresholds_as_keras():
    auc = metrics.AUC(num_thresholds=5)
    auc.update_state(KERAS["auc/onehot_truth"], KERAS["auc/onehot_scores"])
    assert auc.value() == pytest.approx(float(KERAS["auc/onehot_n5"]), abs=1e-6)
    binary = metrics.Accuracy()  # a sigmoid's one column: a score of exactly 0.5 is class 0
    binary.update_state(KERAS["auc/truth"], KERAS["auc/scores"][:, None])
    assert binary.value() == pytest.approx(float(KERAS["auc/binary_accuracy"]))
    for cls in (metrics.Precision, metrics.Recall):
        metric = cls()
        metric.update_state(KERAS["auc/truth"], KERAS["auc/scores"][:, None])
        assert metric.value() == pytest.approx(float(KERAS[f"auc/{cls.__name__.lower()}"]),
                                               abs=1e-6)


def test_auc_counts_a_float32_score_on_an_inexact_threshold_as_keras():
    auc = metrics.AUC(num_thresholds=4)  # thresholds 1/3 and 2/3
    auc.update_state(KERAS["auc/thirds_truth"], KERAS["auc/thirds_scores"][:, None])
    assert auc.value() == pytest.approx(float(KERAS["auc/thirds_n4"]), abs=1e-6)


def test_mean_weighs_its_values_as_keras():
    mean = metrics.Mean()
    values, weights = KERAS["mean/values"], KERAS["mean/weights"]
    mean.update_state(values[:2], sample_weight=weights[:2])
    mean.update_state(values[2:], sample_weight=weights[2:])
    assert mean.value() == pytest.approx(float(KERAS["mean/result"]), rel=1e-6)


# -- width_shift_range and height_shift_range -------------------------------------------------
SHIFTS = {"int3": 3, "int1": 1, "float1.0": 1.0, "float2.5": 2.5, "float0.2": 0.2,
          "list1_3": [1, 3]}


@pytest.mark.parametrize("axis", ["width", "height"])
@pytest.mark.parametrize("name", sorted(SHIFTS))
def test_shift_ranges_draw_what_keras_draws(name, axis):
    """An int n: whole pixels in (-n, n); a float >= 1: pixels, uniform in (-r, r); a float
    < 1: a fraction of the width (height); a list: its values with either sign."""
    prefix = f"shift/{axis}_{name}"
    generator = ImageDataGenerator(**{f"{axis}_shift_range": SHIFTS[name]}, seed=0)
    key = "ty" if axis == "width" else "tx"
    shape = tuple(KERAS["shift/image_shape"])
    drawn = np.array([generator.get_random_transform(shape)[key] for _ in range(3000)])
    expected = KERAS[prefix + "/values"]
    if KERAS[prefix + "/discrete"]:
        np.testing.assert_array_equal(np.unique(drawn), expected)
    else:
        bound = max(abs(expected))
        assert len(np.unique(drawn)) > 100
        assert drawn.min() == pytest.approx(expected[0], abs=0.01 * bound)
        assert drawn.max() == pytest.approx(expected[1], abs=0.01 * bound)


def test_zoom_and_rotation_draw_from_keras_ranges():
    generator = ImageDataGenerator(zoom_range=0.2, rotation_range=30, seed=0)
    shape = tuple(KERAS["shift/image_shape"])
    drawn = [generator.get_random_transform(shape) for _ in range(3000)]
    for key in ("zx", "zy", "theta"):
        low, high = KERAS[f"draws/zoom0.2_rotation30/{key}"]
        values = np.array([d[key] for d in drawn])
        spread = 0.01 * (high - low)
        assert values.min() == pytest.approx(low, abs=spread), key
        assert values.max() == pytest.approx(high, abs=spread), key


def test_featurewise_std_normalization_alone_also_centres_as_keras():
    images = KERAS["standardize/images"]
    generator = ImageDataGenerator(featurewise_std_normalization=True)
    generator.fit(images)
    np.testing.assert_allclose(generator.standardize(images[0].copy()),
                               KERAS["standardize/std_only"], rtol=1e-4, atol=1e-5)


# -- Dropout, BatchNormalization, tiny.py at inference -----------------------------------------
def test_dropout_survivors_are_scaled_as_keras_scales_them():
    x, keras_y = KERAS["dropout/x"], KERAS["dropout/y_rate0.25"]
    layer = Dropout(0.25, seed=3)
    layer.build(x.shape[1:], np.float32)
    y = layer.forward(x, training=True)
    kept = y != 0
    assert 0.15 < 1 - kept.mean() < 0.35
    np.testing.assert_allclose(y[kept] / x[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_allclose(keras_y[keras_y != 0] / x[keras_y != 0], 1 / 0.75, rtol=1e-6)
    grad = np.ones_like(x)
    np.testing.assert_allclose(layer.backward(grad), y / x, rtol=1e-6)  # the same mask
    np.testing.assert_array_equal(layer.forward(x, training=False), KERAS["dropout/y_inference"])


def test_batch_normalization_moves_at_keras_default_momentum():
    """Keras's convention at its default 0.99: moving = 0.99 * moving + 0.01 * batch's; and
    the inference gradient, through gamma (not 1 in the fixture)."""
    with np.load(os.path.join(FIXTURES, "keras_round3", "batchnorm.npz")) as data:
        case = {k.split("/", 2)[2]: data[k] for k in data.files if k.startswith("dense2d/default/")}
    layer = BatchNormalization()
    assert layer.momentum == 0.99
    layer.build(case["x"].shape[1:], np.float64)
    layer.set_weights([case[f"init_{name}"] for name in ("gamma", "beta", "moving_mean",
                                                          "moving_variance")])
    layer.forward(case["x"], training=True)
    moved = layer.state_updates()
    np.testing.assert_allclose(moved["moving_mean"], case["moving_mean_after1"], rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(moved["moving_variance"], case["moving_variance_after1"],
                               rtol=1e-12)
    np.testing.assert_allclose(moved["moving_mean"], 0.99 * case["init_moving_mean"]
                               + 0.01 * case["x"].mean(axis=0), rtol=1e-12)
    layer.forward(case["x"], training=False)  # inference: dx = dy * gamma / sqrt(var + eps)
    np.testing.assert_allclose(layer.backward(case["G"]), case["dx_inference"], rtol=1e-9)


def test_tiny_at_inference_is_the_network_without_dropout():
    """Keras's Dropout is the identity at inference: no mask, no scaling."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 256, 256, 1))
    model = tiny.xray_model(3, seed=0)
    without = [layer for layer in model.layers if not isinstance(layer, tiny.Dropout)]
    expected = x
    for layer in without:
        expected = layer.forward(expected, False)
    np.testing.assert_array_equal(model.forward(x), expected)
    dropout = tiny.Dropout(0.4, np.random.default_rng(1))
    np.testing.assert_array_equal(dropout.forward(x, False), x)
    np.testing.assert_array_equal(dropout.backward(x), x)


# -- the loss's gradient and the initializers' truncation, from their definitions -------------
def test_softmax_cross_entropy_gradient_with_soft_targets_that_do_not_sum_to_one():
    """Keras's categorical cross-entropy is -sum t log softmax(z) for any targets t; its
    gradient is softmax(z) * sum(t) - t (divided by N), checked by finite differences."""
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((4, 3))
    targets = np.array([[0.5, 1.0, 0.0], [0.2, 0.2, 0.2], [0.0, 0.0, 2.0], [1.0, 0.0, 0.0]])
    loss = minicnn.losses.CategoricalCrossentropy(from_logits=True)
    loss.forward(logits, targets)
    grad = loss.backward()
    numeric = np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        step = np.zeros_like(logits)
        step[index] = 1e-6
        numeric[index] = (loss.forward(logits + step, targets)
                          - loss.forward(logits - step, targets)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_truncated_normals_redraw_beyond_two_standard_deviations_as_keras():
    """Keras's TruncatedNormal: values more than 2 stddev from the mean are drawn again;
    he_normal's stddev is sqrt(2 / fan_in) / 0.8796 before truncation."""
    values = minicnn.initializers.TruncatedNormal(stddev=1.0, seed=0)((20000,))
    assert np.abs(values).max() <= 2 and np.abs(values).max() > 1.95
    kernel = minicnn.initializers.HeNormal(seed=0)((3, 3, 8, 200))
    stddev = np.sqrt(2 / (3 * 3 * 8))
    assert np.abs(kernel).max() <= 2 * stddev / 0.87962566103423978
    assert kernel.std() == pytest.approx(stddev, rel=0.02)
