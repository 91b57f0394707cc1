"""JSON:API documents built straight from store records: resources, relationships, `included`, paging links.

Responses are plain dicts handed to `json.dumps`, never wire models: a 100-item page with includes must
be cheap to build. Their shape is checked against the spec by the schemathesis test instead.
Links are relative paths under `/api/v1/`, the style of Atono's own examples; the sandbox serves that
prefix too, so a client can follow them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from atono_sandbox._data import Flag, FlagEnvironment, Item, Store, Team, User, WorkflowStep, criterion_text

LINK_PREFIX = "/api/v1"

Document = dict[str, Any]
Resource = dict[str, Any]


def timestamp(seconds: int | None) -> str | None:
    """UTC with seconds precision and a `Z`, as Atono writes dates."""
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _to_one(type_: str, id_: str | None, path: str) -> dict[str, Any]:
    if id_ is None:
        return {"data": None}
    return {"links": {"related": f"{LINK_PREFIX}/{path}/{id_}"}, "data": {"type": type_, "id": id_}}


def _identifiers(type_: str, ids: Iterable[str]) -> list[dict[str, str]]:
    return [{"type": type_, "id": i} for i in ids]


@dataclass(frozen=True, slots=True)
class Criterion:
    """A story's acceptance criterion. Atono documents only its type name, so its id is derived from the
    story's (stable, never stored) and its attributes are the sandbox's own."""

    id: str
    story_number: int
    index: int


def criteria_of(item: Item) -> list[Criterion]:
    """A story's criteria. Their ids are the story's with the last field counted up: stable, unique
    in practice, and much cheaper than hashing on every page."""
    if not item.criteria:
        return []
    head, node = item.id[:24], int(item.id[24:], 16)
    return [Criterion(f"{head}{(node + n + 1) % (1 << 48):012x}", item.number, n) for n in range(item.criteria)]


def item_resource(item: Item) -> Resource:
    """The item's resource; cached on the item because pages of items are what the sandbox serves most."""
    if item.resource_cache is None:
        item.resource_cache = _build_item_resource(item)
    return item.resource_cache


def encoded_resource(record: Record) -> Any:
    """The record's resource for a page: an item's as its cached JSON (an `orjson.Fragment`, written as it is).

    Encoding a page of stories was most of the sandbox's time per request; with the items' JSON cached, a page
    is mostly a join of bytes, so concurrent clients wait less for each other.
    """
    if not isinstance(record, Item):
        return resource(record)
    if record.encoded_cache is None:
        record.encoded_cache = orjson.Fragment(orjson.dumps(item_resource(record)))
    return record.encoded_cache


def _build_item_resource(item: Item) -> Resource:
    attributes: dict[str, Any] = {
        "title": item.title,
        "handle": item.handle,
        "position": item.position,
        "content": item.content if item.content is not None else [],
    }
    if item.kind == "story":
        attributes["additionalContent"] = item.additional_content if item.additional_content is not None else []
    attributes["cycleTimeMode"] = item.cycle_time_mode
    attributes["createdAt"] = timestamp(item.created)
    attributes["updatedAt"] = timestamp(item.updated)
    attributes["doneAt"] = timestamp(item.done)
    attributes["deleted"] = False
    relationships: dict[str, Any] = {
        "assignee": _to_one("user", item.assignee_id, "users"),
        "team": _to_one("team", item.team_id, "teams"),
        "reporter": _to_one("user", item.reporter_id, "users"),
        "workflowStep": _to_one("workflow_step", item.step_id, "workflow-steps"),
    }
    if item.kind == "story":
        criteria = criteria_of(item)
        relationships["acceptanceCriteria"] = {
            "data": _identifiers("acceptance_criterion", (c.id for c in criteria)),
            "meta": {"count": len(criteria)},
        }
    return {"type": item.kind, "id": item.id, "attributes": attributes, "relationships": relationships}


def user_resource(user: User) -> Resource:
    return {
        "type": "user",
        "id": user.id,
        "attributes": {
            "createdAt": timestamp(user.created),
            "updatedAt": timestamp(user.updated),
            "invitedAt": timestamp(user.invited),
            "email": user.email,
            "fullName": user.full_name,
            "deleted": False,
        },
    }


def team_resource(team: Team) -> Resource:
    return {
        "type": "team",
        "id": team.id,
        "attributes": {
            "name": team.name,
            "description": team.description,
            "createdAt": timestamp(team.created),
            "updatedAt": timestamp(team.updated),
            "isPublic": team.is_public,
            "backlogManagementByOwners": team.backlog_management_by_owners,
        },
        "relationships": {
            "members": {
                "links": {"self": f"{LINK_PREFIX}/teams/{team.id}/relationships/members"},
                "data": _identifiers("user", team.member_ids),
                "meta": {"count": len(team.member_ids)},
            },
            "admins": {"data": _identifiers("user", team.admin_ids)},
            "backlogOwners": {"data": _identifiers("user", team.backlog_owner_ids)},
        },
    }


def step_resource(step: WorkflowStep) -> Resource:
    return {
        "type": "workflow_step",
        "id": step.id,
        "attributes": {
            "name": step.name,
            "category": step.category,
            "position": step.position,
            "color": step.color,
            "stepType": step.step_type,
            "forStory": step.for_story,
            "forBug": step.for_bug,
            "allowNewItems": step.allow_new_items,
        },
    }


def flag_resource(flag: Flag) -> Resource:
    return {
        "type": "flag",
        "id": flag.id,
        "attributes": {
            "key": flag.key,
            "summary": flag.summary,
            "variants": flag.variants,
            "createdAt": timestamp(flag.created),
            "updatedAt": timestamp(flag.updated),
        },
        "relationships": {
            "slices": {
                "links": {"self": f"{LINK_PREFIX}/flags/{flag.id}/environments"},
                "data": _identifiers("flag_environment", flag.environment_ids),
            }
        },
    }


def flag_environment_resource(env: FlagEnvironment) -> Resource:
    return {
        "type": "flag_environment",
        "id": env.id,
        "attributes": {"configuration": env.configuration},
        "meta": {"environmentCode": env.code},
    }


def criterion_resource(criterion: Criterion) -> Resource:
    return {
        "type": "acceptance_criterion",
        "id": criterion.id,
        "attributes": {"text": criterion_text(criterion.story_number, criterion.index), "position": criterion.index},
    }


Record = Item | User | Team | WorkflowStep | Flag | FlagEnvironment | Criterion


def resource(record: Record) -> Resource:
    if isinstance(record, Item):
        return item_resource(record)
    if isinstance(record, User):
        return user_resource(record)
    if isinstance(record, Team):
        return team_resource(record)
    if isinstance(record, WorkflowStep):
        return step_resource(record)
    if isinstance(record, Flag):
        return flag_resource(record)
    if isinstance(record, FlagEnvironment):
        return flag_environment_resource(record)
    return criterion_resource(record)


# ---- include -------------------------------------------------------------------------------------


def _include_relationships() -> dict[str, str]:
    """The relationship an include path names where they differ (`WORKFLOW_STEP` -> `workflowStep`, `creator` ->
    `reporter`), as the spec's include enums say."""
    from atono_sandbox._validation import include_relationships  # noqa: PLC0415 - it imports this module

    return include_relationships()


def _related(store: Store, record: Record, name: str) -> Iterator[Record]:
    """The records a relationship of `record` points at (the traversal behind `include`)."""
    if isinstance(record, Item):
        related: Record | None = None
        if name == "assignee" and record.assignee_id is not None:
            related = store.users.get(record.assignee_id)
        elif name == "reporter" and record.reporter_id is not None:
            related = store.users.get(record.reporter_id)
        elif name == "team" and record.team_id is not None:
            related = store.teams.get(record.team_id)
        elif name == "workflowStep" and record.step_id is not None:
            related = store.steps.get(record.step_id)
        elif name == "acceptanceCriteria":
            yield from criteria_of(record)
        if related is not None:
            yield related
    elif isinstance(record, Team):
        ids = {"members": record.member_ids, "admins": record.admin_ids, "backlogOwners": record.backlog_owner_ids}
        yield from (store.users[i] for i in ids.get(name, ()) if i in store.users)
    elif isinstance(record, Flag) and name == "slices":
        yield from (store.flag_environments[i] for i in record.environment_ids)


def included(store: Store, primary: list[Record], paths: list[str]) -> list[Resource]:
    """The `included` member for `include=paths`: every resource reached once, never a primary one.

    Nested paths (`team.members`) walk from the resources of their parent segment; order is the
    order of first appearance, so the document is deterministic.
    """
    seen = {(resource_type(r), r.id) for r in primary}
    out: list[Resource] = []
    aliases = _include_relationships()
    for path in paths:
        frontier: list[Record] = list(primary)
        for segment in path.split("."):
            name = aliases.get(segment, segment)
            reached: list[Record] = []
            for record in frontier:
                reached.extend(_related(store, record, name))
            for record in reached:
                key = (resource_type(record), record.id)
                if key not in seen:
                    seen.add(key)
                    out.append(resource(record))
            frontier = reached
    return out


def resource_type(record: Record) -> str:
    if isinstance(record, Item):
        return record.kind
    return _TYPE_NAMES[type(record)]


_TYPE_NAMES: dict[type, str] = {
    User: "user",
    Team: "team",
    WorkflowStep: "workflow_step",
    Flag: "flag",
    FlagEnvironment: "flag_environment",
    Criterion: "acceptance_criterion",
}


# ---- documents -----------------------------------------------------------------------------------


def single(record: Record, link: str, store: Store | None = None, include: list[str] | None = None) -> Document:
    doc: Document = {"data": resource(record)}
    if include and store is not None:
        doc["included"] = included(store, [record], include)
    doc["links"] = {"self": link}
    return doc


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Validated paging parameters: `offset` is set when the request paged by offset."""

    size: int
    number: int
    offset: int | None

    @property
    def start(self) -> int:
        return self.offset if self.offset is not None else self.number * self.size


def sorted_by(records: list[Any], sort: list[str]) -> list[Any]:
    """`records` ordered by the attributes `sort` names (`-createdAt` descending), the first one first; nulls sort
    last ascending and first descending. Ties keep the store's order, so pages stay deterministic."""
    ordered = list(records)
    for field in reversed(sort):
        name = field.removeprefix("-")

        def key(record: Any, name: str = name) -> tuple[bool, Any]:
            value = resource(record)["attributes"].get(name)
            return (value is None, value if value is not None else "")

        ordered.sort(key=key, reverse=field.startswith("-"))
    return ordered


def collection(
    records: list[Any],
    page: PageRequest,
    path: str,
    *,
    serialize: Any = encoded_resource,
    store: Store | None = None,
    include: list[str] | None = None,
    sort: list[str] | None = None,
) -> Document:
    """A page of `records` with `links` (self, next unless last, prev unless first) and `meta.count`.

    Links keep the request's paging style (number or offset), its `include` and its `sort`.
    """
    total = len(records)
    start = page.start
    window = records[start : start + page.size]
    doc: Document = {"data": [serialize(r) for r in window]}
    if include and store is not None:
        doc["included"] = included(store, window, include)

    def link(number: int | None = None, offset: int | None = None) -> str:
        query: list[tuple[str, str | int]] = []
        if offset is not None:
            query.append(("page[offset]", offset))
        else:
            query.append(("page[number]", number if number is not None else 0))
        query.append(("page[size]", page.size))
        if include:
            query.append(("include", ",".join(include)))
        query.extend(("sort", field) for field in sort or ())
        return f"{LINK_PREFIX}{path}?{urlencode(query, safe='[],.')}"

    links: dict[str, str] = {}
    if page.offset is not None:
        links["self"] = link(offset=page.offset)
        if page.size and start + page.size < total:
            links["next"] = link(offset=start + page.size)
        if start > 0:
            links["prev"] = link(offset=max(0, start - page.size))
    else:
        links["self"] = link(number=page.number)
        if page.size and start + page.size < total:
            links["next"] = link(number=page.number + 1)
        if page.number > 0:
            links["prev"] = link(number=min(page.number - 1, max(0, (total - 1) // page.size)))
    doc["links"] = links
    doc["meta"] = {"count": total}
    return doc
