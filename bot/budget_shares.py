"""How the bot's processes split its request budget (Discord allows 50 requests a second per bot, however many
processes it runs), through the store: a process with nothing to post lends its share to those that have work, and
a process that is down does not keep its share for long.

One ``app_state`` row (:data:`STATE_KEY`) holds a small JSON document: for each process, its weight (the shards it
runs), whether it has work (runs under way or requests waiting), the *cap* it may be using (requests/s) and until
when its entry is good. Every process reads it each :data:`TICK` (at once when its own work starts or ends) and
aims at a *target*:

- with work: ``budget × weight / Σ weights of the processes with work``;
- without: nothing while another process has work (its share is lent), else ``budget × weight / Σ weights`` (each
  holds its share ready for the next work, so processes whose work starts at the same minute start at once).

Rules that keep the caps of all processes adding up to at most the budget at every instant, also while shares
change hands (a process shrinks before another grows):

- A process shrinks to a lower target at once, and publishes as its cap the larger of its new share and the
  places its requests still hold (in flight, or answered less than a second ago: see :mod:`bot.rate_budget`), so
  a cap comes down only once the requests beyond the new share have left Discord's one-second window.
- A process grows only to what the others' published caps leave of the budget, by a compare-and-set of the
  document (written only if nobody changed it since it was read), and starts using the larger share only after
  that write succeeded. A newcomer starts with a cap of 0 and grows the same way: no fixed wait.
- An entry is good until ``until`` (the lease time after its last write, renewed every quarter of it); the others
  count its cap until a second (plus a margin) after that, and a process that could not renew for half the lease
  time stops posting. So the share of a process that died is taken back by the others within the lease time and
  two seconds (42 s by default); a process stopped cleanly gives it back at once (once its last requests have
  left the window).

Each process's :class:`~bot.rate_budget.RequestBudget` keeps its requests within its share whatever the latency,
so nothing in the processes' requests ever exceeds the budget in any one-second window. The same SQL works on
SQLite and PostgreSQL (an ``UPDATE … WHERE value = ?`` is atomic on both); clocks must be synchronised (NTP) across
machines, as for every lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.rate_budget import WINDOW, RequestBudget
from digests.store.state import StateRepository

log = logging.getLogger(__name__)

STATE_KEY = "request-budget"
TICK = 1.0  # seconds between reads of the document (a share lent or asked back changes hands within about this)
MARGIN = 1.0  # seconds of slack for clock drift and a slow round trip
SWAP_ATTEMPTS = 5  # compare-and-set retries per refresh when other processes write at the same time


@dataclass(frozen=True, slots=True)
class Member:
    """One process's entry in the document."""

    weight: int  # shards it runs; 0 once it has left (its cap still counts until its requests left the window)
    busy: bool  # it has work: runs under way or requests waiting
    cap: float  # requests/s it may be using
    until: datetime  # its entry is good until then (the others count it until a second and MARGIN after)

    def to_json(self) -> dict[str, object]:
        return {"weight": self.weight, "busy": self.busy, "cap": self.cap, "until": self.until.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Member:
        return cls(
            int(str(data["weight"])),
            bool(data["busy"]),
            float(str(data["cap"])),
            datetime.fromisoformat(str(data["until"])),
        )


@dataclass(frozen=True, slots=True)
class Document:
    """The whole split: every process's entry, and a counter of writes."""

    turn: int
    members: dict[str, Member]

    @classmethod
    def parse(cls, value: str | None) -> Document:
        if value is None:
            return cls(0, {})
        data = json.loads(value)
        return cls(int(data["turn"]), {owner: Member.from_json(m) for owner, m in data["members"].items()})

    def dump(self) -> str:
        members = {owner: m.to_json() for owner, m in sorted(self.members.items())}
        return json.dumps({"turn": self.turn, "members": members}, separators=(",", ":"))


def target_share(total: float, weight: int, busy: bool, others: list[Member]) -> float:
    """What a process aims at (see the module's documentation)."""
    if busy:
        weights = weight + sum(m.weight for m in others if m.busy)
    elif any(m.busy for m in others):
        return 0.0
    else:
        weights = weight + sum(m.weight for m in others)
    return total * weight / weights


class BudgetShares:
    """Keeps ``budget``'s rate at this process's share of ``total`` requests per second."""

    def __init__(
        self,
        state: StateRepository,
        budget: RequestBudget,
        total: float,
        weight: int = 1,
        *,
        owner: str,
        ttl: timedelta,
        wall: Callable[[], datetime],
        busy: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
        tick: float = TICK,
    ) -> None:
        if weight < 1:
            raise ValueError("a process's weight is at least 1")
        self.state = state
        self.budget = budget
        self.total = total
        self.weight = weight
        self.owner = owner
        self.ttl = ttl
        self.wall = wall
        self.busy = busy
        self.clock = clock
        self.tick = tick
        self.period = ttl.total_seconds() / 4  # renewal of this process's entry
        self.grace = timedelta(seconds=WINDOW + MARGIN)  # an entry counts this long after it expired
        self._renewed_at: float | None = None  # when the last successful write started (monotonic)
        self._valid_until = 0.0  # stop posting by then unless renewed (monotonic)
        self._failing = False
        self._nudged = asyncio.Event()
        budget.set_rate(0)  # nothing until the first refresh says what the share is

    @property
    def share(self) -> float:
        return self.budget.rate

    def nudge(self) -> None:
        """This process's work started or ended: refresh now rather than at the next tick."""
        self._nudged.set()

    async def refresh(self) -> float:
        """Read the split, shrink or grow towards this process's target (see the module's rules); returns the
        share in use."""
        started = self.clock()
        for _ in range(SWAP_ATTEMPTS):
            raw = await self.state.get(STATE_KEY)
            if await self._step(raw, started):
                break
        return self.budget.rate

    async def _step(self, raw: str | None, started: float) -> bool:
        """One read-decide-write round; ``False`` when another process wrote in between (read again)."""
        document = Document.parse(raw)
        now = self.wall()
        live = {o: m for o, m in document.members.items() if o == self.owner or m.until + self.grace > now}
        others = [m for o, m in live.items() if o != self.owner]
        busy = self.busy()
        room = max(0.0, self.total - sum(m.cap for m in others))
        rate = min(target_share(self.total, self.weight, busy, others), room)
        if rate < self.budget.rate:
            self._set(rate)  # shrink before saying so: the published cap must cover what is in use
        entry = Member(self.weight, busy, max(rate, self._in_use()), now + self.ttl)
        mine = live.get(self.owner)
        renew_due = self._renewed_at is None or self.clock() - self._renewed_at >= self.period
        same = mine is not None and (mine.weight, mine.busy, mine.cap) == (entry.weight, entry.busy, entry.cap)
        if same and not renew_due and len(live) == len(document.members) and rate <= self.budget.rate:
            return True  # nothing to say
        written = Document(document.turn + 1, live | {self.owner: entry})
        if not await self.state.swap(STATE_KEY, raw, written.dump()):
            return False
        self._renewed_at = started
        self._valid_until = started + self.ttl.total_seconds() / 2
        if rate > self.budget.rate:
            self._set(rate)  # grow only once the others can see this cap
        return True

    def _in_use(self) -> float:
        """The cap this process's requests may be using now: the places they hold (a share below one request a
        second still holds one place)."""
        places = self.budget.held()
        rate = self.budget.rate
        return float(max(places, self.budget.capacity)) if 0 < rate < 1 else max(rate, float(places))

    def _set(self, rate: float) -> None:
        if rate != self.budget.rate:
            log.info("request budget: %.1f of %.1f requests/s", rate, self.total)
        self.budget.set_rate(rate)

    def expire_if_stale(self) -> None:
        """Stop posting when this process's entry could not be renewed in time (others may take the share)."""
        if self.clock() >= self._valid_until and self.budget.rate:
            log.warning("could not renew the request-budget share: not posting until it is renewed")
            self._set(0)

    async def keep(self) -> None:
        """Refresh every tick (or when nudged) until cancelled; failures are logged once and retried."""
        while True:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation (a clean stop) that comes
            # as the event is set, and this loop would then never end.
            with contextlib.suppress(TimeoutError):  # at least every period, so the entry is renewed in time
                async with asyncio.timeout(min(self.tick, self.period)):
                    await self._nudged.wait()
            self._nudged.clear()
            try:
                async with asyncio.timeout(self.period):
                    await self.refresh()
                if self._failing:
                    log.info("the request-budget share is renewed again")
                self._failing = False
            except TimeoutError:
                if not self._failing:
                    log.warning("could not renew the request-budget share within %.1f s", self.period)
                self._failing = True
            except Exception:
                if not self._failing:
                    log.exception("could not renew the request-budget share")
                self._failing = True
            self.expire_if_stale()

    async def leave(self) -> None:
        """Give the share up (a clean stop): the others take it once this process's last requests have left
        Discord's window."""
        self.budget.set_rate(0)
        with contextlib.suppress(Exception):
            for _ in range(SWAP_ATTEMPTS):
                raw = await self.state.get(STATE_KEY)
                document = Document.parse(raw)
                members = dict(document.members)
                places = self.budget.held()
                if places:  # still in Discord's window: counted a little longer, weighing nothing
                    members[self.owner] = Member(0, False, float(places), self.wall())
                else:
                    members.pop(self.owner, None)
                if await self.state.swap(STATE_KEY, raw, Document(document.turn + 1, members).dump()):
                    return
