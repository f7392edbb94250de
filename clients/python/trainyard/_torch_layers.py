"""The PyTorch bridge's layer table: one entry per supported torch.nn class (and the modules of
trainyard.torch_modules), giving the service's layer spec of a module, or refusing it naming the
setting the service does not have."""
from __future__ import annotations

from typing import Any, Callable, Dict

import torch
from torch import nn

from . import _schema
from ._torch_spec import Reader, UnsupportedError, _spec
from .torch_modules import Mean, PositionalEncoding, Select


def _has_bias(module: nn.Module) -> bool:
    return getattr(module, "bias", None) is not None


def _layer(type_name: str, **overrides: Reader) -> Callable[[nn.Module], Dict[str, Any]]:
    return lambda module: _spec(_schema.LAYERS, "layer", type_name, module, overrides)


def _zeros_padding(module: nn.Module) -> str:
    if module.padding_mode != "zeros":
        raise UnsupportedError(
            "%s: padding_mode=%r is not supported (the service pads with zeros: padding_mode='zeros')"
            % (type(module).__name__, module.padding_mode)
        )
    return "zeros"


def _no_indices(module: nn.Module) -> bool:
    if module.return_indices:
        raise UnsupportedError("layer %s: return_indices=True is not supported (a layer passes on one tensor)" % type(module).__name__)
    return False


#: One entry per supported torch.nn class (matched exactly: a subclass may compute something else).
LAYERS: Dict[type, Callable[[nn.Module], Dict[str, Any]]] = {
    nn.Linear: _layer("Linear", bias=_has_bias),
    nn.ReLU: _layer("ReLU"),
    nn.LeakyReLU: _layer("LeakyReLU"),
    nn.Sigmoid: _layer("Sigmoid"),
    nn.Tanh: _layer("Tanh"),
    nn.GELU: _layer("GELU"),
    nn.ELU: _layer("ELU"),
    nn.SiLU: _layer("SiLU"),
    nn.Softplus: _layer("Softplus"),
    nn.Identity: _layer("Identity"),
    nn.Flatten: _layer("Flatten"),
    nn.Dropout: _layer("Dropout"),
    nn.LayerNorm: _layer("LayerNorm"),
    nn.BatchNorm1d: _layer("BatchNorm1d"),
    nn.BatchNorm2d: _layer("BatchNorm2d"),
    nn.Dropout2d: _layer("Dropout2d"),
    nn.Unflatten: _layer("Unflatten"),
    # Convolutions: kernel_size, stride, dilation as PyTorch keeps them (tuples), padding as
    # given ("same", "valid" or per-dim ints).
    nn.Conv1d: _layer("Conv1d", bias=_has_bias, padding_mode=_zeros_padding),
    nn.Conv2d: _layer("Conv2d", bias=_has_bias, padding_mode=_zeros_padding),
    nn.MaxPool1d: _layer("MaxPool1d", return_indices=_no_indices),
    nn.MaxPool2d: _layer("MaxPool2d", return_indices=_no_indices),
    nn.AvgPool1d: _layer("AvgPool1d"),
    nn.AvgPool2d: _layer("AvgPool2d"),
    nn.AdaptiveAvgPool1d: _layer("AdaptiveAvgPool1d"),
    nn.AdaptiveAvgPool2d: _layer("AdaptiveAvgPool2d"),
    nn.AdaptiveMaxPool2d: _layer("AdaptiveMaxPool2d", return_indices=_no_indices),
    # Sequence layers. The recurrent layers' forward returns (output, h_n) and MultiheadAttention's
    # (attn_output, attn_weights): a traced forward takes the first (`self.lstm(x)[0]`,
    # `self.attn(x, x, x)[0]`), as the service's layer gives it; selectors follow as `x[:, -1]`,
    # `x.select(1, -1)` or `x.mean(1)` (the service's Select and Mean layers).
    nn.Embedding: _layer(
        "Embedding",
        max_norm=lambda m: _refuse_set(m, "max_norm"),
        scale_grad_by_freq=lambda m: _refuse_set(m, "scale_grad_by_freq", False),
        sparse=lambda m: _refuse_set(m, "sparse", False),
    ),
    nn.RNN: _layer("RNN"),
    nn.LSTM: _layer("LSTM", proj_size=lambda m: _refuse_set(m, "proj_size", 0)),
    nn.GRU: _layer("GRU"),
    # Attention: self-attention (query = key = value = the input), the masks set on the spec.
    nn.MultiheadAttention: _layer(
        "MultiheadAttention",
        bias=lambda m: m.in_proj_bias is not None,
        add_bias_kv=lambda m: _no_bias_kv(m),
        add_zero_attn=lambda m: _refuse_set(m, "add_zero_attn", False),
        kdim=lambda m: _same_embed_dim(m, "kdim"),
        vdim=lambda m: _same_embed_dim(m, "vdim"),
    ),
    nn.TransformerEncoderLayer: lambda m: _encoder_layer(m),
    nn.TransformerEncoder: lambda m: _encoder(m),
    # The service's own layers, as the modules of trainyard.torch_modules.
    PositionalEncoding: _layer("PositionalEncoding", dropout=lambda m: m.dropout.p),
    Select: _layer("Select"),
    Mean: _layer("Mean"),
}

#: Layers whose forward returns a tuple, and what its second entry is.
_TUPLE_OUTPUT = {nn.RNN: "h_n", nn.LSTM: "(h_n, c_n)", nn.GRU: "h_n", nn.MultiheadAttention: "the attention weights"}


def _refuse_set(module: nn.Module, name: str, unset: Any = None) -> Any:
    value = getattr(module, name, unset)
    if isinstance(value, torch.Tensor):
        raise UnsupportedError("%s: %s is set; it is not supported" % (type(module).__name__, name))
    if value != unset:
        raise UnsupportedError("%s: %s=%r is not supported" % (type(module).__name__, name, value))
    return value


def _no_bias_kv(module: nn.Module) -> bool:
    if module.bias_k is not None:
        raise UnsupportedError("%s: add_bias_kv=True is not supported" % type(module).__name__)
    return False


def _same_embed_dim(module: nn.Module, name: str) -> None:
    if getattr(module, name) != module.embed_dim:
        raise UnsupportedError(
            "%s: %s=%r is not supported (in a stack the layer is self-attention: %s must equal embed_dim %d)"
            % (type(module).__name__, name, getattr(module, name), name, module.embed_dim)
        )
    return None


def _activation(layer: nn.Module) -> str:
    act = layer.activation
    if act is nn.functional.relu or type(act) is nn.ReLU:
        return "relu"
    if act is nn.functional.gelu or (type(act) is nn.GELU and act.approximate == "none"):
        return "gelu"
    raise UnsupportedError("TransformerEncoderLayer: activation=%r is not supported (only 'relu' and 'gelu')" % (act,))


def _encoder_layer(layer: nn.Module) -> Dict[str, Any]:
    attn = layer.self_attn
    if layer.linear1.bias is None or layer.norm1.bias is None or attn.in_proj_bias is None:
        raise UnsupportedError("TransformerEncoderLayer: bias=False is not supported")
    _same_embed_dim(attn, "kdim")
    values = {
        "d_model": attn.embed_dim,
        "nhead": attn.num_heads,
        "dim_feedforward": layer.linear1.out_features,
        "dropout": layer.dropout.p,
        "activation": _activation(layer),
        "layer_norm_eps": layer.norm1.eps,
        "batch_first": attn.batch_first,
        "norm_first": layer.norm_first,
    }
    return _spec(_schema.LAYERS, "layer", "TransformerEncoderLayer", values, {k: (lambda v, k=k: v[k]) for k in values})


def _encoder(encoder: nn.Module) -> Dict[str, Any]:
    layers = [_encoder_layer(layer) for layer in encoder.layers]
    if any(spec != layers[0] for spec in layers):
        raise UnsupportedError("TransformerEncoder: its layers differ (the service repeats one encoder_layer num_layers times)")
    norm = encoder.norm
    if norm is not None and type(norm) is not nn.LayerNorm:
        raise UnsupportedError("TransformerEncoder: norm=%s is not supported (only nn.LayerNorm)" % type(norm).__name__)
    values = {
        "encoder_layer": layers[0],
        "num_layers": len(layers),
        "norm": None if norm is None else _spec(_schema.LAYERS, "layer", "LayerNorm", norm, {}),
        "enable_nested_tensor": getattr(encoder, "enable_nested_tensor", True),
        "mask_check": getattr(encoder, "mask_check", True),
    }
    return _spec(_schema.LAYERS, "layer", "TransformerEncoder", values, {k: (lambda v, k=k: v[k]) for k in values})


def _layer_spec(name: str, module: nn.Module) -> Dict[str, Any]:
    entry = LAYERS.get(type(module))
    if entry is None:
        supported = ", ".join(sorted(cls.__name__ for cls in LAYERS))
        raise UnsupportedError(
            "layer %s (%s.%s) is not supported; supported layers: %s"
            % (name, type(module).__module__, type(module).__qualname__, supported)
        )
    try:
        return entry(module)
    except UnsupportedError as err:
        raise UnsupportedError("layer %s: %s" % (name, err)) from None
