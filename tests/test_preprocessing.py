"""The directory loader: equal to Keras's flow_from_directory with augmentation
off, augmentations that do exactly what they say, and clear errors."""
import os
import warnings

import numpy as np
import pytest
from PIL import Image

import minicnn
from minicnn.preprocessing import ImageDataGenerator, load_image
from minicnn.preprocessing.transforms import affine_matrix, affine_transform, apply_transform


def make_image(path, mode, size, rng, fmt=None):
    """A random image of the given Pillow mode and (width, height)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    w, h = size
    if mode == "P":
        image = Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), "RGB").quantize(16)
    else:
        bands = len(Image.new(mode, (1, 1)).getbands())
        data = rng.integers(0, 256, (h, w, bands), dtype=np.uint8)
        image = Image.fromarray(data[:, :, 0] if bands == 1 else data, mode)
    image.save(path, format=fmt)
    return path


@pytest.fixture
def image_tree(tmp_path, rng):
    """Three classes; varied sizes, modes and formats; nested folders; stray files."""
    root = tmp_path / "data"
    make_image(root / "cats" / "b.png", "RGB", (20, 14), rng)
    make_image(root / "cats" / "a.JPG", "RGB", (9, 11), rng, fmt="JPEG")
    make_image(root / "cats" / "c.bmp", "L", (16, 16), rng, fmt="BMP")
    make_image(root / "cats" / "nested" / "deeper" / "d.PNG", "RGBA", (12, 10), rng, fmt="PNG")
    make_image(root / "cats" / "nested" / "e.jpeg", "L", (30, 30), rng, fmt="JPEG")
    make_image(root / "dogs" / "x.png", "P", (15, 15), rng)
    make_image(root / "dogs" / "y.tif", "RGB", (16, 16), rng, fmt="TIFF")
    make_image(root / "dogs" / "z.ppm", "RGB", (8, 8), rng, fmt="PPM")
    make_image(root / "dogs" / "w.png", "LA", (17, 13), rng)
    make_image(root / "birds" / "1.png", "RGB", (16, 16), rng)
    make_image(root / "birds" / "2.png", "RGBA", (16, 16), rng)
    (root / "cats" / "notes.txt").write_text("not an image")
    (root / "dogs" / "Thumbs.db").write_bytes(b"\0\1\2")
    (root / "README").write_text("a stray file at the top")
    return root


KERAS_ORDER = ["birds/1.png", "birds/2.png",
               # folders in sorted order of their paths: cats, cats/nested, cats/nested/deeper
               "cats/a.JPG", "cats/b.png", "cats/c.bmp", "cats/nested/e.jpeg",
               "cats/nested/deeper/d.PNG",
               "dogs/w.png", "dogs/x.png", "dogs/y.tif", "dogs/z.ppm"]


def expected_pixels(path, color_mode, target_size, interpolation=Image.Resampling.NEAREST):
    """What Keras's load_img + img_to_array give, worked out with Pillow directly."""
    image = Image.open(path)
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode]
    if image.mode != mode:
        image = image.convert(mode)
    if image.size != (target_size[1], target_size[0]):
        image = image.resize((target_size[1], target_size[0]), interpolation)
    array = np.asarray(image, dtype=np.float32)
    return array[:, :, None] if array.ndim == 2 else array


@pytest.mark.parametrize("color_mode,channels", [("grayscale", 1), ("rgb", 3), ("rgba", 4)])
def test_flow_from_directory_equals_keras(image_tree, color_mode, channels, capsys):
    gen = ImageDataGenerator(rescale=1 / 255)
    it = gen.flow_from_directory(image_tree, target_size=(12, 10), color_mode=color_mode,
                                 batch_size=4, shuffle=False)
    assert capsys.readouterr().out.strip() == "Found 11 images belonging to 3 classes."
    assert it.class_indices == {"birds": 0, "cats": 1, "dogs": 2}
    assert it.filenames == KERAS_ORDER
    assert it.filepaths == [os.path.join(image_tree, *f.split("/")) for f in KERAS_ORDER]
    np.testing.assert_array_equal(it.classes, [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2])
    assert (it.samples, it.num_classes, it.batch_size, len(it)) == (11, 3, 4, 3)
    xs, ys = zip(*(it[i] for i in range(len(it))))
    assert [len(x) for x in xs] == [4, 4, 3]
    x, y = np.concatenate(xs), np.concatenate(ys)
    assert x.shape == (11, 12, 10, channels) and x.dtype == np.float32
    expected = np.stack([expected_pixels(p, color_mode, (12, 10)) for p in it.filepaths])
    np.testing.assert_array_equal(x, expected * np.float32(1 / 255))
    np.testing.assert_array_equal(y, np.eye(3, dtype=np.float32)[it.classes])
    assert y.dtype == np.float32


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic", "lanczos", "box", "hamming"])
def test_interpolation_filters_equal_pillow(image_tree, interpolation):
    it = ImageDataGenerator().flow_from_directory(image_tree, target_size=(9, 13), shuffle=False,
                                                  interpolation=interpolation, verbose=False,
                                                  batch_size=11)
    x, _ = it[0]
    method = getattr(Image.Resampling, interpolation.upper())
    expected = np.stack([expected_pixels(p, "rgb", (9, 13), method) for p in it.filepaths])
    np.testing.assert_array_equal(x, expected)


def test_class_modes(image_tree):
    gen = ImageDataGenerator()
    kw = dict(target_size=(8, 8), shuffle=False, batch_size=11, verbose=False)
    classes = gen.flow_from_directory(image_tree, **kw).classes
    x, y = gen.flow_from_directory(image_tree, class_mode="sparse", **kw)[0]
    np.testing.assert_array_equal(y, classes)
    assert y.dtype == np.float32
    x, y = gen.flow_from_directory(image_tree, class_mode="input", **kw)[0]
    np.testing.assert_array_equal(x, y)
    x_only = gen.flow_from_directory(image_tree, class_mode=None, **kw)[0]
    assert isinstance(x_only, np.ndarray) and x_only.shape == (11, 8, 8, 3)
    binary = gen.flow_from_directory(image_tree, class_mode="binary", classes=["cats", "dogs"], **kw)
    x, y = binary[0]
    assert binary.class_indices == {"cats": 0, "dogs": 1} and binary.samples == 9
    np.testing.assert_array_equal(y, [0] * 5 + [1] * 4)
    assert y.dtype == np.float32


def test_validation_split_takes_the_first_files_of_each_class(image_tree):
    gen = ImageDataGenerator(validation_split=0.4)
    kw = dict(target_size=(8, 8), shuffle=False, verbose=False)
    val = gen.flow_from_directory(image_tree, subset="validation", **kw)
    train = gen.flow_from_directory(image_tree, subset="training", **kw)
    # birds 2 -> int(0.8) = 0, cats 5 -> 2, dogs 4 -> 1 go to validation
    assert val.filenames == ["cats/a.JPG", "cats/b.png", "dogs/w.png"]
    assert train.filenames == [f for f in KERAS_ORDER if f not in val.filenames]
    assert val.samples + train.samples == 11


def test_shuffle_with_a_seed_is_reproducible_and_leaves_numpy_alone(image_tree):
    gen = ImageDataGenerator(horizontal_flip=True, rotation_range=30)
    state = np.random.get_state()
    a = gen.flow_from_directory(image_tree, target_size=(8, 8), batch_size=4, seed=7, verbose=False)
    b = gen.flow_from_directory(image_tree, target_size=(8, 8), batch_size=4, seed=7, verbose=False)
    for _ in range(2):  # two epochs, through __next__
        for _ in range(len(a)):
            (xa, ya), (xb, yb) = next(a), next(b)
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    first_epoch = a.index_array.copy()
    a.on_epoch_end()
    assert not np.array_equal(first_epoch, a.index_array)  # a new order each epoch
    assert sorted(a.index_array) == list(range(11))
    # reading batches out of order gives the same batches
    c = gen.flow_from_directory(image_tree, target_size=(8, 8), batch_size=4, seed=7, verbose=False)
    later = c[2][0]
    np.testing.assert_array_equal(later, gen.flow_from_directory(
        image_tree, target_size=(8, 8), batch_size=4, seed=7, verbose=False)[2][0])
    np.testing.assert_equal(np.random.get_state()[1], state[1])


def test_next_cycles_forever_and_reset(image_tree):
    it = ImageDataGenerator().flow_from_directory(image_tree, target_size=(8, 8), batch_size=5,
                                                  shuffle=False, verbose=False)
    sizes = [len(next(it)[0]) for _ in range(7)]
    assert sizes == [5, 5, 1, 5, 5, 1, 5]
    it.reset()
    assert len(next(it)[0]) == 5 and it.batch_index == 1


def test_flow_from_arrays(rng):
    x = rng.random((10, 6, 6, 3)).astype(np.float32)
    y = np.arange(10)
    gen = ImageDataGenerator(rescale=2.0, validation_split=0.3)
    it = gen.flow(x, y, batch_size=4, shuffle=False, subset="training")
    xb, yb = it[0]
    np.testing.assert_allclose(xb, x[3:7] * 2)
    np.testing.assert_array_equal(yb, y[3:7])
    val = gen.flow(x, y, batch_size=4, shuffle=False, subset="validation")
    assert val.n == 3 and len(it) == 2
    assert gen.flow(x, batch_size=3, shuffle=False)[0].shape == (3, 6, 6, 3)


def test_the_loader_feeds_fit(image_tree):
    it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        image_tree, target_size=(8, 8), batch_size=4, verbose=False, seed=0)
    model = minicnn.Sequential([minicnn.layers.Conv2D(2, 3), minicnn.layers.Flatten(),
                                minicnn.layers.Dense(3, activation="softmax")], input_shape=(8, 8, 3))
    model.compile("adam", "categorical_crossentropy", ["accuracy"])
    history = model.fit(it, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and it.epoch == 2
    assert model.predict(it).shape == (11, 3)


# -- augmentation ------------------------------------------------------------------
@pytest.fixture
def picture(rng):
    return rng.integers(0, 256, (9, 12, 3)).astype(np.float32)


def test_flips_are_exact_mirrors(picture):
    np.testing.assert_array_equal(apply_transform(picture, {"flip_horizontal": True}),
                                  picture[:, ::-1])
    np.testing.assert_array_equal(apply_transform(picture, {"flip_vertical": True}), picture[::-1])


def test_flips_happen_about_half_the_time(picture):
    gen = ImageDataGenerator(horizontal_flip=True, seed=0)
    flips = [gen.get_random_transform(picture.shape)["flip_horizontal"] for _ in range(2000)]
    assert 0.45 < np.mean(flips) < 0.55


@pytest.mark.parametrize("fill_mode,expected_fill", [
    ("nearest", lambda x: np.repeat(x[:, -1:], 3, axis=1)),
    ("constant", lambda x: np.full((x.shape[0], 3, x.shape[2]), 5.0)),
    ("reflect", lambda x: x[:, :-4:-1]),
    ("wrap", lambda x: x[:, :3]),
])
def test_integer_shift_moves_exactly_and_fills(picture, fill_mode, expected_fill):
    # ty = +3 columns: output column c reads input column c + 3, so the content moves left by 3
    out = apply_transform(picture, {"ty": 3}, fill_mode=fill_mode, cval=5.0)
    np.testing.assert_array_equal(out[:, :-3], picture[:, 3:])
    np.testing.assert_array_equal(out[:, -3:], expected_fill(picture))
    down = apply_transform(picture, {"tx": -2}, fill_mode="constant", cval=0.0)
    np.testing.assert_array_equal(down[2:], picture[:-2])  # content moves down 2 rows
    np.testing.assert_array_equal(down[:2], 0)


def test_identities(picture):
    np.testing.assert_array_equal(apply_transform(picture, {"zx": 1, "zy": 1, "theta": 0}), picture)
    matrix, shift = affine_matrix()
    np.testing.assert_array_equal(affine_transform(picture, matrix, shift), picture)


def test_rotation_by_90_degrees_is_rot90(rng):
    square = rng.integers(0, 256, (11, 11, 2)).astype(np.float32)
    np.testing.assert_array_equal(apply_transform(square, {"theta": 90}), np.rot90(square, 1))
    np.testing.assert_array_equal(apply_transform(square, {"theta": -90}), np.rot90(square, -1))
    even = rng.integers(0, 256, (8, 8, 1)).astype(np.float32)
    np.testing.assert_array_equal(apply_transform(even, {"theta": 180}), np.rot90(even, 2))


def test_zoom_out_shrinks_the_content():
    x = np.zeros((21, 21, 1), np.float32)
    x[5:16, 5:16] = 1  # an 11-pixel square in the middle
    out = apply_transform(x, {"zx": 2.0, "zy": 2.0}, fill_mode="constant")
    assert 4 <= (out[:, 10, 0] > 0.5).sum() <= 7  # about half as tall


def test_random_parameters_stay_in_range():
    gen = ImageDataGenerator(rotation_range=25, width_shift_range=0.05, height_shift_range=3,
                             zoom_range=0.1, seed=1)
    params = [gen.get_random_transform((100, 200, 1)) for _ in range(3000)]
    theta = np.array([p["theta"] for p in params])
    ty = np.array([p["ty"] for p in params])
    tx = np.array([p["tx"] for p in params])
    zoom = np.array([[p["zx"], p["zy"]] for p in params])
    assert np.all(np.abs(theta) <= 25) and np.abs(theta).max() > 24
    assert np.all(np.abs(ty) <= 0.05 * 200) and np.abs(ty).max() > 9.5  # a fraction of the width
    assert set(tx) == {-2.0, -1.0, 0.0, 1.0, 2.0}  # int 3: whole pixels in (-3, 3)
    assert np.all((zoom >= 0.9) & (zoom <= 1.1)) and not np.allclose(zoom[:, 0], zoom[:, 1])
    pixels = ImageDataGenerator(width_shift_range=2.5, seed=0)
    shifts = [pixels.get_random_transform((10, 10, 1))["ty"] for _ in range(500)]
    assert max(np.abs(shifts)) <= 2.5 and len(set(shifts)) > 400  # a float >= 1: pixels, uniform


def test_random_transform_with_a_seed_is_reproducible(picture):
    gen = ImageDataGenerator(rotation_range=40, zoom_range=0.2, horizontal_flip=True)
    np.testing.assert_array_equal(gen.random_transform(picture, seed=3),
                                  gen.random_transform(picture, seed=3))


def test_rescale_applies_after_augmentation(image_tree):
    # a shift of exactly 2 columns (the list form draws 2 with a random sign) fills two
    # columns with cval 100; rescaling after augmentation halves the fill to 50, while
    # rescaling first would leave it at 100.
    gen = ImageDataGenerator(rescale=0.5, width_shift_range=[2], fill_mode="constant", cval=100,
                             seed=0)
    it = gen.flow_from_directory(image_tree, target_size=(8, 8), batch_size=11, verbose=False,
                                 shuffle=False, seed=4)
    x, _ = it[0]
    for image in x:
        filled = image[:, :2] if np.all(image[:, :2] == 50) else image[:, -2:]
        np.testing.assert_array_equal(filled, 50)
    assert x.max() <= 127.5  # cval 100 and pixels up to 255, all halved


# -- awkward files ---------------------------------------------------------------------
def test_sixteen_bit_palette_cmyk_and_exif(tmp_path):
    ramp = (np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    np.testing.assert_array_equal(load_image(tmp_path / "deep.png", "grayscale")[:, :, 0],
                                  np.rint(ramp / 257).astype(np.uint8))
    assert load_image(tmp_path / "deep.png", "rgb").shape == (8, 8, 3)

    Image.new("CMYK", (6, 4), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")  # red in CMYK
    rgb = load_image(tmp_path / "cmyk.jpg", "rgb")
    assert rgb.shape == (4, 6, 3) and rgb[..., 0].mean() > 200 and rgb[..., 1].mean() < 60

    tall = Image.new("RGB", (4, 10), (0, 0, 0))
    exif = tall.getexif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    tall.save(tmp_path / "photo.jpg", exif=exif)
    assert load_image(tmp_path / "photo.jpg", "rgb").shape == (4, 10, 3)  # displayed upright


def test_corrupt_truncated_and_empty_files(tmp_path, rng):
    root = tmp_path / "data"
    make_image(root / "a" / "good.png", "RGB", (8, 8), rng)
    make_image(root / "a" / "big.png", "RGB", (64, 64), rng)
    data = (root / "a" / "big.png").read_bytes()
    (root / "a" / "truncated.png").write_bytes(data[:len(data) // 2])
    (root / "a" / "empty.jpg").write_bytes(b"")
    (root / "a" / "garbage.bmp").write_bytes(b"this is not a bitmap")
    (root / "a" / "big.png").unlink()
    gen = ImageDataGenerator()
    it = gen.flow_from_directory(root, target_size=(8, 8), shuffle=False, batch_size=1, verbose=False)
    assert it.samples == 4
    for i, name in enumerate(it.filenames):
        if name != "a/good.png":
            with pytest.raises(ValueError, match=name.split("/")[1]):
                it[i]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skipping = gen.flow_from_directory(root, target_size=(8, 8), on_error="skip", verbose=False)
    assert skipping.filenames == ["a/good.png"] and skipping.samples == 1
    messages = " ".join(str(w.message) for w in caught)
    for name in ("truncated.png", "empty.jpg", "garbage.bmp"):
        assert name in messages


def test_missing_and_empty_directories(tmp_path, rng):
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="nowhere"):
        gen.flow_from_directory(tmp_path / "nowhere")
    (tmp_path / "flat").mkdir()
    make_image(tmp_path / "flat" / "lonely.png", "RGB", (4, 4), rng)
    with pytest.raises(ValueError, match="no class folders"):
        gen.flow_from_directory(tmp_path / "flat")
    (tmp_path / "flat" / "empty_class").mkdir()
    (tmp_path / "flat" / "empty_class" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="empty_class"):
        gen.flow_from_directory(tmp_path / "flat")


@pytest.mark.parametrize("kwargs,allowed", [
    ({"class_mode": "categoricall"}, "'categorical'"),
    ({"color_mode": "bgr"}, "'grayscale'"),
    ({"interpolation": "cubicc"}, "'bicubic'"),
    ({"subset": "test"}, "'validation'"),
])
def test_unknown_option_values_list_the_allowed_ones(image_tree, kwargs, allowed):
    with pytest.raises(ValueError) as error:
        ImageDataGenerator().flow_from_directory(image_tree, **kwargs)
    assert allowed in str(error.value) and repr(list(kwargs.values())[0]) in str(error.value)


def test_bad_generator_arguments():
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(1.2, 0.8))


def test_real_covid_set_equals_pillow():
    """On the real covid X-rays (RGBA PNGs), grayscale batches equal Pillow's own
    convert("L") + resize, as Keras computes them. Skips without ../shared/data."""
    from conftest import shared_data
    test_dir = shared_data("covid19-dataset", "test")
    it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        test_dir, target_size=(128, 128), color_mode="grayscale", batch_size=16, shuffle=False,
        verbose=False, interpolation="bilinear")
    assert (it.samples, it.class_indices) == (66, {"Covid": 0, "Normal": 1, "Pneumonia": 2})
    x, y = it[1]
    expected = np.stack([expected_pixels(p, "grayscale", (128, 128), Image.Resampling.BILINEAR)
                         for p in it.filepaths[16:32]])
    np.testing.assert_array_equal(x, expected * np.float32(1 / 255))
    np.testing.assert_array_equal(y.argmax(axis=1), it.classes[16:32])


# -- the attacks on image trees --------------------------------------------------------
def test_a_symlink_loop_is_visited_once(tmp_path, rng):
    root = tmp_path / "data"
    make_image(root / "a" / "1.png", "RGB", (4, 4), rng)
    make_image(root / "b" / "2.png", "RGB", (4, 4), rng)
    os.symlink(root / "b", root / "a" / "to_b")     # a -> b
    os.symlink(root / "a", root / "b" / "to_a")     # b -> a: a loop
    os.symlink(root / "a", root / "a" / "self")     # a -> a
    with pytest.warns(UserWarning, match="into another class folder"):
        it = ImageDataGenerator().flow_from_directory(root, target_size=(4, 4), follow_links=True,
                                                      shuffle=False, verbose=False)
    # each real folder once, and a link into another class is not followed: no image is
    # counted under a class it does not belong to
    assert sorted(it.filenames) == ["a/1.png", "b/2.png"]
    assert list(it.classes) == [0, 1]


def test_an_unreadable_class_folder_reports_its_error(image_tree, monkeypatch):
    """(Tests run as root, who reads everything: the permission error is simulated.)"""
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("dogs"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(PermissionError, match="dogs"):
        ImageDataGenerator().flow_from_directory(image_tree, verbose=False)


def test_skipping_bad_files_keeps_no_pixels(tmp_path, rng):
    import tracemalloc
    root = tmp_path / "data"
    for i in range(20):
        make_image(root / "a" / f"{i}.png", "RGB", (64, 64), rng)
    (root / "a" / "bad.png").write_bytes(b"not a png")
    decoded = 20 * 96 * 96 * 3  # uint8 pixels at the target size
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = ImageDataGenerator().flow_from_directory(root, target_size=(96, 96), on_error="skip",
                                                      verbose=False)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert it.samples == 20 and held < decoded / 4, (held, decoded)


def test_hidden_folders_are_not_classes(image_tree, rng):
    make_image(image_tree / ".ipynb_checkpoints" / "copy.png", "RGB", (8, 8), rng)
    with pytest.warns(UserWarning, match=r"hidden folders are not classes.*\.ipynb_checkpoints"):
        it = ImageDataGenerator().flow_from_directory(image_tree, verbose=False)
    assert it.class_indices == {"birds": 0, "cats": 1, "dogs": 2}


# -- the rest of Keras's ImageDataGenerator arguments ---------------------------------
KERAS_GENERATOR = os.path.join(os.path.dirname(__file__), "fixtures", "keras_image_generator.npz")


@pytest.mark.parametrize("case,params", [
    ("shear", {"shear": 20.0}),
    # zx = zy: Keras 3's code applies zx to columns, minicnn to rows (as Keras documents)
    ("shear_zoom_rot", {"shear": -15.0, "zx": 1.1, "zy": 1.1, "theta": 10.0}),
    ("channel_shift", {"channel_shift_intensity": 40.0}),
    ("brightness", {"brightness": 1.3}),
    ("dim", {"brightness": 0.5}),
])
def test_shear_channel_shift_and_brightness_equal_keras(case, params):
    """Fixture: Keras 3.15's ImageDataGenerator.apply_transform on the same (square)
    image. (On a non-square image Keras 3 centres its matrix with the row centre on
    the column axis; minicnn centres each axis on itself.)"""
    with np.load(KERAS_GENERATOR) as keras:
        got = ImageDataGenerator().apply_transform(keras["image"], params)
        np.testing.assert_allclose(got, keras[case], atol=2e-3)


def test_featurewise_and_samplewise_standardisation_equal_keras():
    with np.load(KERAS_GENERATOR) as keras:
        gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                 rescale=1 / 255)
        gen.fit(keras["fit_x"])
        np.testing.assert_allclose(gen.mean, keras["mean"].reshape(-1), rtol=1e-5)
        np.testing.assert_allclose(gen.std, keras["std"].reshape(-1), rtol=1e-5)
        np.testing.assert_allclose(gen.standardize(keras["fit_x"][0]), keras["featurewise"],
                                   rtol=1e-5, atol=1e-6)
        sample = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True,
                                    rescale=1 / 255)
        np.testing.assert_allclose(sample.standardize(keras["fit_x"][1]), keras["samplewise"],
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="fit"):
        ImageDataGenerator(featurewise_center=True).standardize(np.zeros((2, 2, 1)))
    with pytest.raises(ValueError, match="zca_whitening"):
        ImageDataGenerator(zca_whitening=True)


def test_new_augmentations_are_drawn_only_when_enabled(picture):
    plain = ImageDataGenerator(rotation_range=30, seed=1).get_random_transform(picture.shape)
    assert set(plain) == {"theta", "tx", "ty", "zx", "zy", "flip_horizontal", "flip_vertical"}
    full = ImageDataGenerator(rotation_range=30, shear_range=10, channel_shift_range=5,
                              brightness_range=(0.8, 1.2), seed=1).get_random_transform(picture.shape)
    assert full["theta"] == plain["theta"] and -10 <= full["shear"] <= 10
    assert 0.8 <= full["brightness"] <= 1.2 and -5 <= full["channel_shift_intensity"] <= 5
