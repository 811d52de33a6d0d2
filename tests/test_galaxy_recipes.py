"""The galaxy recipes' parts: the quarter-turn augmentation, the radial-profile probe's
layer, predictions averaged over the 8 symmetric views, stratified folds, the recipes'
own settings, and cross-validation as a command that never reads the test images."""
import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from minicnn import Sequential, load_model, set_seed
from minicnn.apps.cli import main
from minicnn.apps.projects import galaxy, runner, views, xray
from minicnn.apps.projects.cross_validation import stratified_folds
from minicnn.gradcheck import check_layer
from minicnn.layers import Conv2D, Dense, Flatten
from minicnn.preprocessing.layers import RadialProfile, RandomFlip, RandomRot90
from minicnn.preprocessing.radial_profile import ring_weights

SAMPLE = os.path.join(os.path.dirname(galaxy.__file__), "..", "..", "samples", "galaxy")


def the_8_symmetries(image):
    """Each of the 8 symmetries of a square image, written out one by one."""
    out = []
    for k in range(4):
        turned = np.rot90(image, k)
        out += [turned, turned[:, ::-1]]
    return out


# -- RandomRot90 ---------------------------------------------------------------------------
def test_random_rot90_turns_each_image_by_its_own_draw_and_backward_is_the_adjoint():
    rng = np.random.default_rng(0)
    layer = RandomRot90(seed=3)
    x = rng.standard_normal((40, 5, 5, 2))
    y = layer(x, training=True)
    assert set(layer.drawn.tolist()) == {0, 1, 2, 3}  # 40 draws: every turn occurs
    for image, out, k in zip(x, y, layer.drawn):
        np.testing.assert_array_equal(out, np.rot90(image, k))
    g = rng.standard_normal(y.shape)
    # backward is the transpose of the forward's linear map: <R x, g> = <x, R^T g>
    assert np.isclose(np.sum(y * g), np.sum(x * layer.backward(g)), rtol=1e-12)
    np.testing.assert_array_equal(layer(x, training=False), x)  # inference: as it is


def test_random_rot90s_gradient_checks_in_training_with_its_draws_held():
    """Centered differences in float64, the quarter turns of the first forward held fixed
    (as the two-half step holds them: draw_randomness)."""
    from minicnn.gradcheck import numerical_gradient, rel_error
    rng = np.random.default_rng(7)
    layer = RandomRot90(seed=2)
    layer.build((5, 5, 2), np.float64)
    x = rng.standard_normal((4, 5, 5, 2))
    turns = np.array([0, 1, 2, 3])
    layer.draw_randomness = lambda n: turns
    upstream = rng.standard_normal(x.shape)

    def loss():
        return float(np.sum(layer.forward(x, training=True) * upstream))
    loss()
    analytic = layer.backward(upstream.copy())
    assert rel_error(analytic, numerical_gradient(loss, x)) < 1e-8


def test_random_rot90_with_a_horizontal_flip_draws_all_8_symmetries_evenly():
    image = np.arange(9.0).reshape(1, 3, 3, 1)
    model = Sequential([RandomRot90(seed=1), RandomFlip("horizontal", seed=2)], input_shape=(3, 3, 1))
    seen = {}
    for _ in range(800):
        out = model(image, training=True).numpy()[0, :, :, 0].astype(np.float64)
        seen[out.tobytes()] = seen.get(out.tobytes(), 0) + 1
    expected = {s.tobytes() for s in the_8_symmetries(image[0, :, :, 0])}
    assert set(seen) == expected
    assert min(seen.values()) > 60  # 100 each on average


def test_random_rot90_refuses_images_that_are_not_square():
    with pytest.raises(ValueError, match=r"rot90.*square.*4x6"):
        Sequential([RandomRot90(name="rot90")], input_shape=(4, 6, 3))


# -- RadialProfile ---------------------------------------------------------------------------
def test_radial_profile_is_the_mean_and_spread_of_each_ring_as_a_loop_computes_them():
    rng = np.random.default_rng(1)
    x = rng.random((2, 9, 9, 3))
    layer = RadialProfile(rings=3)
    y = layer(x).numpy()
    means, spreads = y[:, :9].reshape(2, 3, 3), y[:, 9:].reshape(2, 3, 3)
    centre, half = 4.0, 4.5
    for n in range(2):
        for c in range(3):
            members = [[], [], []]
            for i in range(9):
                for j in range(9):
                    ring = int(np.hypot(i - centre, j - centre) / half * 3)
                    if ring < 3:
                        members[ring].append(x[n, i, j, c])
            np.testing.assert_allclose(means[n, :, c], [np.mean(m) for m in members], rtol=1e-12)
            np.testing.assert_allclose(spreads[n, :, c], [np.sqrt(np.var(m) + 1e-6)
                                                          for m in members], rtol=1e-12)


def test_radial_profiles_gradient_checks():
    errors = check_layer(RadialProfile(rings=4), (8, 8, 2), batch_size=2, verbose=False)
    assert errors["x"] < 1e-7, errors


def test_radial_profile_refuses_a_ring_without_pixels():
    with pytest.raises(ValueError, match="ring without pixels"):
        ring_weights(4, 4, 20)


# -- the symmetric views ---------------------------------------------------------------------
def small_model(seed=0):
    set_seed(seed)
    model = Sequential([Conv2D(3, 3, activation="relu"), Flatten(), Dense(3, activation="softmax")],
                       input_shape=(6, 6, 2))
    return model


def test_the_8_views_are_the_8_symmetries():
    x = np.random.default_rng(2).random((3, 5, 5, 2))
    made = list(views.symmetric_views(x))
    assert len(made) == 8
    for n in range(3):
        assert ({v[n].tobytes() for v in made} ==
                {s.tobytes() for s in the_8_symmetries(x[n])})


def test_a_prediction_averaged_over_the_views_does_not_depend_on_the_images_orientation():
    model = small_model()
    x = np.random.default_rng(3).random((4, 6, 6, 2)).astype(np.float32)
    once = model.predict(x, verbose=0)
    averaged = views.predict(model, x, 8)
    for turned in list(views.symmetric_views(x))[1:]:
        np.testing.assert_allclose(views.predict(model, turned, 8), averaged, atol=1e-6)
    assert np.abs(once - averaged).max() > 1e-4  # the model alone does depend on it
    np.testing.assert_array_equal(views.predict(model, x, 1), once)
    with pytest.raises(ValueError, match="test_views must be 1 .* or 8"):
        views.predict(model, x, 4)


# -- folds and settings ------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 4, 5])
def test_stratified_folds_hold_each_class_in_proportion_and_every_image_once(k):
    classes = np.repeat([0, 1, 2, 3], [50, 23, 7, 120])
    folds = stratified_folds(classes, k, seed=1)
    assert set(folds.tolist()) == set(range(k))
    for c in range(4):
        counts = np.bincount(folds[classes == c], minlength=k)
        assert counts.max() - counts.min() <= 1, (c, counts)
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= 1, sizes
    assert not np.array_equal(folds, stratified_folds(classes, k, seed=2))
    np.testing.assert_array_equal(folds, stratified_folds(classes, k, seed=1))


def test_stratified_folds_refuse_a_class_smaller_than_k():
    with pytest.raises(ValueError, match="class 1 has only 2 training images"):
        stratified_folds(np.array([0, 0, 0, 1, 1]), 3, seed=0)
    with pytest.raises(ValueError, match="class 'merger' has only 2"):
        stratified_folds(np.array([0, 0, 0, 1, 1]), 3, seed=0, names=["spiral", "merger"])


def test_a_recipe_brings_its_own_settings_and_the_command_line_overrides_them():
    recipe = galaxy.RECIPES["four-blocks"]
    assert runner.recipe_settings(recipe) == (40, 2e-3, "sqrt-balanced", 0.0)
    assert runner.recipe_settings(recipe, epochs=3, class_weight="balanced") == (
        3, 2e-3, "balanced", 0.0)
    assert runner.recipe_settings(xray) == (10, 1e-3, None, 0.2)  # the lessons'


def test_every_galaxy_recipe_builds_and_predicts_on_the_projects_images():
    x = np.random.default_rng(4).random((2, 128, 128, 3)).astype(np.float32)
    for name, recipe in galaxy.RECIPES.items():
        model = recipe.build_model(4, (128, 128, 3))
        probabilities = model.predict(x, verbose=0)
        assert probabilities.shape == (2, 4), name
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


# -- the commands ------------------------------------------------------------------------------
@pytest.fixture
def galaxy_folder(tmp_path):
    """train/ from the bundled galaxy sample (each image also mirrored: 4 per class), and a
    test/ whose only image is not an image: reading it would fail."""
    root = tmp_path / "galaxies"
    for name in sorted(os.listdir(SAMPLE)):
        if not os.path.isdir(os.path.join(SAMPLE, name)):
            continue
        (root / "train" / name).mkdir(parents=True)
        (root / "test" / name).mkdir(parents=True)
        for file in sorted(os.listdir(os.path.join(SAMPLE, name))):
            shutil.copy(os.path.join(SAMPLE, name, file), root / "train" / name / file)
            mirrored = Image.open(os.path.join(SAMPLE, name, file)).transpose(Image.FLIP_LEFT_RIGHT)
            mirrored.save(root / "train" / name / ("m" + file))
        (root / "test" / name / "broken.jpg").write_bytes(b"not a jpeg")
    return root


def test_cv_pools_out_of_fold_predictions_and_never_reads_the_test_images(galaxy_folder, tmp_path,
                                                                        capsys):
    out = tmp_path / "cv"
    assert main(["train", "galaxy", "--data", str(galaxy_folder), "--cv", "2", "--epochs", "1",
                 "--quiet", "--out", str(out)]) == 0
    summary = json.loads((out / "cv.json").read_text())
    assert summary["folds"] == 2 and summary["recipe"] == "lesson"
    assert sum(summary["pooled"]["support"].values()) == 16  # every training image, once
    for fold in summary["per_fold"]:
        assert sum(fold["support"].values()) == 8 and set(fold["support"].values()) == {2}
    # the pooled accuracy is the support-weighted mean of the folds' (equal folds: the mean)
    assert np.isclose(summary["pooled"]["accuracy"],
                      np.mean([f["accuracy"] for f in summary["per_fold"]]))
    printed = capsys.readouterr().out
    assert "pooled out-of-fold accuracy" in printed and "test images are not read" in printed


def test_each_fold_is_predicted_by_a_model_that_never_saw_it(galaxy_folder, tmp_path,
                                                             monkeypatch):
    """The images each fold's model trains on and the images it predicts: apart, and
    together every training image, fold after fold."""
    from minicnn.preprocessing import ImageDataGenerator
    seen, real_flow = [], ImageDataGenerator.flow

    def recording_flow(self, x, y=None, *args, **kwargs):
        seen.append(("train" if y is not None else "held", {image.tobytes() for image in x}))
        return real_flow(self, x, y, *args, **kwargs)
    monkeypatch.setattr(ImageDataGenerator, "flow", recording_flow)
    assert main(["train", "galaxy", "--data", str(galaxy_folder), "--cv", "4", "--epochs", "1",
                 "--quiet", "--out", str(tmp_path / "cv")]) == 0
    assert [kind for kind, _ in seen] == ["train", "held"] * 4
    held_sets = []
    for (_, trained), (_, held) in zip(seen[::2], seen[1::2]):
        assert not trained & held and len(trained | held) == 16 and len(held) == 4
        held_sets.append(held)
    assert len(set().union(*held_sets)) == 16  # every image held out once


@pytest.mark.parametrize("extra, named", [
    (["--cv", "1"], "at least 2"), (["--cv", "2", "--resume"], "--resume"),
    (["--cv", "2", "--early-stopping", "3"], "--early-stopping"),
    (["--cv", "2", "--validation-split", "0.1"], "--validation-split"),
    (["--recipe", "four-blocks", "--image-size", "128", "112"], "give one size"),
    (["--recipe", "four-blocks", "--image-size", "64"], "at least 96 pixels"),
    (["--recipe", "four-blocks", "--cv", "2", "--image-size", "128", "112"], "give one size")])
def test_what_a_run_or_a_cross_validation_cannot_take_is_refused_before_any_training(
        galaxy_folder, capsys, extra, named):
    assert main(["train", "galaxy", "--data", str(galaxy_folder), *extra]) == 2
    assert named in capsys.readouterr().err


def test_class_weight_none_turns_a_recipes_weights_off():
    from minicnn.apps.cli import parse_class_weight
    assert parse_class_weight("none") == {}
    assert runner.recipe_settings(galaxy.RECIPES["four-blocks"], class_weight={})[2] == {}
    assert runner.class_weight_by_index({}, {"a": 0, "b": 1}) == {}


def test_the_views_need_the_images_in_order():
    from minicnn.preprocessing import ImageDataGenerator
    x = np.random.default_rng(6).random((4, 6, 6, 2)).astype(np.float32)
    shuffled = ImageDataGenerator().flow(x, batch_size=2, shuffle=True)
    with pytest.raises(ValueError, match="shuffle=False"):
        views.predict(small_model(), shuffled, 8)
    in_order = ImageDataGenerator().flow(x, batch_size=3, shuffle=False)
    np.testing.assert_allclose(views.predict(small_model(), in_order, 8),
                               views.predict(small_model(), list(x), 8), rtol=1e-6)


def test_predict_averages_over_the_views_a_model_says_it_was_trained_with(tmp_path, capsys):
    model = Sequential([Conv2D(3, 3, activation="relu"), Flatten(), Dense(2, activation="softmax")],
                       input_shape=(12, 12, 3))
    model.metadata = {"class_names": ["a", "b"], "rescale": 1 / 255, "test_views": 8}
    path = str(tmp_path / "model.npz")
    model.save(path)
    picture = np.random.default_rng(5).integers(0, 256, (12, 12, 3), dtype=np.uint8)
    Image.fromarray(picture).save(tmp_path / "x.png")
    assert main(["predict", path, str(tmp_path / "x.png")]) == 0
    line = capsys.readouterr().out.strip()
    printed = [float(p.split()[-1]) for p in line.split("(")[1].rstrip(")").split(",")]
    x = picture[None].astype(np.float32) / 255
    np.testing.assert_allclose(printed, views.predict(load_model(path), x, 8)[0], atol=6e-4)
    model.metadata["test_views"] = 3
    model.save(path)
    assert main(["predict", path, str(tmp_path / "x.png")]) == 2
    assert "test_views must be 1" in capsys.readouterr().err


def test_receptive_field_centres_follow_a_centre_crop():
    """The four-blocks model's Grad-CAM is drawn where its units look: the crop moves the
    grid by the 16 pixels it cuts, the 2x2 average and each pooling double its step."""
    from minicnn.apps.explain import receptive_field_centres
    model = galaxy.RECIPES["four-blocks"].build_model(4, (128, 128, 3))
    last = max(i for i, layer in enumerate(model.layers) if isinstance(layer, Conv2D))
    rows, columns = receptive_field_centres(model, last)
    # unit i of the last block's convolution (after 3 poolings and the 2x2 average): 16 px,
    # then 2 * 8 * i + the windows' centres
    np.testing.assert_allclose(rows, 16 + 16 * np.arange(6) + 7.5)
    np.testing.assert_array_equal(rows, columns)


@pytest.mark.parametrize("recipe", ["four-blocks", "radial-profile"])
def test_a_galaxy_recipe_trains_reports_and_predicts_as_it_was_trained(galaxy_folder, tmp_path,
                                                                      recipe, capsys):
    """The model file carries the recipe's views; the report's accuracy is the averaged
    prediction's; a model without convolutions gets the pictures that apply to it."""
    for folder in (galaxy_folder / "test").iterdir():  # a readable test set this time
        (folder / "broken.jpg").unlink()
        for file in (galaxy_folder / "train" / folder.name).iterdir():
            shutil.copy(file, folder / file.name)
    out = tmp_path / recipe
    assert main(["train", "galaxy", "--recipe", recipe, "--data", str(galaxy_folder),
                 "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["recipe"] == recipe and summary["epochs"] == 1  # --epochs over the recipe's
    # Galaxy Zoo's classes: the report quotes what the probes reached on the full set
    assert set(summary["probes_cv_accuracy"]) == {"radial-profile", "border-only"}
    model = load_model(str(out / "model.npz"))
    views_used = 8 if recipe == "four-blocks" else 1
    assert model.metadata["test_views"] == views_used
    test = galaxy.RECIPES[recipe].load_data(str(galaxy_folder), validation_split=0,
                                            verbose=0)[2]
    probabilities = views.predict(model, test, views_used)
    assert np.isclose(summary["test"]["accuracy"],
                      np.mean(probabilities.argmax(axis=1) == test.classes))
    # the loss is the averaged prediction's too (not one view's, as evaluate would give)
    picked = np.clip(probabilities[np.arange(len(test.classes)), test.classes], 1e-7, 1)
    assert np.isclose(summary["test"]["loss"], -np.mean(np.log(picked)), rtol=1e-4)
    written = {p.name for p in out.iterdir()}
    assert {"saliency.png", "history.png", "model.npz"} <= written
    assert ("grad_cam.png" in written) == (recipe == "four-blocks")


def test_the_xray_recipes_offer_cross_validation_their_training_images_and_their_mask():
    """--cv works for the covid recipes too: the training folder alone, masked at test."""
    recipe = xray.RECIPES["masked-border"]
    images, classes, names = recipe.training_images(image_size=(64, 64))
    assert names == ["Covid", "Normal", "Pneumonia"] and images.shape == (len(classes), 64, 64, 1)
    test_count = sum(len(files) for _, _, files in os.walk(os.path.join(xray.SAMPLE, "test")))
    train_count = sum(len(files) for _, _, files in os.walk(os.path.join(xray.SAMPLE, "train")))
    assert len(classes) == train_count and test_count > 0
    masked = recipe.evaluation()["preprocessing_function"](np.ones((64, 64, 1), np.float32))
    assert masked[0, 0, 0] == 0 and masked[32, 32, 0] == 1  # the band black, the centre kept
    assert "preprocessing_function" not in xray.RECIPES["lesson"].evaluation()


# -- the measured figures, and the README that quotes them ------------------------------------
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def galaxy_benchmark():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "galaxy_benchmark", os.path.join(ROOT, "benchmarks", "galaxy_recipes.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_measured_galaxy_figures_hold_what_the_text_says():
    """The claims the README and notebook 09 word without numbers, on the measured figures."""
    from minicnn.apps.shortcut_learning.measured import galaxy_figures
    figures = galaxy_figures()
    cv, test = figures["cv"], figures["test"]
    recipes = [name for name in cv if name not in ("border-only", "radial-profile")]
    assert len(recipes) == 5  # the lesson with and without weights, four-blocks and its weights
    assert figures["chosen_by_cv"] == max(recipes, key=lambda r: cv[r]["accuracy"])
    assert figures["chosen_by_cv"] == "four-blocks"  # the recipe as shipped, no other options
    # the weights' trade the README words: no weights about as accurate, far fewer mergers;
    # balanced more mergers, less accurate
    plain, balanced = cv["four-blocks, no weights"], cv["four-blocks, balanced"]
    assert plain["recall"]["merger"] < 0.3 < 0.6 < balanced["recall"]["merger"]
    assert cv["four-blocks"]["accuracy"] - balanced["accuracy"] > 0.02
    # the CNN of the recipe clears the probe without a CNN; the lesson's does not
    assert cv["four-blocks"]["accuracy"] > cv["radial-profile"]["accuracy"]
    assert cv["lesson"]["accuracy"] < cv["radial-profile"]["accuracy"]
    assert cv["border-only"]["accuracy"] < cv["radial-profile"]["accuracy"]
    # the targets, on the test set's seeds 1-3
    assert test["four-blocks"]["seeds"] == [1, 2, 3]
    assert test["four-blocks"]["accuracy_stats"]["mean"] >= 0.80
    assert test["four-blocks"]["recall_stats"]["merger"]["mean"] >= 0.55
    assert test["four-blocks"]["rare_class_images"] == 23


def test_the_readme_gives_the_measured_galaxy_figures():
    from minicnn.apps.shortcut_learning.measured import galaxy_figures
    figures, module = galaxy_figures(), galaxy_benchmark()
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for row in module.recipe_rows(figures) + module.cv_rows(figures):
        assert row in readme, row


def test_a_four_blocks_run_interrupted_and_resumed_ends_bit_identical(galaxy_folder, tmp_path):
    """The learning rate's cosine decay (the optimizer's step count), the quarter turns'
    and flips' random states are in the checkpoint: resumed after epoch 1 of 2, the run
    ends with the weights of one never interrupted."""
    import contextlib
    import io
    from test_runner import InterruptAfter
    for folder in (galaxy_folder / "test").iterdir():
        (folder / "broken.jpg").unlink()
        shutil.copy(next((galaxy_folder / "train" / folder.name).iterdir()), folder / "a.jpg")
    recipe = galaxy.RECIPES["four-blocks"]

    def run(out, **kwargs):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                return runner.run(recipe, data=str(galaxy_folder), epochs=2, batch_size=4,
                                  verbose=0, out=str(tmp_path / out), pictures=False, **kwargs)
            except KeyboardInterrupt:
                return None
    straight = run("straight")
    assert run("stopped", callbacks=[InterruptAfter(1)]) is None
    with pytest.raises(ValueError, match="epochs"):  # the decay spans the run: same --epochs
        runner.run(recipe, data=str(galaxy_folder), epochs=3, batch_size=4, verbose=0,
                   out=str(tmp_path / "stopped"), resume=True)
    resumed = run("stopped", resume=True)
    a, b = (load_model(str(tmp_path / name / "model.npz")) for name in ("straight", "stopped"))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert resumed["history"] == straight["history"]


def test_cv_of_a_recipe_with_views_weights_and_decay(galaxy_folder, tmp_path, monkeypatch):
    """--cv predicts each held-out fold as the recipe predicts: averaged over the 8 views."""
    calls = []
    real = views.predict
    monkeypatch.setattr(views, "predict", lambda model, data, n=1: calls.append(n) or
                        real(model, data, n))
    assert main(["train", "galaxy", "--recipe", "four-blocks", "--data", str(galaxy_folder),
                 "--cv", "2", "--epochs", "1", "--batch-size", "4", "--quiet",
                 "--out", str(tmp_path / "cv")]) == 0
    summary = json.loads((tmp_path / "cv" / "cv.json").read_text())
    assert calls == [8, 8] and summary["class_weight"] == "sqrt-balanced"
    assert summary["epochs"] == 1 and summary["learning_rate"] == 2e-3
