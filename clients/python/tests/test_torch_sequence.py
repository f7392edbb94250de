"""trainyard.torch for sequence models: Embedding, RNN/LSTM/GRU with the service's selectors,
MultiheadAttention, TransformerEncoder(Layer) and the service's PositionalEncoding. Specs and
refusals; models built in PyTorch trained by PyTorch and by the service from the same weights and
data (the final weights agree within the training tolerance); and service-trained classifiers
loaded strictly into their PyTorch modules, which predict what the service predicts."""
import copy
import math
import unittest

from _support import client, have, needs_service

HAVE_TORCH = have("torch") and have("numpy")
if HAVE_TORCH:
    import torch
    from torch import nn

    from trainyard.torch import (
        Mean,
        PositionalEncoding,
        Select,
        UnsupportedError,
        init_from_module,
        load_into,
        spec_from_loss,
        spec_from_module,
        spec_from_optimizer,
        state_dict_for_service,
    )

    class LSTMClassifier(nn.Module):
        """Token ids -> Embedding(padding_idx=0) -> 2-layer bidirectional LSTM -> last step -> Linear."""

        def __init__(self, dropout=0.0):
            super().__init__()
            self.emb = nn.Embedding(10, 6, padding_idx=0)
            self.lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True, dropout=dropout)
            self.fc = nn.Linear(10, 2)

        def forward(self, x):
            return self.fc(self.lstm(self.emb(x))[0][:, -1])

    class RecurrentRegressor(nn.Module):
        """(N, L, 2) -> RNN(relu, no bias) -> 2-layer GRU -> mean over steps -> Linear."""

        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(2, 4, nonlinearity="relu", bias=False, batch_first=True)
            self.gru = nn.GRU(4, 3, num_layers=2, batch_first=True)
            self.fc = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc(self.gru(self.rnn(x)[0])[0].mean(1))

    class TransformerClassifier(nn.Module):
        """Token ids -> Embedding -> PositionalEncoding -> self-attention -> TransformerEncoder
        (2 norm_first gelu layers, a final LayerNorm) -> mean over tokens -> Linear; the attention
        skips padding keys (`ids == padding_idx`, the service's key_padding_mask="padding_idx")."""

        def __init__(self, dropout=0.0):
            super().__init__()
            self.emb = nn.Embedding(10, 8, padding_idx=0)
            self.pe = PositionalEncoding(8, dropout=dropout, batch_first=True)
            self.attn = nn.MultiheadAttention(8, 2, dropout=dropout, batch_first=True)
            layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=dropout, activation="gelu", batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            pad = x == self.emb.padding_idx
            h = self.pe(self.emb(x))
            h = self.attn(h, h, h, key_padding_mask=pad, need_weights=False)[0]
            return self.fc(self.encoder(h, src_key_padding_mask=pad).mean(1))

    def tokens():
        """24 rows of 7 token ids, padded with 0 after 2 to 7 tokens; label: the row has a 1."""
        x = torch.tensor([[1 + (i * 5 + j * 3) % 9 if j < 2 + i % 6 else 0 for j in range(7)] for i in range(24)])
        return x, (x == 1).any(1).long()


needs_torch = unittest.skipUnless(HAVE_TORCH, "PyTorch or NumPy missing (apt-get install -y python3-torch python3-numpy)")

#: The training tolerance of the project's PyTorch conformance vectors (training.json).
RTOL, ATOL = 1e-3, 1e-4


@needs_torch
class SequenceSpecs(unittest.TestCase):
    def test_the_classifiers_specs_and_service_names(self):
        x, _ = tokens()
        lstm = spec_from_module(LSTMClassifier(), x[:2])["layers"]
        self.assertEqual([s["type"] for s in lstm], ["Embedding", "LSTM", "Select", "Linear"])
        transformer = spec_from_module(TransformerClassifier(), x[:2])["layers"]
        self.assertEqual(
            [s["type"] for s in transformer],
            ["Embedding", "PositionalEncoding", "MultiheadAttention", "TransformerEncoder", "Mean", "Linear"],
        )
        self.assertEqual(transformer[2]["key_padding_mask"], "padding_idx")
        self.assertEqual(transformer[3]["src_key_padding_mask"], "padding_idx")
        self.assertNotIn("src_key_padding_mask", transformer[3]["encoder_layer"])
        names = list(state_dict_for_service(TransformerClassifier()))
        self.assertEqual(names[1:5], ["2.in_proj_weight", "2.in_proj_bias", "2.out_proj.weight", "2.out_proj.bias"])
        self.assertIn("3.layers.1.self_attn.in_proj_weight", names)
        self.assertEqual(names[-4:], ["3.norm.weight", "3.norm.bias", "5.weight", "5.bias"])
        # In an nn.Sequential the service's layers are modules: Select(1, -1) is x[:, -1].
        seq = nn.Sequential(nn.Embedding(5, 4), PositionalEncoding(4, batch_first=True), nn.TransformerEncoderLayer(4, 2, 8, batch_first=True), Select(1, -1))
        self.assertEqual(spec_from_module(seq, torch.zeros(2, 3, dtype=torch.long))["layers"][-1], {"type": "Select", "dim": 1, "index": -1})

    def test_selector_expressions(self):
        class Last(nn.Module):
            def __init__(self, select, batch_first=True):
                super().__init__()
                self.gru = nn.GRU(2, 3, batch_first=batch_first)
                self.select = select

            def forward(self, x):
                return self.select(self.gru(x)[0])

        cases = [
            (lambda h: h[:, -1], {"type": "Select", "dim": 1, "index": -1}),
            (lambda h: h[:, -1, :], {"type": "Select", "dim": 1, "index": -1}),
            (lambda h: h[-1], {"type": "Select", "dim": 0, "index": -1}),
            (lambda h: h.select(1, 0), {"type": "Select", "dim": 1, "index": 0}),
            (lambda h: h.mean(dim=1, keepdim=True), {"type": "Mean", "dim": 1, "keepdim": True}),
            (lambda h: torch.mean(h, 1), {"type": "Mean", "dim": 1, "keepdim": False}),
        ]
        x = torch.randn(4, 5, 2)
        for select, expected in cases:
            with self.subTest(expected=expected):
                model = Last(select)
                layers = spec_from_module(model, x)["layers"]
                self.assertEqual(layers, [spec_from_module(nn.Sequential(model.gru))["layers"][0], expected])
                # The service's layer computes what the expression does.
                module = Select(expected["dim"], expected["index"]) if expected["type"] == "Select" else Mean(expected["dim"], expected["keepdim"])
                h = model.gru(x)[0]
                self.assertTrue(torch.equal(module(h), select(h)))
        for select in (lambda h: h[:, 1:], lambda h: h[:, -1, 0], lambda h: h.mean((0, 1))):
            with self.assertRaisesRegex(UnsupportedError, "is not a supported layer"):
                spec_from_module(Last(select))

    def test_positional_encoding_is_the_tutorials(self):
        d, length = 6, 9
        pe = PositionalEncoding(d, dropout=0.0, batch_first=True)
        self.assertEqual(list(pe.state_dict()), [])
        got = pe(torch.zeros(2, length, d))
        for pos in range(length):
            for i in range(d // 2):
                angle = pos * math.exp(2 * i * -math.log(10000.0) / d)
                self.assertAlmostEqual(got[1, pos, 2 * i].item(), math.sin(angle), delta=1e-5)
                self.assertAlmostEqual(got[0, pos, 2 * i + 1].item(), math.cos(angle), delta=1e-5)
        seq_first = PositionalEncoding(d, dropout=0.0)(torch.zeros(length, 3, d))
        self.assertTrue(torch.equal(seq_first.transpose(0, 1), got[:1].expand(3, -1, -1)))
        with self.assertRaisesRegex(ValueError, "d_model must be even"):
            PositionalEncoding(5)

    def test_refusals_name_the_layer(self):
        cases = [
            (nn.Embedding(5, 2, max_norm=1.0), r"layer 0: Embedding: max_norm=1.0 is not supported"),
            (nn.Embedding(5, 2, scale_grad_by_freq=True), r"layer 0: Embedding: scale_grad_by_freq=True"),
            (nn.Embedding(5, 2, sparse=True), r"layer 0: Embedding: sparse=True"),
            (nn.LSTM(2, 4, proj_size=2), r"layer 0: LSTM: proj_size=2"),
            (nn.MultiheadAttention(4, 2, add_bias_kv=True), r"layer 0: MultiheadAttention: add_bias_kv=True"),
            (nn.MultiheadAttention(4, 2, add_zero_attn=True), r"layer 0: MultiheadAttention: add_zero_attn=True"),
            (nn.MultiheadAttention(4, 2, kdim=3), r"layer 0: MultiheadAttention: kdim=3 is not supported .*self-attention"),
            (nn.TransformerEncoderLayer(4, 2, activation=torch.tanh), r"layer 0: TransformerEncoderLayer: activation=.* \(only 'relu' and 'gelu'\)"),
            (nn.TransformerEncoderLayer(4, 2, activation=nn.GELU("tanh")), r"layer 0: TransformerEncoderLayer: activation="),
            (nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2), 2, norm=nn.BatchNorm1d(4)), r"layer 0: TransformerEncoder: norm=BatchNorm1d"),
        ]
        for module, message in cases:
            with self.subTest(layer=type(module).__name__, message=message), self.assertRaisesRegex(UnsupportedError, message):
                spec_from_module(nn.Sequential(module))
        uneven = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2), 2)
        uneven.layers[1].norm_first = True
        with self.assertRaisesRegex(UnsupportedError, "layer 0: TransformerEncoder: its layers differ"):
            spec_from_module(nn.Sequential(uneven))

    def test_traced_attention_takes_its_output_alone(self):
        class Attend(nn.Module):
            def __init__(self, forward):
                super().__init__()
                self.attn = nn.MultiheadAttention(4, 2, batch_first=True)
                self.fn = forward

            def forward(self, x):
                return self.fn(self, x)

        def weights(self, x):
            return self.attn(x, x, x)[1]

        def cross(self, x):
            return self.attn(x, x.relu(), x)[0]

        def masked(self, x):
            return self.attn(x, x, x, key_padding_mask=x == 0)[0]  # no Embedding: not the service's mask

        def plain(self, x):
            return self.attn(x, x, x, need_weights=False)[0]

        self.assertEqual(spec_from_module(Attend(plain), torch.zeros(2, 3, 4))["layers"][0]["type"], "MultiheadAttention")
        class Unpadded(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(10, 4)  # no padding_idx: `x == 0` is not the service's mask
                self.attn = nn.MultiheadAttention(4, 2, batch_first=True)

            def forward(self, x):
                h = self.emb(x)
                return self.attn(h, h, h, key_padding_mask=x == 0)[0]

        with self.assertRaisesRegex(UnsupportedError, r"attn.*key_padding_mask is `ids == padding_idx`"):
            spec_from_module(Unpadded())

        class Weighted(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)

            def forward(self, x):
                return self.enc(x, src_mask=None)  # a setting the service's layer has no counterpart for

        with self.assertRaisesRegex(UnsupportedError, r"passes src_mask, which the service's TransformerEncoderLayer does not take"):
            spec_from_module(Weighted())
        for forward, message in [(weights, "takes the attention weights"), (cross, "must be self-attention"), (masked, r"key_padding_mask is `ids == padding_idx`")]:
            with self.subTest(forward=forward.__name__), self.assertRaisesRegex(UnsupportedError, message):
                # fx traces the forward function it is given, so bind each as the class's forward.
                spec_from_module(type("Attend_" + forward.__name__, (Attend,), {"forward": forward})(plain))


def train_in_pytorch(model, x, y, criterion, optimizer, epochs):
    model.train()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def worst_difference(test, trained, reference):
    """The largest |difference| between two state dicts, asserting each entry is within tolerance."""
    worst = 0.0
    for (name, ours), theirs in zip(trained.state_dict().items(), reference.state_dict().values()):
        diff = (ours - theirs).abs().max().item()
        worst = max(worst, diff)
        test.assertTrue(torch.allclose(ours, theirs, rtol=RTOL, atol=ATOL), "%s: max |diff| %g" % (name, diff))
    return worst


@needs_torch
@needs_service
class SequenceParity(unittest.TestCase):
    """Each model built in PyTorch, trained by PyTorch and by the service (full batch, in order)
    from the same initial weights: the final weights agree within rtol 1e-3, atol 1e-4."""

    def run_both(self, name, model, x, y, criterion, make_optimizer, epochs=10):
        start = copy.deepcopy(model)
        optimizer = make_optimizer(model.parameters())
        spec = {
            "name": name,
            "model": spec_from_module(model, x[:2]),
            "loss": spec_from_loss(criterion),
            "optimizer": spec_from_optimizer(optimizer),
            "init": init_from_module(model),
            "data": {"x": x, "y": y},
            "training": {"epochs": epochs, "batch_size": len(x), "shuffle": False},
        }
        last = train_in_pytorch(model, x, y, criterion, optimizer, epochs)
        with client() as c:
            job = c.jobs.create(spec)
            finished = c.jobs.wait(job["id"], progress=False)
            trained = load_into(start, job["id"], client=c)
        worst = worst_difference(self, trained, model)
        print("%s parity: max |weight difference| %.3g; last epoch loss: service %.7f, PyTorch %.7f" % (name, worst, finished["metrics"]["loss"], last))
        self.assertAlmostEqual(finished["metrics"]["loss"], last, delta=1e-4)

    def test_lstm_classifier(self):
        torch.manual_seed(11)
        x, y = tokens()
        self.run_both("LSTM", LSTMClassifier(), x, y, nn.CrossEntropyLoss(), lambda p: torch.optim.Adam(p, lr=0.01))

    def test_rnn_gru_regressor(self):
        torch.manual_seed(12)
        x = torch.randn(16, 6, 2)
        y = x.sum((1, 2)).unsqueeze(1) / 4
        self.run_both("RNN-GRU", RecurrentRegressor(), x, y, nn.MSELoss(), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9))

    def test_transformer_classifier(self):
        torch.manual_seed(13)
        x, y = tokens()
        # SGD, not Adam: the key projections' biases have a gradient of exactly 0 in exact arithmetic
        # (softmax ignores a shift shared by all keys), ~1e-9 of rounding noise in float32, which
        # Adam divides by its own square root into steps of lr's size in either direction.
        self.run_both("Transformer", TransformerClassifier(), x, y, nn.CrossEntropyLoss(), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9))


@needs_torch
@needs_service
class SequenceRoundTrip(unittest.TestCase):
    """Classifiers trained by the service from its own initialisation (with dropout) load strictly
    into fresh PyTorch modules, which predict in eval mode what the service's predict gives."""

    def round_trip(self, name, make):
        x, y = tokens()
        model = make()
        spec = {
            "name": name + "-round-trip",
            "model": spec_from_module(model, x[:2]),
            "loss": spec_from_loss(nn.CrossEntropyLoss()),
            "optimizer": {"type": "Adam", "lr": 0.01},
            "data": {"x": x, "y": y},
            "training": {"epochs": 5, "batch_size": 8},
        }
        with client() as c:
            job = c.jobs.create(spec)
            c.jobs.wait(job["id"], progress=False)
            fresh = make()
            before = copy.deepcopy(fresh.state_dict())
            load_into(fresh, job["id"], client=c)
            served = torch.tensor(c.jobs.predict(job["id"], x)["outputs"])
        self.assertTrue(any(not torch.equal(before[k], v) for k, v in fresh.state_dict().items()), "the weights were loaded")
        fresh.eval()
        with torch.no_grad():
            ours = fresh(x)
        worst = (ours - served).abs().max().item()
        print("%s round trip: max |PyTorch - service prediction| %.3g" % (name, worst))
        self.assertTrue(torch.allclose(ours, served, rtol=1e-5, atol=1e-5), "max |diff| %g" % worst)

    def test_lstm_classifier(self):
        self.round_trip("LSTM", lambda: LSTMClassifier(dropout=0.2))

    def test_transformer_classifier(self):
        self.round_trip("Transformer", lambda: TransformerClassifier(dropout=0.1))


if __name__ == "__main__":
    unittest.main()
