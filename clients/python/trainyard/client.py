"""The Trainyard API over HTTP: `Client(url, api_key)` with `jobs`, `datasets` and `tokens`.

Each method that calls an endpoint is marked with `@operation(METHOD, path)`; the client's tests
check these against openapi/openapi.json, so every operation, parameter and body field of the
API has its counterpart here.
"""
from __future__ import annotations

import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterator, Literal, Mapping, Optional, Sequence, Tuple, Union

import httpx

from ._schema import Dataset, DatasetList, Job, JobCreateInput, JobList, JobStatus, MetricsHistory, PredictResponse
from .errors import TrainyardError
from .events import DoneEvent, EpochEvent, Event, ProgressEvent, SseParser, make_event
from .progress import Progress

DEFAULT_URL = "http://localhost:3000"
ModelFormat = Literal["safetensors", "json", "onnx"]


@dataclass(frozen=True)
class Operation:
    """How a client method maps onto an API operation (read by the client's spec tests)."""

    method: str
    path: str
    #: The parameter that carries the whole JSON body, when the body is not split into parameters.
    body: Optional[str] = None
    #: Request media types the method can send.
    content_types: Tuple[str, ...] = ()
    #: Spec parameters the method does not offer, with the reason.
    omitted: Mapping[str, str] = field(default_factory=dict)


def operation(method: str, path: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__trainyard_operation__ = Operation(method, path, **options)  # type: ignore[attr-defined]
        return fn

    return mark


def jsonable(value: Any) -> Any:
    """Plain JSON values from NumPy arrays, torch tensors and their scalars (anything with tolist)."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    return value


def _query(**params: Any) -> Dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class _Resource:
    def __init__(self, client: "Client") -> None:
        self._client = client


class Jobs(_Resource):
    """Training jobs: create, read, list, cancel, delete, follow, wait, download, predict."""

    @operation("POST", "/v1/jobs", body="spec", content_types=("application/json",))
    def create(self, spec: JobCreateInput, *, idempotency_key: Optional[str] = None) -> Job:
        """Submits a job (`{"model", "loss", "optimizer", "training", "data", …}`).

        NumPy arrays and tensors in the spec (say `data.x`) are sent as lists. With
        `idempotency_key`, retrying the same request returns the same job.
        """
        headers = {} if idempotency_key is None else {"idempotency-key": idempotency_key}
        return self._client._request("POST", "/v1/jobs", json=jsonable(spec), headers=headers).json()

    @operation("GET", "/v1/jobs/{id}")
    def get(self, id: str) -> Job:
        return self._client._request("GET", "/v1/jobs/%s" % _id(id)).json()

    @operation("GET", "/v1/jobs")
    def list(
        self, *, status: Optional[JobStatus] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> JobList:
        """One page of jobs, newest first; pass `next_cursor` as `cursor` for the next (or use `iterate`)."""
        params = _query(status=status, limit=limit, cursor=cursor)
        return self._client._request("GET", "/v1/jobs", params=params).json()

    def iterate(self, *, status: Optional[JobStatus] = None, page_size: int = 100) -> Iterator[Job]:
        """Every job, newest first, page by page."""
        cursor = None
        while True:
            page = self.list(status=status, limit=page_size, cursor=cursor)
            yield from page["data"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    @operation("POST", "/v1/jobs/{id}/cancel")
    def cancel(self, id: str) -> Job:
        return self._client._request("POST", "/v1/jobs/%s/cancel" % _id(id)).json()

    @operation("DELETE", "/v1/jobs/{id}")
    def delete(self, id: str) -> None:
        """Removes a finished job and its data (409 while it is queued or running)."""
        self._client._request("DELETE", "/v1/jobs/%s" % _id(id))

    @operation("GET", "/v1/jobs/{id}/metrics")
    def metrics(self, id: str) -> MetricsHistory:
        """Every epoch's metrics so far."""
        return self._client._request("GET", "/v1/jobs/%s/metrics" % _id(id)).json()

    @operation(
        "GET",
        "/v1/jobs/{id}/events",
        omitted={"token": "for browsers' EventSource; the client sends its API key in a header"},
    )
    def follow(self, id: str, *, last_event_id: Optional[str] = None, max_retries: int = 5) -> Iterator[Event]:
        """The job's events as they happen, ending after `done`.

        Yields `StatusEvent`, `EpochEvent`, `ProgressEvent` and finally `DoneEvent`. A dropped
        connection is resumed with `Last-Event-ID`, so no event is lost or repeated; after
        `max_retries` failed reconnects in a row it raises TrainyardError.
        """
        parser = SseParser()
        parser.last_id = last_event_id
        failures = 0
        while True:
            headers = {"accept": "text/event-stream"}
            if parser.last_id is not None:
                headers["last-event-id"] = parser.last_id
            error: Optional[BaseException] = None
            try:
                with self._client._stream("GET", "/v1/jobs/%s/events" % _id(id), headers=headers) as response:
                    for message in parser.feed(response.iter_lines()):
                        failures = 0
                        event = make_event(message.event, message.id, json.loads(message.data))
                        yield event
                        if isinstance(event, DoneEvent):
                            return
            except TrainyardError as err:
                if err.status is not None and err.status < 500:
                    raise  # the request itself is wrong (404, 401): reconnecting would not help
                error = err
            except httpx.TransportError as err:
                error = err
            failures += 1
            if failures > max_retries:
                reason = "the server closed it" if error is None else str(error)
                raise TrainyardError(
                    "event stream of job %s ended before done: %s" % (id, reason), code="stream_ended"
                ) from error
            time.sleep(min(parser.retry_ms or 2000, 2000) / 1000 * min(failures, 3))

    def wait(
        self, id: str, *, progress: bool = True, raise_on_failure: bool = True, file: Optional[IO[str]] = None
    ) -> Job:
        """Follows the job to its end and returns it, showing its progress.

        With `progress`, a tqdm bar over the epochs with the latest loss (tqdm.auto, so a widget in
        notebooks), or one plain line per epoch (at most one a second) without tqdm. A job that
        failed or was cancelled raises TrainyardError with its error code, unless
        `raise_on_failure=False`.
        """
        bar = Progress(enabled=progress, file=file)
        try:
            for event in self.follow(id):
                if isinstance(event, EpochEvent):
                    bar.epoch(event.data)
                elif isinstance(event, ProgressEvent):
                    bar.step(event.data)
        finally:
            bar.close()
        job = self.get(id)
        if raise_on_failure and job["status"] != "succeeded":
            error = job.get("error") or {}
            raise TrainyardError(
                "job %s %s%s" % (id, job["status"], ": " + error["message"] if error.get("message") else ""),
                code=error.get("code") or job["status"],
                detail=error.get("message"),
                job=job,
            )
        return job

    @operation("GET", "/v1/jobs/{id}/model")
    def download(
        self, id: str, path: Union[str, "os.PathLike[str]", None] = None, *, format: ModelFormat = "safetensors"
    ) -> Union[bytes, Path]:
        """A succeeded job's weights (`safetensors`, `json`) or model (`onnx`).

        Returns the bytes, or streams them into the file `path` and returns its Path.
        """
        url = "/v1/jobs/%s/model" % _id(id)
        if path is None:
            return self._client._request("GET", url, params={"format": format}).content
        target = Path(path)
        try:
            with self._client._stream("GET", url, params={"format": format}) as response:
                with target.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
        except httpx.TransportError as err:
            target.unlink(missing_ok=True)
            raise TrainyardError("download of job %s broke off: %s" % (id, err), code="unreachable") from err
        return target

    @operation("POST", "/v1/jobs/{id}/predict", content_types=("application/json",))
    def predict(self, id: str, x: Any) -> PredictResponse:
        """Runs the trained model (eval mode) on rows `x` (lists, a NumPy array or a tensor)."""
        return self._client._request("POST", "/v1/jobs/%s/predict" % _id(id), json={"x": jsonable(x)}).json()


def _chained(files: Tuple[Any, Any]) -> Iterator[bytes]:
    """The bytes of each file in turn (paths and open files read in chunks)."""
    for f in files:
        if isinstance(f, (bytes, bytearray)):
            yield bytes(f)
            continue
        handle = Path(f).open("rb") if isinstance(f, (str, os.PathLike)) else f
        try:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                yield chunk
        finally:
            if handle is not f:
                handle.close()


class Datasets(_Resource):
    """Uploaded datasets, for jobs' `{"dataset_id": …}`."""

    @operation(
        "POST",
        "/v1/datasets",
        content_types=("application/json", "text/csv", "application/octet-stream", "application/x-npy"),
    )
    def upload(
        self,
        source: Union[str, "os.PathLike[str]", bytes, IO[Any], Tuple[Any, Any], None] = None,
        *,
        x: Any = None,
        y: Any = None,
        target: Optional[str] = None,
        name: Optional[str] = None,
        format: str = "json",
    ) -> Dataset:
        """Uploads a dataset, from one of:

        - `source`: a CSV file's path (streamed; `name` defaults to the file name), its bytes, or
          an open file. A header row names the columns; `target` names the label column (default:
          the last); string labels become class indices.
        - `source` as a pair `(x_file, y_file)`: IDX files (MNIST's `train-images-idx3-ubyte` and
          `train-labels-idx1-ubyte`, gzipped or not) or `.npy` files, each a path, bytes or an open
          binary file, streamed back to back (`name` defaults to x's file name).
        - `x` and `y`: arrays (NumPy arrays, tensors or lists), sent as JSON `{"x", "y"}`; or, with
          `format="npy"`, NumPy arrays sent as `.npy` files keeping their dtype (uint8 x is stored
          as bytes and scaled to [0, 1] when a job reads it; int64 token ids are stored as int32).
        """
        if (source is None) == (x is None):
            raise ValueError("datasets.upload takes a CSV source, a pair of array files, or x and y, not several")
        if x is not None:
            if y is None:
                raise ValueError("datasets.upload: x needs its y")
            if format == "npy":
                import numpy as np

                parts = []
                for array in (x, y):
                    buffer = io.BytesIO()
                    np.save(buffer, np.asarray(array), allow_pickle=False)
                    parts.append(buffer.getvalue())
                return self._client._request(
                    "POST",
                    "/v1/datasets",
                    params=_query(name=name),
                    content=b"".join(parts),
                    headers={"content-type": "application/x-npy"},
                ).json()
            if format != "json":
                raise ValueError("datasets.upload: format is 'json' or 'npy' for x and y, not %r" % (format,))
            return self._client._request(
                "POST", "/v1/datasets", params=_query(name=name), json={"x": jsonable(x), "y": jsonable(y)}
            ).json()
        if isinstance(source, tuple):
            if len(source) != 2:
                raise ValueError("datasets.upload: a pair (x_file, y_file), not %d files" % len(source))
            if name is None and isinstance(source[0], (str, os.PathLike)):
                name = Path(source[0]).name
            return self._client._request(
                "POST",
                "/v1/datasets",
                params=_query(name=name),
                content=_chained(source),
                headers={"content-type": "application/octet-stream"},
            ).json()
        content: Any
        handle = None
        if isinstance(source, (str, os.PathLike)):
            file = Path(source)
            name = name if name is not None else file.name
            handle = content = file.open("rb")
        elif isinstance(source, (bytes, bytearray)):
            content = bytes(source)
        else:
            text = source.read()
            content = text.encode("utf-8") if isinstance(text, str) else text
        try:
            return self._client._request(
                "POST",
                "/v1/datasets",
                params=_query(target=target, name=name),
                content=content,
                headers={"content-type": "text/csv"},
            ).json()
        finally:
            if handle is not None:
                handle.close()

    @operation("GET", "/v1/datasets/{id}")
    def get(self, id: str) -> Dataset:
        return self._client._request("GET", "/v1/datasets/%s" % _id(id)).json()

    @operation("GET", "/v1/datasets")
    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> DatasetList:
        return self._client._request("GET", "/v1/datasets", params=_query(limit=limit, cursor=cursor)).json()

    @operation("DELETE", "/v1/datasets/{id}")
    def delete(self, id: str) -> None:
        """Removes a dataset (409 while a queued or running job uses it)."""
        self._client._request("DELETE", "/v1/datasets/%s" % _id(id))


class Tokens(_Resource):
    @operation("POST", "/v1/tokens")
    def create(self) -> Dict[str, str]:
        """A short-lived token for event streams opened where headers cannot be sent (`?token=`)."""
        return self._client._request("POST", "/v1/tokens").json()


class Client:
    """A Trainyard service at `url` (default `TRAINYARD_URL` or http://localhost:3000), with
    `api_key` (default `TRAINYARD_API_KEY`) sent as `Authorization: Bearer …`.

    Use it as a context manager, or call `close()`, to release its connections.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = 30.0,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        self.url = (url or os.environ.get("TRAINYARD_URL") or DEFAULT_URL).rstrip("/")
        key = api_key if api_key is not None else os.environ.get("TRAINYARD_API_KEY")
        headers = {"user-agent": "trainyard-python/0.1.0"}
        if key:
            headers["authorization"] = "Bearer %s" % key
        self._timeout = timeout
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport)
        self.jobs = Jobs(self)
        self.datasets = Datasets(self)
        self.tokens = Tokens(self)

    @operation("GET", "/health")
    def health(self) -> Dict[str, Any]:
        return self._request("GET", "/health").json()

    @operation("GET", "/ready")
    def ready(self) -> Dict[str, Any]:
        """Whether the service can reach Redis (raises TrainyardError with status 503 if not)."""
        return self._request("GET", "/ready").json()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "Client(%r)" % self.url

    # -- transport ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as err:
            raise TrainyardError(
                "cannot reach %s (%s %s): %s" % (self.url, method, path, err), code="unreachable"
            ) from err
        if response.is_error:
            raise TrainyardError.from_response(response)
        return response

    def _stream(self, method: str, path: str, **kwargs: Any) -> "_Stream":
        return _Stream(self, method, path, kwargs)


class _Stream:
    """A streamed response that raises TrainyardError for an error status."""

    def __init__(self, client: Client, method: str, path: str, kwargs: Dict[str, Any]) -> None:
        # Event streams stay open while a job trains: no read timeout past the heartbeats' interval.
        timeout = httpx.Timeout(client._timeout, read=max(client._timeout, 60.0))
        self._cm = client._http.stream(method, path, timeout=timeout, **kwargs)

    def __enter__(self) -> httpx.Response:
        try:
            response = self._cm.__enter__()
        except httpx.TransportError as err:
            raise TrainyardError("cannot reach the service: %s" % err, code="unreachable") from err
        if response.is_error:
            response.read()
            error = TrainyardError.from_response(response)
            self._cm.__exit__(None, None, None)
            raise error
        return response

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)


def _id(value: str) -> str:
    """An id as a path segment (ids never need escaping; anything else is refused by the API)."""
    if not isinstance(value, str) or not value or "/" in value:
        raise ValueError("expected an id string, got %r" % (value,))
    return value


__all__: Sequence[str] = ["Client", "Jobs", "Datasets", "Tokens", "Operation", "operation", "jsonable"]
