"""The Starlette application: a route per path of the spec, under `/v1` and `/api/v1`.

Routes are built from the spec's operations, each handled by its entry in `HANDLERS`, so an
operation added to the spec without a handler stops the sandbox from starting instead of going
unnoticed. Handlers are plain functions that never await: each request reads and writes the store
in one step on the event loop, so concurrent requests cannot see half a write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router

from atono_sandbox._data import DEFAULT_WORKFLOW, Flag, Item, ItemKind, Store, Team, User, now
from atono_sandbox._documents import LINK_PREFIX, Document, PageRequest, collection, single, sorted_by
from atono_sandbox._errors import ApiError, error_object, forbidden, not_found
from atono_sandbox._journal import AppliedWrite, Journal
from atono_sandbox._validation import Operation, check_media_type, operations, parse_body, parse_query, requested_page

MEDIA_TYPE = "application/vnd.api+json"
PREFIXES = ("/v1", "/api/v1")
API_KEY_HEADER = "X-API-KEY"


def json_response(status: int, document: Document | None, headers: dict[str, str] | None = None) -> Response:
    """A JSON:API response, encoded by orjson straight from dicts: big pages are the sandbox's hot path."""
    if document is None:
        return Response(status_code=status, headers=headers)
    body = orjson.dumps(document)
    return Response(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


@dataclass(slots=True)
class Reply:
    status: int
    document: Document | None


@dataclass(slots=True)
class Context:
    """What a handler gets: the workspace, who is calling, and the validated request."""

    store: Store
    journal: Journal
    viewer: str
    operation: Operation
    request_path: str
    path_params: dict[str, str]
    query: dict[str, Any]
    raw_body: Any = None
    body: dict[str, Any] | None = None

    @property
    def page(self) -> PageRequest:
        return requested_page(self.operation, self.query)

    @property
    def include(self) -> list[str] | None:
        include: list[str] | None = self.query.get("include")
        return include

    @property
    def attributes(self) -> dict[str, Any]:
        assert self.body is not None
        attributes: dict[str, Any] = self.body["data"].get("attributes") or {}
        return attributes

    @property
    def relationships(self) -> dict[str, Any]:
        assert self.body is not None
        relationships: dict[str, Any] = self.body["data"].get("relationships") or {}
        return relationships

    def record(self, resource_type: str, resource_id: str) -> None:
        write = AppliedWrite(self.operation.method, self.request_path, resource_type, resource_id, self.raw_body)
        self.journal.record(write)
        self.store.touch()


Handler = Callable[[Context], Reply]

# ---- lookups -------------------------------------------------------------------------------------


def _find_item(ctx: Context, kind: ItemKind, *, writing: bool = False) -> Item:
    """An item the caller may see, by its id or its handle (`BUG-4`), as the spec infers from the documented 404
    text ("the ID or handle is incorrect"). Another team's private item is 404 to read and 403 to write."""
    item_id = next(iter(ctx.path_params.values()))
    items = ctx.store.items(kind)
    item = items.get(item_id)
    if item is None:
        item = next((i for i in items.values() if i.handle == item_id), None)
    if item is None:
        raise not_found(kind, item_id)
    if not ctx.store.team_visible(item.team_id, ctx.viewer):
        if writing:
            raise forbidden(f"This {kind} belongs to a private team you are not a member of.")
        raise not_found(kind, item_id)
    return item


def _find_team(ctx: Context, *, writing: bool = False) -> Team:
    team_id = ctx.path_params["teamId"]
    team = ctx.store.teams.get(team_id)
    if team is None:
        raise not_found("team", team_id)
    if not ctx.store.team_visible(team.id, ctx.viewer):
        if writing:
            raise forbidden("This team is private and you are not a member of it.")
        raise not_found("team", team_id)
    return team


class _Unset:
    pass


_UNSET = _Unset()


def _linked(ctx: Context, name: str, table: dict[str, Any]) -> str | _Unset | None:
    """The id a write sets a to-one relationship to (None clears it), checked to exist."""
    if name not in ctx.relationships:
        return _UNSET
    data = ctx.relationships[name]["data"]
    if data is None:
        return None
    related_id: str = data["id"]
    if related_id not in table:
        raise not_found(data["type"], related_id, pointer=f"/data/relationships/{name}/data/id")
    return related_id


def _linked_users(ctx: Context, name: str) -> list[str] | _Unset:
    if name not in ctx.relationships:
        return _UNSET
    ids: list[str] = []
    for n, identifier in enumerate(ctx.relationships[name]["data"]):
        if identifier["id"] not in ctx.store.users:
            raise not_found("user", identifier["id"], pointer=f"/data/relationships/{name}/data/{n}/id")
        ids.append(identifier["id"])
    return list(dict.fromkeys(ids))


# ---- stories and bugs ----------------------------------------------------------------------------


def _unprocessable(detail: str, pointer: str) -> ApiError:
    return ApiError.one(422, "unprocessable", "Invalid relationship", detail, pointer=pointer)


def _apply_item_write(ctx: Context, item: Item, *, creating: bool = False) -> None:
    """Apply a create's or a PATCH's members to `item`: omitted members stay, `{"data": null}` clears.

    Moving an item to another team moves it to that team's first step unless the write names a
    step; a step must belong to the item's team and accept its kind (422 otherwise).
    """
    store = ctx.store
    team_id = _linked(ctx, "team", store.teams)
    if isinstance(team_id, str) and not store.team_visible(team_id, ctx.viewer):
        detail = "The team is private and you are not a member of it."
        raise forbidden(detail, pointer="/data/relationships/team/data/id")
    assignee_id = _linked(ctx, "assignee", store.users)
    reporter_id = _linked(ctx, "reporter", store.users)
    step_id = _linked(ctx, "workflowStep", store.steps)

    new_team = item.team_id if isinstance(team_id, _Unset) else team_id
    if isinstance(step_id, _Unset):
        current = store.steps.get(item.step_id) if item.step_id is not None else None
        if current is None or current.team_id != new_team:
            new_step = store.default_step(new_team, item.kind)
        else:
            new_step = current.id
    else:
        new_step = step_id
        if step_id is not None:
            step = store.steps[step_id]
            pointer = "/data/relationships/workflowStep/data/id"
            if step.team_id != new_team:
                raise _unprocessable("The workflow step is not part of the workflow of the item's team.", pointer)
            if not (step.for_story if item.kind == "story" else step.for_bug):
                raise _unprocessable(f"The workflow step does not take {item.kind} items.", pointer)

    attributes = ctx.attributes
    if "title" in attributes:
        item.title = attributes["title"]
    if "content" in attributes:
        item.content = attributes["content"]
    if "additionalContent" in attributes:
        item.additional_content = attributes["additionalContent"]
    if not isinstance(assignee_id, _Unset):
        item.assignee_id = assignee_id
    if isinstance(reporter_id, str):
        item.reporter_id = reporter_id
    timestamp = now()
    if creating or (new_team, new_step) != (item.team_id, item.step_id):
        item.position = store.take_position(new_team, new_step)
    item.team_id, item.step_id = new_team, new_step
    done = new_step is not None and store.steps[new_step].category == "DONE"
    item.done = (item.done or timestamp) if done else None
    item.updated = timestamp
    item.resource_cache = item.encoded_cache = None


def _list_items(kind: ItemKind, path: str) -> Handler:
    def handler(ctx: Context) -> Reply:
        records = ctx.store.visible_items(kind, ctx.viewer)
        return Reply(200, collection(records, ctx.page, path, store=ctx.store, include=ctx.include))

    return handler


def _get_item(kind: ItemKind, path: str) -> Handler:
    def handler(ctx: Context) -> Reply:
        item = _find_item(ctx, kind)
        return Reply(200, single(item, f"{LINK_PREFIX}{path}/{item.id}", ctx.store, ctx.include))

    return handler


def _create_item(kind: ItemKind, path: str) -> Handler:
    def handler(ctx: Context) -> Reply:
        store = ctx.store
        timestamp = now()
        item = Item(
            kind=kind,
            id="",
            number=0,
            title="",
            content=None,
            additional_content=None,
            position=0,
            team_id=None,
            assignee_id=None,
            reporter_id=ctx.viewer,
            step_id=None,
            created=timestamp,
            updated=timestamp,
            done=None,
            cycle_time_mode="NORMAL",
        )
        _apply_item_write(ctx, item, creating=True)
        item.id = store.new_id()
        item.number = store.next_number[kind]
        store.next_number[kind] += 1
        store.items(kind)[item.id] = item
        ctx.record(kind, item.id)
        return Reply(201, single(item, f"{LINK_PREFIX}{path}/{item.id}"))

    return handler


def _update_item(kind: ItemKind, path: str) -> Handler:
    def handler(ctx: Context) -> Reply:
        item = _find_item(ctx, kind, writing=True)
        _apply_item_write(ctx, item)
        ctx.record(kind, item.id)
        return Reply(200, single(item, f"{LINK_PREFIX}{path}/{item.id}"))

    return handler


def _delete_item(kind: ItemKind) -> Handler:
    def handler(ctx: Context) -> Reply:
        item = _find_item(ctx, kind, writing=True)
        del ctx.store.items(kind)[item.id]
        ctx.record(kind, item.id)
        return Reply(204, None)

    return handler


# ---- teams ---------------------------------------------------------------------------------------


def _list_teams(ctx: Context) -> Reply:
    records = ctx.store.visible_teams(ctx.viewer)
    return Reply(200, collection(records, ctx.page, "/teams", store=ctx.store, include=ctx.include))


def _get_team(ctx: Context) -> Reply:
    team = _find_team(ctx)
    return Reply(200, single(team, f"{LINK_PREFIX}/teams/{team.id}", ctx.store, ctx.include))


def _apply_team_write(ctx: Context, team: Team) -> None:
    """Apply a team create's or update's members. `members`, `admins` and `backlogOwners` each replace their list;
    admins and backlog owners must be members once the write is applied (422 otherwise, as the spec infers), and
    members given without them keep only the admins and owners who are still members."""
    members = _linked_users(ctx, "members")
    admins = _linked_users(ctx, "admins")
    owners = _linked_users(ctx, "backlogOwners")
    member_ids = team.member_ids if isinstance(members, _Unset) else members
    for name, given in (("admins", admins), ("backlogOwners", owners)):
        if isinstance(given, _Unset):
            continue
        for n, user_id in enumerate(given):
            if user_id not in member_ids:
                pointer = f"/data/relationships/{name}/data/{n}/id"
                detail = f"User {user_id!r} is not a member of the team; add them to members as well."
                raise ApiError.one(422, "not_a_member", "Not a team member", detail, pointer=pointer)
    attributes = ctx.attributes
    if "name" in attributes:
        team.name = attributes["name"]
    if "description" in attributes:
        team.description = attributes["description"]
    if "isPublic" in attributes:
        team.is_public = attributes["isPublic"]
    if "backlogManagementByOwners" in attributes:
        team.backlog_management_by_owners = attributes["backlogManagementByOwners"]
    team.member_ids = member_ids
    team.admin_ids = [u for u in (team.admin_ids if isinstance(admins, _Unset) else admins) if u in member_ids]
    team.backlog_owner_ids = [
        u for u in (team.backlog_owner_ids if isinstance(owners, _Unset) else owners) if u in member_ids
    ]
    team.updated = now()


def _create_team(ctx: Context) -> Reply:
    """A new team: public unless said otherwise, the caller its first member and admin, Atono's default
    workflow."""
    store = ctx.store
    timestamp = now()
    team = Team(
        id=store.new_id(),
        name="",
        description=None,
        is_public=True,
        backlog_management_by_owners=False,
        created=timestamp,
        updated=timestamp,
        member_ids=[ctx.viewer],
        admin_ids=[ctx.viewer],
        backlog_owner_ids=[],
        step_ids=[],
    )
    _apply_team_write(ctx, team)
    team.step_ids = store.add_team_workflow(team.id, DEFAULT_WORKFLOW)
    store.teams[team.id] = team
    ctx.record("team", team.id)
    return Reply(201, single(team, f"{LINK_PREFIX}/teams/{team.id}"))


def _update_team(ctx: Context) -> Reply:
    team = _find_team(ctx, writing=True)
    _apply_team_write(ctx, team)
    ctx.record("team", team.id)
    return Reply(200, single(team, f"{LINK_PREFIX}/teams/{team.id}"))


def _list_team_members(ctx: Context) -> Reply:
    team = _find_team(ctx)
    path = f"/teams/{team.id}/relationships/members"
    doc = collection(team.member_ids, ctx.page, path, serialize=lambda user_id: {"type": "user", "id": user_id})
    return Reply(200, doc)


# ---- users ---------------------------------------------------------------------------------------


def _list_users(ctx: Context) -> Reply:
    records = sorted_by(list(ctx.store.users.values()), ctx.query.get("sort", []))
    return Reply(200, collection(records, ctx.page, "/users", sort=ctx.query.get("sort")))


def _get_user(ctx: Context) -> Reply:
    user_id = ctx.path_params["userId"]
    user = ctx.store.users.get(user_id)
    if user is None:
        raise not_found("user", user_id)
    return Reply(200, single(user, f"{LINK_PREFIX}/users/{user.id}"))


def _create_user(ctx: Context) -> Reply:
    """A new user; the email is unique across users, compared without case (409 otherwise)."""
    store = ctx.store
    attributes = ctx.attributes
    email = attributes["email"]
    if email.lower() in store.emails:
        detail = f"A user with the email {email!r} already exists."
        raise ApiError.one(409, "duplicate_email", "Email already in use", detail, pointer="/data/attributes/email")
    timestamp = now()
    user = User(store.new_id(), email, attributes["fullName"], timestamp, timestamp, timestamp)
    store.users[user.id] = user
    store.emails[email.lower()] = user.id
    ctx.record("user", user.id)
    return Reply(201, single(user, f"{LINK_PREFIX}/users/{user.id}"))


def _update_user(ctx: Context) -> Reply:
    user_id = ctx.path_params["userId"]
    user = ctx.store.users.get(user_id)
    if user is None:
        raise not_found("user", user_id)
    if "fullName" in ctx.attributes:
        user.full_name = ctx.attributes["fullName"]
    user.updated = now()
    ctx.record("user", user.id)
    return Reply(200, single(user, f"{LINK_PREFIX}/users/{user.id}"))


# ---- flags and workflow steps --------------------------------------------------------------------


def _find_flag(ctx: Context) -> Flag:
    """A flag by its UUID or its key, as the docs allow."""
    id_or_key = ctx.path_params["flagIdOrKey"]
    store = ctx.store
    flag_id = id_or_key if id_or_key in store.flags else store.flag_keys.get(id_or_key)
    if flag_id is None:
        raise not_found("flag", id_or_key)
    return store.flags[flag_id]


def _list_flags(ctx: Context) -> Reply:
    records = list(ctx.store.flags.values())
    return Reply(200, collection(records, ctx.page, "/flags", store=ctx.store, include=ctx.include))


def _get_flag(ctx: Context) -> Reply:
    flag = _find_flag(ctx)
    return Reply(200, single(flag, f"{LINK_PREFIX}/flags/{flag.id}", ctx.store, ctx.include))


def _list_flag_environments(ctx: Context) -> Reply:
    flag = _find_flag(ctx)
    records = [ctx.store.flag_environments[i] for i in flag.environment_ids]
    return Reply(200, collection(records, ctx.page, f"/flags/{flag.id}/environments"))


def _get_workflow_step(ctx: Context) -> Reply:
    step_id = ctx.path_params["workflowStepId"]
    step = ctx.store.steps.get(step_id)
    if step is None or not ctx.store.team_visible(step.team_id, ctx.viewer):
        raise not_found("workflow_step", step_id)
    return Reply(200, single(step, f"{LINK_PREFIX}/workflow-steps/{step.id}"))


HANDLERS: dict[str, Handler] = {
    "listStories": _list_items("story", "/stories"),
    "createStory": _create_item("story", "/stories"),
    "getStory": _get_item("story", "/stories"),
    "updateStory": _update_item("story", "/stories"),
    "deleteStory": _delete_item("story"),
    "listBugs": _list_items("bug", "/bugs"),
    "createBug": _create_item("bug", "/bugs"),
    "getBug": _get_item("bug", "/bugs"),
    "updateBug": _update_item("bug", "/bugs"),
    "deleteBug": _delete_item("bug"),
    "listTeams": _list_teams,
    "createTeam": _create_team,
    "getTeam": _get_team,
    "updateTeam": _update_team,
    "listTeamMembers": _list_team_members,
    "listUsers": _list_users,
    "createUser": _create_user,
    "getUser": _get_user,
    "updateUser": _update_user,
    "listFlags": _list_flags,
    "getFlag": _get_flag,
    "listFlagEnvironments": _list_flag_environments,
    "getWorkflowStep": _get_workflow_step,
}


# ---- the application -----------------------------------------------------------------------------


def _endpoint(
    operation: Operation,
    handler: Handler,
    store: Store,
    journal: Journal,
    keys: dict[str, str],
    *,
    strict_media_type: str | None = None,
) -> Any:
    """Wrap a handler: authenticate, validate query and body against the spec, answer JSON:API."""

    async def endpoint(request: Request) -> Response:
        try:
            viewer = keys.get(request.headers.get(API_KEY_HEADER, ""))
            if viewer is None:
                given = API_KEY_HEADER in request.headers
                detail = f"The {API_KEY_HEADER} header is {'not a valid key' if given else 'missing'}."
                raise ApiError.one(401, "unauthorized", "Unauthorized", detail, header=API_KEY_HEADER)
            query = parse_query(operation, request.query_params.multi_items())
            ctx = Context(store, journal, viewer, operation, request.url.path, dict(request.path_params), query)
            if operation.body_model is not None:
                check_media_type(request.headers.get("content-type"), strict_media_type)
                path_id = next(iter(request.path_params.values()), None) if not operation.creates else None
                ctx.raw_body, model = parse_body(operation, await request.body(), path_id)
                ctx.body = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
            reply = handler(ctx)
        except ApiError as exc:
            return json_response(exc.status, exc.document(), exc.headers)
        return json_response(reply.status, reply.document)

    return endpoint


def _dispatch(endpoints: dict[str, Any]) -> Any:
    async def endpoint(request: Request) -> Response:
        response: Response = await endpoints["GET" if request.method == "HEAD" else request.method](request)
        return response

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer JSON:API errors too."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        detail = f"{request.method} is not supported on {request.url.path}."
        error = error_object(405, "method_not_allowed", "Method not allowed", detail)
    else:
        error = error_object(404, "not_found", "Not found", f"No route for {request.url.path}.")
    return json_response(exc.status_code, {"errors": [error]}, dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    error = error_object(500, "internal_error", "Internal server error", f"The sandbox failed: {exc!r}.")
    return json_response(500, {"errors": [error]})


def build_app(
    store: Store, journal: Journal, keys: dict[str, str], *, strict_media_type: str | None = None
) -> Starlette:
    """The API of one sandbox: `keys` maps each API key to the id of the user it acts as; `strict_media_type`, when
    given, is the one request body media type it takes (415 for the other)."""
    by_path: dict[str, dict[str, Any]] = {}
    for operation in operations():
        handler = HANDLERS.get(operation.operation_id)
        if handler is None:
            raise RuntimeError(f"the spec's operation {operation.operation_id!r} has no sandbox handler")
        endpoint = _endpoint(operation, handler, store, journal, keys, strict_media_type=strict_media_type)
        by_path.setdefault(operation.path, {})[operation.method] = endpoint
    # One route per path, so a 405 lists every method the path allows.
    routes = [Route(path, _dispatch(endpoints), methods=list(endpoints)) for path, endpoints in by_path.items()]
    mounts = [Mount(prefix, app=Router(routes, redirect_slashes=False)) for prefix in PREFIXES]
    app = Starlette(routes=mounts, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.router.redirect_slashes = False
    return app
