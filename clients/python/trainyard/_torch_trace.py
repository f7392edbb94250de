"""The layers of a module, in order: an nn.Sequential's children, or a forward traced with torch.fx
that applies its layers one after another (with the service's selectors and padding masks)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

import torch
from torch import nn

from ._torch_layers import _TUPLE_OUTPUT, LAYERS, _layer_spec
from ._torch_spec import UnsupportedError


def _selector(node: Any) -> Optional[Dict[str, Any]]:
    """The service's Select or Mean layer a traced `x[:, -1]` (`x[-1]`, `x[:, -1, :]`),
    `x.select(d, i)`, `x.mean(d)` or `torch.mean(x, d)` equals."""
    import operator

    args = node.args[1:]
    if node.op == "call_function" and node.target is operator.getitem and len(args) == 1:
        key = args[0] if isinstance(args[0], tuple) else (args[0],)
        ints = [i for i, k in enumerate(key) if isinstance(k, int) and not isinstance(k, bool)]
        if len(ints) == 1 and all(k == slice(None) for i, k in enumerate(key) if i != ints[0]):
            return {"type": "Select", "dim": ints[0], "index": key[ints[0]]}
    if node.op == "call_method" and node.target == "select" and len(args) == 2:
        return {"type": "Select", "dim": args[0], "index": args[1]}
    if (node.op == "call_method" and node.target == "mean") or (node.op == "call_function" and node.target is torch.mean):
        dim = args[0] if args else node.kwargs.get("dim")
        keepdim = args[1] if len(args) > 1 else node.kwargs.get("keepdim", False)
        if isinstance(dim, int) and set(node.kwargs) <= {"dim", "keepdim"}:
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
    if kwargs:
        raise UnsupportedError(
            "%s: %s passes %s, which the service's %s does not take" % (what, node.format_node(), ", ".join(sorted(kwargs)), type(sub).__name__)
        )
    if args[:1] != (previous,) or any(isinstance(a, torch.fx.Node) for a in args[1:]):
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
