"""Arrays a fast op keeps from one step to the next: allocated once per shape.

A training step computes the same shapes step after step. An op that asks its
Buffers for an array gets the one it had last time (same name, shape and
dtype), so the step allocates nothing large: no page of memory is handed back
to the system and zero-filled again, with no process-wide allocator setting
(benchmarks/choices.py, section allocator, measures it). A name keeps only its
latest shape: the smaller last batch of an epoch costs one allocation, not a
growing collection. One Buffers belongs to one caller at a time (a replica of a
layer in the fast training step, parallel/plan.py); the pieces of a parallel
loop name their own arrays (``name`` includes the piece).
"""
import numpy as np


class Buffers:
    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, dtype, zeros=False):
        """An array of this shape and dtype, its contents left from last time; with
        zeros, filled with zeros when it is made (a caller that writes only some of
        its numbers, always the same ones, finds the others still zero)."""
        shape, dtype = tuple(int(d) for d in shape), np.dtype(dtype)
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self._arrays[name] = (np.zeros if zeros else np.empty)(shape, dtype)
        return array

    def clear(self):
        """Forget every array (the shapes they were made for have changed)."""
        self._arrays.clear()
