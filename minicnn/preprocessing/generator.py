"""ImageDataGenerator: Keras's augmentation settings, and the iterators it makes."""
import os

import numpy as np

from minicnn.arguments import check_choice, check_number, check_pair, check_positive_int
from minicnn.preprocessing import transforms
from minicnn.preprocessing.files import COLOR_MODES, INTERPOLATIONS, check_image_size
from minicnn.preprocessing.iterators import DirectoryIterator, NumpyArrayIterator
from minicnn.seeding import make_rng

CLASS_MODES = ("categorical", "binary", "sparse", "input", None)


class ImageDataGenerator:
    """Augmentation and rescaling with Keras's meaning.

    - horizontal_flip / vertical_flip: each applied with probability 0.5.
    - width_shift_range / height_shift_range: a float < 1 is a fraction of the
      width / height; a float >= 1 is pixels, drawn uniformly from (-r, r); an
      int n gives integer pixel shifts in (-n, n); a list gives its values.
      (Width shifts move the content horizontally, height shifts vertically,
      as Keras documents; Keras 3's code swaps the two axes.)
    - zoom_range z: factors along rows and columns drawn independently from
      [1 - z, 1 + z], or from (lo, hi) when a pair is given; above 1 zooms out.
    - rotation_range: degrees, drawn from (-r, r).
    - fill_mode "nearest", "constant" (with cval), "reflect", "wrap".
    - rescale multiplies after augmentation.
    - validation_split: used by flow_from_directory / flow with subset=.
    Randomness comes from the generator's own numpy Generator, never NumPy's
    global one.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1, dtype="float32",
                 seed=None):
        owner = "ImageDataGenerator"
        if zca_whitening:
            raise ValueError(f"{owner}: zca_whitening is not implemented in minicnn (it needs the "
                             f"pixel covariance of the whole set); use featurewise_center and "
                             f"featurewise_std_normalization")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner}: data_format must be 'channels_last' (minicnn is NHWC); "
                             f"got {data_format!r}")
        if interpolation_order != 1:
            raise ValueError(f"{owner}: interpolation_order must be 1 (bilinear, Keras's "
                             f"default); got {interpolation_order!r}")
        if brightness_range is not None and (np.isscalar(brightness_range)
                                             or len(brightness_range) != 2):
            raise ValueError(f"{owner}: brightness_range must be a pair (lo, hi); "
                             f"got {brightness_range!r}")
        # Keras's implications: a std normalisation centres first
        self.featurewise_center = bool(featurewise_center or featurewise_std_normalization)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_center = bool(samplewise_center or samplewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.mean = self.std = None  # set by fit()
        self.brightness_range = None if brightness_range is None else tuple(map(float, brightness_range))
        self.shear_range = float(shear_range)
        self.channel_shift_range = float(channel_shift_range)
        self.preprocessing_function = preprocessing_function
        self.rescale = rescale
        self.horizontal_flip, self.vertical_flip = bool(horizontal_flip), bool(vertical_flip)
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        if np.isscalar(zoom_range):
            if not 0 <= zoom_range < 1:
                raise ValueError(f"zoom_range must be a float in [0, 1) or a pair (lo, hi); "
                                 f"got {zoom_range!r}")
            self.zoom_range = (1 - zoom_range, 1 + zoom_range)
        elif len(zoom_range) == 2 and 0 < zoom_range[0] <= zoom_range[1]:
            self.zoom_range = (float(zoom_range[0]), float(zoom_range[1]))
        else:
            raise ValueError(f"zoom_range must be a float or a pair 0 < lo <= hi; got {zoom_range!r}")
        self.rotation_range = rotation_range
        self.fill_mode = check_choice("ImageDataGenerator", "fill_mode", fill_mode,
                                      transforms.FILL_MODES)
        self.cval = float(cval)
        self.validation_split = check_number("ImageDataGenerator", "validation_split",
                                             validation_split, low=0, high=1, high_open=True)
        self.dtype = np.dtype(dtype)
        self.rng = make_rng(seed)

    # Keras's answers for channels-last images (what minicnn's images are)
    data_format, row_axis, col_axis, channel_axis = "channels_last", 1, 2, 3
    interpolation_order, zca_whitening, zca_epsilon, zca_whitening_matrix = 1, False, 1e-6, None

    @property
    def augments(self):
        return bool(self.horizontal_flip or self.vertical_flip or self.width_shift_range
                    or self.height_shift_range or self.rotation_range or self.zoom_range != (1, 1)
                    or self.shear_range or self.channel_shift_range or self.brightness_range)

    @staticmethod
    def _draw_shift(rng, shift_range, size):
        """Keras's rule: int or list -> a drawn value with a random sign; float -> uniform."""
        if not shift_range:
            return 0.0
        if isinstance(shift_range, (int, np.integer)) or not np.isscalar(shift_range):
            shift = float(rng.choice(shift_range) * rng.choice([-1, 1]))
        else:
            shift = float(rng.uniform(-shift_range, shift_range))
        return shift * size if np.max(shift_range) < 1 else shift

    def get_random_transform(self, img_shape, seed=None):
        """Draw one set of parameters: theta, tx (rows), ty (columns), zx, zy,
        flip_horizontal, flip_vertical, and (when enabled) shear,
        channel_shift_intensity, brightness."""
        rng = self.rng if seed is None else make_rng(seed)
        theta = float(rng.uniform(-self.rotation_range, self.rotation_range)) if self.rotation_range else 0.0
        tx = self._draw_shift(rng, self.height_shift_range, img_shape[0])
        ty = self._draw_shift(rng, self.width_shift_range, img_shape[1])
        lo, hi = self.zoom_range
        zx, zy = (1.0, 1.0) if lo == hi == 1 else map(float, rng.uniform(lo, hi, 2))
        params = {"theta": theta, "tx": tx, "ty": ty, "zx": zx, "zy": zy,
                  "flip_horizontal": bool(self.horizontal_flip and rng.random() < 0.5),
                  "flip_vertical": bool(self.vertical_flip and rng.random() < 0.5)}
        # drawn only when enabled, so that the other draws stay as they were
        if self.shear_range:
            params["shear"] = float(rng.uniform(-self.shear_range, self.shear_range))
        if self.channel_shift_range:
            params["channel_shift_intensity"] = float(rng.uniform(-self.channel_shift_range,
                                                                  self.channel_shift_range))
        if self.brightness_range:
            params["brightness"] = float(rng.uniform(*self.brightness_range))
        return params

    def apply_transform(self, x, params):
        """Apply given parameters to one image (H, W, C)."""
        return transforms.apply_transform(x, params, self.fill_mode, self.cval)

    def random_transform(self, x, seed=None):
        """One random augmentation of one image (H, W, C)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def standardize(self, x):
        """What follows augmentation, in Keras's order: preprocessing_function,
        rescale, samplewise centring and scaling (over the whole image), then
        featurewise centring and scaling (per channel, from fit)."""
        x = np.asarray(x, dtype=self.dtype)
        if self.preprocessing_function:
            x = np.asarray(self.preprocessing_function(x), dtype=self.dtype)
        if self.rescale:
            x = x * self.dtype.type(self.rescale)
        if self.samplewise_center:
            x = x - x.mean()
        if self.samplewise_std_normalization:
            x = x / (x.std() + self.dtype.type(1e-6))
        for wanted, stat, name in ((self.featurewise_center, self.mean, "featurewise_center"),
                                   (self.featurewise_std_normalization, self.std,
                                    "featurewise_std_normalization")):
            if wanted and stat is None:
                raise ValueError(f"ImageDataGenerator: {name} needs the statistics of the "
                                 f"training images; call generator.fit(x_train) first")
        if self.featurewise_center:
            x = x - self.mean
        if self.featurewise_std_normalization:
            x = x / (self.std + self.dtype.type(1e-6))
        return x.astype(self.dtype, copy=False)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Per-channel mean and standard deviation of x (N, H, W, C) after
        rescaling (and, with augment, over ``rounds`` augmented copies), for
        featurewise_center and featurewise_std_normalization."""
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: x must be images (N, height, width, "
                             f"channels); got shape {x.shape}")
        if self.rescale:
            x *= self.dtype.type(self.rescale)
        if augment:
            rng = make_rng(seed)
            x = np.stack([self.apply_transform(image, self.get_random_transform(image.shape, rng))
                          for _ in range(rounds) for image in x])
        self.mean = x.mean(axis=(0, 1, 2)).astype(self.dtype)
        self.std = (x - self.mean).std(axis=(0, 1, 2)).astype(self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            subset=None, interpolation="nearest", follow_links=False,
                            on_error="raise", cache=False, verbose=True):
        """A DirectoryIterator over directory/<class>/<images>; see its docstring."""
        owner = "flow_from_directory"
        check_choice(owner, "color_mode", color_mode, tuple(COLOR_MODES))
        check_choice(owner, "class_mode", class_mode, CLASS_MODES)
        check_choice(owner, "interpolation", interpolation, tuple(INTERPOLATIONS))
        check_choice(owner, "subset", subset, ("training", "validation", None))
        check_choice(owner, "on_error", on_error, ("raise", "skip"))
        target_size = check_image_size(owner, "target_size",
                                       check_pair(owner, "target_size", target_size))
        batch_size = check_positive_int(owner, "batch_size", batch_size)
        return DirectoryIterator(directory, self, target_size, color_mode, classes, class_mode,
                                 batch_size, shuffle, seed, subset, interpolation, follow_links,
                                 on_error, cache, verbose)

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """A NumpyArrayIterator over in-memory images x (N, H, W, C), labels y
        and optional per-sample weights (then batches are (x, y, w)). save_to_dir:
        each augmented image also written there (save_prefix, save_format), as Keras."""
        check_choice("flow", "subset", subset, ("training", "validation", None))
        batch_size = check_positive_int("flow", "batch_size", batch_size)
        if np.ndim(x) != 4:
            raise ValueError(f"flow: x must be images (N, height, width, channels); "
                             f"got shape {np.shape(x)}")
        iterator = NumpyArrayIterator(x, y, self, batch_size, shuffle, seed, subset, sample_weight)
        return saving_to(iterator, save_to_dir, save_prefix, save_format)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            subset=None, interpolation="nearest", validate_filenames=True,
                            **keras_only):
        """A DataFrameIterator over the image files a pandas DataFrame lists
        (preprocessing/dataframe.py has Keras's rules)."""
        from minicnn.preprocessing.dataframe import DataFrameIterator
        owner = "flow_from_dataframe"
        check_choice(owner, "color_mode", color_mode, tuple(COLOR_MODES))
        check_choice(owner, "interpolation", interpolation, tuple(INTERPOLATIONS))
        check_choice(owner, "subset", subset, ("training", "validation", None))
        target_size = check_image_size(owner, "target_size",
                                       check_pair(owner, "target_size", target_size))
        batch_size = check_positive_int(owner, "batch_size", batch_size)
        iterator = DataFrameIterator(dataframe, directory, self, x_col, y_col, weight_col,
                                     target_size, color_mode, classes, class_mode, batch_size,
                                     shuffle, seed, subset, interpolation, validate_filenames)
        return saving_to(iterator, save_to_dir, save_prefix, save_format)


def saving_to(iterator, save_to_dir, save_prefix, save_format):
    """The iterator, set to write each augmented image to save_to_dir (made if absent)."""
    if save_to_dir is not None:
        os.makedirs(save_to_dir, exist_ok=True)
        iterator.save_to_dir, iterator.save_prefix = os.fspath(save_to_dir), save_prefix
        iterator.save_format = save_format
    return iterator
