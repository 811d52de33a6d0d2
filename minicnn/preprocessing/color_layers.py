"""Keras's colour augmentation layers: each image's values changed by a random amount,
in training (and when a layer is called directly); predict and evaluate see the images
as they are. Values are pixels in ``value_range`` (Keras's default (0, 255)); results
are clipped to it. Keras's formulas and its draws: one per image.

    RandomBrightness         x + delta * (high - low), delta ~ U(factor)
    RandomContrast           (x - mean) * c + mean, mean per image and channel,
                             c ~ U(1 - lower, 1 + upper)  (Keras 3: RandomContrast(0.2) draws
                             c in [1, 1.2], only stronger contrast; followed here, as Keras)
    RandomGrayscale          the grey image, repeated in each channel, with probability factor
    RandomColorDegeneration  x + f * (grey - x), f ~ U(factor)
    RandomSaturation         saturation (HSV) times f / (1 - f), f ~ U(factor)
    RandomHue                hue (HSV) turned by +-f / 2, f ~ U(factor)
    RandomColorJitter        brightness, contrast, saturation and hue, in that order
    RandomInvert             high - x with probability p ~ U(factor)
    RandomPosterization      each value (as 0..255) keeps its top b bits, b ~ U{factor}
    RandomSharpness          x + (1 - 2f) * (smoothed - x), f ~ U(factor)
    Solarization             values at or above a random threshold t become 255 - value,
                             after adding a random a (both as 0..255)
    AutoContrast             each channel stretched to the full range (not random: always)
"""
import numpy as np

from minicnn.arguments import check_number
from minicnn.preprocessing import color
from minicnn.preprocessing.augmentation import RandomAugmentation, factor_bounds


def value_range_of(owner, value_range):
    if not isinstance(value_range, (list, tuple)) or len(value_range) != 2:
        raise ValueError(f"{owner}: value_range must be (low, high), got {value_range!r}")
    low, high = sorted(check_number(owner, "value_range", v) for v in value_range)
    return low, high


class ColorAugmentation(RandomAugmentation):
    """A random colour change with a factor and a value range; images of 3 channels
    where the change needs colour (grey, HSV)."""

    def __init__(self, factor, value_range, seed, name, input_shape, bounds=(-1, 1)):
        super().__init__(seed, name, input_shape)
        self.factor = factor
        self.bounds = factor_bounds(self.name, "factor", factor, low=bounds[0], high=bounds[1])
        self.value_range = value_range_of(self.name, value_range)

    def get_config(self):
        return {"name": self.name, "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}

    def draw_randomness(self, n):
        return self.rng.uniform(*self.bounds, n)

    def clip(self, x):
        return np.clip(x, *self.value_range).astype(self.dtype)


class RandomBrightness(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), seed=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape)

    def augment(self, x, delta):
        low, high = self.value_range
        return self.clip(x + (delta * (high - low))[:, None, None, None].astype(self.dtype))


class RandomContrast(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), seed=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape, bounds=(0, 1))

    def draw_randomness(self, n):
        return self.rng.uniform(1 - self.bounds[0], 1 + self.bounds[1], n)

    def augment(self, x, contrast):
        mean = x.mean(axis=(1, 2), keepdims=True)
        return self.clip((x - mean) * contrast[:, None, None, None].astype(self.dtype) + mean)


class RandomGrayscale(ColorAugmentation):
    def __init__(self, factor=0.5, data_format=None, seed=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(factor, (0, 255), seed, name, input_shape, bounds=(0, 1))
        self.factor = check_number(self.name, "factor", factor, low=0, high=1)

    def get_config(self):
        return {"name": self.name, "factor": self.factor, "seed": self.seed}

    def draw_randomness(self, n):
        return self.rng.random(n) < self.factor

    def augment(self, x, grey):
        return np.where(grey[:, None, None, None], color.rgb_to_grayscale(x), x).astype(self.dtype)


class RandomColorDegeneration(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape)

    def augment(self, x, f):
        f = f[:, None, None, None].astype(self.dtype)
        return self.clip(x + f * (color.rgb_to_grayscale(x) - x))


class RandomSaturation(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape)

    def augment(self, x, f):
        scale = (f / (1 - f + 1e-7))[:, None, None].astype(np.float32)
        hsv = color.rgb_to_hsv(x)
        hsv[..., 1] = np.clip(hsv[..., 1] * scale, *self.value_range)
        return color.hsv_to_rgb(hsv).astype(self.dtype)


class RandomHue(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape, bounds=(0, 1))

    def draw_randomness(self, n):
        sign = np.where(self.rng.random(n) > 0.5, -1.0, 1.0)
        return sign * self.rng.uniform(*self.bounds, n) * 0.5

    def augment(self, x, turn):
        hsv = color.rgb_to_hsv(color.to_range(x, self.value_range, (0, 1)))
        hue = hsv[..., 0] + turn[:, None, None].astype(np.float32)
        hsv[..., 0] = np.where(hue > 1, hue - 1, np.where(hue < 0, hue + 1, hue))
        rgb = np.clip(color.hsv_to_rgb(hsv), 0, 1)
        return color.to_range(rgb, (0, 1), self.value_range).astype(self.dtype)


class RandomInvert(ColorAugmentation):
    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape, bounds=(0, 1))

    def draw_randomness(self, n):
        probability = self.rng.uniform(*self.bounds, n)
        return self.rng.random(n) < probability

    def augment(self, x, invert):
        return np.where(invert[:, None, None, None], self.value_range[1] - x, x).astype(self.dtype)


class RandomPosterization(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape, bounds=(1, 8))
        low, high = self.bounds
        self.bounds = (max(int(low), 1), int(high))

    def draw_randomness(self, n):
        low, high = self.bounds
        return np.full(n, low) if low == high else self.rng.integers(low, high, n)

    def augment(self, x, bits):
        shift = (8 - bits).astype(np.uint8)[:, None, None, None]
        pixels = color.to_range(x, self.value_range, (0, 255)).astype(np.uint8)
        kept = (pixels >> shift) << shift
        return color.to_range(kept.astype(np.float32), (0, 255), self.value_range).astype(
            self.dtype)


class RandomSharpness(ColorAugmentation):
    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(factor, value_range, seed, name, input_shape, bounds=(0, 1))

    def augment(self, x, f):
        # Keras's smoothing: each pixel 5/13 of itself and 1/13 of each of its 8 neighbours
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        h, w = x.shape[1:3]
        smoothed = sum(padded[:, i:i + h, j:j + w] for i in range(3) for j in range(3)) / 13.0
        smoothed = smoothed + x * (4.0 / 13.0)
        sharpness = (2 * f)[:, None, None, None].astype(self.dtype)
        return self.clip(x + (1 - sharpness) * (smoothed - x))


class Solarization(RandomAugmentation):
    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, name=None, input_shape=None, **keras_only):
        super().__init__(seed, name, input_shape)
        self.addition_factor, self.threshold_factor = addition_factor, threshold_factor
        self.additions = factor_bounds(self.name, "addition_factor", addition_factor, low=0)
        self.thresholds = factor_bounds(self.name, "threshold_factor", threshold_factor, low=0)
        self.value_range = value_range_of(self.name, value_range)

    def get_config(self):
        return {"name": self.name, "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "value_range": self.value_range,
                "seed": self.seed}

    def draw_randomness(self, n):
        """(n, 2): each image's addition and threshold, as 0..255 values (Keras draws
        them from [lower, upper * 255])."""
        return np.stack([self.rng.uniform(self.additions[0], self.additions[1] * 255, n),
                         self.rng.uniform(self.thresholds[0], self.thresholds[1] * 255, n)], 1)

    def augment(self, x, drawn):
        addition, threshold = (drawn[:, k, None, None, None].astype(np.float32) for k in (0, 1))
        values = np.clip(color.to_range(x, self.value_range, (0, 255)) + addition, 0, 255)
        values = np.where(values < threshold, values, 255 - values)
        return color.to_range(values, (0, 255), self.value_range).astype(self.dtype)


class AutoContrast(RandomAugmentation):
    """Not random: each channel of each image stretched so that its lowest value
    becomes the range's low and its highest the high (a flat channel stays as it
    is). Keras applies it in inference too."""

    def __init__(self, value_range=(0, 255), name=None, input_shape=None, **keras_only):
        super().__init__(None, name, input_shape)
        self.value_range = value_range_of(self.name, value_range)

    def get_config(self):
        return {"name": self.name, "value_range": self.value_range}

    def forward(self, x, training=False):
        return super().forward(x, True)  # in inference as well

    def augment(self, x, drawn):
        values = color.to_range(x, self.value_range, (0, 255))
        low = values.min(axis=(1, 2), keepdims=True)
        high = values.max(axis=(1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 255.0 / (high - low)
            stretched = np.clip(values * scale - low * scale, 0, 255)
        out = color.to_range(stretched, (0, 255), self.value_range)
        return np.where(np.isnan(out), x, out).astype(self.dtype)


class RandomColorJitter(RandomAugmentation):
    """Keras's RandomColorJitter: RandomBrightness, RandomContrast, RandomSaturation and
    RandomHue in that order, each given its factor (None: that step left out)."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, name=None,
                 input_shape=None, **keras_only):
        super().__init__(seed, name, input_shape)
        self.value_range = value_range_of(self.name, value_range)
        steps = [(RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor)]
        self.steps = [kind(factor, value_range=value_range, seed=seed)
                      for kind, factor in steps if factor is not None]
        self.factors = {"brightness_factor": brightness_factor,
                        "contrast_factor": contrast_factor,
                        "saturation_factor": saturation_factor, "hue_factor": hue_factor}

    def get_config(self):
        return {"name": self.name, "value_range": self.value_range, **self.factors,
                "seed": self.seed}

    def build(self, input_shape, dtype=np.float32):
        for step in self.steps:
            step.build(input_shape, dtype)
        return super().build(input_shape, dtype)

    def draw_randomness(self, n):
        """(n, steps): each step's one number per image, a column each."""
        return np.stack([step.draw_randomness(n) for step in self.steps], axis=1)

    def augment(self, x, drawn):
        for k, step in enumerate(self.steps):
            x = step.augment(x, drawn[:, k])
        return x
