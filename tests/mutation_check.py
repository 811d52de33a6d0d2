"""Do the tests catch the mistakes they are meant to? Each mutation below is a
deliberate, realistic one-line bug (a sign, an axis, an off-by-one, a dropped term,
a wrong default...), with the tests that must catch it. This script copies the
repository's package and tests into temporary folders, runs every named test once
on the unchanged copy (the baseline: they must pass), then puts each mistake into a
copy and runs its tests there: at least one must fail. The working tree is never
touched. Mutants run two at a time (MUTATION_WORKERS=n to change it).

    python tests/mutation_check.py

Not part of the test suite (it runs pytest about 80 times: 2 minutes on two quiet
cores, 3.5 with other work running). It ends with the catch rate; exit status 1 if
a mutation survives, a baseline test fails, or a mutation's text is no longer in its
file once (then update the mutation to the code as it is now).
"""
import concurrent.futures
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = ("minicnn", "tests", "notebooks", "setup.cfg")  # what each copy holds

T = "tests/"
BEHAVIOUR = T + "test_keras_behaviour.py::"  # fit-level behaviour pinned to Keras (issue 32)
RUNGS = T + "test_rungs_batches.py::"        # every op's rungs on batches of several images
FIT_LOGS = BEHAVIOUR + "test_fit_logs_what_keras_logs_over_uneven_batches"
SHUFFLES = BEHAVIOUR + "test_fit_shuffles_every_epoch_differently_and_the_seed_repeats_it"
EARLY = BEHAVIOUR + "test_early_stopping_min_delta_as_keras"
AUC = BEHAVIOUR + "test_auc_counts_a_score_on_a_threshold_as_below_it"
SPLIT_ROWS = BEHAVIOUR + "test_validation_split_takes_the_rows_keras_takes"
TINY_STEPS = T + "test_tiny.py::test_tiny_trains_exactly_as_the_framework[numpy]"

# (what, file, text, mistaken text, the test ids that must fail)
MUTATIONS = [
    # -- the first planted mistakes (before issue 32) --------------------------------------------
    ("SGD's weight decay with its sign flipped", "minicnn/optimizers.py",
     "return param - (self.learning_rate * self.weight_decay * param)",
     "return param + (self.learning_rate * self.weight_decay * param)",
     [T + "test_optimizers.py::test_sgd_weight_decay_shrinks_the_weights_as_keras_does"]),
    ("'balanced' class weights without the n_classes factor", "minicnn/losses.py",
     "len(labels) / (len(present) * counts[k])", "len(labels) / counts[k]",
     [T + "test_losses.py::test_balanced_class_weights_are_scikit_learns"]),
    ("BinaryCrossentropy's gradient divided by N instead of N * K", "minicnn/losses.py",
     "scale = self.weights[:, None] / (n * k)", "scale = self.weights[:, None] / n",
     [T + "test_losses.py::test_binary_crossentropy_gradient_check_with_several_outputs"]),
    ("saliency computed in training mode", "minicnn/apps/explain.py",
     "x = model.prepare_input(x)\n    output = model.forward(x, training=False)",
     "x = model.prepare_input(x)\n    output = model.forward(x, training=True)",
     [T + "test_explain.py::test_saliency_is_computed_in_inference_mode"]),
    ("rel_error's floor raised from 1e-8 to 1", "minicnn/gradcheck.py",
     "np.maximum(1e-8,", "np.maximum(1,",
     [T + "test_gradcheck.py::test_rel_error_known_answers"]),
    ("max-pool backward not zeroing what no window reached (overlapping windows)",
     "minicnn/ops/fast/pooling.py", "            grad_x[b] = 0\n", "            pass\n",
     [T + "test_ops.py::test_maxpool_backward_writes_every_element"]),
    ("max-pool backward not zeroing the rows no tiled window reached",
     "minicnn/ops/fast/pooling.py",
     "            grad_x[b, out_h * sh:] = 0             # rows no window reached\n", "",
     [T + "test_ops.py::test_maxpool_backward_writes_every_element"]),
]

# -- issue 32: the mutants that survived the whole suite ----------------------------------------
MUTATIONS += [
    ("fit never shuffles", "minicnn/training/batches.py",
     "self.source = NumpyArrayIterator(x, y, None, batch_size, shuffle, seed,",
     "self.source = NumpyArrayIterator(x, y, None, batch_size, False, seed,",
     [SHUFFLES, BEHAVIOUR + "test_validation_split_is_taken_before_shuffling"]),
    ("the validation split takes the first samples instead of the last",
     "minicnn/training/batches.py",
     "return x[:cut], y[:cut], weights[0], (x[cut:], y[cut:], weights[1])",
     "return x[-cut:], y[-cut:], weights[0], (x[:-cut], y[:-cut], weights[1])",
     [SPLIT_ROWS + "[split/n10_f0.3/validation_rows]",
      FIT_LOGS + "[split_0.3]"]),
    ("the epoch and evaluate loss as the unweighted mean of batch means",
     "minicnn/training/metrics.py",
     "        self.loss_sum += loss * len(probs)\n        self.count += len(probs)\n",
     "        self.loss_sum += loss\n        self.count += 1\n",
     [FIT_LOGS + "[plain]", BEHAVIOUR + "test_evaluate_averages_over_samples_not_over_batches"]),
    ("EarlyStopping's min_delta with the wrong sign in min mode",
     "minicnn/training/callbacks/stopping.py",
     "return value < self.best - self.min_delta", "return value < self.best + self.min_delta",
     [EARLY + "[early/min/delta0.04_patience2]"]),
    ("AUC's thresholds compared on the wrong side (a score on a threshold counted above it)",
     "minicnn/training/metrics.py",
     'self.thresholds, side="right")', 'self.thresholds, side="left")',
     [AUC + "[5]"]),
    ("a shift range of exactly 1 (1 or 1.0) read as a fraction of the size",
     "minicnn/preprocessing/generator.py",
     "return shift * size if np.max(shift_range) < 1 else shift",
     "return shift * size if np.max(shift_range) <= 1 else shift",
     [BEHAVIOUR + "test_shift_ranges_draw_what_keras_draws[float1.0-width]"]),
    ("tiny.py's dropout scaling at inference", "minicnn/tiny.py",
     "            self.mask = 1.0\n            return x\n",
     "            self.mask = 1.0 - self.rate\n            return x * self.mask\n",
     [BEHAVIOUR + "test_tiny_at_inference_is_the_network_without_dropout"]),
]

# -- issue 32: the mutants that only distant tests caught ---------------------------------------
MUTATIONS += [
    ("depthwise dW from the first image only", "minicnn/ops/reference.py",
     "grad_w[i, j] = (x[:, rows, columns, :, None] * grad_y).sum(axis=(0, 1, 2))",
     "grad_w[i, j] = (x[:1, rows, columns, :, None] * grad_y[:1]).sum(axis=(0, 1, 2))",
     [RUNGS + "test_depthwise_convolution_of_a_batch_is_its_images[shape0-numpy]"]),
    ("Dropout's survivors multiplied by (1 - rate)", "minicnn/layers/core.py",
     "self.mask = keep.astype(self.dtype) / self.dtype.type(1 - self.rate)",
     "self.mask = keep.astype(self.dtype) * self.dtype.type(1 - self.rate)",
     [BEHAVIOUR + "test_dropout_survivors_are_scaled_as_keras_scales_them"]),
    ("BatchNormalization's momentum in PyTorch's convention", "minicnn/layers/normalization.py",
     '"moving_mean": m * self.state["moving_mean"] + (1 - m) * mean,\n'
     '                "moving_variance": m * self.state["moving_variance"] + (1 - m) * var}',
     '"moving_mean": (1 - m) * self.state["moving_mean"] + m * mean,\n'
     '                "moving_variance": (1 - m) * self.state["moving_variance"] + m * var}',
     [BEHAVIOUR + "test_batch_normalization_moves_at_keras_default_momentum"]),
    ("class weights applied only when sample weights exist", "minicnn/training/trainer.py",
     "            if self.class_weight is not None:\n",
     "            if self.class_weight is not None and wb is not None:\n",
     [FIT_LOGS + "[class_weight]"]),
]

# -- issue 32: more, across the package, each written from the code --------------------------
MUTATIONS += [
    # fit's batches
    ("fit's seed ignored when shuffling", "minicnn/training/batches.py",
     "seed = int(make_rng(seed).integers(2**63)) if shuffle else 0",
     "seed = int(make_rng(None).integers(2**63)) if shuffle else 0", [SHUFFLES]),
    ("the validation split's cut rounded instead of floored", "minicnn/training/batches.py",
     "cut = int(len(x) * (1 - fraction))", "cut = int(round(len(x) * (1 - fraction)))",
     [SPLIT_ROWS + "[split/n10_f0.25/validation_rows]"]),
    ("the validation split's sample weights swapped", "minicnn/training/batches.py",
     "(sample_weight[:cut], sample_weight[cut:])", "(sample_weight[cut:], sample_weight[:cut])",
     [FIT_LOGS + "[split_0.3_weighted]"]),
    ("a default batch size of 16 instead of Keras's 32", "minicnn/training/batches.py",
     "return 32 if batch_size is None else", "return 16 if batch_size is None else",
     [BEHAVIOUR + "test_fit_batches_32_samples_by_default_as_keras"]),
    # the trainer's fit loop and the textbook step
    ("fit never starts a new epoch's order (end_epoch dropped)", "minicnn/training/trainer.py",
     "        train.end_epoch()\n", "", [SHUFFLES, T + "test_model.py::test_fit_accepts_a_loader"]),
    ("evaluate in training mode (dropout on)", "minicnn/training/trainer.py",
     "output = self.inference_forward()(self.prepare_input(xb), training=False)",
     "output = self.inference_forward()(self.prepare_input(xb), training=True)",
     [BEHAVIOUR + "test_evaluate_runs_in_inference_mode"]),
    ("fit running `epochs` epochs after initial_epoch", "minicnn/training/trainer.py",
     "for epoch in range(initial_epoch, epochs):",
     "for epoch in range(initial_epoch, initial_epoch + epochs):",
     [BEHAVIOUR + "test_fit_from_initial_epoch_runs_the_remaining_epochs_as_keras"]),
    ("the training step's forward in inference mode", "minicnn/sequential.py",
     "        output = self.forward(x, training=True)\n"
     "        loss = self.loss_value(output, y, sample_weight)",
     "        output = self.forward(x, training=False)\n"
     "        loss = self.loss_value(output, y, sample_weight)",
     [TINY_STEPS]),
    ("the weight penalties left out of the loss", "minicnn/sequential.py",
     "return loss + regularizers.total_penalty(self)", "return loss",
     [T + "test_keras_part_a.py::test_the_l2_penalty_is_in_the_loss_and_its_gradient"]),
    ("backward stopping one layer above the first with parameters", "minicnn/sequential.py",
     "max(down_to, self.first_with_parameters())", "max(down_to, self.first_with_parameters() + 1)",
     [TINY_STEPS]),
    # the streaming metrics
    ("AUC's sum a right Riemann sum (the trapezoid's other side dropped)",
     "minicnn/training/metrics.py", "(tpr[:-1] + tpr[1:]) / 2", "tpr[1:]",
     [AUC + "[5]", T + "test_metrics.py::test_streaming_metrics_equal_keras"]),
    ("AUC's inner thresholds spaced by 1/n instead of 1/(n-1)", "minicnn/training/metrics.py",
     "inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]\n"
     "        super().__init__([-1e-7]",
     "inner = [(i + 1) / num_thresholds for i in range(num_thresholds - 2)]\n"
     "        super().__init__([-1e-7]",
     [AUC + "[5]", T + "test_metrics.py::test_streaming_metrics_equal_keras"]),
    ("Precision set against the false negatives", "minicnn/training/metrics.py",
     'errors = "fp"  # what the true positives are set against',
     'errors = "fn"  # what the true positives are set against',
     [BEHAVIOUR + "test_auc_precision_and_recall_on_thresholds_as_keras",
      T + "test_metrics.py::test_streaming_metrics_equal_keras"]),
    ("binary accuracy counting a score of exactly 0.5 as positive", "minicnn/training/metrics.py",
     "predicted = (y_pred[:, 0] > 0.5).astype(np.int64)",
     "predicted = (y_pred[:, 0] >= 0.5).astype(np.int64)",
     [BEHAVIOUR + "test_auc_precision_and_recall_on_thresholds_as_keras"]),
    ("Mean's count ignoring the sample weights", "minicnn/training/metrics.py",
     "self.total += float((values * weights).sum())\n        self.count += float(weights.sum())",
     "self.total += float((values * weights).sum())\n        self.count += float(values.size)",
     [BEHAVIOUR + "test_mean_weighs_its_values_as_keras"]),
    # callbacks
    ("EarlyStopping waiting one epoch more than its patience",
     "minicnn/training/callbacks/stopping.py",
     "if self.wait >= self.patience and epoch > 0:", "if self.wait > self.patience and epoch > 0:",
     [EARLY + "[early/max/delta0.04_patience2]"]),
    ("EarlyStopping taking a negative min_delta as given", "minicnn/training/callbacks/stopping.py",
     "self.min_delta, self.restore_best_weights, self.verbose = abs(min_delta),",
     "self.min_delta, self.restore_best_weights, self.verbose = min_delta,",
     [EARLY + "[early/max/delta-0.04_patience2]"]),
    ("EarlyStopping in max mode counting a tie as an improvement",
     "minicnn/training/callbacks/stopping.py",
     "return value > self.best + self.min_delta", "return value >= self.best + self.min_delta",
     [EARLY + "[early/max/delta0.1_patience2]"]),
    ("ReduceLROnPlateau reducing one epoch late", "minicnn/training/callbacks/learning_rate.py",
     "if self.wait < self.patience:", "if self.wait <= self.patience:",
     [T + "test_keras_part_a.py::test_reduce_lr_on_plateau_equals_keras[val_loss_auto_f0.5_p2]"]),
    ("ReduceLROnPlateau's floor taken with min instead of max",
     "minicnn/training/callbacks/learning_rate.py",
     "new = max(old * self.factor, self.min_lr)", "new = min(old * self.factor, self.min_lr)",
     [T + "test_keras_part_a.py::test_reduce_lr_on_plateau_equals_keras"
          "[val_loss_auto_f0.1_p1_cooldown2_minlr1e-4]"]),
    ("LearningRateScheduler counting epochs from 1", "minicnn/training/callbacks/learning_rate.py",
     "        elif takes_rate:\n            rate = self.schedule(epoch, float(",
     "        elif takes_rate:\n            rate = self.schedule(epoch + 1, float(",
     [BEHAVIOUR + "test_learning_rate_scheduler_counts_epochs_from_zero_as_keras"]),
    # augmentation
    ("an int shift range drawn as a float", "minicnn/preprocessing/generator.py",
     "if isinstance(shift_range, (int, np.integer)) or not np.isscalar(shift_range):",
     "if not np.isscalar(shift_range):",
     [BEHAVIOUR + "test_shift_ranges_draw_what_keras_draws[int3-width]"]),
    ("zoom_range z drawn from [1 - z, 1] only", "minicnn/preprocessing/generator.py",
     "self.zoom_range = (1 - zoom_range, 1 + zoom_range)", "self.zoom_range = (1 - zoom_range, 1)",
     [BEHAVIOUR + "test_zoom_and_rotation_draw_from_keras_ranges"]),
    ("ImageDataGenerator.fit's statistics taken before rescaling",
     "minicnn/preprocessing/generator.py",
     "        if self.rescale:\n            x *= self.dtype.type(self.rescale)\n"
     "        if augment:",
     "        if augment:",
     [T + "test_preprocessing.py::test_featurewise_and_samplewise_standardisation_equal_keras"]),
    ("featurewise_std_normalization without its centring", "minicnn/preprocessing/generator.py",
     "self.featurewise_center = bool(featurewise_center or featurewise_std_normalization)",
     "self.featurewise_center = bool(featurewise_center)",
     [BEHAVIOUR + "test_featurewise_std_normalization_alone_also_centres_as_keras"]),
    ("flip_horizontal flipping the rows", "minicnn/preprocessing/transforms.py",
     "def flip_horizontal(x):\n    return x[:, ::-1]",
     "def flip_horizontal(x):\n    return x[::-1]",
     [T + "test_preprocessing.py::test_flips_are_exact_mirrors"]),
    ("the channel shift not clipped to the image's range", "minicnn/preprocessing/transforms.py",
     "return np.clip(x + np.float32(intensity), x.min(), x.max()).astype(np.float32)",
     "return (x + np.float32(intensity)).astype(np.float32)",
     [T + "test_preprocessing.py::test_shear_channel_shift_and_brightness_equal_keras"
          "[channel_shift-params2]"]),
    ("the rotation turning the other way", "minicnn/preprocessing/transforms.py",
     "rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])",
     "rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])",
     [T + "test_preprocessing.py::test_rotation_by_90_degrees_is_rot90"]),
    # layers
    ("Dropout keeping an input with probability rate", "minicnn/layers/core.py",
     "return self.rng.random((n,) + self.input_shape, dtype=self.dtype) >= self.rate",
     "return self.rng.random((n,) + self.input_shape, dtype=self.dtype) < self.rate",
     [BEHAVIOUR + "test_dropout_survivors_are_scaled_as_keras_scales_them"]),
    ("Dense's bias gradient the mean over the batch", "minicnn/layers/core.py",
     'self.grads["b"] = grad_z.sum(axis=0)', 'self.grads["b"] = grad_z.mean(axis=0)',
     [T + "test_layers_core.py::test_dense_with_smooth_activations_gradients[tanh]"]),
    ("BatchNormalization's backward without the mean gradient term",
     "minicnn/layers/normalization.py",
     "return (grad_xhat - mean_grad - self.xhat * mean_grad_xhat) * self.inv_std",
     "return (grad_xhat - self.xhat * mean_grad_xhat) * self.inv_std",
     [T + "test_normalization.py::test_gradients_in_both_modes[numba-options0-shape0-True]"]),
    ("BatchNormalization's epsilon outside the square root", "minicnn/layers/normalization.py",
     "self.inv_std = (1 / np.sqrt(var + self.dtype.type(self.epsilon)))",
     "self.inv_std = (1 / (np.sqrt(var) + self.dtype.type(self.epsilon)))",
     [T + "test_normalization.py::"
          "test_training_uses_the_batch_and_inference_the_running_statistics"]),
    ("BatchNormalization's inference backward without gamma", "minicnn/layers/normalization.py",
     "            return grad_xhat * self.inv_std\n", "            return grad_y * self.inv_std\n",
     [BEHAVIOUR + "test_batch_normalization_moves_at_keras_default_momentum"]),
    # the ops' rungs
    ("conv dW from the first image's windows only", "minicnn/ops/reference.py",
     "grad_w = (cols.T @ grad_z).reshape(w.shape)",
     "grad_w = (cols[:out_h * out_w].T @ grad_z[:out_h * out_w]).reshape(w.shape)",
     [RUNGS + "test_convolution_of_a_batch_is_its_images[shape0-numpy]"]),
    ("col2im writing instead of adding where windows overlap", "minicnn/ops/reference.py",
     "            x[:, rows, columns, :] += cols[:, :, :, i, j, :]",
     "            x[:, rows, columns, :] = cols[:, :, :, i, j, :]",
     [RUNGS + "test_convolution_of_a_batch_is_its_images[shape0-numpy]"]),
    ("max-pooling's ties going to the last maximum", "minicnn/ops/reference.py",
     "better = (candidate > y) | (np.isnan(candidate) & ~np.isnan(y))",
     "better = (candidate >= y) | (np.isnan(candidate) & ~np.isnan(y))",
     [T + "test_ops.py::"
          "test_maxpool_rungs_agree_ties_and_nans_included[False-float32-pads0-case0]"]),
    ("the naive convolution's columns stepped by the row stride", "minicnn/ops/naive.py",
     "window = x[image, i * sh:i * sh + kh, j * sw:j * sw + kw, :]",
     "window = x[image, i * sh:i * sh + kh, j * sh:j * sh + kw, :]",
     [RUNGS + "test_convolution_of_a_batch_is_its_images[shape1-naive]"]),
    ("the naive depthwise dW kept from the last window", "minicnn/ops/naive.py",
     "grad_w[:, :, channel, k] += x[image, rows, columns, channel] * g",
     "grad_w[:, :, channel, k] = x[image, rows, columns, channel] * g",
     [RUNGS + "test_depthwise_convolution_of_a_batch_is_its_images[shape0-naive]"]),
    ("the naive max-pool backward reading the window's position by its height",
     "minicnn/ops/naive.py", "di, dj = divmod(int(argmax[image, i, j, channel]), pw)",
     "di, dj = divmod(int(argmax[image, i, j, channel]), ph)",
     [RUNGS + "test_max_pooling_of_a_batch_is_its_images[shape0-naive]"]),
    # losses, optimizers, regularizers, initializers
    ("the weighted loss divided by the weights' sum, not the batch size", "minicnn/losses.py",
     "-(self.targets * log_p).sum(axis=1)\n"
     "        return float((per_sample * self.weights).sum() / len(values))",
     "-(self.targets * log_p).sum(axis=1)\n"
     "        return float((per_sample * self.weights).sum() / self.weights.sum())",
     [FIT_LOGS + "[sample_weight]"]),
    ("a class missing from class_weight weighing 0 instead of 1", "minicnn/losses.py",
     "table.get(int(k), 1.0)", "table.get(int(k), 0.0)", [FIT_LOGS + "[class_weight_partial]"]),
    ("the logits' binary cross-entropy without abs (wrong for negative logits)",
     "minicnn/losses.py", "np.log1p(np.exp(-np.abs(z)))", "np.log1p(np.exp(-z))",
     [T + "test_losses.py::test_binary_crossentropy_gradient_check_with_several_outputs"]),
    ("softmax cross-entropy's gradient without the targets' mass", "minicnn/losses.py",
     "return (probs * mass - self.targets) * scale", "return (probs - self.targets) * scale",
     [BEHAVIOUR + "test_softmax_cross_entropy_gradient_with_soft_targets_that_do_not_sum_to_one"]),
    ("Adam's first bias correction one step ahead", "minicnn/optimizers.py",
     "/ (1 - self.beta_1 ** t)", "/ (1 - self.beta_1 ** (t + 1))",
     [T + "test_optimizers.py::test_adam_steps_match_hand_computation"]),
    ("Nesterov's look-ahead with the gradient's sign flipped", "minicnn/optimizers.py",
     "step = self.momentum * velocity - lr * grad if self.nesterov else velocity",
     "step = self.momentum * velocity + lr * grad if self.nesterov else velocity",
     [T + "test_optimizers.py::test_sgd_steps_match_hand_computation[0.9-True]"]),
    ("centred RMSprop adding the mean gradient's square", "minicnn/optimizers.py",
     'denominator = slots["velocity"] - slots["average_gradient"] ** 2 + self.epsilon',
     'denominator = slots["velocity"] + slots["average_gradient"] ** 2 + self.epsilon',
     [T + "test_optimizers.py::test_rmsprop_steps_equal_keras[rmsprop/centered]"]),
    ("the L2 penalty's gradient without its factor 2", "minicnn/regularizers.py",
     "(2 * self.l2) * w", "self.l2 * w",
     [T + "test_keras_part_a.py::test_regularizer_formulas_and_names"]),
    ("fan_in and fan_out swapped for kernels", "minicnn/initializers.py",
     "return shape[-2] * receptive_field, shape[-1] * receptive_field",
     "return shape[-1] * receptive_field, shape[-2] * receptive_field",
     [T + "test_keras_part_a.py::test_fans_as_keras_computes_them"]),
    ("the truncated normal keeping redrawn values out to 3 standard deviations",
     "minicnn/initializers.py",
     "        outside = np.abs(values) > 2\n", "        outside = np.abs(values) > 3\n",
     [BEHAVIOUR + "test_truncated_normals_redraw_beyond_two_standard_deviations_as_keras"]),
    # the tape
    ("unbroadcast averaging the broadcast rows instead of summing them",
     "minicnn/tape/operations.py", "        grad = grad.sum(axis=0)\n",
     "        grad = grad.mean(axis=0)\n",
     [T + "test_tape_oracles.py::test_every_operation_has_a_gradient_check_and_passes_it"
          "[broadcast_to]"]),
    ("divide's gradient for the divisor missing a 1/y", "minicnn/tape/operations.py",
     "unbroadcast(-g * x / (y * y), np.shape(y))", "unbroadcast(-g * x / y, np.shape(y))",
     [T + "test_tape_oracles.py::test_every_operation_has_a_gradient_check_and_passes_it[divide]"]),
    # scikit-learn's helpers
    ("train_test_split's test size rounded down", "minicnn/compat/sklearn/model_selection.py",
     "n_test = (math.ceil(test_size * n)", "n_test = (math.floor(test_size * n)",
     [T + "test_model_selection.py::test_the_same_splits_as_scikit_learn"]),
    ("KFold's larger folds at the end", "minicnn/compat/sklearn/model_selection.py",
     "sizes[:n % self.n_splits] += 1", "sizes[self.n_splits - n % self.n_splits:] += 1",
     [T + "test_sklearn_helpers.py::test_kfold_and_stratified_kfold_give_scikit_learns_folds"
          "[KFold/y10/n3/shuffle=False/rs=None]"]),
    # tiny.py
    ("tiny.py's loss gradient without its 1/N", "minicnn/tiny.py",
     "    return loss, grad / n", "    return loss, grad", [TINY_STEPS]),
    ("tiny.py's col2im writing instead of adding", "minicnn/tiny.py",
     "            x[:, di:di + stride * out_h:stride, dj:dj + stride * out_w:stride, :] += \\",
     "            x[:, di:di + stride * out_h:stride, dj:dj + stride * out_w:stride, :] = \\",
     [TINY_STEPS]),
    ("tiny.py's max-pool windows read column by column", "minicnn/tiny.py",
     "windows = windows.transpose(0, 1, 3, 5, 2, 4).reshape(n, h // s, w // s, c, s * s)",
     "windows = windows.transpose(0, 1, 3, 5, 4, 2).reshape(n, h // s, w // s, c, s * s)",
     [TINY_STEPS]),
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
    # exercise 10's check (the tape's backward walk)
    ("the walk's check no longer looks for a gradient changed in place",
     "minicnn/apps/exercises/checks/tape.py", "        if log.changed() is not None:",
     "        if False:",
     [MISTAKES + "test_a_walk_changing_a_layers_gradient_in_place_fails_though_its_numbers_"
      "are_right"]),
    ("the walk's check no longer tells = from +=", "minicnn/apps/exercises/checks/tape.py",
     'if id(x) not in grads or keep == "last":', "if id(x) not in grads:",
     [MISTAKES + "test_each_backward_walk_mistake_gets_its_hint[= instead of +=-0]"]),
    ("the walk's check compares with a walk a plug can replace",
     "minicnn/apps/exercises/checks/tape.py",
     'registry.OWN[(recording, "backward_pass")](', "recording.backward_pass(",
     ["tests/test_exercises_plug.py::test_the_walks_check_refuses_a_replaced_walk_and_compares_"
      "with_minicnns_own_only"]),
]


# the galaxy recipes' parts (issue 35): the augmentation, the probe's layer, the views, the folds
G = T + "test_galaxy_recipes.py::"
MUTATIONS += [
    ("RandomRot90's backward turning the gradient the same way as the image",
     "minicnn/preprocessing/layers.py", "return self._turn(grad_y, -self.drawn) if self.acted",
     "return self._turn(grad_y, self.drawn) if self.acted",
     [G + "test_random_rot90_turns_each_image_by_its_own_draw_and_backward_is_the_adjoint"]),
    ("RadialProfile's backward without the spread's term", "minicnn/preprocessing/radial_profile.py",
     "grad_x = self.weights_.T @ grad_mean + self.centred * (",
     "grad_x = self.weights_.T @ grad_mean + 0 * self.centred * (",
     [G + "test_radial_profiles_gradient_checks"]),
    ("the 8 views without the mirrored ones", "minicnn/apps/projects/views.py",
     "yield np.ascontiguousarray(turned[:, :, ::-1])", "yield np.ascontiguousarray(turned)",
     [G + "test_the_8_views_are_the_8_symmetries"]),
    ("every class's folds dealt from fold 0 (uneven folds)",
     "minicnn/apps/projects/cross_validation.py",
     "        start += len(members)", "        start += 0",
     [G + "test_stratified_folds_hold_each_class_in_proportion_and_every_image_once"]),
    ("the cross-validation predicting the folds it trained on",
     "minicnn/apps/projects/cross_validation.py",
     "seen, held = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)",
     "seen, held = np.flatnonzero(folds != fold), np.flatnonzero(folds != fold)",
     [G + "test_each_fold_is_predicted_by_a_model_that_never_saw_it"]),
]


def copy_repository(folder):
    """The package and the tests (no bytecode): what each mutant runs in."""
    for part in PARTS:
        source, target = os.path.join(ROOT, part), os.path.join(folder, part)
        if os.path.isdir(source):
            shutil.copytree(source, target, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)


def run_tests(folder, test_ids, numba_cache, workers=None):
    env = dict(os.environ, PYTHONPATH=folder, NUMBA_CACHE_DIR=numba_cache, OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    # one process per mutant (setup.cfg's -n auto would start a worker per core for each)
    spread = ["-n", str(workers if workers and workers > 1 else 0)] if has_xdist() else []
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider",
                           *spread, *test_ids], cwd=folder, capture_output=True, text=True,
                          env=env)


def has_xdist():
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def failed_ids(result):
    return set(re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.M))


def main():
    started, workers = time.time(), max(1, int(os.environ.get("MUTATION_WORKERS", "2")))
    failures, runnable = 0, []
    for what, path, text, mistake, test_ids in MUTATIONS:
        with open(os.path.join(ROOT, path)) as file:
            count = file.read().count(text)
        if count != 1:
            print(f"??       {what}: the text to change is in {path} {count} times, not once; "
                  f"update this script to the code as it is now")
            failures += 1
        else:
            runnable.append((what, path, text, mistake, test_ids))
    with tempfile.TemporaryDirectory() as scratch:
        numba_cache = os.path.join(scratch, "numba")
        copies = queue.Queue()
        for k in range(workers):
            folder = os.path.join(scratch, f"copy{k}")
            copy_repository(folder)
            copies.put(folder)
        # the baseline: every named test passes on the unchanged copy (one run for all)
        wanted = sorted({test_id for *_, test_ids in runnable for test_id in test_ids})
        baseline = run_tests(os.path.join(scratch, "copy0"), wanted, numba_cache, workers)
        broken = failed_ids(baseline)
        if baseline.returncode not in (0, 1) or (baseline.returncode == 1 and not broken):
            print(f"BASELINE the guarding tests do not run on the unchanged copy:\n"
                  f"{baseline.stdout[-3000:]}{baseline.stderr[-2000:]}")
            return 1
        printing = threading.Lock()

        def check(mutation):
            what, path, text, mistake, test_ids = mutation
            if broken & set(test_ids):
                with printing:
                    print(f"BASELINE {what}: {', '.join(sorted(broken & set(test_ids)))} fail "
                          f"without the mistake", flush=True)
                return False
            folder = copies.get()
            target = os.path.join(folder, path)
            try:
                with open(target) as file:
                    original = file.read()
                times = os.stat(target)
                with open(target, "w") as file:
                    file.write(original.replace(text, mistake))
                mutated = run_tests(folder, test_ids, numba_cache)
            finally:  # the copy back as it was, its time too (bytecode and numba's caches)
                with open(target, "w") as file:
                    file.write(original)
                os.utime(target, ns=(times.st_atime_ns, times.st_mtime_ns))
                copies.put(folder)
            caught = mutated.returncode == 1 and " failed" in mutated.stdout  # a failed test
            with printing:
                print(f"{'caught  ' if caught else 'SURVIVED'} {what} ({', '.join(test_ids)})",
                      flush=True)
            return caught

        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            caught = list(pool.map(check, runnable))
    failures += caught.count(False)
    print(f"\n{sum(caught)} of {len(MUTATIONS)} planted mutations caught "
          f"({100 * sum(caught) / len(MUTATIONS):.0f}%), in {time.time() - started:.0f} s "
          f"with {workers} at a time")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
