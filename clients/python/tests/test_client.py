"""The client against the running service: every resource, the typed event stream (with a
connection cut halfway and resumed), waiting with progress, downloads, predict, dataset uploads
from a path, bytes, a file and NumPy arrays, and the one exception class."""
import io
import json
import os
import tempfile
import unittest
from pathlib import Path

import httpx
from _support import API_KEY, URL, client, have, needs_service

from trainyard import Client, DoneEvent, EpochEvent, StatusEvent, TrainyardError
from trainyard.progress import Progress


def simple_job(epochs=5, samples=40, **training):
    # Deterministic data: the class is whether the first two features sum above zero.
    x = [[((i * 7 + j * 3) % 11) / 5.0 - 1.0 for j in range(4)] for i in range(samples)]
    y = [1 if row[0] + row[1] > 0 else 0 for row in x]
    return {
        "name": "python-client",
        "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "in_features": 8, "out_features": 2}]},
        "loss": {"type": "CrossEntropyLoss"},
        "optimizer": {"type": "Adam", "lr": 0.05},
        "data": {"x": x, "y": y},
        "training": dict({"epochs": epochs, "batch_size": 8, "seed": 3}, **training),
    }


class CutAfter(httpx.BaseTransport):
    """A transport whose first event stream breaks off after `lines` lines, as a dropped
    connection would; it records the Last-Event-ID of every event-stream request."""

    def __init__(self, lines):
        self.inner = httpx.HTTPTransport()
        self.lines = lines
        self.resumed_from = []

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        if not request.url.path.endswith("/events"):
            return response
        self.resumed_from.append(request.headers.get("last-event-id"))
        if len(self.resumed_from) > 1:
            return response
        limit = self.lines

        class Broken(httpx.SyncByteStream):
            def __iter__(self):
                sent = 0
                for chunk in response.stream:
                    for line in chunk.splitlines(keepends=True):
                        yield line
                        sent += 1
                        if sent >= limit:
                            raise httpx.RemoteProtocolError("connection cut by the test")

            def close(self):
                response.close()

        return httpx.Response(response.status_code, headers=response.headers, stream=Broken())

    def close(self):
        self.inner.close()


@needs_service
class JobsTest(unittest.TestCase):
    def setUp(self):
        self.client = client()
        self.addCleanup(self.client.close)

    def test_health_and_ready(self):
        self.assertEqual(self.client.health(), {"status": "ok"})
        self.assertEqual(self.client.ready()["status"], "ok")

    def test_a_bad_spec_raises_one_error_with_every_field(self):
        spec = simple_job()
        spec["optimizer"] = {"type": "Adam", "lr": -1}
        spec["training"]["epochs"] = 0
        with self.assertRaises(TrainyardError) as caught:
            self.client.jobs.create(spec)
        err = caught.exception
        self.assertEqual((err.status, err.code), (400, "validation_failed"))
        paths = {e.path for e in err.errors}
        self.assertIn("optimizer.lr", paths)
        self.assertIn("training.epochs", paths)
        self.assertIn("optimizer.lr", str(err))

    def test_a_missing_job_and_a_wrong_key(self):
        with self.assertRaises(TrainyardError) as caught:
            self.client.jobs.get("job_00000000000000000000000000")
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "job_not_found"))
        with Client(URL, "not-a-valid-key-0123456789") as stranger:
            with self.assertRaises(TrainyardError) as caught:
                stranger.jobs.list()
        self.assertEqual(caught.exception.status, 401)

    def test_an_unreachable_service_is_the_same_error(self):
        with Client("http://127.0.0.1:9", API_KEY) as nowhere:
            with self.assertRaises(TrainyardError) as caught:
                nowhere.health()
        self.assertIsNone(caught.exception.status)
        self.assertEqual(caught.exception.code, "unreachable")

    def test_create_follow_get_list_metrics(self):
        job = self.client.jobs.create(simple_job(epochs=6), idempotency_key="py-follow-%s" % os.getpid())
        self.assertEqual(job["status"], "queued")
        events = list(self.client.jobs.follow(job["id"]))
        self.assertIsInstance(events[0], StatusEvent)
        epochs = [e for e in events if isinstance(e, EpochEvent)]
        self.assertEqual([e.epoch for e in epochs], [1, 2, 3, 4, 5, 6])
        self.assertIsInstance(events[-1], DoneEvent)
        self.assertEqual(events[-1].status, "succeeded")
        self.assertTrue(all(e.id for e in events))

        # Resuming after an event gives exactly the events after it.
        rest = list(self.client.jobs.follow(job["id"], last_event_id=events[2].id))
        self.assertEqual(rest, events[3:])

        finished = self.client.jobs.get(job["id"])
        self.assertEqual(finished["status"], "succeeded")
        self.assertEqual(finished["metrics"]["loss"], epochs[-1].loss)
        history = self.client.jobs.metrics(job["id"])
        self.assertEqual([m["loss"] for m in history["epochs"]], [e.loss for e in epochs])
        self.assertIn(job["id"], [j["id"] for j in self.client.jobs.list(status="succeeded", limit=100)["data"]])
        self.assertIn(job["id"], [j["id"] for j in self.client.jobs.iterate(page_size=2)])
        # The same idempotency key gives the same job.
        again = self.client.jobs.create(simple_job(epochs=6), idempotency_key="py-follow-%s" % os.getpid())
        self.assertEqual(again["id"], job["id"])

    def test_follow_resumes_a_dropped_stream_with_last_event_id(self):
        job = self.client.jobs.create(simple_job(epochs=8))
        complete = None
        transport = CutAfter(lines=9)  # `retry:` + blank, then a few events of 4 lines
        with Client(URL, API_KEY, transport=transport) as flaky:
            events = list(flaky.jobs.follow(job["id"]))
        complete = list(self.client.jobs.follow(job["id"]))
        self.assertEqual(events, complete)
        self.assertGreaterEqual(len(transport.resumed_from), 2)
        self.assertIsNone(transport.resumed_from[0])
        self.assertIn(transport.resumed_from[1], [e.id for e in complete])

    def test_wait_shows_progress_and_returns_the_job(self):
        job = self.client.jobs.create(simple_job(epochs=12))
        out = io.StringIO()
        finished = self.client.jobs.wait(job["id"], progress=True, file=out)
        self.assertEqual(finished["status"], "succeeded")
        if have("tqdm"):
            self.assertIn("12/12", out.getvalue())
            self.assertIn("loss", out.getvalue())
        else:
            self.assertRegex(out.getvalue(), r"epoch 12/12  loss \d")

    def test_plain_progress_lines_without_tqdm(self):
        job = self.client.jobs.create(simple_job(epochs=4))
        self.client.jobs.wait(job["id"], progress=False)
        out = io.StringIO()
        plain = Progress(file=out, use_tqdm=False)
        for metrics in self.client.jobs.metrics(job["id"])["epochs"]:
            plain.epoch(metrics)
        lines = out.getvalue().splitlines()
        self.assertRegex(lines[0], r"^epoch 1/4  loss \d")
        self.assertRegex(lines[-1], r"^epoch 4/4  loss \d")

    def test_wait_raises_for_a_failed_job(self):
        spec = simple_job(epochs=30)
        spec.update(loss={"type": "MSELoss"}, optimizer={"type": "SGD", "lr": 1e30})
        spec["model"]["layers"][-1]["out_features"] = 1
        spec["data"]["y"] = [[v * 1e6] for v in spec["data"]["y"]]
        job = self.client.jobs.create(spec)
        with self.assertRaises(TrainyardError) as caught:
            self.client.jobs.wait(job["id"], progress=False)
        self.assertEqual(caught.exception.code, "diverged")
        self.assertEqual(caught.exception.job["status"], "failed")
        self.assertEqual(self.client.jobs.wait(job["id"], progress=False, raise_on_failure=False)["status"], "failed")

    def test_download_predict_cancel_delete(self):
        job = self.client.jobs.create(simple_job(epochs=3))
        self.client.jobs.wait(job["id"], progress=False)
        weights = self.client.jobs.download(job["id"])
        header = json.loads(weights[8 : 8 + int.from_bytes(weights[:8], "little")])
        self.assertEqual(header["0.weight"]["shape"], [8, 4])
        with tempfile.TemporaryDirectory() as tmp:
            onnx = self.client.jobs.download(job["id"], Path(tmp) / "model.onnx", format="onnx")
            self.assertGreater(onnx.stat().st_size, 100)
        as_json = json.loads(self.client.jobs.download(job["id"], format="json"))
        self.assertEqual(len(as_json["state_dict"]["0.weight"]), 8)

        rows = [[0.5, -0.5, 0.25, 0.0], [-1.0, -1.0, 0.0, 1.0]]
        if have("numpy"):
            import numpy as np

            result = self.client.jobs.predict(job["id"], np.array(rows, dtype=np.float32))
        else:
            result = self.client.jobs.predict(job["id"], rows)
        self.assertEqual(len(result["outputs"]), 2)
        self.assertEqual(len(result["predictions"]), 2)
        with self.assertRaises(TrainyardError) as caught:
            self.client.jobs.predict(job["id"], [[1.0, 2.0]])
        self.assertEqual(caught.exception.errors[0].path, "x")

        running = self.client.jobs.create(simple_job(epochs=100000, samples=200))
        with self.assertRaises(TrainyardError) as caught:
            self.client.jobs.delete(running["id"])
        self.assertEqual(caught.exception.status, 409)
        self.client.jobs.cancel(running["id"])
        self.assertEqual(self.client.jobs.wait(running["id"], progress=False, raise_on_failure=False)["status"], "cancelled")
        self.client.jobs.delete(running["id"])
        with self.assertRaises(TrainyardError):
            self.client.jobs.get(running["id"])

    def test_a_token_for_event_streams(self):
        token = self.client.tokens.create()
        self.assertTrue(token["token"])
        self.assertIn("T", token["expires_at"])


@needs_service
class DatasetsTest(unittest.TestCase):
    CSV = "a,b,label\n0.1,0.2,cat\n0.9,0.1,dog\n0.2,0.8,cat\n0.7,0.7,dog\n0.3,0.3,cat\n0.8,0.9,dog\n"

    def setUp(self):
        self.client = client()
        self.addCleanup(self.client.close)

    def test_upload_a_csv_file_train_on_it_and_delete_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pets.csv"
            path.write_text(self.CSV)
            ds = self.client.datasets.upload(path, target="label")
        self.assertEqual((ds["rows"], ds["features"], ds["name"]), (6, 2, "pets.csv"))
        self.assertEqual(ds["target"]["labels"], ["cat", "dog"])
        self.assertEqual(self.client.datasets.get(ds["id"])["id"], ds["id"])
        self.assertIn(ds["id"], [d["id"] for d in self.client.datasets.list(limit=100)["data"]])
        spec = simple_job(epochs=2)
        spec["data"] = {"dataset_id": ds["id"]}
        spec["model"]["layers"][0]["in_features"] = 2
        self.assertEqual(self.client.jobs.wait(self.client.jobs.create(spec)["id"], progress=False)["status"], "succeeded")
        self.client.datasets.delete(ds["id"])
        with self.assertRaises(TrainyardError) as caught:
            self.client.datasets.get(ds["id"])
        self.assertEqual(caught.exception.status, 404)

    def test_upload_csv_bytes_and_an_open_file(self):
        from_bytes = self.client.datasets.upload(self.CSV.encode(), target="label", name="bytes")
        from_file = self.client.datasets.upload(io.StringIO(self.CSV), name="file")
        self.assertEqual(from_bytes["rows"], 6)
        self.assertEqual(from_file["features"], 2)  # the last column is the target by default

    def test_upload_arrays(self):
        x = [[0.0, 1.0, 2.0], [1.0, 0.0, 2.0], [2.0, 1.0, 0.0]]
        y = [0, 1, 2]
        if have("numpy"):
            import numpy as np

            x, y = np.array(x, dtype=np.float32), np.array(y)
        ds = self.client.datasets.upload(x=x, y=y, name="arrays")
        self.assertEqual((ds["rows"], ds["features"]), (3, 3))

    @unittest.skipUnless(have("numpy"), "needs numpy")
    def test_upload_npy_arrays_keeping_their_dtype_and_a_pair_of_idx_files(self):
        import struct

        import numpy as np

        tokens = np.arange(24, dtype=np.int64).reshape(4, 6) % 5
        ds = self.client.datasets.upload(x=tokens, y=np.array([0, 1, 0, 1]), format="npy", name="tokens")
        self.assertEqual((ds["format"], ds["rows"], ds["sample_shape"]), ("npy", 4, [6]))
        self.assertEqual((ds["x"]["dtype"], ds["x"]["source_dtype"]), ("int32", "<i8"))

        images = (np.arange(3 * 28 * 28) % 256).astype(np.uint8).reshape(3, 28, 28)
        labels = np.array([0, 1, 2], dtype=np.uint8)
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for stem, a in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
                path = Path(tmp) / stem
                path.write_bytes(struct.pack(">BBBB", 0, 0, 8, a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape) + a.tobytes())
                paths.append(path)
            ds = self.client.datasets.upload((paths[0], paths[1]))
        self.assertEqual((ds["format"], ds["name"], ds["sample_shape"]), ("idx", "images-idx3-ubyte", [1, 28, 28]))
        self.assertEqual((ds["x"]["dtype"], ds["size_bytes"]), ("uint8", 3 * 784 + 3 * 4))
        self.assertAlmostEqual(ds["x"]["scale"], 1 / 255)

    def test_a_bad_csv_names_the_row_and_column(self):
        with self.assertRaises(TrainyardError) as caught:
            self.client.datasets.upload(b"a,b,label\n1,2,0\n3,oops,1\n")
        self.assertEqual(caught.exception.status, 400)
        self.assertTrue(caught.exception.errors)
        print("bad CSV:", caught.exception.errors)
        where = caught.exception.errors[0].path + " " + caught.exception.errors[0].message
        self.assertIn("b", where)

    def test_upload_needs_one_kind_of_source(self):
        with self.assertRaises(ValueError):
            self.client.datasets.upload(b"a\n1\n", x=[[1.0]], y=[1])


if __name__ == "__main__":
    unittest.main()
