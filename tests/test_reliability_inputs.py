"""Inputs checked before the work, round 3: validation data with the training data,
class and sample weights, target sizes, image trees (pipes, links up the tree, names that
are not text), galaxy labels; round 4: the command line's --seed, and predict on a folder
without images."""
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from PIL import Image

import minicnn
from minicnn import Sequential, losses
from minicnn.training import batches
from minicnn.training.callbacks import Callback
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D
from minicnn.preprocessing import ImageDataGenerator


def tiny(classes=2, loss="sparse_categorical_crossentropy"):
    model = Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten(),
                        Dense(classes, activation="softmax")], input_shape=(8, 8, 3))
    model.compile("sgd", loss, ["accuracy"])
    return model


def data(n=12, channels=3, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8, 8, channels)).astype(np.float32), rng.integers(0, classes, n)


class Steps(Callback):
    """Counts the training steps taken (a check that fails first leaves it at 0)."""
    taken = 0

    def on_train_batch_begin(self, batch, logs=None):
        Steps.taken += 1


def refused_before_any_step(model, words, **fit):
    Steps.taken = 0
    with pytest.raises((ValueError, TypeError), match=words):
        model.fit(verbose=0, callbacks=[Steps()], **fit)
    assert Steps.taken == 0


# -- validation_data, checked with the training data ---------------------------------------
@pytest.mark.parametrize("make,words", [
    (lambda x, y: (x[:, :6], y), r"samples have shape \(6, 8, 3\), the training data's \(8, 8, 3\)"),
    (lambda x, y: (x[..., :1], y), r"\(8, 8, 1\)"),
    (lambda x, y: (x, None), "y is None"),
    (lambda x, y: (x, np.eye(5)[y]), "one-hot rows of 5 classes, the training data's of 2"),
    (lambda x, y: (x, np.full(len(y), np.nan)), "NaN"),
    (lambda x, y: (x, y[:5]), "12 samples but y has 5"),
    (lambda x, y: (x.astype(str), y), "numbers"),
    (lambda x, y: (x, y, -np.ones(len(y))), "negative"),
], ids=["rows", "channels", "no-y", "width", "nan", "length", "strings", "weights"])
def test_bad_validation_data_is_refused_before_the_first_step(make, words):
    x, y = data()
    refused_before_any_step(tiny(), words, x=x, y=np.eye(2)[y], validation_data=make(x, y))


def test_validation_indices_beyond_the_training_classes_are_refused():
    x, y = data()
    refused_before_any_step(tiny(), "class indices from 0 to 7, but the training data has 2",
                            x=x, y=np.eye(2)[y], validation_data=(x, np.where(y, 7, 0)))


def test_a_validation_loader_of_another_shape_is_refused_before_training():
    x, y = data()
    other = ImageDataGenerator().flow(x[:, :, :4], np.eye(2)[y], shuffle=False)
    refused_before_any_step(tiny(), r"\(8, 4, 3\)", x=x, y=np.eye(2)[y],
                            validation_data=other)


def test_a_validation_generator_without_steps_names_validation_steps():
    x, y = data()

    def generator():
        while True:
            yield x[:6], y[:6]
    refused_before_any_step(tiny(), "validation_steps", x=x, y=y, validation_data=generator())


@pytest.mark.parametrize("targets,words", [
    (lambda y: np.where(y, 5, 0), ["dense (Dense)", "class index 5", "2 outputs"]),
    (lambda y: np.eye(4)[y], ["dense (Dense)", "4 classes", "2 outputs"]),
    (lambda y: -y - 1, ["whole numbers >= 0"]),
])
def test_targets_that_do_not_fit_the_last_layer_name_it(targets, words):
    """Given the model (fit passes it), the targets are checked against its last layer."""
    x, y = data()
    model = tiny()
    for where in ("training", "validation"):
        fit = dict(x=x, y=targets(y)) if where == "training" else dict(
            x=x, y=y, validation_data=(x, targets(y)))
        with pytest.raises(ValueError) as error:
            batches.fit_batches(fit["x"], fit["y"], 4, 0, fit.get("validation_data"), True, None,
                                None, 0, 1, None, None, None, 0, model=model)
        for word in words:
            assert word in str(error.value), str(error.value)


def test_the_loss_says_outputs_and_classes_when_shapes_differ():
    model = tiny()
    x, y = data()
    with pytest.raises(ValueError, match=r"4 classes.*dense \(Dense\), gives 2 outputs.*4 units"):
        model.train_on_batch(x, np.eye(4)[y % 4])


# -- class and sample weights --------------------------------------------------------------------
def test_balanced_class_weight_with_a_flow_iterator():
    x, y = data(seed=1)
    minicnn.set_seed(0)
    model = tiny()
    history = model.fit(ImageDataGenerator().flow(x, y, batch_size=4, seed=0),
                        class_weight="balanced", epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    assert model.class_weight == losses.balanced_class_weight(y)


def test_class_weight_by_name_with_a_folder_loader(tmp_path):
    for name in ("cats", "dogs"):
        for i in range(3):
            (tmp_path / name).mkdir(exist_ok=True)
            Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(tmp_path / name / f"{i}.png")
    loader = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(8, 8), verbose=False)
    model = tiny()
    model.compile("sgd", "categorical_crossentropy")
    model.fit(loader, class_weight={"dogs": 3.0}, epochs=1, verbose=0)
    assert model.class_weight == {1: 3.0}


@pytest.mark.parametrize("weights", [{0: -1.0}, {0: float("nan")}, {1: float("inf")},
                                     {0: "3"}, {-1: 2.0}, {"cats": 2.0}])
def test_bad_class_weights_are_refused_before_any_step(weights):
    x, y = data()
    refused_before_any_step(tiny(), "class_weight", x=x, y=y, class_weight=weights)
    with pytest.raises(ValueError, match="class_weight"):
        tiny().train_on_batch(x, y, class_weight=weights)


@pytest.mark.parametrize("weights", [-np.ones(12), np.full(12, np.nan)])
def test_bad_sample_weights_are_refused(weights):
    x, y = data()
    refused_before_any_step(tiny(), "sample_weight", x=x, y=y, sample_weight=weights)
    with pytest.raises(ValueError, match="sample_weight"):
        tiny().train_on_batch(x, y, sample_weight=weights)


# -- the loader's arguments and files ----------------------------------------------------------
def make_tree(root, classes=("a", "b"), n=2):
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.new("L", (6, 6), 60 * i).save(root / name / f"{i}.png")


@pytest.mark.parametrize("size", [(0, 8), (8, 0), 8, (8,), (8, 8, 3), (8.0, 8), (-1, 8), "88",
                                  (True, 8)])
def test_target_size_must_be_a_pair_of_positive_ints(tmp_path, size):
    make_tree(tmp_path)
    with pytest.raises(ValueError, match="flow_from_directory: target_size must be a pair"):
        ImageDataGenerator().flow_from_directory(tmp_path, target_size=size, verbose=False)


def test_a_pipe_named_like_an_image_does_not_hang_the_loader(tmp_path):
    make_tree(tmp_path)
    os.mkfifo(tmp_path / "a" / "x.png")
    os.symlink(tmp_path / "a" / "x.png", tmp_path / "b" / "link-to-pipe.png")
    os.symlink("/dev/zero", tmp_path / "b" / "zero.png")
    result = {}

    def load():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            it = ImageDataGenerator().flow_from_directory(
                tmp_path, target_size=(6, 6), color_mode="grayscale", verbose=False,
                shuffle=False)
            result["batch"] = it[0]
            result["files"] = it.filenames
            result["warnings"] = [str(w.message) for w in caught]
    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the loader hangs on a pipe"
    assert result["files"] == ["a/0.png", "a/1.png", "b/0.png", "b/1.png"]
    assert any("not regular files" in w and "x.png" in w for w in result["warnings"])
    from minicnn.preprocessing.files import load_image
    with pytest.raises(ValueError, match="not a regular file"):
        load_image(str(tmp_path / "a" / "x.png"))


def test_predict_on_a_pipe_reports_it_and_goes_on(tmp_path):
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(6, 6, 1))
    model.metadata = {"class_names": ["a", "b"]}
    model.save(tmp_path / "model.npz")
    os.mkfifo(tmp_path / "x.png")
    Image.new("L", (6, 6)).save(tmp_path / "y.png")
    result = subprocess.run([sys.executable, "-m", "minicnn", "predict", str(tmp_path / "model.npz"),
                             str(tmp_path / "x.png"), str(tmp_path / "y.png")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "x.png" in result.stderr and "not a regular file" in result.stderr
    assert "y.png" in result.stdout


def test_a_link_back_up_the_tree_does_not_relabel_images(tmp_path):
    make_tree(tmp_path)
    os.symlink(tmp_path, tmp_path / "b" / "up")        # b/up -> the data folder
    os.symlink(tmp_path / "a", tmp_path / "b" / "to_a")  # b/to_a -> another class
    with pytest.warns(UserWarning, match="not following"):
        it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(6, 6),
                                                      follow_links=True, verbose=False,
                                                      shuffle=False)
    assert it.filenames == ["a/0.png", "a/1.png", "b/0.png", "b/1.png"]
    assert list(it.classes) == [0, 0, 1, 1]


@pytest.mark.parametrize("target", ["data", "parent", "sibling"])
def test_a_class_folder_that_is_a_link_into_the_tree_is_refused(tmp_path, target):
    root = tmp_path / "data"
    make_tree(root)
    link = {"data": root, "parent": tmp_path, "sibling": root / "a"}[target]
    os.symlink(link, root / "c")
    with pytest.raises(ValueError, match="would be counted under this class"):
        ImageDataGenerator().flow_from_directory(root, target_size=(6, 6), verbose=False)


def test_class_folder_names_that_are_not_text_are_refused_before_training(tmp_path, monkeypatch):
    from minicnn.apps.projects import runner, xray
    for split in ("train", "test"):
        make_tree(tmp_path / split, classes=("ok", os.fsdecode(b"caf\xe9")))
    monkeypatch.setattr(minicnn.Sequential, "fit", lambda *a, **k: pytest.fail("training ran"))
    with pytest.raises(ValueError, match=r"caf\\xe9.*not valid UTF-8"):
        runner.run(xray, data=str(tmp_path), out=str(tmp_path / "out"), verbose=0)


# -- galaxy labels -------------------------------------------------------------------------------
@pytest.mark.parametrize("labels,words", [
    (np.array([0, 1, 2, -1] * 5), "label 3 is -1"),
    (np.array([0, 1, 2, 1e9] * 5), "label 3 is 1000000000"),
    (np.array([0, 1, 2, np.nan] * 5), "label 3 is nan"),
    (np.array([0, 1, 2, 1.5] * 5), "label 3 is 1.5"),
    (np.tile(np.eye(4), (5, 1)) + np.array([0, 0, 0, np.nan]), "label row 0"),
    (np.tile(np.eye(4), (5, 1)) * 2, "label row 0"),
    (np.tile(np.eye(4), (5, 1)) * -1, "label row 0"),
    (np.array(["a", "b", "c", "d"] * 5), "labels must be numbers"),
])
def test_galaxy_labels_that_are_not_classes_are_refused_naming_the_file(tmp_path, labels, words):
    from minicnn.apps.projects import galaxy
    images = np.zeros((20, 16, 16, 3), np.uint8)
    np.savez(tmp_path / "galaxydata.npz", data=images, labels=labels)
    with pytest.raises(ValueError, match=words) as error:
        galaxy.read_npz(str(tmp_path / "galaxydata.npz"))
    assert "galaxydata.npz" in str(error.value)


def test_galaxy_index_labels_and_small_images_train(tmp_path):
    from minicnn.apps.projects import galaxy, runner
    import contextlib
    import io
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "g.npz", data=rng.integers(0, 255, (40, 32, 32, 3), dtype=np.uint8),
             labels=np.repeat(np.arange(4), 10))
    with contextlib.redirect_stdout(io.StringIO()):
        summary = runner.run(galaxy, data=str(tmp_path / "g.npz"), epochs=1, batch_size=8,
                             out=str(tmp_path / "out"), verbose=0)
    assert summary["test"]["samples"] == 8 and summary["classes"][0] == "normal"


@pytest.mark.parametrize("make", [
    lambda x, y: ImageDataGenerator().flow(x, shuffle=False),
    lambda x, y: (x, None, None),
], ids=["flow-without-y", "none-triple"])
def test_validation_without_targets_is_refused_before_training(make):
    x, y = data()
    refused_before_any_step(tiny(), "validation_data", x=x, y=y, validation_data=make(x, y))


def test_a_folder_loaders_classes_are_checked_against_the_last_layer(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (8, 8)).save(tmp_path / name / "0.png")
    loader = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(8, 8), verbose=False)
    model = tiny(classes=2, loss="categorical_crossentropy")
    for train, validation in ((loader, None), ((np.zeros((3, 8, 8, 3)), np.eye(2)[[0, 1, 0]]),
                                               loader)):
        x, y = train if isinstance(train, tuple) else (train, None)
        with pytest.raises(ValueError, match=r"3 classes(, but the model's last layer, dense "
                                             r"\(Dense\), gives 2 outputs|, the training "
                                             r"data's of 2)"):
            batches.fit_batches(x, y, 4, 0, validation, True, None, None, 0, 1, None, None, None,
                                0, model=model)


def test_rgb_data_for_a_grayscale_model_suggests_color_mode():
    model = tiny()  # takes (8, 8, 3): rgb
    x, y = data(channels=1)
    with pytest.raises(ValueError, match=r'takes rgb images \(3 channels\) and got grayscale '
                                         r'ones; load them with color_mode="rgb"'):
        batches.fit_batches(x, y, 4, 0, None, True, None, None, 0, 1, None, None, None, 0,
                            model=model)


# -- the command line, round 4 ---------------------------------------------------------------
@pytest.mark.parametrize("project, seed", [("xray", "-1"), ("xray", str(2**32)),
                                           ("galaxy", str(2**64)), ("galaxy", "-7")])
def test_a_seed_out_of_range_is_named_before_anything_is_written(tmp_path, capsys, project, seed):
    from minicnn.apps import cli
    out = tmp_path / "out"
    status = cli.main(["train", project, "--data", str(tmp_path / "no-data"), "--out", str(out),
                       "--seed", seed, "--epochs", "1"])
    assert status == 2
    assert "--seed must be a whole number from 0 to 4294967295" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("contents", [[], ["notes.txt"], ["sub/readme.md", "x.gif.txt"]])
def test_predict_on_a_folder_without_images_fails_naming_it(tmp_path, capsys, contents):
    from minicnn.apps import cli
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(6, 6, 3))
    model.metadata = {"class_names": ["a", "b"]}
    model.save(tmp_path / "model.npz")
    full, empty = tmp_path / "full", tmp_path / "empty"
    full.mkdir()
    Image.new("RGB", (6, 6)).save(full / "x.png")
    empty.mkdir()
    for name in contents:
        (empty / name).parent.mkdir(parents=True, exist_ok=True)
        (empty / name).write_text("not an image")
    for folders in ([empty], [full, empty]):
        status = cli.main(["predict", str(tmp_path / "model.npz")] + [str(f) for f in folders])
        captured = capsys.readouterr()
        assert status == 2 and f"{empty}: no images in this folder" in captured.err
        assert "x.png:" not in captured.out  # refused before anything is predicted
    assert cli.main(["predict", str(tmp_path / "model.npz"), str(full)]) == 0
