"""Typed job events, read from the server-sent event stream of `GET /v1/jobs/{id}/events`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Iterable, Iterator, Optional, Type, Union

from ._schema import DoneEventData, EpochMetrics, ProgressEventData, StatusEventData


@dataclass(frozen=True)
class StatusEvent:
    """The job changed status (`queued`, `running`, …)."""

    type: ClassVar[str] = "status"
    id: Optional[str]
    data: StatusEventData

    @property
    def status(self) -> str:
        return self.data["status"]


@dataclass(frozen=True)
class EpochEvent:
    """An epoch finished: its metrics (`epoch`, `epochs`, `loss`, `lr`, `val_loss`, …)."""

    type: ClassVar[str] = "epoch"
    id: Optional[str]
    data: EpochMetrics

    @property
    def epoch(self) -> int:
        return self.data["epoch"]

    @property
    def loss(self) -> float:
        return self.data["loss"]


@dataclass(frozen=True)
class ProgressEvent:
    """Progress within a long epoch: `epoch`, `step`, `steps`, the latest step's `loss`."""

    type: ClassVar[str] = "progress"
    id: Optional[str]
    data: ProgressEventData


@dataclass(frozen=True)
class DoneEvent:
    """The job ended: its final `status` and, if it failed, its `error`; the last event."""

    type: ClassVar[str] = "done"
    id: Optional[str]
    data: DoneEventData

    @property
    def status(self) -> str:
        return self.data["status"]


@dataclass(frozen=True)
class UnknownEvent:
    """An event type this client does not know (from a newer service); `name` is its type."""

    name: str
    id: Optional[str]
    data: Any

    @property
    def type(self) -> str:
        return self.name


Event = Union[StatusEvent, EpochEvent, ProgressEvent, DoneEvent, UnknownEvent]

#: Event classes by the SSE `event:` name (the `type` of the spec's JobEvent variants).
EVENT_TYPES: Dict[str, Type[Any]] = {cls.type: cls for cls in (StatusEvent, EpochEvent, ProgressEvent, DoneEvent)}


def make_event(name: str, event_id: Optional[str], data: Any) -> Event:
    cls = EVENT_TYPES.get(name)
    return UnknownEvent(name, event_id, data) if cls is None else cls(id=event_id, data=data)


@dataclass
class SseMessage:
    event: str
    data: str
    id: Optional[str]


class SseParser:
    """The text/event-stream format (WHATWG HTML, server-sent events), one line at a time."""

    def __init__(self) -> None:
        self.last_id: Optional[str] = None
        self.retry_ms: Optional[int] = None
        self._event = ""
        self._data: list = []

    def feed(self, lines: Iterable[str]) -> Iterator[SseMessage]:
        for raw in lines:
            line = raw.rstrip("\r\n")
            if line == "":
                if self._data:
                    yield SseMessage(self._event or "message", "\n".join(self._data), self.last_id)
                self._event, self._data = "", []
                continue
            if line.startswith(":"):
                continue  # a comment: heartbeats
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "event":
                self._event = value
            elif field == "data":
                self._data.append(value)
            elif field == "id" and "\0" not in value:
                self.last_id = value
            elif field == "retry" and value.isdigit():
                self.retry_ms = int(value)
