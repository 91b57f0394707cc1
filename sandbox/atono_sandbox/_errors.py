"""JSON:API error documents, and the exception that carries one out of a handler."""

from __future__ import annotations

from typing import Any

ErrorObject = dict[str, Any]


def error_object(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    header: str | None = None,
) -> ErrorObject:
    """One entry of `errors[]`: status as a string, as JSON:API requires, and where the problem is."""
    error: ErrorObject = {"status": str(status), "code": code, "title": title, "detail": detail}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    elif header is not None:
        error["source"] = {"header": header}
    return error


class ApiError(Exception):
    """Ends a request with an error document; every error object shares the response's status."""

    def __init__(self, status: int, errors: list[ErrorObject], headers: dict[str, str] | None = None) -> None:
        super().__init__(errors[0]["detail"] if errors else str(status))
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def one(
        cls,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        header: str | None = None,
    ) -> ApiError:
        return cls(
            status, [error_object(status, code, title, detail, pointer=pointer, parameter=parameter, header=header)]
        )

    def document(self) -> dict[str, Any]:
        return {"errors": self.errors}


def not_found(type_: str, id_: str, pointer: str | None = None) -> ApiError:
    return ApiError.one(404, "not_found", "Resource not found", f"No {type_} with id {id_!r}.", pointer=pointer)


def forbidden(detail: str, pointer: str | None = None) -> ApiError:
    return ApiError.one(403, "forbidden", "Forbidden", detail, pointer=pointer)
