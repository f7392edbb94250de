"""Loads a Trainyard safetensors file with PyTorch alone and runs it.

Usage: torch_predict.py MODEL.safetensors INPUT.json  -> prints JSON {"outputs": [...], "labels": ...}

A minimal safetensors reader (8-byte little-endian header length, JSON header, raw bytes), the
model rebuilt from `__metadata__["spec"]` as an nn.Sequential of PyTorch classes with their own
keyword arguments, and `__metadata__["normalization"]` applied to the inputs (per feature, or per channel), so the file alone
describes the model.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


SERVICE_LAYERS = {"MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
                  "PositionalEncoding", "Select", "Mean", "RNN", "LSTM", "GRU"}


def build_model(spec):
    if any(layer["type"] in SERVICE_LAYERS for layer in spec["layers"]):
        # Attention layers take masks in their forward, recurrent ones return (output, state), and
        # the service's own layers are not in torch.nn: the stack of test/fixtures/torch/attn_modules.py passes them as a user would.
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "torch"))
        from attn_modules import Stack

        return Stack(spec["layers"])
    layers = []
    for layer in spec["layers"]:
        kwargs = dict(layer)
        cls = getattr(torch.nn, kwargs.pop("type"))
        layers.append(cls(**kwargs))
    return torch.nn.Sequential(*layers)


def main():
    tensors, metadata = read_safetensors(sys.argv[1])
    with open(sys.argv[2]) as f:
        x = torch.tensor(json.load(f)["x"], dtype=torch.float32)
    spec = json.loads(metadata["spec"])
    if spec["layers"][0]["type"] == "Embedding":
        x = x.long()  # token ids
    model = build_model(spec)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    if "normalization" in metadata:
        norm = json.loads(metadata["normalization"])
        mean = torch.tensor(norm["mean"], dtype=torch.float32)
        std = torch.tensor(norm["std"], dtype=torch.float32)
        sample = x.shape[1:]
        if mean.numel() == sample.numel():  # per feature: one value for every element of a sample
            shape = sample
        else:  # per channel of a (C, ...) sample, as torchvision's Normalize
            shape = (mean.numel(),) + (1,) * (len(sample) - 1)
        x = (x - mean.reshape(shape)) / std.reshape(shape)
    with torch.no_grad():
        outputs = model(x)
    labels = json.loads(metadata["labels"]) if "labels" in metadata else None
    keys = list(model.state_dict().keys())
    print(json.dumps({"outputs": outputs.tolist(), "labels": labels, "state_dict_keys": keys}))


if __name__ == "__main__":
    main()
