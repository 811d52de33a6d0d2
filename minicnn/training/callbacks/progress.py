"""The progress bar fit prints: a terminal, Jupyter, or a log file."""
import sys
import time

import numpy as np


class ProgressBar:
    """A Keras-style bar for one epoch:

        12/40 [========>.....................] - ETA: 3s - loss: 0.6931 - accuracy: 0.5000

    It fits where it runs: on a terminal it redraws in place (at most ten times a
    second); in Jupyter it updates one display; elsewhere (a log file, nohup, CI)
    it writes a line every ``interval`` seconds (step, ETA, running loss and
    accuracy), so a long epoch is never silent, and the final line of the epoch.
    """

    def __init__(self, steps, width=30, stream=None, interval=10.0):
        self.steps, self.width, self.interval = steps, width, interval
        self.stream = stream or sys.stdout
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.display = None
        if not self.interactive and self.stream is sys.stdout and _in_jupyter():
            from IPython.display import display
            self.display = display({"text/plain": ""}, raw=True, display_id=True)
        self.start = self.last_draw = time.perf_counter()

    def update(self, step, logs, final=False):
        now = time.perf_counter()
        every = 0.1 if self.interactive else 0.5 if self.display else self.interval
        if not final and now - self.last_draw < every:
            return
        self.last_draw = now
        line = self._line(step, logs, final, now - self.start)
        if self.display is not None:
            self.display.update({"text/plain": line}, raw=True)
            if not final:
                return
            self.display = None  # the epoch's last line goes to the output as text too
        elif self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
            self.stream.flush()
            return
        self.stream.write(line + "\n")
        self.stream.flush()

    def _line(self, step, logs, final, elapsed):
        steps = self.steps or step
        done = int(self.width * step / steps) if steps else self.width
        bar = "=" * max(done - 1, 0) + (">" if done < self.width else "=") + "." * (self.width - done)
        if final:
            timing = f"{elapsed:.0f}s {1000 * elapsed / max(step, 1):.0f}ms/step"
        else:
            timing = f"ETA: {elapsed / step * (steps - step):.0f}s"
        values = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if np.isscalar(v))
        return f"{step}/{steps} [{bar}] - {timing}" + (f" - {values}" if values else "")


def _in_jupyter():
    """True inside a Jupyter kernel (where print goes to a notebook, not a terminal)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
        return type(get_ipython()).__name__ == "ZMQInteractiveShell"
    except ImportError:
        return False
