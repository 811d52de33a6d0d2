"""Argument checks shared by the layers, the loader and the CLI.

Every error names its owner (a layer, ``flow_from_directory``, ...), the
argument and the value, and lists what was allowed.
"""
import re

import numpy as np

# An image's color_mode (Keras's name) -> its number of channels.
COLOR_MODE_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def check_choice(owner, arg, value, allowed):
    """``value`` if it is one of ``allowed``, else a ValueError listing them."""
    if value not in allowed:
        raise ValueError(f"{owner}: {arg} must be one of {', '.join(map(repr, allowed))}; "
                         f"got {value!r}")
    return value


def as_pair(owner, arg, value):
    """An int or a pair of positive ints -> a (h, w) tuple."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{owner}: {arg} must be a positive int or a pair of positive ints, "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def check_positive_int(owner, arg, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {arg} must be a positive int, got {value!r}")
    return int(value)


def by_name(kind, value, table):
    """An object from a name in ``table`` (any case; a fresh instance with default
    settings), or ``value`` itself when it is already an object."""
    if not isinstance(value, str):
        return value
    if value.lower() not in table:
        raise ValueError(f"unknown {kind} {value!r}; expected one of {sorted(table)}")
    return table[value.lower()]()


def check_pair(owner, arg, value):
    """A pair (height, width) of positive ints, given as a tuple or list; a single
    int is refused (Keras's target_size is always a pair)."""
    if (isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                       for v in value)):
        raise ValueError(f"{owner}: {arg} must be a pair (height, width) of positive ints, "
                         f"e.g. (256, 256); got {value!r}")
    return int(value[0]), int(value[1])


def check_number(owner, arg, value, low=None, high=None, low_open=False, high_open=False):
    """A real number (int or float, not a bool or a string), finite, within the
    bounds given; returned as a float. ``low_open``: the bound itself is excluded."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                         np.floating))
            or not np.isfinite(value)):
        raise ValueError(f"{owner}: {arg} must be a finite number, got {value!r}"
                         + (" (a string: write the number without quotes)"
                            if isinstance(value, str) else ""))
    if ((low is not None and (value < low or (low_open and value == low)))
            or (high is not None and (value > high or (high_open and value == high)))):
        interval = (("(" if low_open else "[") + ("-inf" if low is None else f"{low}") + ", "
                    + ("inf" if high is None else f"{high}") + (")" if high_open else "]"))
        raise ValueError(f"{owner}: {arg} must be in {interval}, got {value!r}")
    return float(value)


# A layer's name becomes part of file names (the members of a model file,
# "name.W.npy"): letters, digits, "_", "-" and "." only, not starting with "."
# (so no "../x", no "a/b", no "optimizer:x"), at most 200 characters.
LAYER_NAME = re.compile(r"[^\W][\w.\-]{0,199}")


def check_layer_name(name, owner=None):
    """``name`` if it can name a layer in a model file; else a ValueError saying why."""
    if not isinstance(name, str) or not LAYER_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"{owner or 'layer'}: name {name!r} cannot name a layer: use letters, "
                         f"digits, '_', '-' and '.' (not first, no '..'), at most 200 "
                         f"characters, e.g. 'conv_1'")
    return name


def color_mode_advice(want_channels, have_channels):
    """For images of ``have_channels`` channels given to a model that takes
    ``want_channels``: how to load them as it takes them ("" when either count is
    no image color mode's)."""
    modes = {count: name for name, count in COLOR_MODE_CHANNELS.items()}
    want, have = modes.get(want_channels), modes.get(have_channels)
    if want is None or have is None or want == have:
        return ""
    return (f"the model takes {want} images ({want_channels} channel"
            f"{'s' if want_channels > 1 else ''}) and got {have} ones; load them with "
            f"color_mode=\"{want}\"")
