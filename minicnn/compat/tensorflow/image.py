"""tf.image: the image functions tutorials call (Grad-CAM upsamples its heatmap with
resize; data-augmentation tutorials flip and adjust; input pipelines decode files).
Images are (height, width, channels) or batches of them. They give Tensors with no
gradient (a tape does not follow them). Colour arithmetic is preprocessing/color.py's,
decoding and encoding Pillow's."""
import numpy as np

from minicnn.preprocessing import color
from minicnn.preprocessing.resize import resize as resize_one
from minicnn.preprocessing.resize import resize_with_pad as resize_pad_one
from minicnn.tape.tensor import Tensor, value_of


def _each_image(function, images):
    images = np.asarray(value_of(images))
    if images.ndim == 3:
        return function(images)
    return np.stack([function(image) for image in images])


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False,
           name=None):
    """tf.image.resize, TensorFlow's half-pixel bilinear by default (float32 results)."""
    size = tuple(int(d) for d in np.ravel(value_of(size)))
    return Tensor(_each_image(lambda image: resize_one(image, size, method), images))


def flip_left_right(image):
    return Tensor(np.asarray(value_of(image))[..., :, ::-1, :].copy())


def flip_up_down(image):
    return Tensor(np.asarray(value_of(image))[..., ::-1, :, :].copy())


def rot90(image, k=1, name=None):
    return Tensor(np.rot90(np.asarray(value_of(image)), k, axes=(-3, -2)).copy())


def rgb_to_grayscale(images, name=None):
    return Tensor(color.rgb_to_grayscale(value_of(images)))


def grayscale_to_rgb(images, name=None):
    return Tensor(np.repeat(np.asarray(value_of(images)), 3, axis=-1))


def adjust_brightness(image, delta):
    return Tensor(np.asarray(value_of(image)) + np.asarray(delta, dtype=np.float32))


def adjust_contrast(images, contrast_factor):
    images = np.asarray(value_of(images), dtype=np.float32)
    mean = images.mean(axis=(-3, -2), keepdims=True)
    return Tensor((images - mean) * contrast_factor + mean)


def central_crop(image, central_fraction):
    image = np.asarray(value_of(image))
    height, width = image.shape[-3:-1]
    top, left = int((height - height * central_fraction) // 2), int((width - width * central_fraction) // 2)
    return Tensor(image[..., top:height - top, left:width - left, :].copy())




# -- more of tf.image: colour, crops and pads, decoding, random augmentation ---------------------
class ResizeMethod:
    """tf.image.ResizeMethod's names of the interpolations resize takes."""
    BILINEAR, NEAREST_NEIGHBOR, BICUBIC, AREA = "bilinear", "nearest", "bicubic", "area"
    LANCZOS3, LANCZOS5, GAUSSIAN, MITCHELLCUBIC = "lanczos3", "lanczos5", "gaussian", "mitchellcubic"


def _floats(images):
    return np.asarray(value_of(images), dtype=np.float32)


def rgb_to_hsv(images, name=None):
    return Tensor(color.rgb_to_hsv(_floats(images)))


def hsv_to_rgb(images, name=None):
    return Tensor(color.hsv_to_rgb(_floats(images)))


def adjust_gamma(image, gamma=1, gain=1):
    return Tensor(gain * _floats(image) ** gamma)


def adjust_saturation(image, saturation_factor, name=None):
    hsv = color.rgb_to_hsv(_floats(image))
    hsv[..., 1] = np.clip(hsv[..., 1] * saturation_factor, 0, 1)
    return Tensor(color.hsv_to_rgb(hsv))


def adjust_hue(image, delta, name=None):
    """The hue turned by delta (a fraction of the colour circle, in [-1, 1])."""
    hsv = color.rgb_to_hsv(_floats(image))
    hsv[..., 0] = np.mod(hsv[..., 0] + delta, 1.0)
    return Tensor(color.hsv_to_rgb(hsv))


def per_image_standardization(image, name=None):
    """Each image to mean 0 and standard deviation 1 (at least 1/sqrt(pixels), as TF)."""
    image = _floats(image)
    axes = (-3, -2, -1)
    count = np.prod(image.shape[-3:])
    mean = image.mean(axis=axes, keepdims=True)
    adjusted = np.maximum(image.std(axis=axes, keepdims=True), 1 / np.sqrt(count))
    return Tensor((image - mean) / adjusted)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Integers <-> floats in [0, 1] (uint8 255 is 1.0), as TensorFlow converts."""
    image, dtype = np.asarray(value_of(image)), np.dtype(dtype)
    if image.dtype == dtype:
        return Tensor(image)
    if image.dtype.kind in "ui" and dtype.kind == "f":
        return Tensor((image / np.iinfo(image.dtype).max).astype(dtype))
    if image.dtype.kind == "f" and dtype.kind in "ui":  # TensorFlow's: x * (max + 0.5), truncated
        return Tensor((np.clip(image, 0, 1) * (np.iinfo(dtype).max + 0.5)).astype(dtype))
    return Tensor(image.astype(dtype))


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    image = np.asarray(value_of(image))
    return Tensor(image[..., offset_height:offset_height + target_height,
                        offset_width:offset_width + target_width, :].copy())


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    image = np.asarray(value_of(image))
    height, width = image.shape[-3:-1]
    pads = [(0, 0)] * (image.ndim - 3) + [(offset_height, target_height - height - offset_height),
                                          (offset_width, target_width - width - offset_width),
                                          (0, 0)]
    return Tensor(np.pad(image, pads))


def resize_with_crop_or_pad(image, target_height, target_width):
    """Crop the centre, or pad with zeros around, to the target size (TF's offsets)."""
    image = np.asarray(value_of(image))
    height, width = image.shape[-3:-1]
    top, left = max((height - target_height) // 2, 0), max((width - target_width) // 2, 0)
    image = image[..., top:top + target_height, left:left + target_width, :]
    height, width = image.shape[-3:-1]
    return pad_to_bounding_box(image, (target_height - height) // 2, (target_width - width) // 2,
                               target_height, target_width)


def resize_with_pad(image, target_height, target_width, method="bilinear", antialias=False):
    return Tensor(_each_image(lambda one: resize_pad_one(one, (target_height, target_width),
                                                         method), image))


def transpose(image, name=None):
    return Tensor(np.swapaxes(np.asarray(value_of(image)), -3, -2).copy())


def extract_patches(images, sizes, strides, rates, padding):
    """Each ksize patch (sizes (1, kh, kw, 1), strides (1, sh, sw, 1)) flattened into the
    channels: (N, H', W', kh*kw*C), as im2col's rows (ops/reference.py)."""
    from minicnn.ops.reference import im2col
    from minicnn.ops.windows import pad_hw, sliding_window_shape
    images = np.asarray(value_of(images))
    (kh, kw), (sh, sw) = tuple(sizes[1:3]), tuple(strides[1:3])
    (out_h, out_w), pads = sliding_window_shape("extract_patches", images.shape[1:], (kh, kw),
                                                (sh, sw), padding.lower())
    cols = im2col(pad_hw(images, pads), kh, kw, sh, sw, out_h, out_w)
    return Tensor(cols.reshape(len(images), out_h, out_w, -1))


# decoding and encoding: Pillow reads and writes the bytes
def decode_image(contents, channels=None, dtype=np.uint8, name=None, expand_animations=True):
    """The image in ``contents`` (PNG, JPEG, BMP, GIF bytes) as (height, width, channels)
    uint8; channels 1, 3 or 4 converts (0 or None: as stored)."""
    import io
    from PIL import Image
    data = value_of(contents)
    data = data.item() if isinstance(data, np.ndarray) else data
    picture = Image.open(io.BytesIO(data if isinstance(data, bytes) else bytes(data)))
    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(channels or 0)
    picture = picture.convert(mode) if mode else (
        picture if picture.mode in ("L", "RGB", "RGBA") else picture.convert("RGB"))
    array = np.asarray(picture)
    array = array[..., None] if array.ndim == 2 else array
    return convert_image_dtype(array, dtype) if np.dtype(dtype) != np.uint8 else Tensor(array)


def decode_png(contents, channels=0, dtype=np.uint8, name=None):
    return decode_image(contents, channels, dtype)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    return decode_image(contents, channels)


def decode_bmp(contents, channels=0, name=None):
    return decode_image(contents, channels)


def decode_gif(contents, name=None):
    """A GIF's frames, (frames, height, width, 3)."""
    import io
    from PIL import Image, ImageSequence
    picture = Image.open(io.BytesIO(bytes(value_of(contents))))
    return Tensor(np.stack([np.asarray(frame.convert("RGB")) for frame in
                            ImageSequence.Iterator(picture)]))


def _encode(image, format, **options):
    import io
    from PIL import Image
    image = np.asarray(value_of(image))
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buffer, format=format,
                                                                          **options)
    return Tensor(np.array(buffer.getvalue(), dtype=object))


def encode_png(image, compression=-1, name=None):
    return _encode(image, "PNG")


def encode_jpeg(image, format="", quality=95, **options):
    return _encode(image, "JPEG", quality=int(quality))


def adjust_jpeg_quality(image, jpeg_quality, dct_method="", name=None):
    """The image after a JPEG round trip at that quality (values as given: floats in [0, 1])."""
    image = np.asarray(value_of(image))
    floats = image.dtype.kind == "f"
    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8) if floats else image
    back = np.asarray(decode_image(_encode(pixels, "JPEG", quality=int(jpeg_quality)).value,
                                   pixels.shape[-1]))
    return Tensor(back / np.float32(255) if floats else back)


# random augmentation: one draw per call (seed= makes it repeatable), as TensorFlow's
def _rng(seed):
    from minicnn.seeding import make_rng
    return make_rng(None if seed is None else int(np.ravel(seed)[0]))


def random_flip_left_right(image, seed=None):
    return flip_left_right(image) if _rng(seed).random() < 0.5 else Tensor(np.asarray(value_of(image)))


def random_flip_up_down(image, seed=None):
    return flip_up_down(image) if _rng(seed).random() < 0.5 else Tensor(np.asarray(value_of(image)))


def random_brightness(image, max_delta, seed=None):
    return adjust_brightness(image, _rng(seed).uniform(-max_delta, max_delta))


def random_contrast(image, lower, upper, seed=None):
    return adjust_contrast(image, _rng(seed).uniform(lower, upper))


def random_saturation(image, lower, upper, seed=None):
    return adjust_saturation(image, _rng(seed).uniform(lower, upper))


def random_hue(image, max_delta, seed=None):
    return adjust_hue(image, _rng(seed).uniform(-max_delta, max_delta))


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None):
    return adjust_jpeg_quality(image, _rng(seed).integers(min_jpeg_quality, max_jpeg_quality + 1))


def random_crop(value, size, seed=None, name=None):
    """A window of ``size`` (per axis) at a random place."""
    value = np.asarray(value_of(value))
    size = [int(s) for s in np.ravel(value_of(size))]
    rng = _rng(seed)
    start = [int(rng.integers(0, n - s + 1)) for n, s in zip(value.shape, size)]
    return Tensor(value[tuple(slice(a, a + s) for a, s in zip(start, size))].copy())


# stateless_random_*: the same with a seed pair (the first number seeds the draw)
stateless_random_flip_left_right = random_flip_left_right
stateless_random_flip_up_down = random_flip_up_down
stateless_random_brightness = random_brightness
stateless_random_contrast = random_contrast
stateless_random_saturation = random_saturation
stateless_random_hue = random_hue
stateless_random_jpeg_quality = random_jpeg_quality


def stateless_random_crop(value, size, seed, name=None):
    return random_crop(value, size, seed)


__all__ = sorted(name for name, value in dict(globals()).items()
                 if not name.startswith("_") and callable(value)
                 and name not in ("Tensor", "value_of", "resize_one", "resize_pad_one"))
