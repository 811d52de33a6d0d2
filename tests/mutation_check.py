"""Do the tests catch the mistakes they are meant to? Each mutation below is a
deliberate bug that once passed the whole suite; this script puts each one into
the code in turn, runs the tests that guard it, and says whether they failed
(as they must), then puts the code back.

    python tests/mutation_check.py

Not a test itself (it edits the package's files while it runs): run it by hand
after changing a guarded test. Exit status 1 if any mutation survives.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (what, file, text, mistaken text, the tests that must fail)
MUTATIONS = [
    ("SGD's weight decay with its sign flipped", "minicnn/optimizers.py",
     "param = param - lr * self.weight_decay * param",
     "param = param + lr * self.weight_decay * param", "tests/test_optimizers.py"),
    ("'balanced' class weights without the n_classes factor", "minicnn/losses.py",
     "len(labels) / (len(present) * counts[k])", "len(labels) / counts[k]",
     "tests/test_losses.py"),
    ("BinaryCrossentropy's gradient divided by N instead of N * K", "minicnn/losses.py",
     "(self.weights[:, None] / (n * k))", "(self.weights[:, None] / n)", "tests/test_losses.py"),
    ("saliency computed in training mode", "minicnn/explain.py",
     "output = model.forward(x, training=False)\n    grad, from_pre_activation",
     "output = model.forward(x, training=True)\n    grad, from_pre_activation",
     "tests/test_explain.py"),
    ("rel_error's floor raised from 1e-8 to 1", "minicnn/gradcheck.py",
     "np.maximum(1e-8,", "np.maximum(1,", "tests/test_gradcheck.py"),
    ("max-pool backward not zeroing what no window reached (overlapping windows)",
     "minicnn/ops/fast/pooling.py", "            grad_x[b] = 0\n", "            pass\n",
     "tests/test_ops.py"),
    ("max-pool backward not zeroing the rows no tiled window reached",
     "minicnn/ops/fast/pooling.py",
     "            grad_x[b, out_h * sh:] = 0             # rows no window reached\n", "",
     "tests/test_ops.py"),
]


def main():
    survived = 0
    for what, path, text, mistake, tests in MUTATIONS:
        path = os.path.join(ROOT, path)
        with open(path) as file:
            original = file.read()
        if original.count(text) != 1:
            print(f"?? {what}: the text to change is not in {path} once; update this script")
            survived += 1
            continue
        with open(path, "w") as file:
            file.write(original.replace(text, mistake))
        try:
            result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p",
                                     "no:cacheprovider", tests], cwd=ROOT, capture_output=True,
                                    text=True)
        finally:
            with open(path, "w") as file:
                file.write(original)
        caught = result.returncode != 0
        survived += not caught
        print(f"{'caught  ' if caught else 'SURVIVED'} {what} ({tests})")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
