"""Ctrl-C held back while C extensions initialise.

A KeyboardInterrupt raised while an extension module's initialisation calls
back into Python can leave that module half made. matplotlib's ft2font (a
pybind11 module, imported by ``import matplotlib``) then reports "initialization
failed", and the process aborts at exit ("Fatal Python error: PyThreadState_Get")
or crashes: that was the rare crash of a Ctrl-C in the first second of
``minicnn train``. Inside ``held()``, Ctrl-C is recorded instead and delivered
when the block ends, so every import runs whole. The optimizer holds Ctrl-C the
same way while it writes a step, so an interrupt never leaves half a step.
"""
import contextlib
import os
import signal
import threading


@contextlib.contextmanager
def held():
    """Hold back SIGINT (Ctrl-C) inside the block, so the block runs whole, and
    deliver it when the block ends as the handler in place would have: Python's
    default raises KeyboardInterrupt, a handler of your own is called. Does
    nothing outside the main thread (which alone receives signals) or when
    SIGINT is ignored (a background job)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous in (
            signal.SIG_IGN, None):
        yield
        return
    received = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if not received:
        return
    if previous is signal.SIG_DFL:  # the system's default: end the process, as it would have
        os.kill(os.getpid(), signal.SIGINT)
    elif previous is signal.default_int_handler:
        raise KeyboardInterrupt
    else:
        previous(signal.SIGINT, None)
