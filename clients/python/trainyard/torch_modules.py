"""PyTorch modules for the service's own layers, which PyTorch has no class for.

`spec_from_module` maps them to the service's layers of the same names, and they compute what the
service computes, so a model built with them trains in PyTorch and on the service alike:

    PositionalEncoding(d_model, dropout=0.1, max_len=5000, batch_first=False)
        the sinusoidal encoding of PyTorch's Transformer tutorial, added to the input, then dropout:
        pe[pos, 2i] = sin(pos * exp(2i * -ln(10000) / d_model)), pe[pos, 2i+1] = cos(same).
        `pe` is a non-persistent buffer: the layer has no state-dict entries (as on the service).
    Select(dim, index)    x.select(dim, index); Select(1, -1) is x[:, -1], the last time step
    Mean(dim, keepdim)    x.mean(dim, keepdim)

In a traced forward, `x[:, -1]`, `x.select(1, -1)` and `x.mean(1)` work as well as Select and Mean;
these modules are for nn.Sequential, whose layers must be modules.
"""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["Mean", "PositionalEncoding", "Select"]


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000, batch_first: bool = False) -> None:
        super().__init__()
        if d_model % 2:
            raise ValueError("PositionalEncoding: d_model must be even (the encoding pairs a sine and a cosine), got %d" % d_model)
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3 and self.batch_first:
            x = x + self.pe[: x.size(1)].unsqueeze(0)
        elif x.dim() == 3:
            x = x + self.pe[: x.size(0)].unsqueeze(1)
        else:
            x = x + self.pe[: x.size(0)]
        return self.dropout(x)

    def extra_repr(self) -> str:
        return "d_model=%d, max_len=%d, batch_first=%s" % (self.d_model, self.max_len, self.batch_first)


class Select(nn.Module):
    def __init__(self, dim: int, index: int) -> None:
        super().__init__()
        self.dim, self.index = dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.select(self.dim, self.index)

    def extra_repr(self) -> str:
        return "dim=%d, index=%d" % (self.dim, self.index)


class Mean(nn.Module):
    def __init__(self, dim: int, keepdim: bool = False) -> None:
        super().__init__()
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(self.dim, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return "dim=%d, keepdim=%s" % (self.dim, self.keepdim)
