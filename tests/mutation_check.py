"""Do the tests catch the mistakes they are meant to? Each mutation below is a
deliberate bug that once passed the whole suite. For each, this script copies the
repository's package and tests into a temporary folder, puts the mistake into the
copy, and runs the tests that must catch it there: they must fail, while they pass
on the unchanged copy (the baseline). The working tree is never touched.

    python tests/mutation_check.py

Not part of the test suite (it runs pytest a dozen times: about a minute).
Exit status 1 if a mutation survives or a baseline fails.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (what, file, text, mistaken text, the test ids that must fail)
MUTATIONS = [
    ("SGD's weight decay with its sign flipped", "minicnn/optimizers.py",
     "param = param - lr * self.weight_decay * param",
     "param = param + lr * self.weight_decay * param",
     ["tests/test_optimizers.py::test_sgd_weight_decay_shrinks_the_weights_as_keras_does"]),
    ("'balanced' class weights without the n_classes factor", "minicnn/losses.py",
     "len(labels) / (len(present) * counts[k])", "len(labels) / counts[k]",
     ["tests/test_losses.py::test_balanced_class_weights_are_scikit_learns"]),
    ("BinaryCrossentropy's gradient divided by N instead of N * K", "minicnn/losses.py",
     "scale = self.weights[:, None] / (n * k)", "scale = self.weights[:, None] / n",
     ["tests/test_losses.py::test_binary_crossentropy_gradient_check_with_several_outputs"]),
    ("saliency computed in training mode", "minicnn/explain.py",
     "x = model.prepare_input(x)\n    output = model.forward(x, training=False)",
     "x = model.prepare_input(x)\n    output = model.forward(x, training=True)",
     ["tests/test_explain.py::test_saliency_is_computed_in_inference_mode"]),
    ("rel_error's floor raised from 1e-8 to 1", "minicnn/gradcheck.py",
     "np.maximum(1e-8,", "np.maximum(1,",
     ["tests/test_gradcheck.py::test_rel_error_known_answers"]),
    ("max-pool backward not zeroing what no window reached (overlapping windows)",
     "minicnn/ops/fast/pooling.py", "            grad_x[b] = 0\n", "            pass\n",
     ["tests/test_ops.py::test_maxpool_backward_writes_every_element"]),
    ("max-pool backward not zeroing the rows no tiled window reached",
     "minicnn/ops/fast/pooling.py",
     "            grad_x[b, out_h * sh:] = 0             # rows no window reached\n", "",
     ["tests/test_ops.py::test_maxpool_backward_writes_every_element"]),
]


# -- the exercises' checks: their own tolerances and conditions (issue 31) -------------------
# A check that loosens or drops one of its own conditions still passes every right answer;
# only a near miss, planted in tests/test_exercises_mistakes.py, shows it.
MISTAKES = "tests/test_exercises_mistakes.py::"
MUTATIONS += [
    ("the verdict's relative tolerance loosened from 1e-6 to 1e-2",
     "minicnn/apps/exercises/verdict.py", "RTOL, ATOL = 1e-6, 1e-9", "RTOL, ATOL = 1e-2, 1e-9",
     [MISTAKES + "test_an_answer_off_by_a_thousandth_fails[conv_forward]"]),
    ("the optimizer checks' step tolerance loosened from 1e-4 to 1e-1",
     "minicnn/apps/exercises/checks/optimizers.py", "STEP_RTOL = 1e-4", "STEP_RTOL = 1e-1",
     [MISTAKES + "test_adam_with_a_bias_correction_five_per_cent_off_fails[False]"]),
    ("the training-loop check's `or` turned into `and`",
     "minicnn/apps/exercises/checks/train_loop.py",
     "if losses.shape != (EPOCHS,) or not any(", "if losses.shape != (EPOCHS,) and not any(",
     [MISTAKES + "test_the_training_loops_losses_off_by_a_thousandth_fail"]),
    ("the shape-hint condition inverted", "minicnn/apps/exercises/verdict.py",
     "if self.output.shape != expected.shape and answer.shape == self.output.shape:",
     "if self.output.shape == expected.shape and answer.shape == self.output.shape:",
     [MISTAKES + "test_a_flipped_kernel_gets_its_own_hint_and_no_other"]),
]


def run_tests(folder, test_ids, numba_cache):
    env = dict(os.environ, PYTHONPATH=folder, NUMBA_CACHE_DIR=numba_cache)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *test_ids], cwd=folder, capture_output=True, text=True, env=env)


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        numba_cache = os.path.join(scratch, "numba")
        for what, path, text, mistake, test_ids in MUTATIONS:
            folder = os.path.join(scratch, "copy")
            shutil.rmtree(folder, ignore_errors=True)
            for part in ("minicnn", "tests", "notebooks", "setup.cfg"):
                source = os.path.join(ROOT, part)
                copy = shutil.copytree if os.path.isdir(source) else shutil.copy
                copy(source, os.path.join(folder, part), **(
                    {"symlinks": True} if os.path.isdir(source) else {}))
            target = os.path.join(folder, path)
            with open(target) as file:
                original = file.read()
            if original.count(text) != 1:
                print(f"??       {what}: the text to change is not in {path} once; "
                      f"update this script")
                failures += 1
                continue
            baseline = run_tests(folder, test_ids, numba_cache)
            if baseline.returncode != 0:
                print(f"BASELINE {what}: the guarding tests fail without the mistake\n"
                      f"{baseline.stdout[-2000:]}")
                failures += 1
                continue
            with open(target, "w") as file:
                file.write(original.replace(text, mistake))
            mutated = run_tests(folder, test_ids, numba_cache)
            caught = mutated.returncode == 1 and " failed" in mutated.stdout  # a failed test
            failures += not caught
            print(f"{'caught  ' if caught else 'SURVIVED'} {what} ({', '.join(test_ids)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
