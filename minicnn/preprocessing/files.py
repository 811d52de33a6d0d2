"""Finding class folders and image files, and decoding images with Pillow,
as Keras's ``flow_from_directory`` and ``load_img`` do."""
import os
import stat
import warnings

import numpy as np
from PIL import Image, ImageOps

from minicnn.arguments import COLOR_MODE_CHANNELS

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
# color_mode -> (Pillow mode, channels); the channels from arguments.py
COLOR_MODES = {name: (pillow, COLOR_MODE_CHANNELS[name])
               for name, pillow in (("grayscale", "L"), ("rgb", "RGB"), ("rgba", "RGBA"))}
INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING,
}
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# The largest height or width an image is resized to (image_size, target_size): one
# float32 RGBA image of 8192 x 8192 is already 1 GiB; Keras has no bound.
MAX_IMAGE_SIDE = 8192


def channels_of(color_mode):
    """The number of channels a color_mode gives: grayscale 1, rgb 3, rgba 4."""
    return COLOR_MODES[color_mode][1]


def color_mode_of(channels):
    """The color_mode that gives ``channels`` channels; a ValueError for any other count."""
    for name, (_, count) in COLOR_MODES.items():
        if count == channels:
            return name
    raise ValueError(f"no image color mode has {channels} channels (grayscale 1, rgb 3, rgba 4)")


def find_classes(directory, classes=None):
    """The class names: those given, or the sorted subfolder names (so, as in
    Keras, "10" sorts before "2"). Hidden folders (".cache", ".ipynb_checkpoints")
    are not classes, as in Keras 3's image_dataset_from_directory; a warning
    names the ones left out."""
    if not os.path.isdir(directory):
        raise ValueError(f"{directory}: no such directory")
    if classes is None:
        folders = sorted(name for name in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, name)))
        hidden = [name for name in folders if name.startswith(".")]
        if hidden:
            warnings.warn(f"{directory}: hidden folders are not classes; left out {hidden}",
                          stacklevel=4)
        classes = [name for name in folders if not name.startswith(".")]
        if not classes:
            raise ValueError(f"{directory}: no class folders in it; flow_from_directory expects "
                             f"one subfolder per class, e.g. {directory}/cats/*.jpg")
    return list(classes)


def list_images(class_dir, follow_links=False, directory=None):
    """Image files under ``class_dir``, searched recursively: folders in sorted
    order, files sorted within each folder; extensions matched in any case.
    Only regular files (or links to them): a pipe or a device named x.png is left
    out with a warning, since reading it could wait forever.
    With follow_links, each real folder is visited once (a link loop ends), and a
    link back up the tree (to a folder holding ``class_dir``) or into another
    class folder of ``directory`` is not followed, with a warning: its images
    would be counted again under this class. A folder that cannot be read raises
    its OSError, naming it."""
    def fail(error):
        raise error

    home = os.path.realpath(class_dir)
    top = os.path.realpath(directory) if directory is not None else None
    if top is not None:
        own = os.path.basename(os.path.normpath(class_dir))
        if _inside(home, top) or (_inside(top, home) and
                                  os.path.relpath(home, top).split(os.sep)[0] != own):
            raise ValueError(f"{class_dir}: is a link to {home}, which is {directory} itself, "
                             f"a folder holding it, or another class's folder; its images would "
                             f"be counted under this class too. Make {own} a real folder")
    folders, seen, refused = [], set(), []
    for root, dirs, files in os.walk(class_dir, followlinks=follow_links, onerror=fail):
        seen.add(os.path.realpath(root))
        unseen = []
        for d in sorted(dirs):
            real = os.path.realpath(os.path.join(root, d))
            if real in seen:
                continue
            if follow_links and (_inside(real, home) or top is not None and _inside(top, real)
                                 and not _inside(home, real)):
                refused.append(os.path.join(root, d))
                continue
            seen.add(real)
            unseen.append(d)
        dirs[:] = unseen
        folders.append((root, files))
    if refused:
        warnings.warn(f"{class_dir}: not following {', '.join(refused)}: a link up the tree or "
                      f"into another class folder would count other classes' images as this "
                      f"one's", stacklevel=3)
    extensions = tuple("." + ext for ext in IMAGE_EXTENSIONS)
    paths = [os.path.join(root, name) for root, files in sorted(folders, key=lambda w: w[0])
             for name in sorted(files) if name.lower().endswith(extensions)]
    irregular = [path for path in paths if not _is_regular(path)]
    if irregular:
        warnings.warn(f"{class_dir}: left out {len(irregular)} files that are not regular files "
                      f"(pipes, devices, broken links): {', '.join(irregular[:5])}", stacklevel=3)
        paths = [path for path in paths if path not in set(irregular)]
    return paths


def _inside(folder, path):
    """Whether ``path`` is ``folder`` or lies within it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _is_regular(path):
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def require_regular_file(path, owner):
    """Refuse, before opening it, a path that is not a regular file (or a link to
    one): a pipe would block the read forever, /dev/zero would fill the memory, a
    folder cannot be an image. FileNotFoundError when nothing is there."""
    if not os.path.lexists(path):
        raise FileNotFoundError(2, f"{owner}: no such image file", os.fspath(path))
    if not _is_regular(path):
        kind = ("a folder" if os.path.isdir(path) else "a broken link"
                if not os.path.exists(path) else "a pipe, a device or a socket")
        raise ValueError(f"{owner}: {os.fspath(path)} is {kind}, not a regular file; an "
                         f"image is read from a file")


def check_image_size(owner, arg, value):
    """(height, width) from a pair (or one int, a square) of ints in 1..MAX_IMAGE_SIDE."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
            for v in value)):
        raise ValueError(f"{owner}: {arg} must be a pair (height, width) of positive ints, "
                         f"got {value!r}")
    if max(value) > MAX_IMAGE_SIDE:
        raise ValueError(f"{owner}: {arg}={tuple(int(v) for v in value)} is too large: minicnn "
                         f"resizes images to at most {MAX_IMAGE_SIDE} pixels a side")
    return int(value[0]), int(value[1])


def load_image(path, color_mode="rgb", target_size=None, interpolation="nearest"):
    """Decode one image to a uint8 array (height, width, channels).

    As Keras's load_img: convert to L / RGB / RGBA with Pillow, then resize to
    target_size (height, width) with the named filter if the size differs.
    Beyond Keras: EXIF orientation is applied (photos come out upright), and
    16-bit images are scaled to 0..255 (value / 257) so that rescale=1/255
    means the same for every file. A path that is not a regular file (a pipe, a
    device, a folder) is a ValueError, never a read that waits.
    """
    if not _is_regular(path):
        reason = "no such file" if not os.path.lexists(path) else "not a regular file"
        raise ValueError(f"{path}: cannot decode this image ({reason})")
    if target_size is not None:
        target_size = check_image_size("load_image", "target_size", target_size)
    try:
        with Image.open(path) as image:
            image.load()
            if image.getexif().get(0x0112, 1) != 1:  # EXIF orientation tag
                image = ImageOps.exif_transpose(image)
            if image.mode in SIXTEEN_BIT_MODES:
                wide = np.asarray(image, dtype=np.float64)
                image = Image.fromarray(np.clip(np.rint(wide / 257), 0, 255).astype(np.uint8), "L")
            mode = COLOR_MODES[color_mode][0]
            if image.mode != mode:
                image = image.convert(mode)
            if target_size is not None:
                height, width = target_size
                if image.size != (width, height):
                    image = image.resize((width, height), INTERPOLATIONS[interpolation])
            array = np.asarray(image, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(f"{path}: cannot decode this image ({error})") from None
    return array[:, :, None] if array.ndim == 2 else array
