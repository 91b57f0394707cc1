"""Writes the mutants of this folder (`NN-name.patch`) from the edits below: each a small wrong behaviour of the SDK.

An edit replaces one exact snippet of a file (it must occur once); the patch is the unified diff of the result, its
first line the wrong behaviour it builds. When the SDK changes under a snippet, this script stops naming it: update
the edit and run it again (`.venv/bin/python tests/conformance/mutants/make_patches.py`), then
`make conformance-mutants`.
"""

from __future__ import annotations

import difflib
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parent
ROOT = OUT.parents[2]
Edit = tuple[str, str, str]  # (file, old snippet, new snippet)
M: list[tuple[str, str, tuple[Edit, ...]]] = []


def m(name: str, what: str, *edits: Edit) -> None:
    M.append((name, what, edits))


R = "overlay/atono/_retry.py"
E = "overlay/atono/_exceptions.py"
B = "overlay/atono/_base_client.py"
A = "overlay/atono/_arguments.py"
P = "overlay/atono/_pagination.py"
OB = "overlay/atono/_objects.py"
D = "overlay/atono/_documents.py"
RS = "overlay/atono/_resource.py"
GB = "generated/atono_api/api/bugs/get_bug.py"
FC = "generated/atono_api/models/flag_configuration.py"

# retries: what is retried
m(
    "write-resent-after-5xx",
    "POST and PATCH are resent after any retryable status, 5xx and 408 included",
    (R, "    return status_code == TOO_MANY_REQUESTS or method.upper() in IDEMPOTENT_METHODS", "    return True"),
)
m(
    "408-not-retried",
    "408 is left out of the statuses retried",
    (
        R,
        "DEFAULT_RETRY_STATUSES = frozenset({408, TOO_MANY_REQUESTS,",
        "DEFAULT_RETRY_STATUSES = frozenset({TOO_MANY_REQUESTS,",
    ),
)
m(
    "409-retried",
    "409 Conflict is retried like a 5xx",
    (
        R,
        "DEFAULT_RETRY_STATUSES = frozenset({408, TOO_MANY_REQUESTS,",
        "DEFAULT_RETRY_STATUSES = frozenset({408, 409, TOO_MANY_REQUESTS,",
    ),
)
m(
    "every-5xx-retried",
    "every 5xx is retried, 501 and 505 included",
    (
        R,
        "    if status_code not in statuses:\n        return False",
        "    if status_code not in statuses and status_code < 500:\n        return False",
    ),
)
m(
    "429-write-not-resent",
    "a POST or PATCH is not resent after a 429",
    (
        R,
        "    return status_code == TOO_MANY_REQUESTS or method.upper() in IDEMPOTENT_METHODS",
        "    return method.upper() in IDEMPOTENT_METHODS",
    ),
)
m(
    "read-timeout-write-resent",
    "a write is resent after a read timeout or a broken connection",
    (
        R,
        "    return isinstance(error, _TRANSIENT_ERRORS) and method.upper() in IDEMPOTENT_METHODS",
        "    return isinstance(error, _TRANSIENT_ERRORS)",
    ),
)
m(
    "transient-errors-not-retried",
    "a read is not retried after a read timeout or a broken connection",
    (R, "    return isinstance(error, _TRANSIENT_ERRORS) and method.upper() in IDEMPOTENT_METHODS", "    return False"),
)
m(
    "connect-error-write-not-resent",
    "a connect error counts as maybe-sent: a POST is not resent",
    (
        R,
        "_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)",
        "_NOT_SENT_ERRORS = (httpx.ConnectTimeout, httpx.PoolTimeout)",
    ),
)
m(
    "connect-timeout-write-not-resent",
    "a connect timeout counts as maybe-sent: a POST is not resent",
    (
        R,
        "_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)",
        "_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.PoolTimeout)",
    ),
)
# retries: delete
m(
    "delete-404-always-done",
    "a 404 to any resent DELETE is success, also after only 429s or connect errors",
    (
        R,
        '    return method.upper() == "DELETE" and status_code == NOT_FOUND and earlier_attempt_may_have_applied',
        '    return method.upper() == "DELETE" and status_code == NOT_FOUND',
    ),
)
m(
    "delete-404-never-done",
    "a 404 to a DELETE resent after a 5xx is NotFound",
    (
        R,
        '    return method.upper() == "DELETE" and status_code == NOT_FOUND and earlier_attempt_may_have_applied',
        "    return False",
    ),
)
m(
    "delete-200-is-done",
    "any 2xx answering a DELETE is taken as done",
    (RS, "    if response.status_code not in (204, 404):", "    if response.status_code not in (200, 204, 404):"),
)
# retries: Retry-After and backoff
m(
    "retry-after-zero-waited",
    "Retry-After: 0 is waited out as zero seconds instead of backing off",
    (R, "    if not math.isfinite(seconds) or seconds <= 0:", "    if not math.isfinite(seconds) or seconds < 0:"),
)
m(
    "retry-after-negative-waited",
    "a negative or past Retry-After is clamped to zero and waited out",
    (
        R,
        "    if not math.isfinite(seconds) or seconds <= 0:\n        return None\n    return seconds",
        "    if not math.isfinite(seconds):\n        return None\n    return max(seconds, 0.0)",
    ),
)
m(
    "retry-after-bound-exclusive",
    "the 60 s bound is exclusive: Retry-After: 60 raises",
    (
        R,
        "        return hint if hint <= self.max_retry_after else None",
        "        return hint if hint < self.max_retry_after else None",
    ),
)
m(
    "retry-after-long-capped-and-waited",
    "a Retry-After above 60 s is waited out for 60 s instead of raising",
    (
        R,
        "        return hint if hint <= self.max_retry_after else None",
        "        return min(hint, self.max_retry_after)",
    ),
)
m(
    "retry-after-ignored",
    "Retry-After is ignored: always the backoff",
    (
        R,
        "        hint = self.retry_after(response)\n        if hint is None:",
        "        hint = self.retry_after(response)\n        if True:",
    ),
)
m(
    "retry-after-http-date-ignored",
    "an HTTP-date Retry-After is not parsed (only seconds)",
    (
        R,
        "        try:\n            when = email.utils.parsedate_to_datetime(value)\n        except (TypeError, ValueError, IndexError):\n            return None",
        "        return None\n        when = email.utils.parsedate_to_datetime(value)",
    ),
)
m(
    "retry-after-integer-only",
    "a decimal Retry-After is refused (integers only)",
    (R, "        seconds = float(value)", "        seconds = float(int(value))"),
)
m(
    "retry-after-only-on-429",
    "Retry-After is honoured on 429 only; a 503's is ignored",
    (
        R,
        "        hint = self.retry_after(response)\n        if hint is None:",
        "        hint = self.retry_after(response) if response.status_code == TOO_MANY_REQUESTS else None\n        if hint is None:",
    ),
)
m(
    "backoff-not-doubling",
    "the backoff does not grow: every pause is based on the initial delay",
    (R, "    base = min(initial * 2.0**retries_taken, maximum)", "    base = min(initial, maximum)"),
)
m(
    "backoff-from-one-second",
    "the backoff starts at 1 s instead of 0.5 s",
    (R, "        initial_delay: float = 0.5,", "        initial_delay: float = 1.0,"),
)
m(
    "backoff-full-jitter",
    "full jitter: a pause anywhere from 0 to the base",
    (
        R,
        "        jitter: float = 0.5,",
        "        jitter: float = 1.0,",
    ),
)
m(
    "backoff-uncapped-16",
    "the backoff is capped at 16 s instead of 8 s",
    (R, "        max_delay: float = 8.0,", "        max_delay: float = 16.0,"),
)
m(
    "backoff-off-by-one-exponent",
    "the first retry already doubles (exponent counts from 1)",
    (
        R,
        "    base = min(initial * 2.0**retries_taken, maximum)",
        "    base = min(initial * 2.0 ** (retries_taken + 1), maximum)",
    ),
)
m(
    "backoff-no-jitter",
    "no jitter: every pause is the full base",
    (R, "    return base * (1.0 - spread + spread * jitter)", "    return base"),
)
# errors
m(
    "html-tags-kept",
    "an HTML error page's tags are left in the message",
    (E, '    return html.unescape(tag.sub(" ", " ".join(kept)))', "    return html.unescape(text)"),
)
m(
    "html-entities-kept",
    "an HTML error page's character references are left in the message",
    (E, '    return html.unescape(tag.sub(" ", " ".join(kept)))', '    return tag.sub(" ", " ".join(kept))'),
)
m(
    "html-script-style-kept",
    "script and style blocks of an HTML page are kept as text in the message",
    (
        E,
        "    while (start := block_start.search(text, position)) is not None:",
        "    while (start := block_start.search(text, position)) is not None and False:",
    ),
)
m(
    "message-title-before-detail",
    "the message prefers an error's title to its detail",
    (
        E,
        "        reason = error.detail or error.title or error.code",
        "        reason = error.title or error.detail or error.code",
    ),
)
m(
    "message-detail-only",
    "the message uses only the detail; a title or code alone is dropped",
    (E, "        reason = error.detail or error.title or error.code", "        reason = error.detail"),
)
m(
    "only-500-is-internal-server",
    "only 500 is InternalServer; other 5xx are the generic status error",
    (
        E,
        "    if status_code >= 500:\n        return InternalServerError",
        "    if status_code == 500:\n        return InternalServerError",
    ),
)
m("conflict-is-generic", "409 has no kind of its own", (E, "    409: ConflictError,\n", ""))
m(
    "request-id-header-wrong",
    "the request id is read only from `request-id`",
    (
        E,
        '_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")',
        '_REQUEST_ID_HEADERS = ("request-id",)',
    ),
)
m(
    "error-objects-first-only",
    "only the first JSON:API error object is kept",
    (
        E,
        "        errors = list(itertools.islice(objects, MAX_ERROR_OBJECTS))",
        "        errors = list(itertools.islice(objects, 1))",
    ),
)
m(
    "rate-limit-retry-after-not-carried",
    "a RateLimit error does not carry retryAfter",
    (
        B,
        "        return make_status_error(response, retry_after=call.policy.retry_after(response))",
        "        return make_status_error(response)",
    ),
)
# success bodies
m(
    "success-content-type-ignored",
    "a success body is read as JSON whatever its Content-Type",
    (RS, '    if "json" not in content_type:\n        raise', "    if False:\n        raise"),
)
m(
    "resource-links-dropped",
    "a resource object's own links are dropped",
    (D, '        members["links"] = {} if links is None else links', '        members["links"] = {}'),
    (OB, '        members["links"] = object_member(raw, "links")', '        members["links"] = {}'),
)
m(
    "enum-case-insensitive",
    "enum membership is compared case-insensitively",
    (
        FC,
        "        if not isinstance(value, str):\n            return None\n",
        "        if not isinstance(value, str):\n            return None\n        for known in cls:\n            if known.value.lower() == value.lower():\n                return known\n",
    ),
)
m(
    "enum-known-by-name",
    "an unknown value sharing a member's name reads as known (the old is_known)",
    (
        FC,
        "        return type(self)._value2member_map_.get(self._value_) is self",
        "        return self._name_ in type(self).__members__",
    ),
)
# redirects and media type
m(
    "redirect-other-origin-followed",
    "a redirect to another origin is followed",
    (
        B,
        "        if not _same_origin(target, self._base_url):\n            _scrub(next_request)",
        "        if False:\n            _scrub(next_request)",
    ),
)
m(
    "redirect-method-change-followed",
    "a 301/302/303 answering a write is followed as a GET",
    (
        B,
        "        if next_request.method != response.request.method:\n            _scrub(next_request)",
        "        if False:\n            _scrub(next_request)",
    ),
)
m(
    "redirect-never-followed",
    "no redirect is followed, not even a 307 within the origin",
    (
        B,
        "        next_request = response.next_request\n        if next_request is None:",
        "        next_request = response.next_request\n        if True:",
    ),
)
m(
    "media-type-fallback-missing",
    "a 415 to a body sent as application/json is the error at once",
    (
        B,
        "        if not call.negotiable:\n            return None\n        if call.fell_back:",
        "        if True:\n            return None\n        if call.fell_back:",
    ),
)
m(
    "media-type-fallback-same-type",
    "after a 415 the body is resent as the same application/json",
    (
        B,
        '        return call._replace(headers={**call.headers, "Content-Type": JSONAPI_MEDIA_TYPE}, fell_back=True)',
        "        return call._replace(fell_back=True)",
    ),
)
# arguments
m(
    "id-query-delimiters-allowed",
    "ids holding `?` or `#` are sent",
    (
        A,
        '    if any(ch in "/?#\\\\" or ch < " " or ch == "\\x7f" for ch in value):',
        '    if any(ch in "/\\\\" or ch < " " or ch == "\\x7f" for ch in value):',
    ),
)
m(
    "id-dot-segments-allowed",
    "`.` and `..` ids are sent",
    (A, '    if decoded in (".", "..") or value in (".", ".."):', "    if False:"),
)
m(
    "id-encoded-dot-segments-allowed",
    "percent-encoded dot segments (`%2e%2e`) are sent",
    (A, '    if decoded in (".", "..") or value in (".", ".."):', '    if value in (".", ".."):'),
)
m(
    "id-inner-dots-refused",
    "any id starting with a dot is refused",
    (A, '    if decoded in (".", "..") or value in (".", ".."):', '    if decoded.startswith("."):'),
)
m(
    "id-whitespace-trimmed",
    "an id's surrounding whitespace is accepted",
    (A, "    if not value or value.strip() != value:", "    if not value:"),
)
m(
    "id-not-percent-encoded",
    "a path id is sent as it is, not percent-encoded",
    (GB, '            bug_id=quote(str(bug_id), safe=""),', "            bug_id=str(bug_id),"),
)
m(
    "id-encoded-like-encodeURI",
    "a path id is encoded as encodeURI would: `& + ! $ ' ( ) * , ; = : @` kept",
    (
        GB,
        '            bug_id=quote(str(bug_id), safe=""),',
        '            bug_id=quote(str(bug_id), safe="&+!$\'()*,;=:@"),',
    ),
)
m(
    "include-empty-list-sent",
    "an empty include list sends `include=`",
    (A, '    return ",".join(chosen) if chosen else UNSET', '    return ",".join(chosen)'),
)
m(
    "include-not-deduplicated",
    "a relationship named twice (reporter, creator) is asked for twice",
    (A, "        if wire not in chosen:\n            chosen.append(wire)", "        chosen.append(wire)"),
)
m(
    "include-sent-as-ignored",
    "`reporter` is sent as it is, not as `creator`",
    (A, "        wire = (sent_as or {}).get(wire, wire)\n", ""),
)
m(
    "strategy-unchecked",
    "an unknown strategy is accepted (and pages by offset)",
    (P, '    if strategy not in ("number", "offset"):\n        raise', "    if False:\n        raise"),
)
m(
    "start-boundary-unchecked",
    "start off a page boundary is accepted with page[number]",
    (P, '    if strategy == "number" and start % page_size:\n        raise', "    if False:\n        raise"),
)
# paging
m(
    "page-number-from-one",
    "page[number] counts from 1",
    (
        P,
        "            return {PAGE_SIZE: self.page_size, PAGE_NUMBER: self.start // self.page_size + index}",
        "            return {PAGE_SIZE: self.page_size, PAGE_NUMBER: self.start // self.page_size + index + 1}",
    ),
)
m(
    "offset-off-by-one",
    "each later page[offset] skips one item too many",
    (
        P,
        "        return {PAGE_SIZE: self.page_size, PAGE_OFFSET: self.start + index * self.page_size}",
        "        return {PAGE_SIZE: self.page_size, PAGE_OFFSET: self.start + index * self.page_size + (1 if index else 0)}",
    ),
)
m(
    "offset-ignores-start",
    "a resumed offset walk ignores start after the first page",
    (
        P,
        "        return {PAGE_SIZE: self.page_size, PAGE_OFFSET: self.start + index * self.page_size}",
        "        return {PAGE_SIZE: self.page_size, PAGE_OFFSET: self.start if index == 0 else index * self.page_size}",
    ),
)
m(
    "limit-does-not-shape-page-size",
    "a limit below the page size leaves page[size] as it is",
    (
        P,
        '            if self.strategy == "offset" or self.start % smaller == 0:\n                self.page_size = smaller',
        "            if False:\n                self.page_size = smaller",
    ),
)
m(
    "limit-not-cut",
    "the last page is not cut to the limit",
    (
        P,
        "        if remaining is not None and cut:\n            items = items[:remaining]",
        "        if False:\n            items = items[:remaining]",
    ),
)
m(
    "count-ignored",
    "meta.count is ignored: a short page ends a walk without links",
    (P, "        if self.last_by_total is not None:\n            # With", "        if False:\n            # With"),
)
m(
    "count-outranks-empty-page",
    "an empty page does not end a walk the count says goes on",
    (
        P,
        "            return index >= self.last_by_total or not page.items",
        "            return index >= self.last_by_total",
    ),
)
m(
    "short-page-outranks-count",
    "a short page ends the walk even when meta.count says more",
    (
        P,
        "            return index >= self.last_by_total or not page.items",
        "            return index >= self.last_by_total or len(page.items) < self.page_size",
    ),
)
m(
    "count-from-zero-on-resume",
    "meta.count is taken as counting from start, not from the collection's first item",
    (P, "        remaining = None if total is None else total - self.start", "        remaining = total"),
)
m(
    "links-ignored-for-the-end",
    "links do not decide the end: a page with links but no next goes on by count or length",
    (
        P,
        '        if page.links:\n            return not page.links.get("next")',
        '        if page.links and False:\n            return not page.links.get("next")',
    ),
)
m(
    "next-link-not-followed",
    "links.next is ignored: the arithmetic names every page",
    (
        P,
        "        params = {PAGE_SIZE: self.page_size, **link} if link else self.params(index + 1)\n        if _position",
        "        params = self.params(index + 1)\n        if _position",
    ),
)
m(
    "next-link-all-parameters",
    "every query parameter of links.next is sent, not only the paging ones",
    (
        P,
        "    for name in PAGE_PARAMETERS:\n        values = query.get(name)",
        "    for name in query:\n        values = query.get(name)",
    ),
)
m(
    "next-link-repeat-followed",
    "a links.next naming a page already read is followed",
    (P, "        if _position(params) in self.read:\n            raise", "        if False:\n            raise"),
)
m(
    "repeated-items-not-detected",
    "a page repeating an earlier page's items is handed out again",
    (
        P,
        "            if fingerprint in self.fingerprints:\n                raise",
        "            if False:\n                raise",
    ),
)
m(
    "next-start-of-cut-page",
    "a page cut by limit says the next start is after the whole page",
    (
        P,
        "        elif cut:\n            next_start = start + len(items)",
        "        elif cut:\n            next_start = start + len(page.items)",
    ),
)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.patch"):
        old.unlink()
    for number, (name, what, edits) in enumerate(M, 1):
        texts: dict[str, str] = {}
        for path, old, new in edits:
            text = texts.get(path) or (ROOT / path).read_text()
            if text.count(old) != 1:
                sys.exit(f"{name}: {path}: {old!r} found {text.count(old)} times")
            texts[path] = text.replace(old, new)
        diff = [f"Wrong behaviour: {what}.\n", "\n"]
        for path, text in texts.items():
            diff += difflib.unified_diff(
                (ROOT / path).read_text().splitlines(True), text.splitlines(True), f"a/{path}", f"b/{path}", n=2
            )
        (OUT / f"{number:02d}-{name}.patch").write_text("".join(diff))
    print(len(M), "mutants")


if __name__ == "__main__":
    main()
