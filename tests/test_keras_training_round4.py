"""Issue 29's training names against Keras 3.15's numbers (tests/fixtures/keras_issue29):
the learning-rate schedules, the optimizers and their options, the losses (classes and
functions), the metrics; and fit, evaluate and predict with several inputs and outputs,
callbacks on evaluate and predict, train_on_batch's results, LambdaCallback and the
TensorBoard event files."""
import json
import os
import re
import warnings

import numpy as np
import pytest

import minicnn
from minicnn import keras, optimizers, schedules
from minicnn.compat.keras import losses as keras_losses
from minicnn.compat.keras import metrics as keras_metrics
from minicnn.tape import GradientTape, Tensor
from minicnn.training.callbacks import event_files

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "keras_issue29")
KERAS = np.load(os.path.join(FIXTURES, "keras.npz"))
with open(os.path.join(FIXTURES, "keras.json")) as file:
    FACTS = json.load(file)
layers = keras.layers


# -- schedules -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FACTS["schedules"]["values"]))
def test_schedules_give_keras_rates(name):
    class_name, config = FACTS["schedules"]["configs"][name]
    schedule = getattr(schedules, class_name)(**{k: v for k, v in config.items()
                                                 if k != "name" and v is not None})
    got = [schedule(step) for step in FACTS["schedules"]["steps"]]
    np.testing.assert_allclose(got, FACTS["schedules"]["values"][name], rtol=1e-5, atol=1e-7)


def test_a_schedule_travels_through_get_config_and_optimizers():
    schedule = schedules.CosineDecay(0.1, 100, warmup_target=0.5, warmup_steps=10)
    again = schedules.get({"class_name": "CosineDecay", "config": schedule.get_config()})
    assert again(37) == schedule(37)
    optimizer = optimizers.SGD(schedule)
    assert optimizer.learning_rate == schedule(0)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, 0)


# -- optimizers ------------------------------------------------------------------------------------
OPTIMIZERS = {
    "nadam": lambda: optimizers.Nadam(0.01), "adamax": lambda: optimizers.Adamax(0.01),
    "adagrad": lambda: optimizers.Adagrad(0.1), "adadelta": lambda: optimizers.Adadelta(1.0),
    "adamw": lambda: optimizers.AdamW(0.01), "adam_amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "sgd_clipnorm": lambda: optimizers.SGD(0.1, clipnorm=0.5),
    "sgd_clipvalue": lambda: optimizers.SGD(0.1, clipvalue=0.3),
    "adam_global_clipnorm": lambda: optimizers.Adam(0.01, global_clipnorm=0.7),
    "rmsprop_weight_decay": lambda: optimizers.RMSprop(0.01, weight_decay=0.1),
    "sgd_cosine": lambda: optimizers.SGD(schedules.CosineDecay(0.2, 4), momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_take_keras_steps(name):
    variable = minicnn.Variable(KERAS["optimizers/start"].copy())
    optimizer = OPTIMIZERS[name]()
    for grad in KERAS["optimizers/grads"]:
        optimizer.apply_gradients([(grad, variable)])
    np.testing.assert_allclose(variable.numpy(), KERAS[f"optimizers/{name}"], rtol=2e-5, atol=2e-6)


def test_global_clipnorm_scales_every_gradient_together():
    start, grads = KERAS["optimizers/start"], KERAS["optimizers/grads"]
    two = [minicnn.Variable(start.copy()), minicnn.Variable(start[:2] * 2)]
    optimizers.SGD(0.1, global_clipnorm=1.0).apply_gradients(
        [(grads[0], two[0]), (grads[1][:2] * 3, two[1])])
    for i, variable in enumerate(two):
        np.testing.assert_allclose(variable.numpy(), KERAS[f"optimizers/global_clipnorm_two/{i}"],
                                   rtol=1e-5)


def test_optimizer_names_members_and_exclusions():
    assert optimizers.get("nadam").name == "nadam" and optimizers.get("AdamW").weight_decay == 0.004
    adam = optimizers.Adam(amsgrad=True)
    assert adam.amsgrad and not adam.built and adam.get_config()["amsgrad"] is True
    layer = layers.Dense(2, bias_initializer="ones")
    layer.build((3,))
    sgd = optimizers.SGD(1.0, weight_decay=0.5)
    sgd.exclude_from_weight_decay(var_names=["bias"])
    sgd.apply_gradients(zip([np.zeros((3, 2)), np.zeros(2)], layer.trainable_variables))
    np.testing.assert_array_equal(layer.params["b"], [1.0, 1.0])  # spared; the kernel halved
    assert sgd.built and len(sgd.variables) >= 1
    assert optimizers.Adam.from_config(adam.get_config()).amsgrad
    with pytest.raises(ValueError, match="at most one"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_a_max_norm_constraint_holds_after_fit_steps_through_variables(rng):
    dense = layers.Dense(4, kernel_constraint=keras.constraints.max_norm(0.5))
    dense.build((6,))
    optimizer = optimizers.SGD(5.0)
    for _ in range(3):
        optimizer.apply_gradients(zip([rng.standard_normal((6, 4)), np.zeros(4)],
                                      dense.trainable_variables))
    assert np.all(np.linalg.norm(dense.params["W"], axis=0) <= 0.5 + 1e-6)
    np.testing.assert_allclose(keras.constraints.UnitNorm()(np.array([[3.0], [4.0]])),
                               [[0.6], [0.8]], rtol=1e-6)
    np.testing.assert_array_equal(keras.constraints.NonNeg()(np.array([-1.0, 2.0])), [0.0, 2.0])


# -- losses ----------------------------------------------------------------------------------------
LOSSES = {"mse": keras_losses.MeanSquaredError, "mae": keras_losses.MeanAbsoluteError,
          "cce_smooth": lambda: keras_losses.CategoricalCrossentropy(label_smoothing=0.1),
          "bce_smooth": lambda: keras_losses.BinaryCrossentropy(label_smoothing=0.2),
          "binary_focal": lambda: keras_losses.BinaryFocalCrossentropy(gamma=2.0),
          "binary_focal_balanced": lambda: keras_losses.BinaryFocalCrossentropy(
              apply_class_balancing=True, alpha=0.3),
          "categorical_focal": lambda: keras_losses.CategoricalFocalCrossentropy(alpha=0.4, gamma=1.5)}


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_losses_give_keras_values_and_gradients(name, weighted):
    key = f"losses/{name}{'_weighted' if weighted else ''}"
    predictions = Tensor(KERAS[f"losses/{name}/p"])
    with GradientTape() as tape:
        tape.watch(predictions)
        value = LOSSES[name]()(KERAS[f"losses/{name}/t"], predictions,
                               KERAS["losses/weights"] if weighted else None)
    np.testing.assert_allclose(float(value), KERAS[f"{key}/value"], rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(value, predictions).numpy(), KERAS[f"{key}/grad"],
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error",
                                  "sparse_categorical_crossentropy", "categorical_crossentropy",
                                  "binary_crossentropy"])
def test_keras_loss_functions_give_each_samples_loss(name):
    t, p = {"mean_squared_error": ("mse", "mse"), "mean_absolute_error": ("mse", "mse"),
            "categorical_crossentropy": ("cce_smooth", "cce_smooth"),
            "binary_crossentropy": ("bce_smooth", "bce_smooth"),
            "sparse_categorical_crossentropy": (None, "cce_smooth")}[name]
    truth = KERAS[f"losses/{t}/t"] if t else np.array([0, 2, 1, 2])
    got = getattr(keras_losses, name)(truth, KERAS[f"losses/{p}/p"])
    np.testing.assert_allclose(got.numpy(), KERAS[f"loss_functions/{name}"], rtol=1e-5)


def test_a_loss_by_name_or_function_trains_a_model(rng):
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.standard_normal((16, 2))
    for loss in ["mse", "mean_absolute_error", keras_losses.mean_squared_error,
                 lambda t, p: keras.ops.mean(keras.ops.square(t - p), axis=-1)]:
        model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
        model.compile(optimizers.SGD(0.05), loss)
        before = model.evaluate(x, y, verbose=0)
        model.fit(x, y, epochs=5, verbose=0)
        assert model.evaluate(x, y, verbose=0) < before


# -- metrics ---------------------------------------------------------------------------------------
scores, labels = KERAS["metrics/scores"], KERAS["metrics/labels"]
b_scores, b_labels = KERAS["metrics/binary_scores"], KERAS["metrics/binary_labels"]
p_reg, t_reg = KERAS["losses/mse/p"], KERAS["losses/mse/t"]
METRICS = {
    "top3": (lambda: keras_metrics.SparseTopKCategoricalAccuracy(k=3), labels, scores),
    "top2_onehot": (lambda: keras_metrics.TopKCategoricalAccuracy(2), np.eye(5)[labels], scores),
    "f1_none": (keras_metrics.F1Score, np.eye(5)[labels], scores),
    "f1_macro": (lambda: keras_metrics.F1Score(average="macro"), np.eye(5)[labels], scores),
    "f1_micro_threshold": (lambda: keras_metrics.F1Score(average="micro", threshold=0.5),
                           np.eye(5)[labels], scores),
    "fbeta_weighted": (lambda: keras_metrics.FBetaScore(average="weighted", beta=2.0),
                       np.eye(5)[labels], scores),
    "rmse": (keras_metrics.RootMeanSquaredError, t_reg, p_reg),
    "mse": (keras_metrics.MeanSquaredError, t_reg, p_reg),
    "mae": (keras_metrics.MeanAbsoluteError, t_reg, p_reg),
    "cce": (keras_metrics.CategoricalCrossentropy, np.eye(5)[labels], scores),
    "scce_logits": (lambda: keras_metrics.SparseCategoricalCrossentropy(from_logits=True),
                    labels, scores),
    "bce": (keras_metrics.BinaryCrossentropy, b_labels, b_scores),
    "precision_at_recall": (lambda: keras_metrics.PrecisionAtRecall(0.7), b_labels, b_scores),
    "recall_at_precision": (lambda: keras_metrics.RecallAtPrecision(0.6), b_labels, b_scores),
    "sensitivity_at_specificity": (lambda: keras_metrics.SensitivityAtSpecificity(0.5),
                                   b_labels, b_scores),
    "specificity_at_sensitivity": (lambda: keras_metrics.SpecificityAtSensitivity(0.5),
                                   b_labels, b_scores),
    "true_positives": (keras_metrics.TruePositives, b_labels, b_scores),
    "false_negatives": (lambda: keras_metrics.FalseNegatives(thresholds=[0.3, 0.6]),
                        b_labels, b_scores),
}


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metrics_give_keras_results_over_two_updates(name):
    make, truth, predicted = METRICS[name]
    metric = make()
    metric.update_state(truth[:25], predicted[:25])
    metric.update_state(truth[25:], predicted[25:])
    np.testing.assert_allclose(metric.result().numpy(), KERAS[f"metrics/{name}"], rtol=1e-5,
                               atol=1e-6)


def test_metric_functions_names_and_keras_subclasses():
    np.testing.assert_array_equal(keras_metrics.sparse_top_k_categorical_accuracy(labels, scores, k=2),
                                  KERAS["metrics/sparse_top_k_function"])
    assert keras.metrics.get("mae").name == "mae"  # a name keeps its spelling, as Keras logs it

    class Hits(keras.metrics.Metric):  # keras.io's way: variables, update_state, result
        def __init__(self, name="hits", **kwargs):
            super().__init__(name=name, **kwargs)
            self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.hits.assign_add(np.sum(np.argmax(y_pred, axis=-1) == y_true))

        def result(self):
            return self.hits

    hits = Hits()
    hits.update_state(labels, scores)
    assert float(hits.result()) == np.sum(scores.argmax(axis=1) == labels) and len(hits.variables) == 1
    hits.reset_state()
    assert float(hits.result()) == 0.0 and Hits.from_config(hits.get_config()).name == "hits"


# -- several inputs and outputs --------------------------------------------------------------------
def fashion_net():
    inputs = keras.Input((8, 8, 1), name="image")
    hidden = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3)(inputs))
    model = keras.Model(inputs, [layers.Dense(3, activation="softmax", name="category_output")(hidden),
                                 layers.Dense(1, name="color_output")(hidden)])
    model.compile("adam", loss={"category_output": "categorical_crossentropy", "color_output": "mse"},
                  loss_weights={"category_output": 1.0, "color_output": 0.5},
                  metrics={"category_output": "accuracy", "color_output": ["mae"]})
    return model


def test_several_outputs_log_as_keras_names_them(rng):
    model = fashion_net()
    x, y1, y2 = rng.standard_normal((6, 8, 8, 1)), np.eye(3)[[0, 1, 2, 0, 1, 2]], rng.random((6, 1))
    history = model.fit(x, {"category_output": y1, "color_output": y2}, validation_split=0.5,
                        epochs=1, verbose=0)
    assert sorted(history.history) == FACTS["several_outputs_history_keys"]
    logs = history.history
    total = logs["category_output_loss"][0] + 0.5 * logs["color_output_loss"][0]
    assert np.isclose(logs["loss"][0], total, rtol=1e-5)
    results = model.evaluate(x[:4], [y1[:4], y2[:4]], verbose=0)
    assert len(results) == FACTS["several_outputs_evaluate"]
    category, color = model.predict(x[:2], verbose=0)
    assert category.shape == (2, 3) and color.shape == (2, 1)
    batch = model.predict_on_batch(x[:2])
    np.testing.assert_allclose(batch[0], category, rtol=1e-6)


def species_and_size():
    """Two outputs named by their layers: a classifier (softmax) and a regression."""
    inputs = keras.Input((4,), name="features")
    hidden = layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, [layers.Dense(3, activation="softmax", name="species")(hidden),
                                layers.Dense(1, name="size")(hidden)])


GOOD = {"species": "categorical_crossentropy", "size": "mse"}


@pytest.mark.parametrize("spec, words", [
    (dict(loss={**GOOD, "size": "msee"}),
     "compile: the loss of output 'size': unknown loss 'msee'"),
    (dict(loss=["categorical_crossentropy", 5]),
     "compile: the loss of output 'size': expected a Keras loss"),
    (dict(loss=GOOD, loss_weights={"species": 1.0, "size": "heavy"}),
     "compile: loss_weights gives output 'size' 'heavy'"),
    (dict(loss=GOOD, metrics={"species": ["accuracy"], "size": ["maee"]}),
     "compile: the metrics of output 'size': unknown metric 'maee'"),
    (dict(loss=GOOD, metrics=[["accuracy"], ["maee"]]), "the metrics of output 'size'")])
def test_a_bad_compile_spec_for_one_output_names_that_output(spec, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        species_and_size().compile("adam", **spec)


def test_the_logits_warning_reads_each_outputs_own_layer_and_loss():
    """Once the warning read the last output's layer against the first output's loss:
    "size has no softmax" for a softmax species and an mse size."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        species_and_size().compile("adam", loss=GOOD)
    with pytest.warns(UserWarning) as caught:
        species_and_size().compile("adam", loss={**GOOD, "size": "binary_crossentropy"})
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert re.search(r"the output layer size \(Dense\) has no sigmoid, and binary_crossentropy",
                     str(caught[0].message))


def test_targets_of_one_output_that_do_not_fit_name_that_output(rng):
    model = species_and_size()
    model.compile("adam", loss=GOOD, metrics={"size": ["mae"]})
    x, species = rng.random((8, 4)), np.eye(3)[np.arange(8) % 3]
    with pytest.raises(ValueError, match=r"the loss \(mean_squared_error\) of output 'size': "):
        model.fit(x, {"species": species, "size": rng.random((8, 3))}, verbose=0)
    with pytest.raises(ValueError,
                       match="input 'features': 8, output 'species': 8, output 'size': 5"):
        model.evaluate(x, {"species": species, "size": rng.random((5, 1))}, verbose=0)


def test_several_inputs_by_name_or_by_list_and_keras_rank_adjustment(rng):
    image = keras.Input((6, 6, 1), name="image")
    meta = keras.Input((3,), name="meta")
    joined = layers.Concatenate()([layers.Flatten()(layers.Conv2D(2, 3)(image)), meta])
    model = keras.Model([image, meta], layers.Dense(1, activation="sigmoid")(joined))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    x1, x2, y = rng.standard_normal((10, 6, 6)), rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    history = model.fit({"image": x1, "meta": x2}, y, epochs=2, batch_size=4, verbose=0,
                        validation_data=([x1, x2], y))
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    by_dict = model.predict({"meta": x2, "image": x1[..., None]}, verbose=0)
    np.testing.assert_allclose(by_dict, model.predict([x1, x2], verbose=0), rtol=1e-6)
    assert [t.name for t in model.inputs] == ["image", "meta"] and model.output.shape == (None, 1)


# -- *_on_batch, callbacks, JSON -------------------------------------------------------------------
def small_model(metrics=("accuracy",)):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def test_on_batch_results_are_keras_lists(rng):
    x, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    model = small_model(["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(2, name="top2")])
    first = model.train_on_batch(x, y)
    assert isinstance(first, list) and len(first) == 3
    logs = model.test_on_batch(x, y, return_dict=True)
    assert sorted(logs) == ["accuracy", "loss", "top2"] and logs["top2"] >= logs["accuracy"]
    assert isinstance(small_model([]).train_on_batch(x, y), float)
    assert model.metrics_names == ["loss", "compile_metrics"]


def test_callbacks_on_evaluate_and_predict_and_lambda_callback(rng):
    x, y = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    model, seen = small_model(), []
    hooks = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append(("train_begin", dict(logs))),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch", sorted(logs))),
        on_test_end=lambda logs: seen.append(("test_end", sorted(logs))),
        on_predict_batch_end=lambda batch, logs: seen.append(("predicted", logs["outputs"].shape)))
    model.fit(x, y, epochs=1, verbose=0, callbacks=[hooks])
    model.evaluate(x, y, batch_size=5, callbacks=[hooks])
    model.predict(x, batch_size=5, callbacks=[hooks])
    assert seen == [("train_begin", {}), ("epoch", ["accuracy", "loss"]),
                    ("test_end", ["accuracy", "loss"]), ("predicted", (5, 3)),
                    ("predicted", (5, 3))]
    with pytest.raises(ValueError, match="on_epoch_ends"):
        keras.callbacks.LambdaCallback(on_epoch_ends=print)


def test_to_json_and_model_from_json_give_the_architecture_back():
    model = small_model()
    again = keras.models.model_from_json(model.to_json())
    assert [type(l).__name__ for l in again.layers] == ["Dense"] and again.count_params() == 15
    assert json.loads(model.to_json())["class_name"] == "Sequential"


# -- TensorBoard: event files TensorBoard reads ------------------------------------------------------
def test_our_reader_checks_tensorflows_event_file_records():
    folder = os.path.join(FIXTURES, "tf_events")
    records = event_files.read_events(os.path.join(folder, os.listdir(folder)[0]))
    assert len(records) >= 4 and b"brain.Event:2" in records[0]
    assert event_files.masked_crc(b"123456789") == event_files.masked_crc(b"123456789")
    assert event_files.crc32c(b"123456789") == 0xE3069283  # CRC-32C's check value


def test_the_tensorboard_callback_writes_train_and_validation_event_files(rng, tmp_path):
    model = small_model()
    board = keras.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=1, update_freq="batch")
    model.fit(rng.standard_normal((12, 4)), rng.integers(0, 3, 12), epochs=2, batch_size=4,
              validation_split=0.25, verbose=0, callbacks=[board])
    for kind, tags in (("train", [b"epoch_loss", b"batch_loss", b"dense/kernel/histogram"]),
                       ("validation", [b"epoch_accuracy", b"evaluation_loss_vs_iterations"])):
        (name,) = os.listdir(tmp_path / kind)
        records = event_files.read_events(tmp_path / kind / name)
        assert all(any(tag in r for r in records) for tag in tags), kind
    writer = minicnn.summary.create_file_writer(str(tmp_path / "images"))
    with writer.as_default():
        assert minicnn.summary.image("x", rng.random((2, 4, 4, 1)), step=0, max_outputs=2)
        assert minicnn.summary.scalar("s", 1.5, step=1)
    assert not minicnn.summary.scalar("outside", 1.0, step=0)  # no default writer: False


# -- data: pandas DataFrames, flow's save_to_dir ---------------------------------------------------
def test_train_test_split_keeps_dataframes_and_flow_from_dataframe_reads_them(tmp_path):
    pd = pytest.importorskip("pandas")
    from minicnn.compat.sklearn.model_selection import train_test_split
    from PIL import Image
    files = []
    for i in range(8):
        path = tmp_path / f"{i}.png"
        Image.fromarray(np.full((6, 6), i * 30, np.uint8)).save(path)
        files.append(str(path))
    frame = pd.DataFrame({"file": files, "label": ["cat", "dog"] * 4})
    train, test = train_test_split(frame, test_size=0.25, random_state=0, stratify=frame["label"])
    assert isinstance(train, pd.DataFrame) and list(train.columns) == ["file", "label"]
    assert train["label"].value_counts().tolist() == [3, 3]
    generator = keras.preprocessing.image.ImageDataGenerator(rescale=1 / 255)
    iterator = generator.flow_from_dataframe(train, x_col="file", y_col="label",
                                             target_size=(4, 4), color_mode="grayscale",
                                             batch_size=6, shuffle=False)
    x, y = iterator[0]
    assert x.shape == (6, 4, 4, 1) and y.shape == (6, 2) and iterator.class_indices == {
        "cat": 0, "dog": 1}
    np.testing.assert_array_equal(y.argmax(axis=1), [iterator.class_indices[l] for l in train["label"]])


def test_flow_saves_each_augmented_image_when_asked(tmp_path, rng):
    generator = keras.preprocessing.image.ImageDataGenerator(horizontal_flip=True)
    iterator = generator.flow(rng.random((3, 5, 5, 3)), batch_size=2, save_to_dir=tmp_path / "out",
                              save_prefix="cat", save_format="jpeg")
    next(iterator)
    saved = sorted(os.listdir(tmp_path / "out"))
    assert len(saved) == 2 and all(n.startswith("cat_") and n.endswith(".jpeg") for n in saved)
