"""What the PyTorch bridge's tables share: the error, and a spec read from an object's attributes."""
from __future__ import annotations

from typing import Any, Callable, Dict, Mapping

import torch

from ._schema import REQUIRED


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
