"""The PyTorch bridge: job specs from PyTorch objects, and trained weights back into modules.

    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    spec = {"model": spec_from_module(model), "optimizer": spec_from_optimizer(optimizer),
            "loss": spec_from_loss(nn.CrossEntropyLoss()), "init": init_from_module(model), ...}

Each supported PyTorch class has one entry in a table (layers in _torch_layers.py, traced forwards
in _torch_trace.py; optimizers, schedulers and losses below); keyword arguments are read from the object's attributes of the same names, the names
the service's spec uses (trainyard/_schema.py, generated from the OpenAPI document). Anything
without an entry is refused with an error naming it.
"""
from __future__ import annotations

import base64
import json
import struct
from typing import Any, Callable, Dict, List, Mapping, Union

import torch
from torch import nn

from . import _schema
from ._torch_layers import LAYERS  # noqa: F401 - the layer table, for inspection
from ._torch_spec import Reader, UnsupportedError, _spec
from ._torch_trace import layers_of, spec_from_module
from .torch_modules import Mean, PositionalEncoding, Select

__all__ = [
    "Mean",
    "PositionalEncoding",
    "Select",
    "UnsupportedError",
    "init_from_module",
    "layers_of",
    "load_into",
    "spec_from_loss",
    "spec_from_module",
    "spec_from_optimizer",
    "spec_from_scheduler",
    "state_dict_for_service",
]

# -- weights ---------------------------------------------------------------------------------------
def state_dict_for_service(module: nn.Module) -> Dict[str, torch.Tensor]:
    """The module's state dict under the service's nn.Sequential names ("0.weight", "2.bias")."""
    own = module.state_dict()
    out: Dict[str, torch.Tensor] = {}
    for index, (prefix, sub, _spec_) in enumerate(layers_of(module)):
        if sub is None:
            continue
        for key in sub.state_dict():
            out["%d.%s" % (index, key)] = own[prefix + "." + key if prefix else key]
    return out


_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64", torch.int32: "I32"}
_TORCH = {v: k for k, v in _DTYPES.items()}


def _encode_safetensors(tensors: Mapping[str, torch.Tensor]) -> bytes:
    header: Dict[str, Any] = {}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in _DTYPES:
            t = t.float()
        data = t.numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _decode_safetensors(data: bytes) -> Dict[str, torch.Tensor]:
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = memoryview(data)[8 + length :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = _TORCH.get(info["dtype"])
        if dtype is None:
            raise UnsupportedError("safetensors: %s has dtype %s" % (name, info["dtype"]))
        raw = bytearray(body[begin:end])
        tensor = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = tensor.reshape(info["shape"])
    return out


def init_from_module(module: nn.Module) -> Dict[str, str]:
    """The job's `init`: the module's current weights and buffers, as base64 safetensors."""
    blob = _encode_safetensors(state_dict_for_service(module))
    return {"safetensors_base64": base64.b64encode(blob).decode("ascii")}


def load_into(module: nn.Module, source: Union[str, bytes], *, client: Any = None) -> nn.Module:
    """Loads trained weights into `module` (the module the job's spec came from) and returns it.

    `source` is a succeeded job's id (downloaded with `client`, by default `Client()` from
    TRAINYARD_URL and TRAINYARD_API_KEY) or safetensors bytes. Every parameter and buffer must be
    there with its shape; the module's own names are kept (`fc1.weight` gets the service's
    `0.weight`).
    """
    if isinstance(source, str):
        if client is None:
            from .client import Client

            with Client() as own:
                source = own.jobs.download(source)
        else:
            source = client.jobs.download(source)
    tensors = _decode_safetensors(bytes(source))  # type: ignore[arg-type]
    own_state = module.state_dict()
    mapped: Dict[str, torch.Tensor] = {}
    for index, (prefix, sub, _spec_) in enumerate(layers_of(module)):
        if sub is None:
            continue
        for key, current in sub.state_dict().items():
            name = "%d.%s" % (index, key)
            target = prefix + "." + key if prefix else key
            if name not in tensors:
                raise UnsupportedError("the weights have no %s (for %s)" % (name, target))
            value = tensors[name]
            if tuple(value.shape) != tuple(current.shape):
                raise UnsupportedError(
                    "%s (for %s) has shape %s, the module %s" % (name, target, list(value.shape), list(current.shape))
                )
            mapped[target] = value.to(current.dtype)
    missing = set(own_state) - set(mapped)
    if missing:
        raise UnsupportedError("no weights for %s" % ", ".join(sorted(missing)))
    module.load_state_dict(mapped)
    return module


# -- optimizers --------------------------------------------------------------------------------------
#: Parameter-group entries that are not the optimizer's hyperparameters: settings that choose
#: PyTorch's implementation, not the arithmetic, and what LR schedulers keep in the group.
_IMPLEMENTATION = {"params", "foreach", "capturable", "differentiable", "fused"}
_SCHEDULER_KEYS = {"initial_lr", "max_lr", "min_lr", "base_momentum", "max_momentum"}

OPTIMIZERS: Dict[type, str] = {
    torch.optim.SGD: "SGD",
    torch.optim.Adam: "Adam",
    torch.optim.AdamW: "AdamW",
    torch.optim.Adagrad: "Adagrad",
    torch.optim.RMSprop: "RMSprop",
    torch.optim.Adadelta: "Adadelta",
    torch.optim.Adamax: "Adamax",
    torch.optim.NAdam: "NAdam",
    torch.optim.RAdam: "RAdam",
    torch.optim.Rprop: "Rprop",
}


def spec_from_optimizer(optimizer: torch.optim.Optimizer) -> Dict[str, Any]:
    """The job spec's `optimizer`, from its (single) parameter group's hyperparameters.

    The learning rate is the group's initial one when a scheduler has changed it. A setting the
    service does not have is refused unless it is off (`foreach`, `fused` and the like only choose
    PyTorch's implementation and are ignored).
    """
    type_name = OPTIMIZERS.get(type(optimizer))
    if type_name is None:
        raise UnsupportedError(
            "optimizer %s is not supported; supported: %s" % (type(optimizer).__name__, ", ".join(OPTIMIZERS.values()))
        )
    if len(optimizer.param_groups) != 1:
        raise UnsupportedError("optimizer %s has %d parameter groups; the service trains with one" % (type_name, len(optimizer.param_groups)))
    group = dict(optimizer.param_groups[0])
    if "initial_lr" in group:
        group["lr"] = group["initial_lr"]
    kwargs = _schema.OPTIMIZERS.get(type_name, {})
    for key, value in group.items():
        if key in kwargs or key in _IMPLEMENTATION or key in _SCHEDULER_KEYS:
            continue
        if value not in (None, False, 0):
            raise UnsupportedError("optimizer %s: the service has no %s (it is %r here)" % (type_name, key, value))
    return _spec(_schema.OPTIMIZERS, "optimizer", type_name, group, {k: (lambda g, k=k: g[k]) for k in kwargs if k in group})


# -- LR schedulers ----------------------------------------------------------------------------------
_lrs = torch.optim.lr_scheduler


def _scheduler(type_name: str, **overrides: Reader) -> Callable[[Any], Dict[str, Any]]:
    return lambda s: _spec(_schema.SCHEDULERS, "scheduler", type_name, s, overrides)


def _one_cycle(s: Any) -> Dict[str, Any]:
    group = s.optimizer.param_groups[0]
    phases = s._schedule_phases
    strategy = getattr(s, "_anneal_func_type", None) or ("cos" if "cos" in s.anneal_func.__name__ else "linear")
    values = {
        "max_lr": group["max_lr"],
        "total_steps": s.total_steps,
        "epochs": None,
        "steps_per_epoch": None,
        "pct_start": (phases[0]["end_step"] + 1) / s.total_steps,
        "anneal_strategy": strategy,
        "cycle_momentum": s.cycle_momentum,
        "div_factor": group["max_lr"] / group["initial_lr"],
        "final_div_factor": group["initial_lr"] / group["min_lr"],
        "three_phase": len(phases) == 3,
    }
    if s.cycle_momentum:
        values["base_momentum"] = group["base_momentum"]
        values["max_momentum"] = group["max_momentum"]
    return _spec(_schema.SCHEDULERS, "scheduler", "OneCycleLR", values, {k: (lambda v, k=k: v[k]) for k in values})


def _cyclic(s: Any) -> Dict[str, Any]:
    if getattr(s, "_scale_fn_custom", None) is not None:
        raise UnsupportedError("scheduler CyclicLR: a custom scale_fn cannot be sent to the service")
    up = round(s.total_size * s.step_ratio)
    values = {
        "base_lr": _single(s.base_lrs, "base_lr"),
        "max_lr": _single(s.max_lrs, "max_lr"),
        "step_size_up": up,
        "step_size_down": round(s.total_size) - up,
        "mode": s.mode,
        "gamma": s.gamma,
        "cycle_momentum": s.cycle_momentum,
    }
    if s.cycle_momentum:
        values["base_momentum"] = _single(s.base_momentums, "base_momentum")
        values["max_momentum"] = _single(s.max_momentums, "max_momentum")
    return _spec(_schema.SCHEDULERS, "scheduler", "CyclicLR", values, {k: (lambda v, k=k: v[k]) for k in values})


def _single(values: List[Any], name: str) -> Any:
    if len(set(values)) != 1:
        raise UnsupportedError("scheduler: %s differs between parameter groups" % name)
    return values[0]


SCHEDULERS: Dict[type, Callable[[Any], Dict[str, Any]]] = {
    _lrs.StepLR: _scheduler("StepLR"),
    _lrs.MultiStepLR: _scheduler("MultiStepLR", milestones=lambda s: sorted(s.milestones.elements())),
    _lrs.ExponentialLR: _scheduler("ExponentialLR"),
    _lrs.CosineAnnealingLR: _scheduler("CosineAnnealingLR"),
    _lrs.CosineAnnealingWarmRestarts: _scheduler("CosineAnnealingWarmRestarts"),
    _lrs.LinearLR: _scheduler("LinearLR"),
    _lrs.ConstantLR: _scheduler("ConstantLR"),
    _lrs.OneCycleLR: _one_cycle,
    _lrs.CyclicLR: _cyclic,
    _lrs.ReduceLROnPlateau: _scheduler("ReduceLROnPlateau", min_lr=lambda s: _single(s.min_lrs, "min_lr")),
    _lrs.SequentialLR: _scheduler(
        "SequentialLR", schedulers=lambda s: [spec_from_scheduler(c) for c in s._schedulers], milestones=lambda s: list(s._milestones)
    ),
    _lrs.ChainedScheduler: _scheduler("ChainedScheduler", schedulers=lambda s: [spec_from_scheduler(c) for c in s._schedulers]),
}
if hasattr(_lrs, "PolynomialLR"):  # PyTorch 1.13+
    SCHEDULERS[_lrs.PolynomialLR] = _scheduler("PolynomialLR")


def spec_from_scheduler(scheduler: Any) -> Dict[str, Any]:
    """The job spec's `scheduler`. The service steps it once per epoch, as `scheduler.step()`
    after each epoch's loop does in PyTorch (ReduceLROnPlateau with the epoch's loss)."""
    entry = SCHEDULERS.get(type(scheduler))
    if entry is None:
        names = ", ".join(sorted(cls.__name__ for cls in SCHEDULERS))
        raise UnsupportedError("scheduler %s is not supported; supported: %s" % (type(scheduler).__name__, names))
    return entry(scheduler)


# -- losses -----------------------------------------------------------------------------------------
def _loss(type_name: str, **overrides: Reader) -> Callable[[nn.Module], Dict[str, Any]]:
    return lambda loss: _spec(_schema.LOSSES, "loss", type_name, loss, overrides)


LOSSES: Dict[type, Callable[[nn.Module], Dict[str, Any]]] = {
    nn.MSELoss: _loss("MSELoss"),
    nn.L1Loss: _loss("L1Loss"),
    nn.SmoothL1Loss: _loss("SmoothL1Loss"),
    nn.HuberLoss: _loss("HuberLoss"),
    nn.CrossEntropyLoss: _loss("CrossEntropyLoss"),
    nn.NLLLoss: _loss("NLLLoss"),
    nn.BCELoss: _loss("BCELoss"),
    nn.BCEWithLogitsLoss: _loss("BCEWithLogitsLoss"),
    nn.KLDivLoss: _loss("KLDivLoss"),
    nn.PoissonNLLLoss: _loss("PoissonNLLLoss"),
    nn.GaussianNLLLoss: _loss("GaussianNLLLoss"),
    nn.SoftMarginLoss: _loss("SoftMarginLoss"),
    nn.MultiLabelSoftMarginLoss: _loss("MultiLabelSoftMarginLoss"),
}


def spec_from_loss(loss: nn.Module) -> Dict[str, Any]:
    """The job spec's `loss`, with the loss module's options (`reduction`, `weight`, …)."""
    entry = LOSSES.get(type(loss))
    if entry is None:
        names = ", ".join(sorted(cls.__name__ for cls in LOSSES))
        raise UnsupportedError("loss %s is not supported; supported: %s" % (type(loss).__name__, names))
    return entry(loss)
