"""Types of the Trainyard API, generated from openapi/openapi.json: do not edit.

Regenerate with `npm run sdk` (or `python3 clients/python/scripts/generate_schema.py`); the
client's tests fail when this file is stale. Responses are plain dicts typed by these TypedDicts.
"""
# fmt: off
from __future__ import annotations

from typing import Any, Dict, List, Literal, TypedDict, Union

#: The API version of the document these types were generated from.
API_VERSION = '1.0.0'


class JobCreateModel0Input(TypedDict):
    layers: List[LayerSpecInput]


class _MSELossInputBase(TypedDict):
    type: Literal['MSELoss']


class MSELossInput(_MSELossInputBase, total=False):
    reduction: Literal['none', 'mean', 'sum']


class _L1LossInputBase(TypedDict):
    type: Literal['L1Loss']


class L1LossInput(_L1LossInputBase, total=False):
    reduction: Literal['none', 'mean', 'sum']


class _SmoothL1LossInputBase(TypedDict):
    type: Literal['SmoothL1Loss']


class SmoothL1LossInput(_SmoothL1LossInputBase, total=False):
    reduction: Literal['none', 'mean', 'sum']
    beta: float


class _HuberLossInputBase(TypedDict):
    type: Literal['HuberLoss']


class HuberLossInput(_HuberLossInputBase, total=False):
    reduction: Literal['none', 'mean', 'sum']
    delta: float


class _CrossEntropyLossInputBase(TypedDict):
    type: Literal['CrossEntropyLoss']


class CrossEntropyLossInput(_CrossEntropyLossInputBase, total=False):
    weight: Union[List[float], None]
    ignore_index: int
    reduction: Literal['none', 'mean', 'sum']
    label_smoothing: float


class _NLLLossInputBase(TypedDict):
    type: Literal['NLLLoss']


class NLLLossInput(_NLLLossInputBase, total=False):
    weight: Union[List[float], None]
    ignore_index: int
    reduction: Literal['none', 'mean', 'sum']


class _BCELossInputBase(TypedDict):
    type: Literal['BCELoss']


class BCELossInput(_BCELossInputBase, total=False):
    weight: Union[List[float], None]
    reduction: Literal['none', 'mean', 'sum']


class _BCEWithLogitsLossInputBase(TypedDict):
    type: Literal['BCEWithLogitsLoss']


class BCEWithLogitsLossInput(_BCEWithLogitsLossInputBase, total=False):
    weight: Union[List[float], None]
    reduction: Literal['none', 'mean', 'sum']
    pos_weight: Union[List[float], None]


class _KLDivLossInputBase(TypedDict):
    type: Literal['KLDivLoss']


class KLDivLossInput(_KLDivLossInputBase, total=False):
    reduction: Literal['none', 'mean', 'sum', 'batchmean']
    log_target: bool


class _PoissonNLLLossInputBase(TypedDict):
    type: Literal['PoissonNLLLoss']


class PoissonNLLLossInput(_PoissonNLLLossInputBase, total=False):
    log_input: bool
    full: bool
    eps: float
    reduction: Literal['none', 'mean', 'sum']


class _GaussianNLLLossInputBase(TypedDict):
    type: Literal['GaussianNLLLoss']


class GaussianNLLLossInput(_GaussianNLLLossInputBase, total=False):
    full: bool
    eps: float
    reduction: Literal['none', 'mean', 'sum']


class _SoftMarginLossInputBase(TypedDict):
    type: Literal['SoftMarginLoss']


class SoftMarginLossInput(_SoftMarginLossInputBase, total=False):
    reduction: Literal['none', 'mean', 'sum']


class _MultiLabelSoftMarginLossInputBase(TypedDict):
    type: Literal['MultiLabelSoftMarginLoss']


class MultiLabelSoftMarginLossInput(_MultiLabelSoftMarginLossInputBase, total=False):
    weight: Union[List[float], None]
    reduction: Literal['none', 'mean', 'sum']


class CustomLossInput(TypedDict):
    type: Literal['Custom']
    expression: str


class SumLossTermLossInput(TypedDict):
    type: str


class SumLossTermInput(TypedDict):
    weight: float
    loss: SumLossTermLossInput


class SumLossInput(TypedDict):
    type: Literal['Sum']
    terms: List[SumLossTermInput]


class _SGDOptimizerInputBase(TypedDict):
    type: Literal['SGD']
    lr: float


class SGDOptimizerInput(_SGDOptimizerInputBase, total=False):
    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    maximize: bool


class _AdamOptimizerInputBase(TypedDict):
    type: Literal['Adam']


class AdamOptimizerInput(_AdamOptimizerInputBase, total=False):
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool


class _AdamWOptimizerInputBase(TypedDict):
    type: Literal['AdamW']


class AdamWOptimizerInput(_AdamWOptimizerInputBase, total=False):
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool


class _AdagradOptimizerInputBase(TypedDict):
    type: Literal['Adagrad']


class AdagradOptimizerInput(_AdagradOptimizerInputBase, total=False):
    lr: float
    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    maximize: bool


class _RMSpropOptimizerInputBase(TypedDict):
    type: Literal['RMSprop']


class RMSpropOptimizerInput(_RMSpropOptimizerInputBase, total=False):
    lr: float
    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    maximize: bool


class _AdadeltaOptimizerInputBase(TypedDict):
    type: Literal['Adadelta']


class AdadeltaOptimizerInput(_AdadeltaOptimizerInputBase, total=False):
    lr: float
    rho: float
    eps: float
    weight_decay: float
    maximize: bool


class _AdamaxOptimizerInputBase(TypedDict):
    type: Literal['Adamax']


class AdamaxOptimizerInput(_AdamaxOptimizerInputBase, total=False):
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    maximize: bool


class _NAdamOptimizerInputBase(TypedDict):
    type: Literal['NAdam']


class NAdamOptimizerInput(_NAdamOptimizerInputBase, total=False):
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    momentum_decay: float


class _RAdamOptimizerInputBase(TypedDict):
    type: Literal['RAdam']


class RAdamOptimizerInput(_RAdamOptimizerInputBase, total=False):
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float


class _RpropOptimizerInputBase(TypedDict):
    type: Literal['Rprop']


class RpropOptimizerInput(_RpropOptimizerInputBase, total=False):
    lr: float
    etas: List[float]
    step_sizes: List[float]
    maximize: bool


class _StepLRSchedulerInputBase(TypedDict):
    type: Literal['StepLR']
    step_size: float


class StepLRSchedulerInput(_StepLRSchedulerInputBase, total=False):
    gamma: float


class _MultiStepLRSchedulerInputBase(TypedDict):
    type: Literal['MultiStepLR']
    milestones: List[float]


class MultiStepLRSchedulerInput(_MultiStepLRSchedulerInputBase, total=False):
    gamma: float


class ExponentialLRSchedulerInput(TypedDict):
    type: Literal['ExponentialLR']
    gamma: float


class _CosineAnnealingLRSchedulerInputBase(TypedDict):
    type: Literal['CosineAnnealingLR']
    T_max: float


class CosineAnnealingLRSchedulerInput(_CosineAnnealingLRSchedulerInputBase, total=False):
    eta_min: float


class _CosineAnnealingWarmRestartsSchedulerInputBase(TypedDict):
    type: Literal['CosineAnnealingWarmRestarts']
    T_0: float


class CosineAnnealingWarmRestartsSchedulerInput(_CosineAnnealingWarmRestartsSchedulerInputBase, total=False):
    T_mult: float
    eta_min: float


class _LinearLRSchedulerInputBase(TypedDict):
    type: Literal['LinearLR']


class LinearLRSchedulerInput(_LinearLRSchedulerInputBase, total=False):
    start_factor: float
    end_factor: float
    total_iters: float


class _ConstantLRSchedulerInputBase(TypedDict):
    type: Literal['ConstantLR']


class ConstantLRSchedulerInput(_ConstantLRSchedulerInputBase, total=False):
    factor: float
    total_iters: float


class _PolynomialLRSchedulerInputBase(TypedDict):
    type: Literal['PolynomialLR']


class PolynomialLRSchedulerInput(_PolynomialLRSchedulerInputBase, total=False):
    total_iters: float
    power: float


class _OneCycleLRSchedulerInputBase(TypedDict):
    type: Literal['OneCycleLR']
    max_lr: Union[float, List[float]]


class OneCycleLRSchedulerInput(_OneCycleLRSchedulerInputBase, total=False):
    total_steps: Union[float, None]
    epochs: Union[float, None]
    steps_per_epoch: Union[float, None]
    pct_start: float
    anneal_strategy: Literal['cos', 'linear']
    cycle_momentum: bool
    base_momentum: Union[float, List[float]]
    max_momentum: Union[float, List[float]]
    div_factor: float
    final_div_factor: float
    three_phase: bool


class _CyclicLRSchedulerInputBase(TypedDict):
    type: Literal['CyclicLR']
    base_lr: Union[float, List[float]]
    max_lr: Union[float, List[float]]


class CyclicLRSchedulerInput(_CyclicLRSchedulerInputBase, total=False):
    step_size_up: float
    step_size_down: Union[float, None]
    mode: Literal['triangular', 'triangular2', 'exp_range']
    gamma: float
    cycle_momentum: bool
    base_momentum: Union[float, List[float]]
    max_momentum: Union[float, List[float]]


class _ReduceLROnPlateauSchedulerInputBase(TypedDict):
    type: Literal['ReduceLROnPlateau']


class ReduceLROnPlateauSchedulerInput(_ReduceLROnPlateauSchedulerInputBase, total=False):
    mode: Literal['min', 'max']
    factor: float
    patience: float
    threshold: float
    threshold_mode: Literal['rel', 'abs']
    cooldown: float
    min_lr: Union[float, List[float]]
    eps: float


class SequentialLRSchedulerInput(TypedDict):
    type: Literal['SequentialLR']
    schedulers: List[Union[StepLRSchedulerInput, MultiStepLRSchedulerInput, ExponentialLRSchedulerInput, CosineAnnealingLRSchedulerInput, CosineAnnealingWarmRestartsSchedulerInput, LinearLRSchedulerInput, ConstantLRSchedulerInput, PolynomialLRSchedulerInput, OneCycleLRSchedulerInput, CyclicLRSchedulerInput]]
    milestones: List[float]


class ChainedSchedulerInput(TypedDict):
    type: Literal['ChainedScheduler']
    schedulers: List[Union[StepLRSchedulerInput, MultiStepLRSchedulerInput, ExponentialLRSchedulerInput, CosineAnnealingLRSchedulerInput, CosineAnnealingWarmRestartsSchedulerInput, LinearLRSchedulerInput, ConstantLRSchedulerInput, PolynomialLRSchedulerInput, OneCycleLRSchedulerInput, CyclicLRSchedulerInput]]


class _JobCreateTrainingGradClipInputBase(TypedDict):
    max_norm: float


class JobCreateTrainingGradClipInput(_JobCreateTrainingGradClipInputBase, total=False):
    norm_type: Union[float, Literal['inf']]


class JobCreateTrainingEarlyStoppingInput(TypedDict, total=False):
    monitor: Literal['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae', 'val_mae', 'rmse', 'val_rmse', 'r2', 'val_r2']
    mode: Literal['min', 'max']
    patience: int
    min_delta: float
    restore_best: bool


class _JobCreateTrainingInputBase(TypedDict):
    epochs: int
    batch_size: int


class JobCreateTrainingInput(_JobCreateTrainingInputBase, total=False):
    shuffle: bool
    seed: int
    grad_clip: JobCreateTrainingGradClipInput
    validation_split: float
    normalize: Literal['none', 'standard']
    early_stopping: JobCreateTrainingEarlyStoppingInput
    max_runtime_s: float


class JobCreateData0Input(TypedDict):
    x: List[Union[float, List[Any]]]
    y: List[Union[float, List[float]]]


class JobCreateData1Input(TypedDict):
    dataset_id: str


class _JobCreateData2InputBase(TypedDict):
    builtin: Literal['iris', 'digits', 'wine', 'fashion-mnist']


class JobCreateData2Input(_JobCreateData2InputBase, total=False):
    split: Literal['train', 'test']


class _MoonsSyntheticInputBase(TypedDict):
    type: Literal['moons']


class MoonsSyntheticInput(_MoonsSyntheticInputBase, total=False):
    n_samples: int
    noise: float
    seed: int


class _CirclesSyntheticInputBase(TypedDict):
    type: Literal['circles']


class CirclesSyntheticInput(_CirclesSyntheticInputBase, total=False):
    n_samples: int
    noise: float
    seed: int
    factor: float


class _BlobsSyntheticInputBase(TypedDict):
    type: Literal['blobs']


class BlobsSyntheticInput(_BlobsSyntheticInputBase, total=False):
    n_samples: int
    noise: float
    seed: int
    centers: int
    n_features: int


class _SpiralsSyntheticInputBase(TypedDict):
    type: Literal['spirals']


class SpiralsSyntheticInput(_SpiralsSyntheticInputBase, total=False):
    n_samples: int
    noise: float
    seed: int
    classes: int
    turns: float


class _RegressionSyntheticInputBase(TypedDict):
    type: Literal['regression']


class RegressionSyntheticInput(_RegressionSyntheticInputBase, total=False):
    n_samples: int
    noise: float
    seed: int
    n_features: int


class _ParitySyntheticInputBase(TypedDict):
    type: Literal['parity']


class ParitySyntheticInput(_ParitySyntheticInputBase, total=False):
    n_samples: int
    seed: int
    seq_len: int


class _SineSyntheticInputBase(TypedDict):
    type: Literal['sine']


class SineSyntheticInput(_SineSyntheticInputBase, total=False):
    n_samples: int
    noise: float
    seed: int
    seq_len: int


class JobCreateData3Input(TypedDict):
    synthetic: Union[MoonsSyntheticInput, CirclesSyntheticInput, BlobsSyntheticInput, SpiralsSyntheticInput, RegressionSyntheticInput, ParitySyntheticInput, SineSyntheticInput]


class JobCreateValidation0Input(TypedDict):
    dataset_id: str


class _JobCreateValidation1InputBase(TypedDict):
    builtin: Literal['iris', 'digits', 'wine', 'fashion-mnist']


class JobCreateValidation1Input(_JobCreateValidation1InputBase, total=False):
    split: Literal['train', 'test']


class JobCreateInit0Input(TypedDict):
    state_dict: Dict[str, Union[float, List[Any]]]


class JobCreateInit1Input(TypedDict):
    from_job: str


class JobCreateInit2Input(TypedDict):
    safetensors_base64: str


class _JobCreateInputBase(TypedDict):
    model: Union[JobCreateModel0Input, ModelGraphInput]
    loss: Union[MSELossInput, L1LossInput, SmoothL1LossInput, HuberLossInput, CrossEntropyLossInput, NLLLossInput, BCELossInput, BCEWithLogitsLossInput, KLDivLossInput, PoissonNLLLossInput, GaussianNLLLossInput, SoftMarginLossInput, MultiLabelSoftMarginLossInput, CustomLossInput, SumLossInput]
    optimizer: Union[SGDOptimizerInput, AdamOptimizerInput, AdamWOptimizerInput, AdagradOptimizerInput, RMSpropOptimizerInput, AdadeltaOptimizerInput, AdamaxOptimizerInput, NAdamOptimizerInput, RAdamOptimizerInput, RpropOptimizerInput]
    training: JobCreateTrainingInput
    data: Union[JobCreateData0Input, JobCreateData1Input, JobCreateData2Input, JobCreateData3Input]


class JobCreateInput(_JobCreateInputBase, total=False):
    scheduler: Union[StepLRSchedulerInput, MultiStepLRSchedulerInput, ExponentialLRSchedulerInput, CosineAnnealingLRSchedulerInput, CosineAnnealingWarmRestartsSchedulerInput, LinearLRSchedulerInput, ConstantLRSchedulerInput, PolynomialLRSchedulerInput, OneCycleLRSchedulerInput, CyclicLRSchedulerInput, ReduceLROnPlateauSchedulerInput, SequentialLRSchedulerInput, ChainedSchedulerInput]
    name: str
    metadata: Dict[str, str]
    validation: Union[JobCreateValidation0Input, JobCreateValidation1Input]
    init: Union[JobCreateInit0Input, JobCreateInit1Input, JobCreateInit2Input]


class JobProgressInput(TypedDict):
    epoch: int
    epochs: int


class _JobInputBase(TypedDict):
    id: str
    status: JobStatusInput
    name: Union[str, None]
    metadata: Dict[str, str]
    spec: JobSpecInput
    created_at: str
    started_at: Union[str, None]
    finished_at: Union[str, None]
    progress: JobProgressInput
    metrics: Union[EpochMetricsInput, None]


class JobInput(_JobInputBase, total=False):
    error: JobErrorInput
    stop_reason: Literal['epochs', 'early_stopping']
    best_epoch: Union[int, None]
    evaluation: EvaluationInput


class JobSpecModel0Input(TypedDict):
    layers: List[LayerSpecInput]


class _JobSpecTrainingGradClipInputBase(TypedDict):
    max_norm: float


class JobSpecTrainingGradClipInput(_JobSpecTrainingGradClipInputBase, total=False):
    norm_type: Union[float, Literal['inf']]


class JobSpecTrainingEarlyStoppingInput(TypedDict, total=False):
    monitor: Literal['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae', 'val_mae', 'rmse', 'val_rmse', 'r2', 'val_r2']
    mode: Literal['min', 'max']
    patience: int
    min_delta: float
    restore_best: bool


class _JobSpecTrainingInputBase(TypedDict):
    epochs: int
    batch_size: int


class JobSpecTrainingInput(_JobSpecTrainingInputBase, total=False):
    shuffle: bool
    seed: int
    grad_clip: JobSpecTrainingGradClipInput
    validation_split: float
    normalize: Literal['none', 'standard']
    early_stopping: JobSpecTrainingEarlyStoppingInput
    max_runtime_s: float


class _JobSpecDataInputBase(TypedDict):
    samples: int
    features: int


class JobSpecDataInput(_JobSpecDataInputBase, total=False):
    sample_shape: List[int]
    source: Literal['inline', 'dataset', 'builtin', 'synthetic']
    dataset_id: str
    builtin: str
    split: Literal['train', 'test']
    synthetic: Union[MoonsSyntheticInput, CirclesSyntheticInput, BlobsSyntheticInput, SpiralsSyntheticInput, RegressionSyntheticInput, ParitySyntheticInput, SineSyntheticInput]


class _JobSpecValidationInputBase(TypedDict):
    samples: int


class JobSpecValidationInput(_JobSpecValidationInputBase, total=False):
    dataset_id: str
    builtin: str
    split: Literal['train', 'test']


class JobSpecInit0Input(TypedDict):
    from_job: str


class JobSpecInit1StateDictInput(TypedDict):
    keys: List[str]


class JobSpecInit1Input(TypedDict):
    state_dict: JobSpecInit1StateDictInput


class JobSpecInit2SafetensorsInput(TypedDict):
    keys: List[str]


class JobSpecInit2Input(TypedDict):
    safetensors: JobSpecInit2SafetensorsInput


class _JobSpecInputBase(TypedDict):
    model: Union[JobSpecModel0Input, ModelGraphInput]
    loss: Union[MSELossInput, L1LossInput, SmoothL1LossInput, HuberLossInput, CrossEntropyLossInput, NLLLossInput, BCELossInput, BCEWithLogitsLossInput, KLDivLossInput, PoissonNLLLossInput, GaussianNLLLossInput, SoftMarginLossInput, MultiLabelSoftMarginLossInput, CustomLossInput, SumLossInput]
    optimizer: Union[SGDOptimizerInput, AdamOptimizerInput, AdamWOptimizerInput, AdagradOptimizerInput, RMSpropOptimizerInput, AdadeltaOptimizerInput, AdamaxOptimizerInput, NAdamOptimizerInput, RAdamOptimizerInput, RpropOptimizerInput]
    training: JobSpecTrainingInput
    data: JobSpecDataInput


class JobSpecInput(_JobSpecInputBase, total=False):
    scheduler: Union[StepLRSchedulerInput, MultiStepLRSchedulerInput, ExponentialLRSchedulerInput, CosineAnnealingLRSchedulerInput, CosineAnnealingWarmRestartsSchedulerInput, LinearLRSchedulerInput, ConstantLRSchedulerInput, PolynomialLRSchedulerInput, OneCycleLRSchedulerInput, CyclicLRSchedulerInput, ReduceLROnPlateauSchedulerInput, SequentialLRSchedulerInput, ChainedSchedulerInput]
    validation: JobSpecValidationInput
    init: Union[JobSpecInit0Input, JobSpecInit1Input, JobSpecInit2Input]


class _JobErrorInputBase(TypedDict):
    code: str
    message: str


class JobErrorInput(_JobErrorInputBase, total=False):
    epoch: int


class JobListInput(TypedDict):
    data: List[JobInput]
    next_cursor: Union[str, None]


class _EpochMetricsInputBase(TypedDict):
    epoch: int
    epochs: int
    loss: float
    lr: float
    duration_ms: float
    samples_per_sec: float


class EpochMetricsInput(_EpochMetricsInputBase, total=False):
    accuracy: float
    mae: float
    rmse: float
    r2: float
    val_loss: float
    val_accuracy: float
    val_mae: float
    val_rmse: float
    val_r2: float


class StatusEventDataInput(TypedDict):
    status: JobStatusInput


class StatusEventInput(TypedDict):
    type: Literal['status']
    data: StatusEventDataInput


class EpochEventInput(TypedDict):
    type: Literal['epoch']
    data: EpochMetricsInput


class _DoneEventDataInputBase(TypedDict):
    status: JobStatusInput


class DoneEventDataInput(_DoneEventDataInputBase, total=False):
    error: JobErrorInput


class DoneEventInput(TypedDict):
    type: Literal['done']
    data: DoneEventDataInput


class MetricsHistoryInput(TypedDict):
    job_id: str
    epochs: List[EpochMetricsInput]


class ModelJsonInput(TypedDict):
    state_dict: Dict[str, Any]


class PredictRequestInput(TypedDict):
    x: List[Union[float, List[Any]]]


class _PredictResponseInputBase(TypedDict):
    outputs: List[Any]


class PredictResponseInput(_PredictResponseInputBase, total=False):
    predictions: List[Any]


class ProblemErrorInput(TypedDict):
    path: str
    message: str


class _ProblemInputBase(TypedDict):
    type: str
    title: str
    status: int
    code: str


class ProblemInput(_ProblemInputBase, total=False):
    detail: str
    instance: str
    request_id: str
    errors: List[ProblemErrorInput]


class DatasetXInput(TypedDict):
    dtype: Literal['float32', 'uint8', 'int32']
    source_dtype: Union[str, None]
    scale: float
    note: str


class _DatasetTargetInputBase(TypedDict):
    name: str
    kind: Literal['class', 'float']


class DatasetTargetInput(_DatasetTargetInputBase, total=False):
    classes: int
    labels: List[str]


class DatasetFeatureStatInput(TypedDict):
    name: str
    mean: float
    std: float
    min: float
    max: float


class DatasetInput(TypedDict):
    id: str
    name: Union[str, None]
    format: Literal['csv', 'json', 'idx', 'npy']
    created_at: str
    rows: int
    features: int
    sample_shape: List[int]
    x: DatasetXInput
    target: DatasetTargetInput
    feature_stats: List[DatasetFeatureStatInput]
    size_bytes: int


class DatasetListInput(TypedDict):
    data: List[DatasetInput]
    next_cursor: Union[str, None]


class ProgressEventDataInput(TypedDict):
    epoch: int
    step: int
    steps: int
    loss: float


class ProgressEventInput(TypedDict):
    type: Literal['progress']
    data: ProgressEventDataInput


class _EvaluationTrainInputBase(TypedDict):
    samples: int
    loss: float


class EvaluationTrainInput(_EvaluationTrainInputBase, total=False):
    accuracy: float
    mae: float
    rmse: float
    r2: float
    confusion_matrix: List[List[int]]


class _EvaluationValidationInputBase(TypedDict):
    samples: int
    loss: float


class EvaluationValidationInput(_EvaluationValidationInputBase, total=False):
    accuracy: float
    mae: float
    rmse: float
    r2: float
    confusion_matrix: List[List[int]]


class _EvaluationInputBase(TypedDict):
    train: EvaluationTrainInput


class EvaluationInput(_EvaluationInputBase, total=False):
    validation: EvaluationValidationInput


class _LinearSpecInputBase(TypedDict):
    type: Literal['Linear']
    in_features: int
    out_features: int


class LinearSpecInput(_LinearSpecInputBase, total=False):
    bias: bool


class _ReLUSpecInputBase(TypedDict):
    type: Literal['ReLU']


class ReLUSpecInput(_ReLUSpecInputBase, total=False):
    inplace: bool


class _LeakyReLUSpecInputBase(TypedDict):
    type: Literal['LeakyReLU']


class LeakyReLUSpecInput(_LeakyReLUSpecInputBase, total=False):
    negative_slope: float
    inplace: bool


class SigmoidSpecInput(TypedDict):
    type: Literal['Sigmoid']


class TanhSpecInput(TypedDict):
    type: Literal['Tanh']


class _GELUSpecInputBase(TypedDict):
    type: Literal['GELU']


class GELUSpecInput(_GELUSpecInputBase, total=False):
    approximate: Literal['none', 'tanh']


class _ELUSpecInputBase(TypedDict):
    type: Literal['ELU']


class ELUSpecInput(_ELUSpecInputBase, total=False):
    alpha: float
    inplace: bool


class _SiLUSpecInputBase(TypedDict):
    type: Literal['SiLU']


class SiLUSpecInput(_SiLUSpecInputBase, total=False):
    inplace: bool


class _SoftplusSpecInputBase(TypedDict):
    type: Literal['Softplus']


class SoftplusSpecInput(_SoftplusSpecInputBase, total=False):
    beta: float
    threshold: float


class IdentitySpecInput(TypedDict):
    type: Literal['Identity']


class _FlattenSpecInputBase(TypedDict):
    type: Literal['Flatten']


class FlattenSpecInput(_FlattenSpecInputBase, total=False):
    start_dim: int
    end_dim: int


class _DropoutSpecInputBase(TypedDict):
    type: Literal['Dropout']


class DropoutSpecInput(_DropoutSpecInputBase, total=False):
    p: float
    inplace: bool


class _LayerNormSpecInputBase(TypedDict):
    type: Literal['LayerNorm']
    normalized_shape: Union[int, List[int]]


class LayerNormSpecInput(_LayerNormSpecInputBase, total=False):
    eps: float
    elementwise_affine: bool


class _BatchNorm1dSpecInputBase(TypedDict):
    type: Literal['BatchNorm1d']
    num_features: int


class BatchNorm1dSpecInput(_BatchNorm1dSpecInputBase, total=False):
    eps: float
    momentum: Union[float, None]
    affine: bool
    track_running_stats: bool


class _BatchNorm2dSpecInputBase(TypedDict):
    type: Literal['BatchNorm2d']
    num_features: int


class BatchNorm2dSpecInput(_BatchNorm2dSpecInputBase, total=False):
    eps: float
    momentum: Union[float, None]
    affine: bool
    track_running_stats: bool


class _Dropout2dSpecInputBase(TypedDict):
    type: Literal['Dropout2d']


class Dropout2dSpecInput(_Dropout2dSpecInputBase, total=False):
    p: float
    inplace: bool


class _Conv1dSpecInputBase(TypedDict):
    type: Literal['Conv1d']
    in_channels: int
    out_channels: int
    kernel_size: Union[int, List[int]]


class Conv1dSpecInput(_Conv1dSpecInputBase, total=False):
    stride: Union[int, List[int]]
    padding: Union[Union[int, List[int]], Literal['same', 'valid']]
    dilation: Union[int, List[int]]
    groups: int
    bias: bool
    padding_mode: Literal['zeros', 'reflect', 'replicate', 'circular']


class _Conv2dSpecInputBase(TypedDict):
    type: Literal['Conv2d']
    in_channels: int
    out_channels: int
    kernel_size: Union[int, List[int]]


class Conv2dSpecInput(_Conv2dSpecInputBase, total=False):
    stride: Union[int, List[int]]
    padding: Union[Union[int, List[int]], Literal['same', 'valid']]
    dilation: Union[int, List[int]]
    groups: int
    bias: bool
    padding_mode: Literal['zeros', 'reflect', 'replicate', 'circular']


class _MaxPool1dSpecInputBase(TypedDict):
    type: Literal['MaxPool1d']
    kernel_size: Union[int, List[int]]


class MaxPool1dSpecInput(_MaxPool1dSpecInputBase, total=False):
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    dilation: Union[int, List[int]]
    return_indices: bool


class _MaxPool2dSpecInputBase(TypedDict):
    type: Literal['MaxPool2d']
    kernel_size: Union[int, List[int]]


class MaxPool2dSpecInput(_MaxPool2dSpecInputBase, total=False):
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    dilation: Union[int, List[int]]
    return_indices: bool


class _AvgPool1dSpecInputBase(TypedDict):
    type: Literal['AvgPool1d']
    kernel_size: Union[int, List[int]]


class AvgPool1dSpecInput(_AvgPool1dSpecInputBase, total=False):
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    count_include_pad: bool


class _AvgPool2dSpecInputBase(TypedDict):
    type: Literal['AvgPool2d']
    kernel_size: Union[int, List[int]]


class AvgPool2dSpecInput(_AvgPool2dSpecInputBase, total=False):
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: Union[int, None]


class AdaptiveAvgPool1dSpecInput(TypedDict):
    type: Literal['AdaptiveAvgPool1d']
    output_size: Union[int, List[Union[int, None]]]


class AdaptiveAvgPool2dSpecInput(TypedDict):
    type: Literal['AdaptiveAvgPool2d']
    output_size: Union[int, List[Union[int, None]]]


class _AdaptiveMaxPool2dSpecInputBase(TypedDict):
    type: Literal['AdaptiveMaxPool2d']
    output_size: Union[int, List[Union[int, None]]]


class AdaptiveMaxPool2dSpecInput(_AdaptiveMaxPool2dSpecInputBase, total=False):
    return_indices: bool


class UnflattenSpecInput(TypedDict):
    type: Literal['Unflatten']
    dim: int
    unflattened_size: List[int]


class _EmbeddingSpecInputBase(TypedDict):
    type: Literal['Embedding']
    num_embeddings: int
    embedding_dim: int


class EmbeddingSpecInput(_EmbeddingSpecInputBase, total=False):
    padding_idx: Union[int, None]
    max_norm: Union[float, None]
    norm_type: float
    scale_grad_by_freq: bool
    sparse: bool


class _RNNSpecInputBase(TypedDict):
    type: Literal['RNN']
    input_size: int
    hidden_size: int


class RNNSpecInput(_RNNSpecInputBase, total=False):
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    nonlinearity: Literal['tanh', 'relu']


class _LSTMSpecInputBase(TypedDict):
    type: Literal['LSTM']
    input_size: int
    hidden_size: int


class LSTMSpecInput(_LSTMSpecInputBase, total=False):
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int


class _GRUSpecInputBase(TypedDict):
    type: Literal['GRU']
    input_size: int
    hidden_size: int


class GRUSpecInput(_GRUSpecInputBase, total=False):
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool


class _MultiheadAttentionSpecInputBase(TypedDict):
    type: Literal['MultiheadAttention']
    embed_dim: int
    num_heads: int


class MultiheadAttentionSpecInput(_MultiheadAttentionSpecInputBase, total=False):
    dropout: float
    bias: bool
    add_bias_kv: bool
    add_zero_attn: bool
    kdim: Union[int, None]
    vdim: Union[int, None]
    batch_first: bool
    key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class _TransformerEncoderLayerSpecInputBase(TypedDict):
    type: Literal['TransformerEncoderLayer']
    d_model: int
    nhead: int


class TransformerEncoderLayerSpecInput(_TransformerEncoderLayerSpecInputBase, total=False):
    dim_feedforward: int
    dropout: float
    activation: Literal['relu', 'gelu']
    layer_norm_eps: float
    batch_first: bool
    norm_first: bool
    src_key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class _TransformerEncoderSpecEncoderLayerInputBase(TypedDict):
    type: Literal['TransformerEncoderLayer']
    d_model: int
    nhead: int


class TransformerEncoderSpecEncoderLayerInput(_TransformerEncoderSpecEncoderLayerInputBase, total=False):
    dim_feedforward: int
    dropout: float
    activation: Literal['relu', 'gelu']
    layer_norm_eps: float
    batch_first: bool
    norm_first: bool
    src_key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class _LayerNormInputBase(TypedDict):
    type: Literal['LayerNorm']
    normalized_shape: Union[int, List[int]]


class LayerNormInput(_LayerNormInputBase, total=False):
    eps: float
    elementwise_affine: bool


class _TransformerEncoderSpecInputBase(TypedDict):
    type: Literal['TransformerEncoder']
    encoder_layer: TransformerEncoderSpecEncoderLayerInput
    num_layers: int


class TransformerEncoderSpecInput(_TransformerEncoderSpecInputBase, total=False):
    norm: Union[LayerNormInput, None]
    enable_nested_tensor: bool
    mask_check: bool
    src_key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class _PositionalEncodingSpecInputBase(TypedDict):
    type: Literal['PositionalEncoding']
    d_model: int


class PositionalEncodingSpecInput(_PositionalEncodingSpecInputBase, total=False):
    dropout: float
    max_len: int
    batch_first: bool


class SelectSpecInput(TypedDict):
    type: Literal['Select']
    dim: int
    index: int


class _MeanSpecInputBase(TypedDict):
    type: Literal['Mean']
    dim: int


class MeanSpecInput(_MeanSpecInputBase, total=False):
    keepdim: bool


class SequentialLayerInput(TypedDict):
    type: Literal['Sequential']
    layers: List[LayerSpecInput]


class ModelGraphNode0Input(TypedDict):
    name: str
    layer: Union[LayerSpecInput, SequentialLayerInput]
    input: str


class ModelGraphNode10Input(TypedDict):
    name: str
    op: Literal['add']
    inputs: List[str]


class ModelGraphNode11Input(TypedDict):
    name: str
    op: Literal['mul']
    inputs: List[str]


class ModelGraphNode12Input(TypedDict):
    name: str
    op: Literal['cat']
    inputs: List[str]
    dim: int


class _ModelGraphNode13InputBase(TypedDict):
    name: str
    op: Literal['mean']
    input: str
    dim: Union[int, List[int]]


class ModelGraphNode13Input(_ModelGraphNode13InputBase, total=False):
    keepdim: bool


class ModelGraphNode14Input(TypedDict):
    name: str
    op: Literal['reshape']
    input: str
    shape: List[int]


class ModelGraphNode15Input(TypedDict):
    name: str
    op: Literal['permute']
    input: str
    dims: List[int]


class ModelGraphNode16Input(TypedDict):
    name: str
    op: Literal['select']
    input: str
    dim: int
    index: int


class ModelGraphInput(TypedDict):
    inputs: List[str]
    nodes: List[Union[ModelGraphNode0Input, Union[ModelGraphNode10Input, ModelGraphNode11Input, ModelGraphNode12Input, ModelGraphNode13Input, ModelGraphNode14Input, ModelGraphNode15Input, ModelGraphNode16Input]]]
    output: str


class JobCreateModel0(TypedDict):
    layers: List[LayerSpec]


class MSELoss(TypedDict):
    type: Literal['MSELoss']
    reduction: Literal['none', 'mean', 'sum']


class L1Loss(TypedDict):
    type: Literal['L1Loss']
    reduction: Literal['none', 'mean', 'sum']


class SmoothL1Loss(TypedDict):
    type: Literal['SmoothL1Loss']
    reduction: Literal['none', 'mean', 'sum']
    beta: float


class HuberLoss(TypedDict):
    type: Literal['HuberLoss']
    reduction: Literal['none', 'mean', 'sum']
    delta: float


class _CrossEntropyLossBase(TypedDict):
    type: Literal['CrossEntropyLoss']
    ignore_index: int
    reduction: Literal['none', 'mean', 'sum']
    label_smoothing: float


class CrossEntropyLoss(_CrossEntropyLossBase, total=False):
    weight: Union[List[float], None]


class _NLLLossBase(TypedDict):
    type: Literal['NLLLoss']
    ignore_index: int
    reduction: Literal['none', 'mean', 'sum']


class NLLLoss(_NLLLossBase, total=False):
    weight: Union[List[float], None]


class _BCELossBase(TypedDict):
    type: Literal['BCELoss']
    reduction: Literal['none', 'mean', 'sum']


class BCELoss(_BCELossBase, total=False):
    weight: Union[List[float], None]


class _BCEWithLogitsLossBase(TypedDict):
    type: Literal['BCEWithLogitsLoss']
    reduction: Literal['none', 'mean', 'sum']


class BCEWithLogitsLoss(_BCEWithLogitsLossBase, total=False):
    weight: Union[List[float], None]
    pos_weight: Union[List[float], None]


class KLDivLoss(TypedDict):
    type: Literal['KLDivLoss']
    reduction: Literal['none', 'mean', 'sum', 'batchmean']
    log_target: bool


class PoissonNLLLoss(TypedDict):
    type: Literal['PoissonNLLLoss']
    log_input: bool
    full: bool
    eps: float
    reduction: Literal['none', 'mean', 'sum']


class GaussianNLLLoss(TypedDict):
    type: Literal['GaussianNLLLoss']
    full: bool
    eps: float
    reduction: Literal['none', 'mean', 'sum']


class SoftMarginLoss(TypedDict):
    type: Literal['SoftMarginLoss']
    reduction: Literal['none', 'mean', 'sum']


class _MultiLabelSoftMarginLossBase(TypedDict):
    type: Literal['MultiLabelSoftMarginLoss']
    reduction: Literal['none', 'mean', 'sum']


class MultiLabelSoftMarginLoss(_MultiLabelSoftMarginLossBase, total=False):
    weight: Union[List[float], None]


class CustomLoss(TypedDict):
    type: Literal['Custom']
    expression: str


class SumLossTermLoss(TypedDict):
    type: str


class SumLossTerm(TypedDict):
    weight: float
    loss: SumLossTermLoss


class SumLoss(TypedDict):
    type: Literal['Sum']
    terms: List[SumLossTerm]


class SGDOptimizer(TypedDict):
    type: Literal['SGD']
    lr: float
    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    maximize: bool


class AdamOptimizer(TypedDict):
    type: Literal['Adam']
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool


class AdamWOptimizer(TypedDict):
    type: Literal['AdamW']
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool


class AdagradOptimizer(TypedDict):
    type: Literal['Adagrad']
    lr: float
    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    maximize: bool


class RMSpropOptimizer(TypedDict):
    type: Literal['RMSprop']
    lr: float
    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    maximize: bool


class AdadeltaOptimizer(TypedDict):
    type: Literal['Adadelta']
    lr: float
    rho: float
    eps: float
    weight_decay: float
    maximize: bool


class AdamaxOptimizer(TypedDict):
    type: Literal['Adamax']
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    maximize: bool


class NAdamOptimizer(TypedDict):
    type: Literal['NAdam']
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float
    momentum_decay: float


class RAdamOptimizer(TypedDict):
    type: Literal['RAdam']
    lr: float
    betas: List[float]
    eps: float
    weight_decay: float


class RpropOptimizer(TypedDict):
    type: Literal['Rprop']
    lr: float
    etas: List[float]
    step_sizes: List[float]
    maximize: bool


class StepLRScheduler(TypedDict):
    type: Literal['StepLR']
    step_size: float
    gamma: float


class MultiStepLRScheduler(TypedDict):
    type: Literal['MultiStepLR']
    milestones: List[float]
    gamma: float


class ExponentialLRScheduler(TypedDict):
    type: Literal['ExponentialLR']
    gamma: float


class CosineAnnealingLRScheduler(TypedDict):
    type: Literal['CosineAnnealingLR']
    T_max: float
    eta_min: float


class CosineAnnealingWarmRestartsScheduler(TypedDict):
    type: Literal['CosineAnnealingWarmRestarts']
    T_0: float
    T_mult: float
    eta_min: float


class LinearLRScheduler(TypedDict):
    type: Literal['LinearLR']
    start_factor: float
    end_factor: float
    total_iters: float


class ConstantLRScheduler(TypedDict):
    type: Literal['ConstantLR']
    factor: float
    total_iters: float


class PolynomialLRScheduler(TypedDict):
    type: Literal['PolynomialLR']
    total_iters: float
    power: float


class OneCycleLRScheduler(TypedDict):
    type: Literal['OneCycleLR']
    max_lr: Union[float, List[float]]
    total_steps: Union[float, None]
    epochs: Union[float, None]
    steps_per_epoch: Union[float, None]
    pct_start: float
    anneal_strategy: Literal['cos', 'linear']
    cycle_momentum: bool
    base_momentum: Union[float, List[float]]
    max_momentum: Union[float, List[float]]
    div_factor: float
    final_div_factor: float
    three_phase: bool


class CyclicLRScheduler(TypedDict):
    type: Literal['CyclicLR']
    base_lr: Union[float, List[float]]
    max_lr: Union[float, List[float]]
    step_size_up: float
    step_size_down: Union[float, None]
    mode: Literal['triangular', 'triangular2', 'exp_range']
    gamma: float
    cycle_momentum: bool
    base_momentum: Union[float, List[float]]
    max_momentum: Union[float, List[float]]


class ReduceLROnPlateauScheduler(TypedDict):
    type: Literal['ReduceLROnPlateau']
    mode: Literal['min', 'max']
    factor: float
    patience: float
    threshold: float
    threshold_mode: Literal['rel', 'abs']
    cooldown: float
    min_lr: Union[float, List[float]]
    eps: float


class SequentialLRScheduler(TypedDict):
    type: Literal['SequentialLR']
    schedulers: List[Union[StepLRScheduler, MultiStepLRScheduler, ExponentialLRScheduler, CosineAnnealingLRScheduler, CosineAnnealingWarmRestartsScheduler, LinearLRScheduler, ConstantLRScheduler, PolynomialLRScheduler, OneCycleLRScheduler, CyclicLRScheduler]]
    milestones: List[float]


class ChainedScheduler(TypedDict):
    type: Literal['ChainedScheduler']
    schedulers: List[Union[StepLRScheduler, MultiStepLRScheduler, ExponentialLRScheduler, CosineAnnealingLRScheduler, CosineAnnealingWarmRestartsScheduler, LinearLRScheduler, ConstantLRScheduler, PolynomialLRScheduler, OneCycleLRScheduler, CyclicLRScheduler]]


class JobCreateTrainingGradClip(TypedDict):
    max_norm: float
    norm_type: Union[float, Literal['inf']]


class JobCreateTrainingEarlyStopping(TypedDict):
    monitor: Literal['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae', 'val_mae', 'rmse', 'val_rmse', 'r2', 'val_r2']
    mode: Literal['min', 'max']
    patience: int
    min_delta: float
    restore_best: bool


class _JobCreateTrainingBase(TypedDict):
    epochs: int
    batch_size: int
    shuffle: bool
    seed: int
    normalize: Literal['none', 'standard']


class JobCreateTraining(_JobCreateTrainingBase, total=False):
    grad_clip: JobCreateTrainingGradClip
    validation_split: float
    early_stopping: JobCreateTrainingEarlyStopping
    max_runtime_s: float


class JobCreateData0(TypedDict):
    x: List[Union[float, List[Any]]]
    y: List[Union[float, List[float]]]


class JobCreateData1(TypedDict):
    dataset_id: str


class _JobCreateData2Base(TypedDict):
    builtin: Literal['iris', 'digits', 'wine', 'fashion-mnist']


class JobCreateData2(_JobCreateData2Base, total=False):
    split: Literal['train', 'test']


class MoonsSynthetic(TypedDict):
    type: Literal['moons']
    n_samples: int
    noise: float
    seed: int


class CirclesSynthetic(TypedDict):
    type: Literal['circles']
    n_samples: int
    noise: float
    seed: int
    factor: float


class BlobsSynthetic(TypedDict):
    type: Literal['blobs']
    n_samples: int
    noise: float
    seed: int
    centers: int
    n_features: int


class SpiralsSynthetic(TypedDict):
    type: Literal['spirals']
    n_samples: int
    noise: float
    seed: int
    classes: int
    turns: float


class RegressionSynthetic(TypedDict):
    type: Literal['regression']
    n_samples: int
    noise: float
    seed: int
    n_features: int


class ParitySynthetic(TypedDict):
    type: Literal['parity']
    n_samples: int
    seed: int
    seq_len: int


class SineSynthetic(TypedDict):
    type: Literal['sine']
    n_samples: int
    noise: float
    seed: int
    seq_len: int


class JobCreateData3(TypedDict):
    synthetic: Union[MoonsSynthetic, CirclesSynthetic, BlobsSynthetic, SpiralsSynthetic, RegressionSynthetic, ParitySynthetic, SineSynthetic]


class JobCreateValidation0(TypedDict):
    dataset_id: str


class _JobCreateValidation1Base(TypedDict):
    builtin: Literal['iris', 'digits', 'wine', 'fashion-mnist']


class JobCreateValidation1(_JobCreateValidation1Base, total=False):
    split: Literal['train', 'test']


class JobCreateInit0(TypedDict):
    state_dict: Dict[str, Union[float, List[Any]]]


class JobCreateInit1(TypedDict):
    from_job: str


class JobCreateInit2(TypedDict):
    safetensors_base64: str


class _JobCreateBase(TypedDict):
    model: Union[JobCreateModel0, ModelGraph]
    loss: Union[MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, CustomLoss, SumLoss]
    optimizer: Union[SGDOptimizer, AdamOptimizer, AdamWOptimizer, AdagradOptimizer, RMSpropOptimizer, AdadeltaOptimizer, AdamaxOptimizer, NAdamOptimizer, RAdamOptimizer, RpropOptimizer]
    training: JobCreateTraining
    data: Union[JobCreateData0, JobCreateData1, JobCreateData2, JobCreateData3]


class JobCreate(_JobCreateBase, total=False):
    scheduler: Union[StepLRScheduler, MultiStepLRScheduler, ExponentialLRScheduler, CosineAnnealingLRScheduler, CosineAnnealingWarmRestartsScheduler, LinearLRScheduler, ConstantLRScheduler, PolynomialLRScheduler, OneCycleLRScheduler, CyclicLRScheduler, ReduceLROnPlateauScheduler, SequentialLRScheduler, ChainedScheduler]
    name: str
    metadata: Dict[str, str]
    validation: Union[JobCreateValidation0, JobCreateValidation1]
    init: Union[JobCreateInit0, JobCreateInit1, JobCreateInit2]


class JobProgress(TypedDict):
    epoch: int
    epochs: int


class _JobBase(TypedDict):
    id: str
    status: JobStatus
    name: Union[str, None]
    metadata: Dict[str, str]
    spec: JobSpec
    created_at: str
    started_at: Union[str, None]
    finished_at: Union[str, None]
    progress: JobProgress
    metrics: Union[EpochMetrics, None]


class Job(_JobBase, total=False):
    error: JobError
    stop_reason: Literal['epochs', 'early_stopping']
    best_epoch: Union[int, None]
    evaluation: Evaluation


class JobSpecModel0(TypedDict):
    layers: List[LayerSpec]


class JobSpecTrainingGradClip(TypedDict):
    max_norm: float
    norm_type: Union[float, Literal['inf']]


class JobSpecTrainingEarlyStopping(TypedDict):
    monitor: Literal['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae', 'val_mae', 'rmse', 'val_rmse', 'r2', 'val_r2']
    mode: Literal['min', 'max']
    patience: int
    min_delta: float
    restore_best: bool


class _JobSpecTrainingBase(TypedDict):
    epochs: int
    batch_size: int
    shuffle: bool
    seed: int
    normalize: Literal['none', 'standard']


class JobSpecTraining(_JobSpecTrainingBase, total=False):
    grad_clip: JobSpecTrainingGradClip
    validation_split: float
    early_stopping: JobSpecTrainingEarlyStopping
    max_runtime_s: float


class _JobSpecDataBase(TypedDict):
    samples: int
    features: int


class JobSpecData(_JobSpecDataBase, total=False):
    sample_shape: List[int]
    source: Literal['inline', 'dataset', 'builtin', 'synthetic']
    dataset_id: str
    builtin: str
    split: Literal['train', 'test']
    synthetic: Union[MoonsSynthetic, CirclesSynthetic, BlobsSynthetic, SpiralsSynthetic, RegressionSynthetic, ParitySynthetic, SineSynthetic]


class _JobSpecValidationBase(TypedDict):
    samples: int


class JobSpecValidation(_JobSpecValidationBase, total=False):
    dataset_id: str
    builtin: str
    split: Literal['train', 'test']


class JobSpecInit0(TypedDict):
    from_job: str


class JobSpecInit1StateDict(TypedDict):
    keys: List[str]


class JobSpecInit1(TypedDict):
    state_dict: JobSpecInit1StateDict


class JobSpecInit2Safetensors(TypedDict):
    keys: List[str]


class JobSpecInit2(TypedDict):
    safetensors: JobSpecInit2Safetensors


class _JobSpecBase(TypedDict):
    model: Union[JobSpecModel0, ModelGraph]
    loss: Union[MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, CustomLoss, SumLoss]
    optimizer: Union[SGDOptimizer, AdamOptimizer, AdamWOptimizer, AdagradOptimizer, RMSpropOptimizer, AdadeltaOptimizer, AdamaxOptimizer, NAdamOptimizer, RAdamOptimizer, RpropOptimizer]
    training: JobSpecTraining
    data: JobSpecData


class JobSpec(_JobSpecBase, total=False):
    scheduler: Union[StepLRScheduler, MultiStepLRScheduler, ExponentialLRScheduler, CosineAnnealingLRScheduler, CosineAnnealingWarmRestartsScheduler, LinearLRScheduler, ConstantLRScheduler, PolynomialLRScheduler, OneCycleLRScheduler, CyclicLRScheduler, ReduceLROnPlateauScheduler, SequentialLRScheduler, ChainedScheduler]
    validation: JobSpecValidation
    init: Union[JobSpecInit0, JobSpecInit1, JobSpecInit2]


class _JobErrorBase(TypedDict):
    code: str
    message: str


class JobError(_JobErrorBase, total=False):
    epoch: int


class JobList(TypedDict):
    data: List[Job]
    next_cursor: Union[str, None]


class _EpochMetricsBase(TypedDict):
    epoch: int
    epochs: int
    loss: float
    lr: float
    duration_ms: float
    samples_per_sec: float


class EpochMetrics(_EpochMetricsBase, total=False):
    accuracy: float
    mae: float
    rmse: float
    r2: float
    val_loss: float
    val_accuracy: float
    val_mae: float
    val_rmse: float
    val_r2: float


class StatusEventData(TypedDict):
    status: JobStatus


class StatusEvent(TypedDict):
    type: Literal['status']
    data: StatusEventData


class EpochEvent(TypedDict):
    type: Literal['epoch']
    data: EpochMetrics


class _DoneEventDataBase(TypedDict):
    status: JobStatus


class DoneEventData(_DoneEventDataBase, total=False):
    error: JobError


class DoneEvent(TypedDict):
    type: Literal['done']
    data: DoneEventData


class MetricsHistory(TypedDict):
    job_id: str
    epochs: List[EpochMetrics]


class ModelJson(TypedDict):
    state_dict: Dict[str, Any]


class PredictRequest(TypedDict):
    x: List[Union[float, List[Any]]]


class _PredictResponseBase(TypedDict):
    outputs: List[Any]


class PredictResponse(_PredictResponseBase, total=False):
    predictions: List[Any]


class ProblemError(TypedDict):
    path: str
    message: str


class _ProblemBase(TypedDict):
    type: str
    title: str
    status: int
    code: str


class Problem(_ProblemBase, total=False):
    detail: str
    instance: str
    request_id: str
    errors: List[ProblemError]


class DatasetX(TypedDict):
    dtype: Literal['float32', 'uint8', 'int32']
    source_dtype: Union[str, None]
    scale: float
    note: str


class _DatasetTargetBase(TypedDict):
    name: str
    kind: Literal['class', 'float']


class DatasetTarget(_DatasetTargetBase, total=False):
    classes: int
    labels: List[str]


class DatasetFeatureStat(TypedDict):
    name: str
    mean: float
    std: float
    min: float
    max: float


class Dataset(TypedDict):
    id: str
    name: Union[str, None]
    format: Literal['csv', 'json', 'idx', 'npy']
    created_at: str
    rows: int
    features: int
    sample_shape: List[int]
    x: DatasetX
    target: DatasetTarget
    feature_stats: List[DatasetFeatureStat]
    size_bytes: int


class DatasetList(TypedDict):
    data: List[Dataset]
    next_cursor: Union[str, None]


class ProgressEventData(TypedDict):
    epoch: int
    step: int
    steps: int
    loss: float


class ProgressEvent(TypedDict):
    type: Literal['progress']
    data: ProgressEventData


class _EvaluationTrainBase(TypedDict):
    samples: int
    loss: float


class EvaluationTrain(_EvaluationTrainBase, total=False):
    accuracy: float
    mae: float
    rmse: float
    r2: float
    confusion_matrix: List[List[int]]


class _EvaluationValidationBase(TypedDict):
    samples: int
    loss: float


class EvaluationValidation(_EvaluationValidationBase, total=False):
    accuracy: float
    mae: float
    rmse: float
    r2: float
    confusion_matrix: List[List[int]]


class _EvaluationBase(TypedDict):
    train: EvaluationTrain


class Evaluation(_EvaluationBase, total=False):
    validation: EvaluationValidation


class LinearSpec(TypedDict):
    type: Literal['Linear']
    in_features: int
    out_features: int
    bias: bool


class ReLUSpec(TypedDict):
    type: Literal['ReLU']
    inplace: bool


class LeakyReLUSpec(TypedDict):
    type: Literal['LeakyReLU']
    negative_slope: float
    inplace: bool


class SigmoidSpec(TypedDict):
    type: Literal['Sigmoid']


class TanhSpec(TypedDict):
    type: Literal['Tanh']


class GELUSpec(TypedDict):
    type: Literal['GELU']
    approximate: Literal['none', 'tanh']


class ELUSpec(TypedDict):
    type: Literal['ELU']
    alpha: float
    inplace: bool


class SiLUSpec(TypedDict):
    type: Literal['SiLU']
    inplace: bool


class SoftplusSpec(TypedDict):
    type: Literal['Softplus']
    beta: float
    threshold: float


class IdentitySpec(TypedDict):
    type: Literal['Identity']


class FlattenSpec(TypedDict):
    type: Literal['Flatten']
    start_dim: int
    end_dim: int


class DropoutSpec(TypedDict):
    type: Literal['Dropout']
    p: float
    inplace: bool


class LayerNormSpec(TypedDict):
    type: Literal['LayerNorm']
    normalized_shape: Union[int, List[int]]
    eps: float
    elementwise_affine: bool


class BatchNorm1dSpec(TypedDict):
    type: Literal['BatchNorm1d']
    num_features: int
    eps: float
    momentum: Union[float, None]
    affine: bool
    track_running_stats: bool


class BatchNorm2dSpec(TypedDict):
    type: Literal['BatchNorm2d']
    num_features: int
    eps: float
    momentum: Union[float, None]
    affine: bool
    track_running_stats: bool


class Dropout2dSpec(TypedDict):
    type: Literal['Dropout2d']
    p: float
    inplace: bool


class Conv1dSpec(TypedDict):
    type: Literal['Conv1d']
    in_channels: int
    out_channels: int
    kernel_size: Union[int, List[int]]
    stride: Union[int, List[int]]
    padding: Union[Union[int, List[int]], Literal['same', 'valid']]
    dilation: Union[int, List[int]]
    groups: int
    bias: bool
    padding_mode: Literal['zeros', 'reflect', 'replicate', 'circular']


class Conv2dSpec(TypedDict):
    type: Literal['Conv2d']
    in_channels: int
    out_channels: int
    kernel_size: Union[int, List[int]]
    stride: Union[int, List[int]]
    padding: Union[Union[int, List[int]], Literal['same', 'valid']]
    dilation: Union[int, List[int]]
    groups: int
    bias: bool
    padding_mode: Literal['zeros', 'reflect', 'replicate', 'circular']


class MaxPool1dSpec(TypedDict):
    type: Literal['MaxPool1d']
    kernel_size: Union[int, List[int]]
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    dilation: Union[int, List[int]]
    return_indices: bool


class MaxPool2dSpec(TypedDict):
    type: Literal['MaxPool2d']
    kernel_size: Union[int, List[int]]
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    dilation: Union[int, List[int]]
    return_indices: bool


class AvgPool1dSpec(TypedDict):
    type: Literal['AvgPool1d']
    kernel_size: Union[int, List[int]]
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    count_include_pad: bool


class AvgPool2dSpec(TypedDict):
    type: Literal['AvgPool2d']
    kernel_size: Union[int, List[int]]
    stride: Union[Union[int, List[int]], None]
    padding: Union[int, List[int]]
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: Union[int, None]


class AdaptiveAvgPool1dSpec(TypedDict):
    type: Literal['AdaptiveAvgPool1d']
    output_size: Union[int, List[Union[int, None]]]


class AdaptiveAvgPool2dSpec(TypedDict):
    type: Literal['AdaptiveAvgPool2d']
    output_size: Union[int, List[Union[int, None]]]


class AdaptiveMaxPool2dSpec(TypedDict):
    type: Literal['AdaptiveMaxPool2d']
    output_size: Union[int, List[Union[int, None]]]
    return_indices: bool


class UnflattenSpec(TypedDict):
    type: Literal['Unflatten']
    dim: int
    unflattened_size: List[int]


class EmbeddingSpec(TypedDict):
    type: Literal['Embedding']
    num_embeddings: int
    embedding_dim: int
    padding_idx: Union[int, None]
    max_norm: Union[float, None]
    norm_type: float
    scale_grad_by_freq: bool
    sparse: bool


class RNNSpec(TypedDict):
    type: Literal['RNN']
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    nonlinearity: Literal['tanh', 'relu']


class LSTMSpec(TypedDict):
    type: Literal['LSTM']
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int


class GRUSpec(TypedDict):
    type: Literal['GRU']
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool


class MultiheadAttentionSpec(TypedDict):
    type: Literal['MultiheadAttention']
    embed_dim: int
    num_heads: int
    dropout: float
    bias: bool
    add_bias_kv: bool
    add_zero_attn: bool
    kdim: Union[int, None]
    vdim: Union[int, None]
    batch_first: bool
    key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class TransformerEncoderLayerSpec(TypedDict):
    type: Literal['TransformerEncoderLayer']
    d_model: int
    nhead: int
    dim_feedforward: int
    dropout: float
    activation: Literal['relu', 'gelu']
    layer_norm_eps: float
    batch_first: bool
    norm_first: bool
    src_key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class TransformerEncoderSpecEncoderLayer(TypedDict):
    type: Literal['TransformerEncoderLayer']
    d_model: int
    nhead: int
    dim_feedforward: int
    dropout: float
    activation: Literal['relu', 'gelu']
    layer_norm_eps: float
    batch_first: bool
    norm_first: bool
    src_key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class LayerNorm(TypedDict):
    type: Literal['LayerNorm']
    normalized_shape: Union[int, List[int]]
    eps: float
    elementwise_affine: bool


class TransformerEncoderSpec(TypedDict):
    type: Literal['TransformerEncoder']
    encoder_layer: TransformerEncoderSpecEncoderLayer
    num_layers: int
    norm: Union[LayerNorm, None]
    enable_nested_tensor: bool
    mask_check: bool
    src_key_padding_mask: Union[Literal['padding_idx'], None]
    is_causal: bool


class PositionalEncodingSpec(TypedDict):
    type: Literal['PositionalEncoding']
    d_model: int
    dropout: float
    max_len: int
    batch_first: bool


class SelectSpec(TypedDict):
    type: Literal['Select']
    dim: int
    index: int


class MeanSpec(TypedDict):
    type: Literal['Mean']
    dim: int
    keepdim: bool


class SequentialLayer(TypedDict):
    type: Literal['Sequential']
    layers: List[LayerSpec]


class ModelGraphNode0(TypedDict):
    name: str
    layer: Union[LayerSpec, SequentialLayer]
    input: str


class ModelGraphNode10(TypedDict):
    name: str
    op: Literal['add']
    inputs: List[str]


class ModelGraphNode11(TypedDict):
    name: str
    op: Literal['mul']
    inputs: List[str]


class ModelGraphNode12(TypedDict):
    name: str
    op: Literal['cat']
    inputs: List[str]
    dim: int


class ModelGraphNode13(TypedDict):
    name: str
    op: Literal['mean']
    input: str
    dim: Union[int, List[int]]
    keepdim: bool


class ModelGraphNode14(TypedDict):
    name: str
    op: Literal['reshape']
    input: str
    shape: List[int]


class ModelGraphNode15(TypedDict):
    name: str
    op: Literal['permute']
    input: str
    dims: List[int]


class ModelGraphNode16(TypedDict):
    name: str
    op: Literal['select']
    input: str
    dim: int
    index: int


class ModelGraph(TypedDict):
    inputs: List[str]
    nodes: List[Union[ModelGraphNode0, Union[ModelGraphNode10, ModelGraphNode11, ModelGraphNode12, ModelGraphNode13, ModelGraphNode14, ModelGraphNode15, ModelGraphNode16]]]
    output: str


JobStatusInput = Literal['queued', 'running', 'succeeded', 'failed', 'cancelled']

JobEventInput = Union[StatusEventInput, EpochEventInput, ProgressEventInput, DoneEventInput]

LayerSpecInput = Union[LinearSpecInput, ReLUSpecInput, LeakyReLUSpecInput, SigmoidSpecInput, TanhSpecInput, GELUSpecInput, ELUSpecInput, SiLUSpecInput, SoftplusSpecInput, IdentitySpecInput, FlattenSpecInput, DropoutSpecInput, LayerNormSpecInput, BatchNorm1dSpecInput, BatchNorm2dSpecInput, Dropout2dSpecInput, Conv1dSpecInput, Conv2dSpecInput, MaxPool1dSpecInput, MaxPool2dSpecInput, AvgPool1dSpecInput, AvgPool2dSpecInput, AdaptiveAvgPool1dSpecInput, AdaptiveAvgPool2dSpecInput, AdaptiveMaxPool2dSpecInput, UnflattenSpecInput, EmbeddingSpecInput, RNNSpecInput, LSTMSpecInput, GRUSpecInput, MultiheadAttentionSpecInput, TransformerEncoderLayerSpecInput, TransformerEncoderSpecInput, PositionalEncodingSpecInput, SelectSpecInput, MeanSpecInput]

JobStatus = Literal['queued', 'running', 'succeeded', 'failed', 'cancelled']

JobEvent = Union[StatusEvent, EpochEvent, ProgressEvent, DoneEvent]

LayerSpec = Union[LinearSpec, ReLUSpec, LeakyReLUSpec, SigmoidSpec, TanhSpec, GELUSpec, ELUSpec, SiLUSpec, SoftplusSpec, IdentitySpec, FlattenSpec, DropoutSpec, LayerNormSpec, BatchNorm1dSpec, BatchNorm2dSpec, Dropout2dSpec, Conv1dSpec, Conv2dSpec, MaxPool1dSpec, MaxPool2dSpec, AvgPool1dSpec, AvgPool2dSpec, AdaptiveAvgPool1dSpec, AdaptiveAvgPool2dSpec, AdaptiveMaxPool2dSpec, UnflattenSpec, EmbeddingSpec, RNNSpec, LSTMSpec, GRUSpec, MultiheadAttentionSpec, TransformerEncoderLayerSpec, TransformerEncoderSpec, PositionalEncodingSpec, SelectSpec, MeanSpec]


class _Required:
    """Marks a keyword argument without a default."""

    def __repr__(self) -> str:
        return "REQUIRED"


#: A keyword argument the service requires (it has no default).
REQUIRED: Any = _Required()

#: The service's layer types: keyword arguments and their defaults.
LAYERS: Dict[str, Dict[str, Any]] = {
    'Linear': {'in_features': REQUIRED, 'out_features': REQUIRED, 'bias': True},
    'ReLU': {'inplace': False},
    'LeakyReLU': {'negative_slope': 0.01, 'inplace': False},
    'Sigmoid': {},
    'Tanh': {},
    'GELU': {'approximate': 'none'},
    'ELU': {'alpha': 1, 'inplace': False},
    'SiLU': {'inplace': False},
    'Softplus': {'beta': 1, 'threshold': 20},
    'Identity': {},
    'Flatten': {'start_dim': 1, 'end_dim': -1},
    'Dropout': {'p': 0.5, 'inplace': False},
    'LayerNorm': {'normalized_shape': REQUIRED, 'eps': 1e-05, 'elementwise_affine': True},
    'BatchNorm1d': {'num_features': REQUIRED, 'eps': 1e-05, 'momentum': 0.1, 'affine': True, 'track_running_stats': True},
    'BatchNorm2d': {'num_features': REQUIRED, 'eps': 1e-05, 'momentum': 0.1, 'affine': True, 'track_running_stats': True},
    'Dropout2d': {'p': 0.5, 'inplace': False},
    'Conv1d': {'in_channels': REQUIRED, 'out_channels': REQUIRED, 'kernel_size': REQUIRED, 'stride': 1, 'padding': 0, 'dilation': 1, 'groups': 1, 'bias': True, 'padding_mode': 'zeros'},
    'Conv2d': {'in_channels': REQUIRED, 'out_channels': REQUIRED, 'kernel_size': REQUIRED, 'stride': 1, 'padding': 0, 'dilation': 1, 'groups': 1, 'bias': True, 'padding_mode': 'zeros'},
    'MaxPool1d': {'kernel_size': REQUIRED, 'stride': None, 'padding': 0, 'ceil_mode': False, 'dilation': 1, 'return_indices': False},
    'MaxPool2d': {'kernel_size': REQUIRED, 'stride': None, 'padding': 0, 'ceil_mode': False, 'dilation': 1, 'return_indices': False},
    'AvgPool1d': {'kernel_size': REQUIRED, 'stride': None, 'padding': 0, 'ceil_mode': False, 'count_include_pad': True},
    'AvgPool2d': {'kernel_size': REQUIRED, 'stride': None, 'padding': 0, 'ceil_mode': False, 'count_include_pad': True, 'divisor_override': None},
    'AdaptiveAvgPool1d': {'output_size': REQUIRED},
    'AdaptiveAvgPool2d': {'output_size': REQUIRED},
    'AdaptiveMaxPool2d': {'output_size': REQUIRED, 'return_indices': False},
    'Unflatten': {'dim': REQUIRED, 'unflattened_size': REQUIRED},
    'Embedding': {'num_embeddings': REQUIRED, 'embedding_dim': REQUIRED, 'padding_idx': None, 'max_norm': None, 'norm_type': 2, 'scale_grad_by_freq': False, 'sparse': False},
    'RNN': {'input_size': REQUIRED, 'hidden_size': REQUIRED, 'num_layers': 1, 'bias': True, 'batch_first': False, 'dropout': 0, 'bidirectional': False, 'nonlinearity': 'tanh'},
    'LSTM': {'input_size': REQUIRED, 'hidden_size': REQUIRED, 'num_layers': 1, 'bias': True, 'batch_first': False, 'dropout': 0, 'bidirectional': False, 'proj_size': 0},
    'GRU': {'input_size': REQUIRED, 'hidden_size': REQUIRED, 'num_layers': 1, 'bias': True, 'batch_first': False, 'dropout': 0, 'bidirectional': False},
    'MultiheadAttention': {'embed_dim': REQUIRED, 'num_heads': REQUIRED, 'dropout': 0, 'bias': True, 'add_bias_kv': False, 'add_zero_attn': False, 'kdim': None, 'vdim': None, 'batch_first': False, 'key_padding_mask': None, 'is_causal': False},
    'TransformerEncoderLayer': {'d_model': REQUIRED, 'nhead': REQUIRED, 'dim_feedforward': 2048, 'dropout': 0.1, 'activation': 'relu', 'layer_norm_eps': 1e-05, 'batch_first': False, 'norm_first': False, 'src_key_padding_mask': None, 'is_causal': False},
    'TransformerEncoder': {'encoder_layer': REQUIRED, 'num_layers': REQUIRED, 'norm': None, 'enable_nested_tensor': True, 'mask_check': True, 'src_key_padding_mask': None, 'is_causal': False},
    'PositionalEncoding': {'d_model': REQUIRED, 'dropout': 0.1, 'max_len': 5000, 'batch_first': False},
    'Select': {'dim': REQUIRED, 'index': REQUIRED},
    'Mean': {'dim': REQUIRED, 'keepdim': False},
}

#: The service's optimizer types: keyword arguments and their defaults.
OPTIMIZERS: Dict[str, Dict[str, Any]] = {
    'SGD': {'lr': REQUIRED, 'momentum': 0, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, 'maximize': False},
    'Adam': {'lr': 0.001, 'betas': [0.9, 0.999], 'eps': 1e-08, 'weight_decay': 0, 'amsgrad': False, 'maximize': False},
    'AdamW': {'lr': 0.001, 'betas': [0.9, 0.999], 'eps': 1e-08, 'weight_decay': 0.01, 'amsgrad': False, 'maximize': False},
    'Adagrad': {'lr': 0.01, 'lr_decay': 0, 'weight_decay': 0, 'initial_accumulator_value': 0, 'eps': 1e-10, 'maximize': False},
    'RMSprop': {'lr': 0.01, 'alpha': 0.99, 'eps': 1e-08, 'weight_decay': 0, 'momentum': 0, 'centered': False, 'maximize': False},
    'Adadelta': {'lr': 1, 'rho': 0.9, 'eps': 1e-06, 'weight_decay': 0, 'maximize': False},
    'Adamax': {'lr': 0.002, 'betas': [0.9, 0.999], 'eps': 1e-08, 'weight_decay': 0, 'maximize': False},
    'NAdam': {'lr': 0.002, 'betas': [0.9, 0.999], 'eps': 1e-08, 'weight_decay': 0, 'momentum_decay': 0.004},
    'RAdam': {'lr': 0.001, 'betas': [0.9, 0.999], 'eps': 1e-08, 'weight_decay': 0},
    'Rprop': {'lr': 0.01, 'etas': [0.5, 1.2], 'step_sizes': [1e-06, 50], 'maximize': False},
}

#: The service's LR scheduler types: keyword arguments and their defaults.
SCHEDULERS: Dict[str, Dict[str, Any]] = {
    'StepLR': {'step_size': REQUIRED, 'gamma': 0.1},
    'MultiStepLR': {'milestones': REQUIRED, 'gamma': 0.1},
    'ExponentialLR': {'gamma': REQUIRED},
    'CosineAnnealingLR': {'T_max': REQUIRED, 'eta_min': 0},
    'CosineAnnealingWarmRestarts': {'T_0': REQUIRED, 'T_mult': 1, 'eta_min': 0},
    'LinearLR': {'start_factor': 0.3333333333333333, 'end_factor': 1, 'total_iters': 5},
    'ConstantLR': {'factor': 0.3333333333333333, 'total_iters': 5},
    'PolynomialLR': {'total_iters': 5, 'power': 1},
    'OneCycleLR': {'max_lr': REQUIRED, 'total_steps': None, 'epochs': None, 'steps_per_epoch': None, 'pct_start': 0.3, 'anneal_strategy': 'cos', 'cycle_momentum': True, 'base_momentum': 0.85, 'max_momentum': 0.95, 'div_factor': 25, 'final_div_factor': 10000, 'three_phase': False},
    'CyclicLR': {'base_lr': REQUIRED, 'max_lr': REQUIRED, 'step_size_up': 2000, 'step_size_down': None, 'mode': 'triangular', 'gamma': 1, 'cycle_momentum': True, 'base_momentum': 0.8, 'max_momentum': 0.9},
    'ReduceLROnPlateau': {'mode': 'min', 'factor': 0.1, 'patience': 10, 'threshold': 0.0001, 'threshold_mode': 'rel', 'cooldown': 0, 'min_lr': 0, 'eps': 1e-08},
    'SequentialLR': {'schedulers': REQUIRED, 'milestones': REQUIRED},
    'ChainedScheduler': {'schedulers': REQUIRED},
}

#: The service's loss types: keyword arguments and their defaults.
LOSSES: Dict[str, Dict[str, Any]] = {
    'MSELoss': {'reduction': 'mean'},
    'L1Loss': {'reduction': 'mean'},
    'SmoothL1Loss': {'reduction': 'mean', 'beta': 1},
    'HuberLoss': {'reduction': 'mean', 'delta': 1},
    'CrossEntropyLoss': {'weight': REQUIRED, 'ignore_index': -100, 'reduction': 'mean', 'label_smoothing': 0},
    'NLLLoss': {'weight': REQUIRED, 'ignore_index': -100, 'reduction': 'mean'},
    'BCELoss': {'weight': REQUIRED, 'reduction': 'mean'},
    'BCEWithLogitsLoss': {'weight': REQUIRED, 'reduction': 'mean', 'pos_weight': REQUIRED},
    'KLDivLoss': {'reduction': 'mean', 'log_target': False},
    'PoissonNLLLoss': {'log_input': True, 'full': False, 'eps': 1e-08, 'reduction': 'mean'},
    'GaussianNLLLoss': {'full': False, 'eps': 1e-06, 'reduction': 'mean'},
    'SoftMarginLoss': {'reduction': 'mean'},
    'MultiLabelSoftMarginLoss': {'weight': REQUIRED, 'reduction': 'mean'},
    'Custom': {'expression': REQUIRED},
    'Sum': {'terms': REQUIRED},
}
