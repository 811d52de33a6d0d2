"""Decide, for every name in names.json, whether it is in scope for image
classification, and write scope.json beside this file.

    python docs/keras-names/scope.py     # any Python 3; reads names.json, writes scope.json

The decisions are the RULES below, by group of names: each rule is
(scope, tier, reason, names), where names is a space-separated list of exact names or
fnmatch patterns ("*1D"). The first rule of a group that matches a name decides it; a
name nobody matches that is an alias (`alias_of` in names.json) takes its target's
decision; any other unmatched name is an error, so a new capture cannot slip through
undecided.

scope "in": a student doing image classification plausibly meets the name, from the
first Sequential to the tape step (custom loops, Grad-CAM, adversarial examples) and
residual networks. tier says how often:
  "tutorial"   used by common image-classification tutorials and guides, or named in
               issues 28/29;
  "reference"  on the API pages for images and training, met less often.
scope "out": the reason says why (other data than images, other tasks, scaling and
deployment machinery, framework internals).

REQUIRED lists the names the issues name; the script fails unless each is in scope.
"""
import fnmatch
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

IMAGES = "minicnn is for images"
TEXT = "text and sequence data: " + IMAGES
AUDIO = "audio: " + IMAGES
SEQ = "recurrent and sequence layers: " + IMAGES
VOLUME = "1D (sequences) and 3D (volumes, video) variants: minicnn is for 2D images"
ATTENTION = "attention/transformer blocks: minicnn teaches convolutional networks"
DETECTION = "object detection and segmentation: minicnn does image classification"
INTEROP = "wrappers for other frameworks (JAX, Flax, PyTorch, SavedModel)"
SCALE = "distribution, TPUs, mixed precision, compilation: speed machinery beyond a CPU lesson"
QUANT = "quantization and LoRA: compressing and fine-tuning large models"
SERIAL = "serialization and config internals (model.save / to_json are the student's way)"
INTERNAL = "framework internals a student's program does not call"
NEWACT = "recent activation variants no image-classification tutorial uses"
LINALG = "linear algebra beyond matrix products (decompositions, solvers)"
SIGNAL = "signal processing, FFTs and windows: " + IMAGES
COMPLEX = "complex numbers and bit manipulation: image tensors are real"
SPECIAL = "special functions and statistics beyond mean/std/variance"
CONTROL = "graph control flow: in eager code a Python if/for does this"
REGRESSION = "regression and ranking losses/metrics: minicnn does classification"
SEGMENT = "segment/sparse/ragged tensors: used with text and graphs"
TF1 = "TensorFlow 1 and graph-mode machinery (eager code does not need it)"
TUT = "tutorial"
REF = "reference"

RULES = {
    "keras": [
        ("in", TUT, "the model-building entry points every lesson uses",
         "Input Model Sequential layers models optimizers losses metrics callbacks utils "
         "preprocessing datasets backend ops activations initializers regularizers"),
        ("in", REF, "base classes for custom layers, losses, metrics, optimizers",
         "Layer Loss Metric Optimizer Initializer Regularizer Variable KerasTensor "
         "constraints saving config random version"),
        ("out", None, "pretrained ImageNet networks need downloaded weights; minicnn trains "
         "from scratch", "applications"),
        ("out", None, SCALE, "DTypePolicy FloatDTypePolicy dtype_policies mixed_precision "
         "distribution device RematScope remat"),
        ("out", None, QUANT, "Quantizer quantizers"),
        ("out", None, "knowledge distillation, export for serving, scikit-learn wrappers",
         "distillation export wrappers"),
        ("out", None, INTERNAL, "Function Operation StatelessScope SymbolicScope InputSpec "
         "name_scope tree legacy visualization"),
    ],
    "keras.layers": [
        ("in", TUT, "the image-classification layers of the tutorials and issue 29",
         "Input InputLayer Dense Activation Dropout Flatten Reshape Lambda Softmax ReLU "
         "LeakyReLU PReLU ELU Conv2D Conv2DTranspose DepthwiseConv2D SeparableConv2D "
         "MaxPooling2D AveragePooling2D GlobalMaxPooling2D GlobalAveragePooling2D "
         "BatchNormalization LayerNormalization Normalization SpatialDropout2D GaussianNoise "
         "ZeroPadding2D Cropping2D UpSampling2D Resizing CenterCrop Rescaling RandomFlip "
         "RandomRotation RandomZoom RandomTranslation RandomContrast RandomCrop "
         "RandomBrightness Add Concatenate Multiply Average Maximum Subtract Minimum "
         "add concatenate multiply average maximum subtract minimum Layer"),
        ("in", REF, "image layers on the API pages, met less often",
         "Dot dot Identity Permute ActivityRegularization GaussianDropout AlphaDropout "
         "GroupNormalization UnitNormalization RandomHue RandomSaturation RandomColorJitter "
         "RandomColorDegeneration RandomGrayscale RandomSharpness RandomShear "
         "RandomPerspective RandomElasticTransform RandomErasing RandomGaussianBlur "
         "RandomInvert RandomPosterization Solarization AutoContrast Equalization AugMix "
         "RandAugment CutMix MixUp Pipeline"),
        ("out", None, SEQ, "LSTM GRU SimpleRNN RNN LSTMCell GRUCell SimpleRNNCell "
         "StackedRNNCells Bidirectional ConvLSTM* TimeDistributed Masking RepeatVector Wrapper"),
        ("out", None, ATTENTION, "Attention AdditiveAttention MultiHeadAttention "
         "GroupQueryAttention EinsumDense RMSNormalization"),
        ("out", None, TEXT, "TextVectorization StringLookup IntegerLookup Hashing HashedCrossing "
         "CategoryEncoding Discretization Embedding ReversibleEmbedding"),
        ("out", None, AUDIO, "MelSpectrogram STFTSpectrogram"),
        ("out", None, VOLUME, "*1D *3D *1DTranspose *3DTranspose"),
        ("out", None, "adaptive pooling is new in Keras 3 and not in tutorials; "
         "GlobalAveragePooling2D is the tutorials' way", "AdaptiveAveragePooling2D "
         "AdaptiveMaxPooling2D"),
        ("out", None, "GAN stabilisation: minicnn does classification", "SpectralNormalization"),
        ("out", None, DETECTION + " (bounding boxes); CLAHE is medical-image preprocessing "
         "done before training", "MaxNumBoundingBoxes ContrastLimitedAdaptiveHistogramEqualization"),
        ("out", None, INTEROP, "FlaxLayer JaxLayer TorchModuleWrapper TFSMLayer"),
        ("out", None, SERIAL, "serialize deserialize InputSpec"),
    ],
    "keras.callbacks": [
        ("in", TUT, "the callbacks of the tutorials and issue 29",
         "Callback History EarlyStopping ModelCheckpoint ReduceLROnPlateau "
         "LearningRateScheduler LambdaCallback TensorBoard CSVLogger"),
        ("in", REF, "on the callbacks page, met less often", "TerminateOnNaN ProgbarLogger "
         "CallbackList"),
        ("out", None, "fault tolerance and checkpoint backends for long multi-machine runs",
         "BackupAndRestore OrbaxCheckpoint"),
        ("out", None, "streams logs to an HTTP server", "RemoteMonitor"),
        ("out", None, "exponential moving average of weights (an optimizer option not taught)",
         "SwapEMAWeights"),
    ],
    "keras.optimizers": [
        ("in", TUT, "the optimizers of the tutorials and Géron ch. 11",
         "SGD Adam RMSprop Nadam AdamW Adagrad Adadelta Adamax Optimizer schedules get"),
        ("out", None, "large-batch, large-model or recommender optimizers no image lesson uses",
         "Ftrl Lion Lamb Adafactor Muon ScheduleFreeAdamW"),
        ("out", None, SCALE, "LossScaleOptimizer"),
        ("out", None, "per-variable optimizer routing (advanced)", "MultiOptimizer OptimizerMap"),
        ("out", None, "Keras 2 optimizers kept for old code", "legacy"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.optimizers.schedules": [
        ("in", TUT, "learning-rate schedules (Géron ch. 11, keras.io)", "ExponentialDecay "
         "PiecewiseConstantDecay CosineDecay LearningRateSchedule"),
        ("in", REF, "the other schedules of the same page", "InverseTimeDecay PolynomialDecay "
         "CosineDecayRestarts"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.metrics": [
        ("in", TUT, "classification metrics of the tutorials and issue 29",
         "Accuracy BinaryAccuracy CategoricalAccuracy SparseCategoricalAccuracy "
         "TopKCategoricalAccuracy SparseTopKCategoricalAccuracy AUC Precision Recall Mean "
         "Metric SparseCategoricalCrossentropy CategoricalCrossentropy BinaryCrossentropy "
         "binary_accuracy categorical_accuracy sparse_categorical_accuracy "
         "sparse_top_k_categorical_accuracy top_k_categorical_accuracy get"),
        ("in", REF, "the rest of the classification metrics, and the errors an autoencoder "
         "or a regression head reports", "F1Score FBetaScore TruePositives FalsePositives "
         "TrueNegatives FalseNegatives PrecisionAtRecall RecallAtPrecision "
         "SensitivityAtSpecificity SpecificityAtSensitivity Sum MeanMetricWrapper "
         "MeanSquaredError MeanAbsoluteError RootMeanSquaredError binary_crossentropy "
         "categorical_crossentropy sparse_categorical_crossentropy binary_focal_crossentropy "
         "categorical_focal_crossentropy mean_squared_error mean_absolute_error"),
        ("out", None, DETECTION + " (IoU)", "*IoU"),
        ("out", None, REGRESSION, "R2Score PearsonCorrelation ConcordanceCorrelation Poisson "
         "KLDivergence LogCoshError Hinge SquaredHinge CategoricalHinge CosineSimilarity "
         "MeanSquaredLogarithmicError MeanAbsolutePercentageError concordance_correlation "
         "pearson_correlation poisson kl_divergence log_cosh hinge squared_hinge "
         "categorical_hinge huber mean_squared_logarithmic_error "
         "mean_absolute_percentage_error"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.losses": [
        ("in", TUT, "the classification losses", "BinaryCrossentropy CategoricalCrossentropy "
         "SparseCategoricalCrossentropy binary_crossentropy categorical_crossentropy "
         "sparse_categorical_crossentropy Loss get"),
        ("in", REF, "focal losses for imbalanced classes; squared/absolute error for "
         "autoencoders and regression heads", "BinaryFocalCrossentropy "
         "CategoricalFocalCrossentropy binary_focal_crossentropy categorical_focal_crossentropy "
         "MeanSquaredError MeanAbsoluteError mean_squared_error mean_absolute_error"),
        ("out", None, DETECTION + " (Dice, Tversky)", "Dice Tversky dice tversky"),
        ("out", None, TEXT + " (CTC)", "CTC ctc"),
        ("out", None, "metric learning and noisy-label losses from recent papers",
         "Circle circle CategoricalGeneralizedCrossEntropy categorical_generalized_cross_entropy"),
        ("out", None, REGRESSION, "Huber huber LogCosh log_cosh Poisson poisson KLDivergence "
         "kl_divergence CosineSimilarity cosine_similarity Hinge hinge SquaredHinge "
         "squared_hinge CategoricalHinge categorical_hinge MeanSquaredLogarithmicError "
         "mean_squared_logarithmic_error MeanAbsolutePercentageError "
         "mean_absolute_percentage_error"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.utils": [
        ("in", TUT, "data loading, labels and seeding in the tutorials",
         "to_categorical image_dataset_from_directory load_img img_to_array array_to_img "
         "save_img set_random_seed plot_model get_file normalize"),
        ("in", REF, "custom data loaders, progress bars, custom objects when loading",
         "PyDataset Sequence split_dataset Progbar clear_session register_keras_serializable "
         "get_custom_objects custom_object_scope CustomObjectScope "
         "unpack_x_y_sample_weight pack_x_y_sample_weight"),
        ("out", None, AUDIO, "audio_dataset_from_directory"),
        ("out", None, TEXT, "text_dataset_from_directory timeseries_dataset_from_array "
         "pad_sequences"),
        ("out", None, "structured (tabular) feature preprocessing", "FeatureSpace"),
        ("out", None, DETECTION, "bounding_boxes"),
        ("out", None, SERIAL, "serialize_keras_object deserialize_keras_object "
         "get_registered_name get_registered_object Config model_to_dot"),
        ("out", None, INTERNAL, "disable_interactive_logging enable_interactive_logging "
         "is_interactive_logging_enabled get_source_inputs is_keras_tensor standardize_dtype "
         "legacy"),
    ],
    "keras.ops": [
        ("in", TUT, "the array operations of the tape issue (28) and keras.io examples",
         "add subtract multiply divide true_divide negative power square sqrt exp log "
         "sum mean max min prod matmul dot softmax sigmoid relu reshape transpose expand_dims "
         "squeeze cast clip maximum minimum argmax argmin abs absolute convert_to_tensor "
         "convert_to_numpy get_item stack concatenate zeros ones zeros_like ones_like "
         "stop_gradient mean std var image nn numpy shape one_hot where log_softmax tanh "
         "equal greater less"),
        ("in", REF, "NumPy-style array operations a student's own layer or loss uses",
         "all any amax amin arange argsort array average broadcast_to ceil floor round sign "
         "copy count_nonzero cumsum cumprod einsum tensordot outer eye full full_like "
         "greater_equal less_equal not_equal logical_and logical_not logical_or logical_xor "
         "isclose allclose isfinite isnan isinf linspace log1p log2 log10 expm1 logsumexp "
         "mod floor_divide reciprocal rsqrt flip fliplr flipud rot90 roll moveaxis swapaxes "
         "pad ravel repeat tile take take_along_axis split array_split hstack vstack "
         "append unstack size ndim sort top_k in_top_k tril triu identity is_tensor dtype "
         "divide_no_nan norm normalize moments unravel_index nonzero trunc empty empty_like "
         "slice"),
        ("in", REF, "activations and layer operations as functions (keras.ops.nn)",
         "relu6 leaky_relu elu selu gelu silu swish hard_sigmoid hard_silu hard_swish "
         "softplus softsign log_sigmoid conv depthwise_conv separable_conv conv_transpose "
         "max_pool average_pool batch_normalization layer_normalization binary_crossentropy "
         "categorical_crossentropy sparse_categorical_crossentropy"),
        ("out", None, NEWACT, "celu glu hard_shrink hard_tanh soft_shrink sparse_plus "
         "sparse_sigmoid sparsemax squareplus tanh_shrink threshold"),
        ("out", None, LINALG, "linalg cholesky cholesky_inverse det eig eigh inv lstsq "
         "lu_factor qr solve solve_triangular svd slogdet logdet matrix_rank pinv kron cross "
         "vdot inner cdist vander tri diagflat diag diagonal trace"),
        ("out", None, SIGNAL, "fft fft2 ifft2 rfft irfft stft istft bartlett blackman hamming "
         "hanning kaiser correlate extract_sequences"),
        ("out", None, COMPLEX, "angle conj conjugate imag real view_as_complex view_as_real "
         "polar isreal bitwise_* left_shift right_shift"),
        ("out", None, SPECIAL, "erf erfc erfinv i0 sinc median quantile percentile nan* ptp "
         "histogram digitize bincount corrcoef trapezoid gcd lcm ldexp nextafter heaviside "
         "fmod fmax fmin hypot cbrt exp2 logaddexp logaddexp2 geomspace logspace signbit "
         "isneginf isposinf nan_to_num diff fabs"),
        ("out", None, "trigonometry: not used in image-classification code (tanh is in)",
         "sin cos tan sinh cosh arcsin arccos arctan arctan2 arcsinh arccosh arctanh "
         "deg2rad rad2deg"),
        ("out", None, CONTROL, "cond while_loop fori_loop scan associative_scan switch map "
         "vectorized_map vectorize select"),
        ("out", None, TEXT + " (CTC, multi-hot, segments)", "ctc_decode ctc_loss multi_hot "
         "segment_*"),
        ("out", None, ATTENTION, "dot_product_attention rms_normalization"),
        ("out", None, "adaptive pooling is new in Keras 3 and not in tutorials",
         "adaptive_average_pool adaptive_max_pool"),
        ("out", None, "pixel shuffles, patches and image-quality measures: super-resolution "
         "and restoration, not classification", "depth_to_space space_to_depth psnr fold "
         "unfold rearrange"),
        ("out", None, "functional updates, sets and searches no image lesson uses",
         "scatter scatter_update slice_update unique isin searchsorted argpartition meshgrid "
         "dsplit hsplit vsplit dstack"),
        ("out", None, "forward-mode and hand-written gradients beyond the tape lesson",
         "jvp custom_gradient"),
        ("out", None, INTERNAL, "saturate_cast view"),
    ],
    "keras.preprocessing.image": [
        ("in", TUT, "loading and saving images", "*"),
    ],
    "tf.keras.preprocessing.image": [
        ("in", TUT, "ImageDataGenerator and image loading (the tf.keras spelling tutorials use)",
         "ImageDataGenerator DirectoryIterator NumpyArrayIterator Iterator array_to_img "
         "img_to_array load_img save_img smart_resize"),
        ("in", REF, "the generator's transforms as functions",
         "apply_* random_*"),
    ],
    "keras.backend": [
        ("in", TUT, "image layout, float type and session (old keras examples and issue 29)",
         "image_data_format set_image_data_format floatx set_floatx epsilon set_epsilon "
         "clear_session backend"),
        ("out", None, "dtype plumbing", "is_float_dtype is_int_dtype result_type "
         "standardize_dtype"),
        ("out", None, INTERNAL, "get_uid is_keras_tensor"),
    ],
    "keras.activations": [
        ("in", TUT, "activations of the tutorials (Géron ch. 11)", "relu sigmoid softmax tanh "
         "elu selu leaky_relu gelu swish silu linear get"),
        ("in", REF, "the classic ones on the activations page", "relu6 softplus softsign "
         "exponential hard_sigmoid hard_silu hard_swish log_softmax mish log_sigmoid"),
        ("out", None, NEWACT, "celu glu hard_shrink hard_tanh soft_shrink sparse_plus "
         "sparse_sigmoid sparsemax squareplus tanh_shrink threshold"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.initializers": [
        ("in", TUT, "weight initializers (Géron ch. 11, keras.io)", "GlorotUniform GlorotNormal "
         "HeNormal HeUniform LecunNormal LecunUniform Zeros Ones Constant RandomNormal "
         "RandomUniform TruncatedNormal VarianceScaling Initializer get"),
        ("in", REF, "on the same page", "Identity IdentityInitializer"),
        ("out", None, "recurrent layers' default kernel initializer: " + IMAGES,
         "Orthogonal OrthogonalInitializer"),
        ("out", None, AUDIO, "STFT STFTInitializer"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.regularizers": [
        ("in", TUT, "weight penalties", "L1 L2 L1L2 Regularizer get"),
        ("out", None, "orthogonality penalty for embeddings and recurrent kernels",
         "OrthogonalRegularizer"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.constraints": [
        ("in", TUT, "max-norm regularisation (Géron ch. 11)", "MaxNorm Constraint get"),
        ("in", REF, "the other constraints of the same page", "NonNeg UnitNorm MinMaxNorm"),
        ("out", None, SERIAL, "serialize deserialize"),
    ],
    "keras.models": [
        ("in", TUT, "building, saving and loading models", "*"),
    ],
    "keras.datasets": [
        ("in", TUT, "image datasets of the tutorials", "mnist fashion_mnist cifar10 cifar100"),
        ("out", None, "not images: " + IMAGES, "boston_housing california_housing imdb reuters"),
    ],
    "tf": [
        ("in", TUT, "tensors and the tape (issue 28): what Grad-CAM, custom loops and the "
         "quickstarts call", "GradientTape Variable Tensor constant convert_to_tensor function "
         "newaxis cast reshape transpose expand_dims squeeze concat stack argmax argmin "
         "reduce_mean reduce_sum reduce_max reduce_min add subtract multiply divide matmul "
         "exp sqrt square abs maximum minimum sigmoid tanh clip_by_value one_hot where "
         "zeros ones zeros_like ones_like shape float32 int32 int64 uint8 float64 bool "
         "add_n stop_gradient equal random math image nn data keras linalg config "
         "print range"),
        ("in", REF, "other tensor operations and dtypes of the same tutorials",
         "TensorShape TensorSpec DType UnconnectedGradients double reduce_prod reduce_any "
         "reduce_all reduce_logsumexp unstack split tile gather gather_nd boolean_mask "
         "argsort sort cumsum einsum tensordot pow negative sign round floor truediv "
         "not_equal greater greater_equal less less_equal logical_and logical_or logical_not "
         "identity fill eye linspace size rank clip_by_norm clip_by_global_norm broadcast_to "
         "pad reverse roll repeat slice strided_slice ensure_shape is_tensor norm "
         "executing_eagerly get_logger device io strings summary version dtypes autodiff numpy_function "
         "py_function map_fn unravel_index realdiv"),
        ("out", None, TF1, "Graph Operation gradients hessians control_dependencies "
         "name_scope init_scope inside_function get_current_name_scope "
         "variable_creator_scope import_graph_def graph_util group tuple no_op identity_n "
         "make_ndarray make_tensor_proto get_static_value is_symbolic_tensor guarantee_const "
         "compat queue *_initializer Module AggregationMethod Assert assert_* debugging errors "
         "autograph check_pinned RegisterGradient grad_pass_through recompute_grad "
         "no_gradient nondifferentiable_batch_function custom_gradient"),
        ("out", None, CONTROL, "cond case switch_case while_loop scan foldl foldr "
         "vectorized_map"),
        ("out", None, SCALE, "distribute tpu xla dtensor bfloat16 float16 half "
         "VariableAggregation VariableSynchronization DeviceSpec CriticalSection profiler "
         "mlir sysconfig"),
        ("out", None, SEGMENT, "SparseTensor SparseTensorSpec RaggedTensor RaggedTensorSpec "
         "IndexedSlices IndexedSlicesSpec sparse ragged ragged_fill_empty_rows* "
         "dynamic_partition dynamic_stitch TensorArray TensorArraySpec sequence_mask "
         "reverse_sequence edit_distance lookup sets feature_column string as_string "
         "unique unique_with_counts searchsorted"),
        ("out", None, COMPLEX, "complex complex64 complex128 bitcast bitwise"),
        ("out", None, "quantized and special dtypes", "qint* quint* resource variant int8 "
         "int16 uint16 uint32 uint64 quantization"),
        ("out", None, SIGNAL, "signal audio fftnd ifftnd rfftnd irfftnd"),
        ("out", None, LINALG, "eig eigvals matrix_square_root"),
        ("out", None, "trigonometry: not used in image-classification code",
         "sin cos tan sinh cosh asin acos atan atan2 asinh acosh atanh"),
        ("out", None, "TensorFlow's aliases of Keras modules and TF-only tools (keras.* is the "
         "spelling minicnn follows; saving is model.save)", "losses metrics optimizers "
         "initializers train saved_model lite nest test tools types experimental "
         "load_library load_op_library raw_ops security"),
        ("out", None, "space-to-batch, patches, histograms and other operations no image "
         "lesson uses", "batch_to_space space_to_batch space_to_batch_nd "
         "required_space_to_batch_paddings extract_volume_patches histogram_fixed_width* "
         "meshgrid parallel_stack shape_n broadcast_dynamic_shape broadcast_static_shape "
         "tensor_scatter_nd_* scatter_nd approx_top_k random_index_shuffle fingerprint "
         "timestamp type_spec_from_value NoneTensorSpec OptionalSpec TypeSpec "
         "register_tensor_conversion_function conv conv2d_backprop_filter_v2 "
         "conv2d_backprop_input_v2 saturate_cast scalar_mul truncatediv truncatemod "
         "as_dtype"),
    ],
    "tf.math": [
        ("in", TUT, "element-wise math and reductions of the tape issue and the tutorials "
         "(tf.math.confusion_matrix in TF's tutorials)", "log exp sqrt square abs add subtract "
         "multiply divide maximum minimum reduce_mean reduce_sum reduce_max reduce_min "
         "argmax argmin sigmoid tanh softmax log_softmax confusion_matrix equal greater less "
         "add_n top_k in_top_k"),
        ("in", REF, "the rest of the element-wise math and reductions a loss or metric uses",
         "reduce_prod reduce_any reduce_all reduce_logsumexp reduce_std reduce_variance "
         "reduce_euclidean_norm count_nonzero cumsum cumprod ceil floor round rint sign "
         "negative pow reciprocal rsqrt log1p expm1 softplus softsign log_sigmoid truediv "
         "floordiv floormod mod divide_no_nan squared_difference greater_equal less_equal "
         "not_equal logical_and logical_or logical_not logical_xor is_finite is_inf is_nan "
         "l2_normalize xlogy"),
        ("out", None, SPECIAL, "bessel_* betainc digamma igamma igammac lgamma lbeta polygamma "
         "zeta ndtri erf erfc erfcinv erfinv special polyval sobol_sample "
         "cumulative_logsumexp nextafter bincount"),
        ("out", None, "trigonometry: not used in image-classification code",
         "sin cos tan sinh cosh asin acos atan atan2 asinh acosh atanh"),
        ("out", None, COMPLEX, "angle conj imag real"),
        ("out", None, SEGMENT, "segment_* unsorted_segment_*"),
        ("out", None, INTERNAL, "accumulate_n approx_max_k approx_min_k invert_permutation "
         "is_non_decreasing is_strictly_increasing multiply_no_nan reciprocal_no_nan "
         "scalar_mul xdivy xlog1py zero_fraction"),
    ],
    "tf.image": [
        ("in", TUT, "resizing, flips, crops and colour changes of the TF data-augmentation "
         "and Grad-CAM tutorials", "resize ResizeMethod flip_left_right flip_up_down "
         "random_flip_left_right random_flip_up_down random_brightness random_contrast "
         "random_saturation random_hue random_crop adjust_brightness adjust_contrast "
         "adjust_saturation adjust_hue adjust_gamma central_crop rot90 rgb_to_grayscale "
         "grayscale_to_rgb convert_image_dtype decode_jpeg decode_png decode_image "
         "resize_with_crop_or_pad stateless_random_brightness stateless_random_contrast "
         "stateless_random_flip_left_right stateless_random_flip_up_down "
         "stateless_random_saturation stateless_random_hue stateless_random_crop"),
        ("in", REF, "the other whole-image operations", "crop_to_bounding_box "
         "pad_to_bounding_box resize_with_pad transpose per_image_standardization "
         "rgb_to_hsv hsv_to_rgb encode_jpeg encode_png decode_bmp decode_gif "
         "random_jpeg_quality adjust_jpeg_quality stateless_random_jpeg_quality "
         "extract_patches"),
        ("out", None, DETECTION, "*bounding_box* *non_max_suppression* crop_and_resize "
         "generate_bounding_box_proposals extract_glimpse"),
        ("out", None, "image-quality and edge measures, other colour spaces, JPEG internals: "
         "image processing, not classification", "psnr ssim ssim_multiscale sobel_edges "
         "image_gradients total_variation rgb_to_yiq rgb_to_yuv yiq_to_rgb yuv_to_rgb "
         "decode_and_crop_jpeg extract_jpeg_shape is_jpeg decode_webp decode_jxl"),
    ],
    "tf.nn": [
        ("in", TUT, "activations and losses the tape tutorials call", "relu sigmoid softmax "
         "tanh log_softmax leaky_relu elu selu gelu silu swish "
         "softmax_cross_entropy_with_logits sparse_softmax_cross_entropy_with_logits "
         "sigmoid_cross_entropy_with_logits"),
        ("in", REF, "the layers' operations as functions (a student's own layer)",
         "relu6 softplus softsign conv2d conv2d_transpose depthwise_conv2d separable_conv2d "
         "convolution max_pool max_pool2d avg_pool avg_pool2d bias_add dropout "
         "batch_normalization moments l2_normalize l2_loss in_top_k top_k "
         "weighted_cross_entropy_with_logits local_response_normalization lrn"),
        ("out", None, VOLUME, "*1d *3d *1d_transpose *3d_transpose"),
        ("out", None, TEXT, "ctc_* embedding_lookup* safe_embedding_lookup_sparse *sampler "
         "nce_loss sampled_softmax_loss compute_accidental_hits collapse_repeated "
         "RNNCell*"),
        ("out", None, SCALE, "compute_average_loss scale_regularization_loss"),
        ("out", None, "morphology, dilated/fractional pooling and other operations no image "
         "classification lesson uses", "atrous_conv2d atrous_conv2d_transpose dilation2d "
         "erosion2d fractional_avg_pool fractional_max_pool max_pool_with_argmax pool crelu "
         "depth_to_space space_to_depth space_to_batch with_space_to_batch "
         "isotonic_regression log_poisson_loss approx_max_k approx_min_k "
         "depthwise_conv2d_backprop_* conv_transpose"),
        ("out", None, TF1, "batch_norm_with_global_normalization normalize_moments "
         "sufficient_statistics weighted_moments zero_fraction experimental"),
    ],
    "tf.random": [
        ("in", TUT, "seeding and random tensors", "set_seed normal uniform"),
        ("in", REF, "other random draws of the same page", "truncated_normal shuffle "
         "categorical Generator get_global_generator set_global_generator stateless_normal "
         "stateless_uniform"),
        ("out", None, "random draws and generator plumbing no image lesson uses",
         "Algorithm create_rng_state fold_in split gamma poisson stateless_* experimental"),
        ("out", None, TEXT, "*candidate_sampler"),
    ],
    "tf.linalg": [
        ("in", TUT, "matrix products and norms", "matmul norm"),
        ("in", REF, "products, norms and transposes of the same page",
         "matvec einsum tensordot matrix_transpose global_norm l2_normalize eye trace "
         "diag_part"),
        ("out", None, LINALG, "*"),
    ],
    "tf.data.Dataset": [
        ("in", TUT, "the input pipelines of the tutorials", "from_tensor_slices from_tensors "
         "map batch shuffle prefetch cache take skip repeat unbatch as_numpy_iterator "
         "cardinality list_files zip concatenate filter"),
        ("in", REF, "the rest of a simple image pipeline", "from_generator enumerate "
         "element_spec apply range reduce interleave flat_map sample_from_datasets "
         "choose_from_datasets get_single_element ignore_errors"),
        ("out", None, TEXT, "padded_batch ragged_batch sparse_batch window "
         "bucket_by_sequence_length group_by_window"),
        ("out", None, SCALE + " (sharding, rebatching, options, snapshots)", "shard rebatch "
         "options with_options snapshot fingerprint"),
        ("out", None, "persistence and resampling machinery no image lesson uses", "save load "
         "rejection_resample scan unique counter random take_while"),
    ],
    "keras.Model": [
        ("out", None, QUANT, "quantiz* get_quantization_layer_structure"),
        ("out", None, SCALE, "distribute_* jit_compile supports_jit steps_per_execution "
         "unrolled_steps_per_execution rematerialized_call autocast compute_dtype "
         "dtype_policy variable_dtype input_dtype"),
        ("out", None, "JAX-style stateless calls", "stateless_*"),
        ("out", None, SERIAL, "build_from_config get_build_config compile_from_config "
         "get_compile_config load_own_variables save_own_variables get_state_tree "
         "set_state_tree"),
        ("out", None, "export for serving (SavedModel)", "export"),
        ("out", None, "masking: for sequences", "supports_masking compute_mask"),
        ("out", None, INTERNAL, "make_*_function *_function call_signature_parameters "
         "symbolic_call compute_output_spec input_spec path metrics_variables add_metric "
         "add_variable activity_regularizer"),
        ("in", TUT, "the verbs, weights and structure of the tutorials and issues 28/29",
         "add pop compile fit evaluate predict predict_on_batch train_on_batch test_on_batch summary "
         "save save_weights load_weights get_weights set_weights get_layer layers inputs "
         "outputs input output input_shape output_shape to_json metrics_names "
         "reset_metrics trainable_variables trainable_weights non_trainable_variables "
         "non_trainable_weights weights variables train_step test_step predict_step call "
         "count_params optimizer loss losses metrics stop_training trainable name built "
         "compute_loss compute_metrics get_metrics_result compiled_loss compiled_metrics "
         "add_loss build"),
        ("in", REF, "the rest of the model's public surface", "*"),
    ],
    "keras.layers.Layer": [
        ("out", None, QUANT, "quantiz* *lora*"),
        ("out", None, SCALE, "supports_jit rematerialized_call autocast compute_dtype "
         "dtype_policy variable_dtype input_dtype"),
        ("out", None, "JAX-style stateless calls", "stateless_*"),
        ("out", None, SERIAL, "build_from_config get_build_config load_own_variables "
         "save_own_variables variable_serialization_spec"),
        ("out", None, "masking: for sequences", "supports_masking compute_mask"),
        ("out", None, INTERNAL, "call_signature_parameters symbolic_call compute_output_spec "
         "input_spec path metrics_variables add_metric add_variable metrics"),
        ("in", TUT, "a layer's weights and the subclassing API (issue 28/29)", "add_weight "
         "build call trainable weights trainable_weights trainable_variables "
         "non_trainable_weights non_trainable_variables variables get_weights set_weights "
         "get_config from_config output input name built kernel bias units activation "
         "use_bias count_params compute_output_shape add_loss losses"),
        ("in", REF, "the rest of a layer's public surface (Dense's arguments as attributes)",
         "*"),
    ],
    "keras.optimizers.Optimizer": [
        ("in", TUT, "what a custom training loop calls", "apply_gradients apply learning_rate "
         "iterations variables get_config from_config build built"),
        ("in", REF, "the optimizer's arguments as attributes", "amsgrad beta_1 beta_2 epsilon "
         "clipnorm clipvalue global_clipnorm weight_decay name "
         "exclude_from_weight_decay"),
        ("out", None, "gradient accumulation, EMA and loss scaling (large-model training)",
         "use_ema ema_* gradient_accumulation_steps loss_scale_factor scale_loss "
         "finalize_variable_values"),
        ("out", None, INTERNAL, "add_* assign assign_add assign_sub update_step "
         "stateless_apply load_own_variables save_own_variables set_weights"),
    ],
    "keras.metrics.Metric": [
        ("in", TUT, "the streaming-metric protocol of custom loops", "update_state result "
         "reset_state name variables get_config from_config"),
        ("in", REF, "a subclassed metric's state", "add_variable add_weight dtype count total"),
        ("out", None, "JAX-style stateless calls", "stateless_*"),
    ],
    "keras.callbacks.Callback": [
        ("in", TUT, "the hooks a custom callback overrides (keras.io 'Writing your own "
         "callbacks')", "*"),
    ],
    "tf.Variable": [
        ("in", TUT, "variables in the tape lessons (issue 28)", "assign assign_add assign_sub "
         "numpy shape dtype name trainable read_value value"),
        ("in", REF, "the rest of a variable's everyday surface", "get_shape device "
         "initial_value constraint"),
        ("out", None, TF1, "SaveSliceInfo aggregation batch_scatter_update count_up_to create "
         "eval experimental_ref from_proto to_proto graph handle initialized_value "
         "initializer is_initialized load op read_value_no_copy ref set_shape "
         "sparse_read synchronization gather_nd scatter_*"),
    ],
    "tf.Tensor": [
        ("in", TUT, "an eager tensor as a NumPy-like array (issue 28): .numpy(), .shape, "
         ".dtype, operators, indexing, np.asarray", "numpy shape dtype ndim __array__ __abs__ "
         "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ "
         "__pow__ __rpow__ __neg__ __matmul__ __rmatmul__ __getitem__ __eq__ __ne__ __lt__ "
         "__le__ __gt__ __ge__ __len__ __iter__ __float__ __int__ __bool__ __index__"),
        ("in", REF, "the rest of the operators and the device", "__floordiv__ __rfloordiv__ "
         "__mod__ __rmod__ __div__ __rdiv__ __and__ __rand__ __or__ __ror__ __xor__ "
         "__rxor__ __invert__ get_shape device"),
        ("out", None, TF1 + " (graph tensors)", "OVERLOADABLE_OPERATORS backing_device "
         "consumers cpu gpu eval experimental_ref graph is_packed name op ref set_shape "
         "value_index"),
    ],
    "tf.keras.preprocessing.image.ImageDataGenerator": [
        ("in", TUT, "the generator's methods and arguments (issue 29: flow(save_to_dir=), "
         "flow_from_dataframe)", "*"),
    ],
}

# Names the issues name (28: the tape; 29: the Keras surface); each must be in scope.
REQUIRED = {
    "keras.layers": "Resizing RandomTranslation RandomContrast Add Concatenate Multiply Average "
                    "Maximum add GlobalMaxPooling2D DepthwiseConv2D Conv2DTranspose "
                    "ZeroPadding2D Cropping2D UpSampling2D Reshape LeakyReLU ELU PReLU "
                    "SpatialDropout2D GaussianNoise Normalization LayerNormalization "
                    "RandomCrop RandomBrightness CenterCrop",
    "keras.optimizers": "Nadam Adam",
    "keras.optimizers.Optimizer": "apply_gradients amsgrad",
    "keras.callbacks": "LambdaCallback TensorBoard",
    "keras.metrics": "SparseTopKCategoricalAccuracy",
    "keras.models": "model_from_json Model",
    "keras.backend": "image_data_format",
    "keras.Model": "trainable_variables trainable_weights weights variables metrics_names "
                   "predict_on_batch reset_metrics to_json train_step test_step predict_step "
                   "summary evaluate predict output_shape get_layer inputs output",
    "keras.layers.Layer": "add_weight call trainable weights trainable_weights build output",
    "tf.keras.preprocessing.image.ImageDataGenerator": "flow flow_from_dataframe",
    "keras.ops": "add subtract multiply divide sum mean max min matmul exp log sqrt square "
                 "softmax sigmoid relu get_item reshape transpose expand_dims squeeze cast "
                 "clip maximum argmax convert_to_tensor",
    "tf": "GradientTape function Variable constant convert_to_tensor newaxis cast reduce_mean "
          "reduce_sum reduce_max matmul exp sqrt square sigmoid maximum argmax reshape "
          "transpose expand_dims squeeze clip_by_value image",
    "tf.math": "log exp sqrt reduce_mean reduce_max",
    "tf.nn": "softmax relu sigmoid",
    "tf.image": "resize",
    "tf.Variable": "assign assign_sub numpy",
    "tf.Tensor": "numpy shape dtype __getitem__ __array__ __add__ __mul__ __sub__ __truediv__",
}


def decide(group, name, entry, entries, rules):
    for scope, tier, reason, names in rules:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in names.split()):
            decision = {"scope": scope, "reason": reason}
            if scope == "in":
                decision["tier"] = tier
            return decision
    target = entry.get("alias_of")
    if target:
        decision = decide(group, target, entries[target], entries, rules)
        return decision and dict(decision, alias_of=target)
    return None


def scope(names):
    groups, undecided = {}, []
    for group, entries in names["groups"].items():
        if group not in RULES:
            raise ValueError(f"scope.py: group {group!r} of names.json has no RULES")
        groups[group] = {name: decide(group, name, entry, entries, RULES[group])
                         for name, entry in entries.items()}
        undecided += [f"{group}.{name}" for name, d in groups[group].items() if d is None]
    if undecided:
        raise ValueError("scope.py: no rule decides " + ", ".join(undecided) + "; add them "
                         "to RULES")
    for group, required in REQUIRED.items():
        for name in required.split():
            decision = groups[group].get(name)
            if decision is None or decision["scope"] != "in":
                raise ValueError(f"scope.py: {group}.{name} is named by issue 28/29 but is "
                                 f"{'not captured' if decision is None else 'out of scope'}")
    return {"captured": names["captured"], "groups": groups}


def main():
    with open(os.path.join(HERE, "names.json")) as file:
        decided = scope(json.load(file))
    with open(os.path.join(HERE, "scope.json"), "w") as file:
        json.dump(decided, file, indent=1, sort_keys=True)
        file.write("\n")
    print(f"{'group':48s} names    in  (tutorial reference)")
    total = [0, 0, 0, 0]
    for group, decisions in decided["groups"].items():
        inside = [d for d in decisions.values() if d["scope"] == "in"]
        row = [len(decisions), len(inside), sum(d["tier"] == TUT for d in inside),
               sum(d["tier"] == REF for d in inside)]
        total = [a + b for a, b in zip(total, row)]
        print(f"{group:48s} {row[0]:5d} {row[1]:5d}  ({row[2]:4d} {row[3]:4d})")
    print(f"{'all':48s} {total[0]:5d} {total[1]:5d}  ({total[2]:4d} {total[3]:4d})")


if __name__ == "__main__":
    main()
