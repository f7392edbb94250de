"""trainyard.torch: specs from PyTorch objects, weights both ways, and the SimpleNN of the
project's seed trained in PyTorch and by the service from the same weights and data."""
import copy
import unittest

from _support import client, have, needs_service

HAVE_TORCH = have("torch") and have("numpy")
if HAVE_TORCH:
    import torch
    from torch import nn

    from trainyard._schema import LAYERS as SERVICE_LAYERS
    from trainyard.torch import (
        LAYERS,
        Mean,
        PositionalEncoding,
        Select,
        UnsupportedError,
        init_from_module,
        layers_of,
        load_into,
        spec_from_loss,
        spec_from_module,
        spec_from_optimizer,
        spec_from_scheduler,
        state_dict_for_service,
    )

    class SimpleNN(nn.Module):
        """The seed's model, as a class with named layers (not an nn.Sequential)."""

        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(10, 20)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(20, 2)

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(x)))


#: TransformerEncoderLayer(8, 4, 16, 0.2, "gelu", 1e-6, batch_first=True, norm_first=True)'s spec.
ENCODER_LAYER = {
    "type": "TransformerEncoderLayer", "d_model": 8, "nhead": 4, "dim_feedforward": 16, "dropout": 0.2,
    "activation": "gelu", "layer_norm_eps": 1e-6, "batch_first": True, "norm_first": True,
}

needs_torch = unittest.skipUnless(HAVE_TORCH, "PyTorch or NumPy missing (apt-get install -y python3-torch python3-numpy)")

#: The training tolerance of the project's PyTorch conformance vectors (training.json).
RTOL, ATOL = 1e-3, 1e-4


@needs_torch
class ModuleSpecs(unittest.TestCase):
    def test_every_layer_with_its_settings(self):
        cases = [
            (nn.Linear(3, 4, bias=False), {"type": "Linear", "in_features": 3, "out_features": 4, "bias": False}),
            (nn.ReLU(inplace=True), {"type": "ReLU", "inplace": True}),
            (nn.LeakyReLU(0.2), {"type": "LeakyReLU", "negative_slope": 0.2, "inplace": False}),
            (nn.Sigmoid(), {"type": "Sigmoid"}),
            (nn.Tanh(), {"type": "Tanh"}),
            (nn.GELU(approximate="tanh"), {"type": "GELU", "approximate": "tanh"}),
            (nn.ELU(alpha=0.5), {"type": "ELU", "alpha": 0.5, "inplace": False}),
            (nn.SiLU(), {"type": "SiLU", "inplace": False}),
            (nn.Softplus(beta=2, threshold=10), {"type": "Softplus", "beta": 2, "threshold": 10}),
            (nn.Identity(), {"type": "Identity"}),
            (nn.Flatten(2, 3), {"type": "Flatten", "start_dim": 2, "end_dim": 3}),
            (nn.Dropout(0.25), {"type": "Dropout", "p": 0.25, "inplace": False}),
            (nn.LayerNorm([4, 5], eps=1e-3, elementwise_affine=False), {"type": "LayerNorm", "normalized_shape": [4, 5], "eps": 1e-3, "elementwise_affine": False}),
            (
                nn.BatchNorm1d(6, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
                {"type": "BatchNorm1d", "num_features": 6, "eps": 1e-3, "momentum": None, "affine": False, "track_running_stats": False},
            ),
            (
                nn.BatchNorm2d(3, momentum=0.2),
                {"type": "BatchNorm2d", "num_features": 3, "eps": 1e-5, "momentum": 0.2, "affine": True, "track_running_stats": True},
            ),
            (nn.Dropout2d(0.3), {"type": "Dropout2d", "p": 0.3, "inplace": False}),
            (
                nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
                {"type": "Conv1d", "in_channels": 2, "out_channels": 4, "kernel_size": [3], "stride": [2], "padding": [1], "dilation": [2], "groups": 2, "bias": False, "padding_mode": "zeros"},
            ),
            (
                nn.Conv2d(3, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=3),
                {"type": "Conv2d", "in_channels": 3, "out_channels": 6, "kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "groups": 3, "bias": True, "padding_mode": "zeros"},
            ),
            (nn.Unflatten(1, (2, 4, 4)), {"type": "Unflatten", "dim": 1, "unflattened_size": [2, 4, 4]}),
            (
                nn.MaxPool1d(3, padding=1, dilation=2, ceil_mode=True),
                {"type": "MaxPool1d", "kernel_size": 3, "stride": 3, "padding": 1, "dilation": 2, "ceil_mode": True, "return_indices": False},
            ),
            (
                nn.MaxPool2d((3, 2), stride=(2, 1)),
                {"type": "MaxPool2d", "kernel_size": [3, 2], "stride": [2, 1], "padding": 0, "dilation": 1, "ceil_mode": False, "return_indices": False},
            ),
            (
                nn.AvgPool1d(4, stride=2, padding=2, count_include_pad=False),
                {"type": "AvgPool1d", "kernel_size": [4], "stride": [2], "padding": [2], "ceil_mode": False, "count_include_pad": False},
            ),
            (
                nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, divisor_override=4),
                {"type": "AvgPool2d", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": True, "divisor_override": 4},
            ),
            (nn.AdaptiveAvgPool1d(5), {"type": "AdaptiveAvgPool1d", "output_size": 5}),
            (nn.AdaptiveAvgPool2d((None, 3)), {"type": "AdaptiveAvgPool2d", "output_size": [None, 3]}),
            (nn.AdaptiveMaxPool2d(1), {"type": "AdaptiveMaxPool2d", "output_size": 1, "return_indices": False}),
            (
                nn.Embedding(10, 4, padding_idx=0),
                {"type": "Embedding", "num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0, "max_norm": None, "norm_type": 2.0, "scale_grad_by_freq": False, "sparse": False},
            ),
            (
                nn.RNN(3, 5, nonlinearity="relu", bias=False),
                {"type": "RNN", "input_size": 3, "hidden_size": 5, "num_layers": 1, "nonlinearity": "relu", "bias": False, "batch_first": False, "dropout": 0.0, "bidirectional": False},
            ),
            (
                nn.LSTM(3, 5, num_layers=2, dropout=0.1, batch_first=True),
                {"type": "LSTM", "input_size": 3, "hidden_size": 5, "num_layers": 2, "bias": True, "batch_first": True, "dropout": 0.1, "bidirectional": False, "proj_size": 0},
            ),
            (
                nn.GRU(3, 5, bidirectional=True),
                {"type": "GRU", "input_size": 3, "hidden_size": 5, "num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": True},
            ),
            (
                nn.MultiheadAttention(8, 2, dropout=0.1, bias=False, batch_first=True),
                {"type": "MultiheadAttention", "embed_dim": 8, "num_heads": 2, "dropout": 0.1, "bias": False, "add_bias_kv": False, "add_zero_attn": False, "kdim": None, "vdim": None, "batch_first": True},
            ),
            (
                nn.TransformerEncoderLayer(8, 4, dim_feedforward=16, dropout=0.2, activation="gelu", layer_norm_eps=1e-6, batch_first=True, norm_first=True),
                ENCODER_LAYER,
            ),
            (
                nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 4, 16, 0.2, "gelu", 1e-6, True, True), 3, norm=nn.LayerNorm(8), enable_nested_tensor=False),
                {"type": "TransformerEncoder", "encoder_layer": ENCODER_LAYER, "num_layers": 3, "norm": {"type": "LayerNorm", "normalized_shape": [8], "eps": 1e-5, "elementwise_affine": True}, "enable_nested_tensor": False, "mask_check": True},
            ),
            (PositionalEncoding(6, dropout=0.0, max_len=50, batch_first=True), {"type": "PositionalEncoding", "d_model": 6, "dropout": 0.0, "max_len": 50, "batch_first": True}),
            (Select(1, -1), {"type": "Select", "dim": 1, "index": -1}),
            (Mean(0, keepdim=True), {"type": "Mean", "dim": 0, "keepdim": True}),
        ]
        self.assertEqual({type(m) for m, _ in cases}, set(LAYERS), "a case per table entry")
        for module, expected in cases:
            with self.subTest(layer=type(module).__name__):
                self.assertEqual(spec_from_module(nn.Sequential(module)), {"layers": [expected]})
                # Every setting but the service's masks, which are the forward's arguments in PyTorch.
                masks = {"key_padding_mask", "src_key_padding_mask", "is_causal"}
                self.assertEqual(set(expected) - {"type"}, set(SERVICE_LAYERS[expected["type"]]) - masks)

    def test_a_traced_module_maps_its_names(self):
        model = SimpleNN()
        self.assertEqual([s["type"] for s in spec_from_module(model, torch.zeros(1, 10))["layers"]], ["Linear", "ReLU", "Linear"])
        self.assertEqual(list(state_dict_for_service(model)), ["0.weight", "0.bias", "2.weight", "2.bias"])
        nested = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh(), nn.Linear(3, 1)))
        self.assertEqual([p for p, _, _ in layers_of(nested)], ["0", "1.0", "1.1"])
        self.assertEqual(list(state_dict_for_service(nested)), ["0.weight", "0.bias", "2.weight", "2.bias"])

    def test_functions_between_layers(self):
        class Functional(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(6, 4)
                self.b = nn.Linear(4, 2)

            def forward(self, x):
                return self.b(torch.relu(self.a(torch.flatten(x, 1)))).tanh()

        spec = spec_from_module(Functional(), torch.zeros(2, 2, 3))
        self.assertEqual(
            [layer["type"] for layer in spec["layers"]], ["Flatten", "Linear", "ReLU", "Linear", "Tanh"]
        )
        self.assertEqual(spec["layers"][0], {"type": "Flatten", "start_dim": 1, "end_dim": -1})
        self.assertEqual(list(state_dict_for_service(Functional())), ["1.weight", "1.bias", "3.weight", "3.bias"])

    def test_convolutions_padding_strings_and_padding_mode(self):
        for padding in ("same", "valid"):
            with self.subTest(padding=padding):
                spec = spec_from_module(nn.Sequential(nn.Conv2d(1, 2, 3, padding=padding)), torch.zeros(1, 1, 6, 6))
                self.assertEqual(spec["layers"][0]["padding"], padding)
                self.assertEqual(spec["layers"][0]["kernel_size"], [3, 3])
        same = spec_from_module(nn.Sequential(nn.Conv1d(2, 2, 3, padding="same", dilation=2)))["layers"][0]
        self.assertEqual((same["padding"], same["dilation"]), ("same", [2]))
        for mode in ("reflect", "replicate", "circular"):
            with self.subTest(padding_mode=mode), self.assertRaisesRegex(
                UnsupportedError, r"layer 1: Conv2d: padding_mode='%s' is not supported .*padding_mode='zeros'" % mode
            ):
                spec_from_module(nn.Sequential(nn.ReLU(), nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode)))

    def test_a_cnn_with_its_weights_and_running_statistics_both_ways(self):
        torch.manual_seed(3)
        cnn = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout2d(0.2),
            nn.Flatten(),
            nn.Linear(4 * 3 * 3, 3),
        )
        cnn.train()
        cnn(torch.randn(8, 1, 7, 7))  # running statistics and num_batches_tracked away from their start
        self.assertEqual(
            list(state_dict_for_service(cnn)),
            ["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "6.weight", "6.bias"],
        )
        import base64

        blob = base64.b64decode(init_from_module(cnn)["safetensors_base64"])
        fresh = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout2d(0.2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3),
        )
        load_into(fresh, blob)
        for (name, ours), theirs in zip(fresh.state_dict().items(), cnn.state_dict().values()):
            self.assertEqual(ours.dtype, theirs.dtype, name)
            self.assertTrue(torch.equal(ours, theirs), name)
        self.assertEqual(fresh[1].num_batches_tracked.item(), 1)

    def test_refuses_pools_returning_indices(self):
        for pool in (nn.MaxPool2d(2, return_indices=True), nn.AdaptiveMaxPool2d(2, return_indices=True)):
            with self.subTest(layer=type(pool).__name__), self.assertRaisesRegex(UnsupportedError, "return_indices"):
                spec_from_module(nn.Sequential(pool))

    def test_recurrent_modules_and_their_selectors(self):
        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(10, 4)
                self.lstm = nn.LSTM(4, 8, batch_first=True, bidirectional=True)
                self.fc = nn.Linear(16, 3)

            def forward(self, x):
                return self.fc(self.lstm(self.emb(x))[0][:, -1])

        spec = spec_from_module(Classifier(), torch.zeros(2, 5, dtype=torch.long))
        self.assertEqual([layer["type"] for layer in spec["layers"]], ["Embedding", "LSTM", "Select", "Linear"])
        self.assertEqual(spec["layers"][2], {"type": "Select", "dim": 1, "index": -1})
        self.assertEqual(
            list(state_dict_for_service(Classifier()))[:6],
            ["0.weight", "1.weight_ih_l0", "1.weight_hh_l0", "1.bias_ih_l0", "1.bias_hh_l0", "1.weight_ih_l0_reverse"],
        )

        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(1, 6, batch_first=True)
                self.fc = nn.Linear(6, 1)

            def forward(self, x):
                return self.fc(self.gru(x)[0].mean(1))

        layers = spec_from_module(Regressor(), torch.zeros(2, 7, 1))["layers"]
        self.assertEqual(layers[1], {"type": "Mean", "dim": 1, "keepdim": False})

        class FinalState(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.RNN(1, 6)

            def forward(self, x):
                return self.rnn(x)[1]

        with self.assertRaisesRegex(UnsupportedError, "takes h_n"):
            spec_from_module(FinalState())
        with self.assertRaisesRegex(UnsupportedError, "max_norm=1.0 is not supported"):
            spec_from_module(nn.Sequential(nn.Embedding(5, 2, max_norm=1.0)))

    def test_refuses_what_the_service_cannot_train(self):
        with self.assertRaisesRegex(UnsupportedError, r"layer 1 \(torch\.nn\.modules\.conv\.Conv3d\) is not supported"):
            spec_from_module(nn.Sequential(nn.Linear(2, 2), nn.Conv3d(1, 1, 1)))

        class Residual(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)

            def forward(self, x):
                return x + self.fc(x)

        with self.assertRaisesRegex(UnsupportedError, "one after another"):
            spec_from_module(Residual())
        with self.assertRaisesRegex(UnsupportedError, r"cannot take the example input of shape \[2, 5\]"):
            spec_from_module(nn.Sequential(nn.Linear(3, 1)), torch.zeros(2, 5))


@needs_torch
class TrainingSpecs(unittest.TestCase):
    def params(self):
        return nn.Linear(2, 1).parameters()

    def test_optimizers(self):
        o = torch.optim
        cases = [
            (o.SGD(self.params(), lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-4, nesterov=False), {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-4, "nesterov": False, "maximize": False}),
            (o.Adam(self.params(), lr=0.02, betas=(0.8, 0.99), eps=1e-7, amsgrad=True), {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-7, "weight_decay": 0, "amsgrad": True, "maximize": False}),
            (o.AdamW(self.params(), lr=0.003, weight_decay=0.05), {"lr": 0.003, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.05, "amsgrad": False, "maximize": False}),
            (o.Adagrad(self.params(), lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1), {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0, "initial_accumulator_value": 0.1, "eps": 1e-10, "maximize": False}),
            (o.RMSprop(self.params(), lr=0.01, alpha=0.9, momentum=0.5, centered=True), {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "weight_decay": 0, "momentum": 0.5, "centered": True, "maximize": False}),
            (o.Adadelta(self.params(), lr=0.5, rho=0.8), {"lr": 0.5, "rho": 0.8, "eps": 1e-6, "weight_decay": 0, "maximize": False}),
            (o.Adamax(self.params(), lr=0.01), {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "maximize": False}),
            (o.NAdam(self.params(), lr=0.01, momentum_decay=0.01), {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "momentum_decay": 0.01}),
            (o.RAdam(self.params(), lr=0.01, weight_decay=0.1), {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.1}),
            (o.Rprop(self.params(), lr=0.02, etas=(0.4, 1.3), step_sizes=(1e-5, 10)), {"lr": 0.02, "etas": [0.4, 1.3], "step_sizes": [1e-5, 10], "maximize": False}),
        ]
        for optimizer, expected in cases:
            with self.subTest(optimizer=type(optimizer).__name__):
                self.assertEqual(spec_from_optimizer(optimizer), dict(expected, type=type(optimizer).__name__))

    def test_optimizer_refusals(self):
        model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        groups = torch.optim.SGD([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.1}], lr=0.01)
        with self.assertRaisesRegex(UnsupportedError, "2 parameter groups"):
            spec_from_optimizer(groups)
        odd = torch.optim.Adam(model.parameters())
        odd.param_groups[0]["lookahead"] = 5
        with self.assertRaisesRegex(UnsupportedError, "no lookahead"):
            spec_from_optimizer(odd)
        with self.assertRaisesRegex(UnsupportedError, "LBFGS is not supported"):
            spec_from_optimizer(torch.optim.LBFGS(model.parameters()))

    def test_losses(self):
        weight = torch.tensor([1.0, 2.0, 0.5])
        cases = [
            (nn.MSELoss(reduction="sum"), {"reduction": "sum"}),
            (nn.L1Loss(), {"reduction": "mean"}),
            (nn.SmoothL1Loss(beta=0.5), {"reduction": "mean", "beta": 0.5}),
            (nn.HuberLoss(delta=2.0), {"reduction": "mean", "delta": 2.0}),
            (nn.CrossEntropyLoss(weight=weight, ignore_index=1, label_smoothing=0.1), {"weight": [1.0, 2.0, 0.5], "ignore_index": 1, "reduction": "mean", "label_smoothing": 0.1}),
            (nn.NLLLoss(), {"weight": None, "ignore_index": -100, "reduction": "mean"}),
            (nn.BCELoss(weight=torch.tensor([2.0])), {"weight": [2.0], "reduction": "mean"}),
            (nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0])), {"weight": None, "reduction": "mean", "pos_weight": [3.0]}),
            (nn.KLDivLoss(reduction="batchmean", log_target=True), {"reduction": "batchmean", "log_target": True}),
            (nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-6), {"log_input": False, "full": True, "eps": 1e-6, "reduction": "mean"}),
            (nn.GaussianNLLLoss(full=True, eps=1e-5), {"full": True, "eps": 1e-5, "reduction": "mean"}),
            (nn.SoftMarginLoss(), {"reduction": "mean"}),
            (nn.MultiLabelSoftMarginLoss(weight=weight), {"weight": [1.0, 2.0, 0.5], "reduction": "mean"}),
        ]
        for loss, expected in cases:
            with self.subTest(loss=type(loss).__name__):
                self.assertEqual(spec_from_loss(loss), dict(expected, type=type(loss).__name__))
        with self.assertRaisesRegex(UnsupportedError, "CTCLoss is not supported"):
            spec_from_loss(nn.CTCLoss())


@needs_torch
class SchedulerSpecs(unittest.TestCase):
    def test_reduce_lr_on_plateau_and_refusals(self):
        s = torch.optim.lr_scheduler
        optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
        plateau = s.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=3, threshold=0.01, threshold_mode="abs", cooldown=2, min_lr=1e-4, eps=1e-9)
        self.assertEqual(
            spec_from_scheduler(plateau),
            {"type": "ReduceLROnPlateau", "mode": "max", "factor": 0.5, "patience": 3, "threshold": 0.01, "threshold_mode": "abs", "cooldown": 2, "min_lr": 1e-4, "eps": 1e-9},
        )
        with self.assertRaisesRegex(UnsupportedError, "LambdaLR is not supported"):
            spec_from_scheduler(s.LambdaLR(optimizer, lambda epoch: 0.9**epoch))
        momentum = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        with self.assertRaisesRegex(UnsupportedError, "custom scale_fn"):
            spec_from_scheduler(s.CyclicLR(momentum, 0.01, 0.1, scale_fn=lambda x: 1.0))


def scheduler_cases():
    s = torch.optim.lr_scheduler

    def sgd():
        return torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)

    def adam():
        return torch.optim.Adam(nn.Linear(2, 1).parameters(), lr=0.01)

    cases = {
        "StepLR": lambda o: s.StepLR(o, step_size=3, gamma=0.5),
        "MultiStepLR": lambda o: s.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.3),
        "ExponentialLR": lambda o: s.ExponentialLR(o, gamma=0.8),
        "CosineAnnealingLR": lambda o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
        "CosineAnnealingWarmRestarts": lambda o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
        "LinearLR": lambda o: s.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6),
        "ConstantLR": lambda o: s.ConstantLR(o, factor=0.5, total_iters=4),
        "PolynomialLR": lambda o: s.PolynomialLR(o, total_iters=8, power=2.0),
        "OneCycleLR": lambda o: s.OneCycleLR(o, max_lr=0.5, total_steps=14, pct_start=0.25, div_factor=10, final_div_factor=100, three_phase=True),
        "OneCycleLR_linear_adam": lambda o: s.OneCycleLR(o, max_lr=0.05, total_steps=12, anneal_strategy="linear"),
        "CyclicLR": lambda o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=2, mode="exp_range", gamma=0.9),
        "SequentialLR": lambda o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.5, total_iters=3), s.ExponentialLR(o, gamma=0.7)], milestones=[4]),
        "ChainedScheduler": lambda o: s.ChainedScheduler([s.ExponentialLR(o, gamma=0.9), s.StepLR(o, step_size=4, gamma=0.5)]),
    }
    return {name: (adam if "adam" in name else sgd, make) for name, make in cases.items()}


@needs_torch
@needs_service
class SchedulersOnTheService(unittest.TestCase):
    """Each scheduler's spec, trained by the service, gives the learning rates PyTorch's gives."""

    EPOCHS = 12

    def test_learning_rates_per_epoch(self):
        jobs = {}
        expected = {}
        with client() as c:
            for name, (make_optimizer, make) in scheduler_cases().items():
                optimizer = make_optimizer()
                scheduler = make(optimizer)
                spec = {
                    "name": "scheduler-" + name,
                    "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 1}]},
                    "loss": {"type": "MSELoss"},
                    "optimizer": spec_from_optimizer(optimizer),
                    "scheduler": spec_from_scheduler(scheduler),
                    "data": {"x": [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]], "y": [[1.0], [1.0], [2.0], [1.0]]},
                    "training": {"epochs": self.EPOCHS, "batch_size": 4},
                }
                lrs = []
                for _ in range(self.EPOCHS):
                    lrs.append(optimizer.param_groups[0]["lr"])
                    optimizer.step()
                    scheduler.step()
                expected[name] = lrs
                jobs[name] = c.jobs.create(spec)["id"]
            for name, job_id in jobs.items():
                with self.subTest(scheduler=name):
                    c.jobs.wait(job_id, progress=False)
                    got = [m["lr"] for m in c.jobs.metrics(job_id)["epochs"]]
                    self.assertEqual(len(got), self.EPOCHS)
                    for epoch, (a, b) in enumerate(zip(got, expected[name])):
                        self.assertAlmostEqual(a, b, delta=1e-9 + 1e-6 * abs(b), msg="epoch %d" % (epoch + 1))


@needs_torch
@needs_service
class SimpleNNParity(unittest.TestCase):
    """The seed's SimpleNN (Linear(10,20)-ReLU-Linear(20,2), CrossEntropyLoss, Adam lr 0.01,
    100 epochs, full batch) trained in PyTorch and by the service from the same initial weights
    and data: the final weights agree within the training tolerance (rtol 1e-3, atol 1e-4)."""

    def test_final_weights_match_pytorch(self):
        torch.manual_seed(42)
        x = torch.randn(100, 10)
        y = torch.randint(0, 2, (100,))
        model = SimpleNN()
        start = copy.deepcopy(model)
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        spec = {
            "name": "simple-nn-parity",
            "model": spec_from_module(model, x[:1]),
            "loss": spec_from_loss(criterion),
            "optimizer": spec_from_optimizer(optimizer),
            "init": init_from_module(model),
            "data": {"x": x, "y": y},
            "training": {"epochs": 100, "batch_size": 100, "shuffle": False},
        }
        for _ in range(100):
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        with client() as c:
            job = c.jobs.create(spec)
            finished = c.jobs.wait(job["id"], progress=False)
            trained = load_into(start, job["id"], client=c)
        self.assertEqual(finished["progress"], {"epoch": 100, "epochs": 100})
        worst_abs, worst_rel = 0.0, 0.0
        for (name, ours), theirs in zip(trained.state_dict().items(), model.state_dict().values()):
            diff = (ours - theirs).abs()
            worst_abs = max(worst_abs, diff.max().item())
            worst_rel = max(worst_rel, (diff / theirs.abs().clamp_min(1e-12)).max().item())
            self.assertTrue(torch.allclose(ours, theirs, rtol=RTOL, atol=ATOL), "%s: max |diff| %g" % (name, diff.max().item()))
        with torch.no_grad():
            final_loss = criterion(model(x), y).item()
        print(
            "SimpleNN parity: max |weight difference| %.3g (max relative %.3g) over %d weights; "
            "last epoch loss: service %.7f, PyTorch %.7f"
            % (worst_abs, worst_rel, sum(p.numel() for p in model.parameters()), finished["metrics"]["loss"], loss.item())
        )
        self.assertAlmostEqual(finished["metrics"]["loss"], loss.item(), delta=1e-4)
        self.assertLess(final_loss, loss.item() + 1e-3)


@needs_service
class CNNParity(unittest.TestCase):
    """A small CNN (Unflatten-Conv2d-BatchNorm2d-ReLU-MaxPool2d-Flatten-Linear) trained in PyTorch
    and by the service from the same initial weights and rows: the final weights and BatchNorm2d's
    running statistics agree within the training tolerance, and load_into restores every buffer."""

    def test_final_weights_and_running_statistics_match_pytorch(self):
        torch.manual_seed(7)
        x = torch.randn(24, 36)
        y = torch.randint(0, 2, (24,))
        model = nn.Sequential(
            nn.Unflatten(1, (1, 6, 6)),
            nn.Conv2d(1, 3, 3, padding="same", bias=False),
            nn.BatchNorm2d(3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout2d(0.0),
            nn.Flatten(),
            nn.Linear(27, 2),
        )
        start = copy.deepcopy(model)
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        spec = {
            "name": "cnn-parity",
            "model": spec_from_module(model, x[:2]),
            "loss": spec_from_loss(criterion),
            "optimizer": spec_from_optimizer(optimizer),
            "init": init_from_module(model),
            "data": {"x": x, "y": y},
            "training": {"epochs": 10, "batch_size": 24, "shuffle": False},
        }
        model.train()
        for _ in range(10):
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        with client() as c:
            job = c.jobs.create(spec)
            c.jobs.wait(job["id"], progress=False)
            trained = load_into(start, job["id"], client=c)
        worst = 0.0
        for (name, ours), theirs in zip(trained.state_dict().items(), model.state_dict().values()):
            self.assertEqual(ours.dtype, theirs.dtype, name)
            if name.endswith("num_batches_tracked"):
                self.assertEqual(ours.item(), 10)
                continue
            worst = max(worst, (ours - theirs).abs().max().item())
            self.assertTrue(torch.allclose(ours, theirs, rtol=RTOL, atol=ATOL), name)
        print("CNN parity: max |weight or running-statistic difference| %.3g" % worst)


if __name__ == "__main__":
    unittest.main()
