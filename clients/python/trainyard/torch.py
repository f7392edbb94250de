"""The PyTorch bridge: job specs from PyTorch objects, and trained weights back into modules.

    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    spec = {"model": spec_from_module(model), "optimizer": spec_from_optimizer(optimizer),
            "loss": spec_from_loss(nn.CrossEntropyLoss()), "init": init_from_module(model), ...}

Each supported PyTorch class has one entry in a table below (layers, optimizers, schedulers,
losses); keyword arguments are read from the object's attributes of the same names, the names
the service's spec uses (trainyard/_schema.py, generated from the OpenAPI document). Anything
without an entry is refused with an error naming it.
"""
from __future__ import annotations

import base64
import json
import struct
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import torch
from torch import nn

from . import _schema
from ._schema import REQUIRED
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


class UnsupportedError(ValueError):
    """A PyTorch object (or one of its settings) that the service cannot train."""


def _plain(value: Any) -> Any:
    """A JSON value from an attribute: tuples become lists, tensors nested lists, torch.Size a list."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, (tuple, list, torch.Size)):
        return [_plain(v) for v in value]
    return value


Reader = Callable[[Any], Any]


def _spec(table: Mapping[str, Mapping[str, Any]], what: str, type_name: str, obj: Any, overrides: Mapping[str, Reader]) -> Dict[str, Any]:
    """`{"type": type_name, kwarg: value, …}` for every keyword argument the service's `type_name` takes."""
    if type_name not in table:
        raise UnsupportedError("%s %s: this service has no %s of that type" % (what, type(obj).__name__, what))
    spec: Dict[str, Any] = {"type": type_name}
    for kwarg, default in table[type_name].items():
        if kwarg in overrides:
            value = overrides[kwarg](obj)
        elif hasattr(obj, kwarg):
            value = getattr(obj, kwarg)
        elif default is not REQUIRED:
            continue  # PyTorch has no such setting here: the service's default is PyTorch's
        else:
            raise UnsupportedError("%s %s: cannot read its %s" % (what, type(obj).__name__, kwarg))
        spec[kwarg] = _plain(value)
    return spec


# -- layers ---------------------------------------------------------------------------------------
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


def _selector(node: Any) -> Optional[Dict[str, Any]]:
    """The service's Select or Mean layer a traced `x[:, -1]`, `x.select(d, i)` or `x.mean(d)` equals."""
    import operator

    args = node.args[1:]
    if node.op == "call_function" and node.target is operator.getitem and len(args) == 1:
        key = args[0]
        if isinstance(key, tuple) and len(key) >= 2 and isinstance(key[-1], int):
            if all(k == slice(None) for k in key[:-1]):
                return {"type": "Select", "dim": len(key) - 1, "index": key[-1]}
    if node.op == "call_method" and node.target == "select" and len(args) == 2:
        return {"type": "Select", "dim": args[0], "index": args[1]}
    if node.op == "call_method" and node.target == "mean":
        dim = args[0] if args else node.kwargs.get("dim")
        keepdim = args[1] if len(args) > 1 else node.kwargs.get("keepdim", False)
        if isinstance(dim, int):
            return {"type": "Mean", "dim": dim, "keepdim": keepdim}
    return None

#: Functions a traced forward may call between its layers, as the layers they equal.
_FUNCTIONS: Dict[Any, Dict[str, Any]] = {
    torch.relu: {"type": "ReLU"},
    nn.functional.relu: {"type": "ReLU"},
    torch.tanh: {"type": "Tanh"},
    torch.sigmoid: {"type": "Sigmoid"},
    nn.functional.silu: {"type": "SiLU"},
}
_METHODS = {"relu": {"type": "ReLU"}, "tanh": {"type": "Tanh"}, "sigmoid": {"type": "Sigmoid"}}


def layers_of(module: nn.Module) -> List[Tuple[str, Optional[nn.Module], Dict[str, Any]]]:
    """The layers of `module` in order, as `(state-dict prefix, submodule, layer spec)`.

    An nn.Sequential gives its children (nested Sequentials flattened); any other module is traced
    with torch.fx and must apply its layers one after another (`fc2(relu(fc1(x)))`), calling
    submodules or the few functions in `_FUNCTIONS`. The prefix maps the service's names
    ("2.weight") to the module's ("fc2.weight"); a function call has no weights (prefix "").
    """
    if isinstance(module, nn.Sequential):
        out: List[Tuple[str, Optional[nn.Module], Dict[str, Any]]] = []
        for name, child in module.named_children():
            if isinstance(child, nn.Sequential) and type(child) is nn.Sequential:
                out += [((name + "." + p) if p else "", m, s) for p, m, s in layers_of(child)]
            else:
                out.append((name, child, _layer_spec(name, child)))
        return out
    if type(module) in LAYERS:
        return [("", module, _layer_spec(type(module).__name__, module))]
    return _traced_layers(module)


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


def _is_getitem(node: Any) -> bool:
    import operator

    return node.op == "call_function" and node.target is operator.getitem and len(node.args) == 2


#: The layers' forward arguments that are the service's padding mask (`ids == padding_idx`).
_MASK_ARGUMENTS = {
    nn.MultiheadAttention: "key_padding_mask",
    nn.TransformerEncoderLayer: "src_key_padding_mask",
    nn.TransformerEncoder: "src_key_padding_mask",
}


def _padding_test(node: Any, ids: Any) -> Optional[int]:
    """The token id of a traced `ids == k` or `ids.eq(k)` on the forward's input, else None."""
    import operator

    equal = (node.op == "call_function" and node.target is operator.eq) or (node.op == "call_method" and node.target == "eq")
    if equal and len(node.args) == 2 and node.args[0] is ids and isinstance(node.args[1], int) and not node.kwargs:
        return node.args[1]
    return None


def _layer_call(node: Any, previous: Any, sub: nn.Module, masks: Mapping[Any, int], embedding: Optional[nn.Module], what: str) -> Dict[str, Any]:
    """Checks a traced layer call takes the previous output alone (a padding mask aside), and
    gives the spec entries its padding mask sets (`{"key_padding_mask": "padding_idx"}`)."""
    kwargs = dict(node.kwargs)
    args = node.args
    if type(sub) is nn.MultiheadAttention:
        if args != (previous, previous, previous):
            raise UnsupportedError("%s: %s must be self-attention on the previous layer's output (attn(x, x, x))" % (what, node.format_node()))
        args = args[:1]
        for key in ("need_weights", "average_attn_weights"):
            if key in kwargs and not isinstance(kwargs[key], torch.fx.Node):
                del kwargs[key]
    extra: Dict[str, Any] = {}
    name = _MASK_ARGUMENTS.get(type(sub))
    if name is not None and name in kwargs:
        mask = kwargs.pop(name)
        padding = embedding.padding_idx if embedding is not None else None
        if mask not in masks or padding is None or masks[mask] != padding:
            raise UnsupportedError(
                "%s: %s: the service's %s is `ids == padding_idx`, the forward's input (token ids) compared with "
                "the padding_idx of the Embedding it starts with" % (what, node.format_node(), name)
            )
        extra[name] = "padding_idx"
    if args[:1] != (previous,) or any(isinstance(a, torch.fx.Node) for a in list(args[1:]) + list(kwargs.values())):
        raise UnsupportedError(
            "%s: %s does not take the previous layer's output alone (of the masks, only a padding mask is read: "
            "key_padding_mask / src_key_padding_mask = ids == padding_idx; set is_causal=True on the spec)" % (what, node.format_node())
        )
    return extra


def _traced_layers(module: nn.Module) -> List[Tuple[str, Optional[nn.Module], Dict[str, Any]]]:
    import torch.fx

    class Tracer(torch.fx.Tracer):
        """Keeps the layers of the table whole (trainyard's own modules too)."""

        def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
            return type(m) in LAYERS or super().is_leaf_module(m, qualname)

    try:
        graph = Tracer().trace(module)
    except Exception as err:  # noqa: BLE001 - any tracing failure means: not a plain chain of layers
        raise UnsupportedError(
            "%s is not an nn.Sequential and its forward cannot be traced (%s); "
            "write it as an nn.Sequential" % (type(module).__name__, err)
        ) from None
    nodes = list(graph.nodes)
    what = "%s.forward must apply its layers one after another" % type(module).__name__
    if len(nodes) < 2 or nodes[0].op != "placeholder" or nodes[-1].op != "output":
        raise UnsupportedError(what)
    if sum(1 for n in nodes if n.op == "placeholder") != 1:
        raise UnsupportedError("%s: it must take one input" % what)
    out: List[Tuple[str, Optional[nn.Module], Dict[str, Any]]] = []
    seen = set()
    previous = nodes[0]
    # `ids == padding_idx` tests of the input, for the layers' padding masks.
    masks = {n: k for n in nodes if (k := _padding_test(n, nodes[0])) is not None}
    for node in nodes[1:-1]:
        if node in masks:
            continue
        if node.op == "call_module":
            if node.target in seen:
                raise UnsupportedError("%s: %s is applied twice (shared weights)" % (what, node.target))
            seen.add(node.target)
            sub = module.get_submodule(node.target)
            embedding = out[0][1] if out and type(out[0][1]) is nn.Embedding else None  # the one the input meets first
            extra = _layer_call(node, previous, sub, masks, embedding, what)
            out.append((node.target, sub, dict(_layer_spec(node.target, sub), **extra)))
            previous = node
            continue
        if node.args[:1] != (previous,) or any(isinstance(a, torch.fx.Node) for a in list(node.args[1:]) + list(node.kwargs.values())):
            raise UnsupportedError("%s: %s does not take the previous layer's output alone" % (what, node.format_node()))
        if node.op == "call_function" and node.target in _FUNCTIONS and len(node.args) == 1 and not node.kwargs:
            out.append(("", None, dict(_FUNCTIONS[node.target])))
        elif node.op == "call_function" and node.target is torch.flatten:
            start = node.args[1] if len(node.args) > 1 else node.kwargs.get("start_dim", 0)
            end = node.args[2] if len(node.args) > 2 else node.kwargs.get("end_dim", -1)
            out.append(("", None, {"type": "Flatten", "start_dim": start, "end_dim": end}))
        elif node.op == "call_method" and node.target in _METHODS and len(node.args) == 1:
            out.append(("", None, dict(_METHODS[node.target])))
        elif previous.op == "call_module" and out and type(out[-1][1]) in _TUPLE_OUTPUT and _is_getitem(node):
            if node.args[1] != 0:
                raise UnsupportedError(
                    "%s: %s takes %s; the service's %s gives only its output"
                    % (what, node.format_node(), _TUPLE_OUTPUT[type(out[-1][1])], type(out[-1][1]).__name__)
                )
            previous = node  # the first of the layer's tuple: the service's layer gives it as is
            continue
        elif _selector(node) is not None:
            out.append(("", None, _selector(node)))
        else:
            raise UnsupportedError("%s: %s is not a supported layer" % (what, node.format_node()))
        previous = node
    if nodes[-1].args[:1] != (previous,):
        raise UnsupportedError("%s: it must return the last layer's output" % what)
    return out


def spec_from_module(module: nn.Module, example_input: Optional[torch.Tensor] = None) -> Dict[str, Any]:
    """The job spec's `model` (`{"layers": [...]}`) of a module.

    `module` is an nn.Sequential of supported layers, or a module whose forward applies its layers
    one after another. With `example_input`, the module is also run on it (eval mode, no
    gradients, its train/eval state restored) to check that it takes that input.
    """
    layers = [spec for _, _, spec in layers_of(module)]
    if example_input is not None:
        training = [m.training for m in module.modules()]
        try:
            module.eval()
            with torch.no_grad():
                module(example_input)
        except Exception as err:  # noqa: BLE001 - reported with the input's shape
            raise UnsupportedError(
                "%s cannot take the example input of shape %s: %s" % (type(module).__name__, list(example_input.shape), err)
            ) from None
        finally:
            for m, mode in zip(module.modules(), training):
                m.training = mode
    return {"layers": layers}


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
