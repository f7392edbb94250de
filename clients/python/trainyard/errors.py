"""The one exception the client raises: an API problem (RFC 9457), a failed job, or no answer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional


@dataclass(frozen=True)
class FieldError:
    """One invalid field of a request: `path` like `optimizer.lr` or `data.y[3]`."""

    path: str
    message: str


class TrainyardError(Exception):
    """Raised for every failure the client reports.

    `status` is the HTTP status (None when the service could not be reached or a job failed),
    `code` the stable machine-readable code (`validation_failed`, `job_not_found`,
    `model_not_available`, a failed job's `diverged` …), `errors` every invalid field.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: str = "error",
        errors: Optional[List[FieldError]] = None,
        title: Optional[str] = None,
        detail: Optional[str] = None,
        request_id: Optional[str] = None,
        problem: Optional[dict] = None,
        job: Optional[dict] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.errors = errors or []
        self.title = title
        self.detail = detail
        self.request_id = request_id
        #: The problem document as the service sent it, if it sent one.
        self.problem = problem
        #: The job, when a job failed or was cancelled (jobs.wait).
        self.job = job

    @classmethod
    def from_response(cls, response: Any) -> "TrainyardError":
        """The error of an HTTP response that is not a success."""
        status = response.status_code
        problem = None
        try:
            body = response.json()
            if isinstance(body, dict):
                problem = body
        except ValueError:
            pass
        if problem is None:
            text = response.text.strip()[:200] if hasattr(response, "text") else ""
            return cls(
                "HTTP %d from %s %s%s" % (status, response.request.method, response.request.url, ": " + text if text else ""),
                status=status,
                code="http_%d" % status,
            )
        errors = [
            FieldError(str(e.get("path", "")), str(e.get("message", "")))
            for e in problem.get("errors") or []
            if isinstance(e, dict)
        ]
        title = problem.get("title")
        detail = problem.get("detail")
        message = "%d %s" % (status, detail or title or "error")
        if errors:
            message += "\n" + "\n".join("  %s: %s" % (e.path or "(body)", e.message) for e in errors)
        return cls(
            message,
            status=status,
            code=str(problem.get("code") or "http_%d" % status),
            errors=errors,
            title=title,
            detail=detail,
            request_id=problem.get("request_id"),
            problem=problem,
        )

    def __repr__(self) -> str:
        return "TrainyardError(status=%r, code=%r, errors=%r)" % (self.status, self.code, self.errors)
