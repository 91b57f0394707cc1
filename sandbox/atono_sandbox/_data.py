"""The sandbox's in-memory workspace: records, the store that holds them, and the seeded generator.

Records are plain slotted dataclasses rather than wire models: the store is read on every request and
seeded with up to hundreds of thousands of items, so it keeps only what a response needs and formats
documents lazily (see `_documents`). Timestamps are integer UTC epoch seconds, written as `...Z` on the
wire, like Atono's.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Literal

ItemKind = Literal["story", "bug"]

# Seeded records are spread over this range, so the same seed gives the same timestamps on any day.
_EPOCH_START = 1_704_067_200  # 2024-01-01T00:00:00Z
_EPOCH_SPAN = 540 * 86_400  # about eighteen months

FLAG_ENVIRONMENTS = ("dev", "test", "stage", "prod")


def now() -> int:
    """The current time in whole seconds: Atono's timestamps have seconds precision."""
    return int(time.time())


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from `rng` (about twice as fast as going through `uuid.UUID`)."""
    bits = rng.getrandbits(128)
    # Set the version (4) and the RFC 4122 variant bits, as uuid.UUID(version=4) does.
    bits = (bits & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(slots=True)
class User:
    id: str
    email: str
    full_name: str
    created: int
    updated: int
    invited: int | None


@dataclass(slots=True)
class WorkflowStep:
    id: str
    team_id: str
    name: str
    category: str
    position: int
    color: str
    step_type: str
    for_story: bool
    for_bug: bool
    allow_new_items: bool


@dataclass(slots=True)
class Team:
    id: str
    name: str
    description: str | None
    is_public: bool
    backlog_management_by_owners: bool
    created: int
    updated: int
    member_ids: list[str]
    admin_ids: list[str]
    backlog_owner_ids: list[str]
    step_ids: list[str]


@dataclass(slots=True)
class Item:
    """A story or a bug: they share every field but `additional_content` and acceptance criteria."""

    kind: ItemKind
    id: str
    number: int
    title: str
    content: list[dict[str, str]] | None
    additional_content: list[dict[str, str]] | None
    position: int
    team_id: str | None
    assignee_id: str | None
    reporter_id: str | None
    step_id: str | None
    created: int
    updated: int
    done: int | None
    cycle_time_mode: str
    criteria: int = 0
    # The item's JSON:API resource and its JSON, built on first read and dropped by the one function that changes
    # items.
    resource_cache: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    encoded_cache: Any = field(default=None, repr=False, compare=False)

    @property
    def handle(self) -> str:
        return f"{'STORY' if self.kind == 'story' else 'BUG'}-{self.number}"


@dataclass(slots=True)
class Flag:
    id: str
    key: str
    summary: str | None
    variants: dict[str, object]
    created: int
    updated: int
    environment_ids: list[str]


@dataclass(slots=True)
class FlagEnvironment:
    id: str
    flag_id: str
    code: str
    configuration: str


@dataclass(slots=True)
class Store:
    """Every record of one sandbox, with the lookups and visibility rules the routes need.

    All mutation happens on the server's event loop, in code that never awaits, so requests see each
    write whole. Ordered lists per viewer are cached and dropped on every write (`touch`), which keeps
    paging through 100,000 items cheap.
    """

    rng: random.Random
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    steps: dict[str, WorkflowStep] = field(default_factory=dict)
    stories: dict[str, Item] = field(default_factory=dict)
    bugs: dict[str, Item] = field(default_factory=dict)
    flags: dict[str, Flag] = field(default_factory=dict)
    flag_environments: dict[str, FlagEnvironment] = field(default_factory=dict)
    flag_keys: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    next_number: dict[str, int] = field(default_factory=lambda: {"story": 1, "bug": 1})
    next_position: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    _item_lists: dict[tuple[str, str], list[Item]] = field(default_factory=dict)
    _team_lists: dict[str, list[Team]] = field(default_factory=dict)

    def touch(self) -> None:
        """Forget cached lists after a write."""
        self._item_lists.clear()
        self._team_lists.clear()

    def new_id(self) -> str:
        return random_uuid(self.rng)

    def items(self, kind: ItemKind) -> dict[str, Item]:
        return self.stories if kind == "story" else self.bugs

    def team_visible(self, team_id: str | None, viewer: str) -> bool:
        """Whether `viewer` may see a team and its items: public teams and one's own private teams."""
        if team_id is None:
            return True
        team = self.teams.get(team_id)
        return team is not None and (team.is_public or viewer in team.member_ids)

    def visible_items(self, kind: ItemKind, viewer: str) -> list[Item]:
        key = (kind, viewer)
        cached = self._item_lists.get(key)
        if cached is None:
            hidden = {t.id for t in self.teams.values() if not t.is_public and viewer not in t.member_ids}
            values = self.items(kind).values()
            cached = list(values) if not hidden else [i for i in values if i.team_id not in hidden]
            self._item_lists[key] = cached
        return cached

    def visible_teams(self, viewer: str) -> list[Team]:
        cached = self._team_lists.get(viewer)
        if cached is None:
            cached = [t for t in self.teams.values() if t.is_public or viewer in t.member_ids]
            self._team_lists[viewer] = cached
        return cached

    def take_position(self, team_id: str | None, step_id: str | None) -> int:
        """The next free position at the bottom of a team's step."""
        key = (team_id, step_id)
        position = self.next_position.get(key, 0)
        self.next_position[key] = position + 1
        return position

    def default_step(self, team_id: str | None, kind: ItemKind) -> str | None:
        """Where a new item of a team starts: the first step that takes new items of its kind."""
        if team_id is None:
            return None
        steps = [self.steps[s] for s in self.teams[team_id].step_ids]
        for step in steps:
            if step.allow_new_items and (step.for_story if kind == "story" else step.for_bug):
                return step.id
        return steps[0].id if steps else None

    def add_team_workflow(self, team_id: str, names: list[str]) -> list[str]:
        """Create a team's workflow steps from step names (see `_STEP_KINDS`), ordered as Atono orders them."""
        ids: list[str] = []
        per_category: dict[str, int] = {}
        for name in names:
            category, step_type, color = _STEP_KINDS[name]
            position = per_category.get(category, 0)
            per_category[category] = position + 1
            step = WorkflowStep(
                id=self.new_id(),
                team_id=team_id,
                name=name,
                category=category,
                position=position,
                color=color,
                step_type=step_type,
                for_story=True,
                for_bug=name != "Design",
                allow_new_items=category == "TODO",
            )
            self.steps[step.id] = step
            ids.append(step.id)
        return ids


# ---- seeded generation ---------------------------------------------------------------------------

# name -> (category, stepType, colour). The names are Atono's default workflow steps.
_STEP_KINDS = {
    "To do": ("TODO", "TODO", "8a94a6"),
    "Design": ("IN_PROGRESS", "DESIGN", "966bec"),
    "Development": ("IN_PROGRESS", "DEVELOPMENT", "3d8bfd"),
    "Test": ("IN_PROGRESS", "TEST", "f2a93b"),
    "Review": ("IN_PROGRESS", "REVIEW", "e8618c"),
    "Done": ("DONE", "DONE", "2fb67c"),
    "Won't do": ("WONT_DO", "WONT_DO", "5c6370"),
}
DEFAULT_WORKFLOW = ["To do", "Design", "Development", "Test", "Review", "Done", "Won't do"]
_OPTIONAL_STEPS = ["Design", "Test", "Review"]

_FIRST_NAMES = [
    "Ada",
    "Bruno",
    "Carla",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amir",
    "Bea",
    "Cyril",
    "Dana",
    "Emil",
    "Freya",
    "Gus",
    "Hana",
    "Ivo",
    "Juno",
    "Kai",
    "Lena",
]
_LAST_NAMES = [
    "Arpeggio",
    "Bassline",
    "Cadence",
    "Delay",
    "Echo",
    "Fader",
    "Groove",
    "Harmonic",
    "Interval",
    "Jitter",
    "Keynote",
    "Legato",
    "Mixer",
    "Nocturne",
    "Octave",
    "Phaser",
    "Quaver",
    "Reverb",
    "Sampler",
    "Tempo",
    "Unison",
    "Vibrato",
    "Waveform",
    "Xylo",
    "Yodel",
    "Zither",
]
_TEAM_NAMES = (
    "Synth Engine",
    "Preset Library",
    "Mobile",
    "Platform",
    "Audio DSP",
    "Web App",
    "Design System",
    "Billing",
    "Growth",
    "Infrastructure",
    "Support Tools",
    "Data",
)
_TEAM_FOCUS = (
    "the sound engine and its oscillators",
    "the preset browser and sharing",
    "the iOS and Android apps",
    "the shared services every team builds on",
    "filters, envelopes and effects",
    "the browser version of the synth",
    "the components every screen is made of",
    "subscriptions and invoices",
    "sign-up and onboarding",
    "deployment, monitoring and on-call",
    "the tools our support agents use",
    "usage analytics and reports",
)
_STORY_VERBS = ("Add", "Improve", "Redesign", "Speed up", "Simplify", "Localise", "Export", "Sync")
_STORY_OBJECTS = (
    "preset search",
    "MIDI learn",
    "patch sharing",
    "the onboarding tour",
    "offline mode",
    "the arpeggiator",
    "keyboard shortcuts",
    "dark mode",
    "favourites",
    "undo history",
    "the mixer view",
    "team invitations",
    "usage reports",
    "audio export",
    "the tuner",
    "cloud backups",
)
_BUG_SUBJECTS = (
    "The dropdown menu",
    "MIDI input",
    "The preset name",
    "The export dialog",
    "Audio playback",
    "The login form",
    "The waveform preview",
    "The keyboard shortcut",
    "The mixer",
    "Cloud sync",
    "The notification badge",
    "The tuner",
)
_BUG_SYMPTOMS = (
    "opens off-screen",
    "is not detected",
    "is truncated",
    "freezes",
    "crackles",
    "rejects valid input",
    "renders blank",
    "stops working",
    "loses its state",
    "fails silently",
    "shows the wrong time",
    "drifts out of tune",
)
_BUG_CONDITIONS = (
    "on smaller displays",
    "after switching controllers",
    "in split-screen mode",
    "after a restart",
    "with a slow connection",
    "in Safari",
    "on first launch",
    "after changing the language",
)
_PERSONAS = ("musician", "sound designer", "producer", "music teacher", "live performer", "workspace admin")
_CRITERIA = (
    "The change works with every supported controller",
    "Existing presets keep their settings",
    "The feature is available offline",
    "Keyboard users can reach every control",
    "An error message explains what to do when it fails",
    "The change is covered by an automated test",
)
_FLAG_ADJECTIVES = ["fast", "new", "smart", "beta", "instant", "shared", "quiet", "live", "bulk", "smooth"]
_FLAG_NOUNS = [
    "preset_loading",
    "patch_browser",
    "midi_mapping",
    "export",
    "sync",
    "onboarding",
    "mixer",
    "tuner",
    "search",
    "backups",
]


def _story_template(persona: str, verb: str, thing: str) -> tuple[str, list[dict[str, str]]]:
    """A story title and its user story statement."""
    content = [
        {"type": "TEXT", "value": "As a "},
        {"type": "PERSONA", "value": persona},
        {"type": "TEXT", "value": f", I want to {verb.lower()} {thing} so that I can stay in the flow."},
    ]
    return f"{verb} {thing}", content


def _bug_content(title: str) -> list[dict[str, str]]:
    return [
        {
            "type": "DISPLAY_HTML",
            "value": f"<h3>Summary</h3><p>{title}.</p><h3>Expected behaviour</h3><p>It works as documented.</p>",
        }
    ]


# Shared content chunks: seeded items point at these lists instead of holding copies (writes replace them).
_STORY_TEMPLATES = [_story_template(p, v, o) for p in _PERSONAS for v in _STORY_VERBS for o in _STORY_OBJECTS]
_ADDITIONAL_CONTENT = [{"type": "DISPLAY_HTML", "value": "<p>See the design notes linked from the team page.</p>"}]


def criterion_text(story_number: int, index: int) -> str:
    """The text of a story's acceptance criterion, derived rather than stored (see `_documents`)."""
    return _CRITERIA[(story_number + index) % len(_CRITERIA)]


def seed_store(*, seed: int, stories: int, bugs: int, users: int, teams: int, flags: int) -> Store:
    """Build a workspace from `seed`: the same arguments always give the same ids, names, links and order.

    Users 0 and 1 are the owners of the two API keys: user 0 is a member of every team, user 1 of no
    private team. The last team is private (with a single team, that team).
    """
    if users < 2:
        raise ValueError("users must be at least 2: the two API keys belong to users 0 and 1")
    if teams < 1:
        raise ValueError("teams must be at least 1")
    for name, value in (("stories", stories), ("bugs", bugs), ("flags", flags)):
        if value < 0:
            raise ValueError(f"{name} must not be negative")
    rng = random.Random(seed)
    store = Store(rng=rng)
    _seed_users(store, users)
    _seed_teams(store, teams)
    _seed_items(store, "story", stories)
    _seed_items(store, "bug", bugs)
    _seed_flags(store, flags)
    return store


def _seed_users(store: Store, count: int) -> None:
    rng = store.rng
    for n in range(count):
        first = rng.choice(_FIRST_NAMES)
        last = rng.choice(_LAST_NAMES)
        email = f"{first}.{last}@example.com".lower()
        if email in store.emails:
            email = f"{first}.{last}{n}@example.com".lower()
        created = _EPOCH_START + rng.randrange(_EPOCH_SPAN // 4)
        user = User(
            id=store.new_id(),
            email=email,
            full_name=f"{first} {last}",
            created=created,
            updated=created + rng.randrange(86_400 * 90),
            invited=created - rng.randrange(1, 86_400 * 3),
        )
        store.users[user.id] = user
        store.emails[email] = user.id


def _seed_teams(store: Store, count: int) -> None:
    rng = store.rng
    user_ids = list(store.users)
    owner, outsider, others = user_ids[0], user_ids[1], user_ids[2:]
    for n in range(count):
        private = n == count - 1
        base = _TEAM_NAMES[n % len(_TEAM_NAMES)]
        name = base if n < len(_TEAM_NAMES) else f"{base} {n // len(_TEAM_NAMES) + 1}"
        members = [owner]
        if not private and rng.random() < 0.7:
            members.append(outsider)
        members += rng.sample(others, min(len(others), rng.randint(3, 8)))
        created = _EPOCH_START + rng.randrange(_EPOCH_SPAN // 8)
        team = Team(
            id=store.new_id(),
            name=name,
            description=f"Responsible for {_TEAM_FOCUS[n % len(_TEAM_FOCUS)]}.",
            is_public=not private,
            backlog_management_by_owners=rng.random() < 0.3,
            created=created,
            updated=created + rng.randrange(86_400 * 200),
            member_ids=members,
            admin_ids=[members[0]] + ([members[-1]] if len(members) > 2 and rng.random() < 0.5 else []),
            backlog_owner_ids=rng.sample(members, min(len(members), rng.randint(1, 2))),
            step_ids=[],
        )
        store.teams[team.id] = team
        # Four to seven steps: the default workflow with some of its optional steps left out.
        optional = {s for s in _OPTIONAL_STEPS if rng.random() < 0.5}
        names = [s for s in DEFAULT_WORKFLOW if s not in _OPTIONAL_STEPS or s in optional]
        team.step_ids = store.add_team_workflow(team.id, names)


def _seed_items(store: Store, kind: ItemKind, count: int) -> None:
    """Generate `count` items. Written for speed, as 100,000 stories must seed in about a second:
    picks index with `random()` (`choice` and `randrange` cost several times more) and ids come
    from `random_uuid`."""
    random_ = store.rng.random
    new_id = store.new_id
    teams = list(store.teams.values())
    all_users = list(store.users)
    steps_of = {
        t.id: [s for s in (store.steps[i] for i in t.step_ids) if (s.for_story if kind == "story" else s.for_bug)]
        for t in teams
    }
    target = store.items(kind)
    positions = store.next_position
    spacing = max(1, _EPOCH_SPAN // max(count, 1))
    is_story = kind == "story"
    n_teams, n_templates = len(teams), len(_STORY_TEMPLATES)
    n_subjects, n_symptoms, n_conditions = len(_BUG_SUBJECTS), len(_BUG_SYMPTOMS), len(_BUG_CONDITIONS)
    for number in range(1, count + 1):
        if random_() < 0.1:
            team_id = None
            candidates = all_users
            step = None
            step_id = None
        else:
            team = teams[int(random_() * n_teams)]
            team_id = team.id
            candidates = team.member_ids
            steps = steps_of[team_id]
            step = steps[int(random_() * len(steps))]
            step_id = step.id
        created = _EPOCH_START + number * spacing // 2 + int(random_() * spacing)
        updated = created + int(random_() * 86_400 * 30)
        key = (team_id, step_id)
        position = positions.get(key, 0)
        positions[key] = position + 1
        if is_story:
            title, content = _STORY_TEMPLATES[int(random_() * n_templates)]
        else:
            title = (
                f"{_BUG_SUBJECTS[int(random_() * n_subjects)]} {_BUG_SYMPTOMS[int(random_() * n_symptoms)]} "
                f"{_BUG_CONDITIONS[int(random_() * n_conditions)]}"
            )
            content = _bug_content(title)
        n_candidates = len(candidates)
        item = Item(
            kind=kind,
            id=new_id(),
            number=number,
            title=title,
            content=content,
            additional_content=_ADDITIONAL_CONTENT if is_story and random_() < 0.3 else None,
            position=position,
            team_id=team_id,
            assignee_id=candidates[int(random_() * n_candidates)] if random_() < 0.8 else None,
            reporter_id=candidates[int(random_() * n_candidates)],
            step_id=step_id,
            created=created,
            updated=updated,
            done=updated if step is not None and step.category == "DONE" else None,
            cycle_time_mode="OUTLIER" if random_() < 0.05 else "NORMAL",
            criteria=int(random_() * 4) if is_story else 0,
        )
        target[item.id] = item
    store.next_number[kind] = count + 1


def _seed_flags(store: Store, count: int) -> None:
    rng = store.rng
    for n in range(count):
        key = f"{rng.choice(_FLAG_ADJECTIVES)}_{rng.choice(_FLAG_NOUNS)}"
        if key in store.flag_keys:
            key = f"{key}_{n}"
        created = _EPOCH_START + rng.randrange(_EPOCH_SPAN)
        variants: dict[str, object] = (
            {"on": True, "off": False} if rng.random() < 0.8 else {"control": "classic", "treatment": "new"}
        )
        flag = Flag(
            id=store.new_id(),
            key=key,
            summary=f"Rolls out {key.replace('_', ' ')} gradually." if rng.random() < 0.7 else None,
            variants=variants,
            created=created,
            updated=created + rng.randrange(86_400 * 60),
            environment_ids=[],
        )
        for code in FLAG_ENVIRONMENTS:
            env = FlagEnvironment(
                id=store.new_id(),
                flag_id=flag.id,
                code=code,
                configuration=rng.choice(("on", "off", "MIXED")) if code != "prod" else rng.choice(("on", "off")),
            )
            store.flag_environments[env.id] = env
            flag.environment_ids.append(env.id)
        store.flags[flag.id] = flag
        store.flag_keys[key] = flag.id
