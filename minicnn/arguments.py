"""Argument checks shared by the layers, the loader and the CLI.

Every error names its owner (a layer, ``flow_from_directory``, ...), the
argument and the value, and lists what was allowed.
"""
import numpy as np


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
