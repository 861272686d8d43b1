"""Who gets a published message: subscriptions, the read ACL and the retained store.

Mosquitto checks the read ACL per message at delivery, not at SUBSCRIBE: a device subscribed
to ``#`` still receives only what it may read. The answer for one topic depends only on the
subscriptions and the ACL, so it is worked out once per topic and cached until a subscription
or the ACL changes; MarsY publishes on a few dozen topics, thousands of times each. Each
session is also given its login's read check (:attr:`Session.may_read`), which it asks again
before it sends anything: a message queued or retained under an older ACL, or restored from
the saved state, never reaches a login that may not read it now.

A client with several subscriptions matching one topic gets one copy at the highest QoS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from devservers.embedded.broker.auth import Access, Acl
from devservers.embedded.broker.packets import SubscriptionOptions
from devservers.embedded.broker.sessions import Delivery, Message, Session
from devservers.embedded.broker.topics import matches

_ROUTE_CACHE_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class _Route:
    session: Session
    qos: int
    retain_as_published: bool
    no_local: bool
    """Every matching subscription of this session asked not to get its own messages."""


class Router:
    """Sessions by client id, their subscriptions, and the retained message of each topic."""

    def __init__(self, acl: Acl) -> None:
        self.acl = acl
        self.sessions: dict[str, Session] = {}
        self.retained: dict[str, Message] = {}
        self.changes = 0
        """Bumped on every change worth saving; the periodic save compares it."""
        self._routes: dict[str, list[_Route]] = {}
        self._writable: dict[tuple[str, str, str], bool] = {}
        self._readable: dict[tuple[str, str, str], bool] = {}

    def reload(self, acl: Acl) -> None:
        """Check everything from now on against ``acl``."""
        self.acl = acl
        self._writable.clear()
        self._readable.clear()
        self._routes.clear()

    # --- sessions and subscriptions ---------------------------------------------------------

    def add(self, session: Session) -> None:
        self.sessions[session.client_id] = session
        session.may_read = partial(self._may_read, session)
        self.invalidate()

    def remove(self, client_id: str) -> None:
        if self.sessions.pop(client_id, None) is not None:
            self.invalidate()

    def subscribe(self, session: Session, topic_filter: str, options: SubscriptionOptions) -> bool:
        """Add or replace a subscription; ``True`` if the session did not have it before."""
        new = topic_filter not in session.subscriptions
        session.subscriptions[topic_filter] = options
        self.invalidate()
        return new

    def unsubscribe(self, session: Session, topic_filter: str) -> bool:
        if session.subscriptions.pop(topic_filter, None) is None:
            return False
        self.invalidate()
        return True

    def invalidate(self) -> None:
        self._routes.clear()
        self.changes += 1

    def expire(self, now: float) -> list[str]:
        """Drop disconnected sessions past their expiry; their client ids."""
        gone = [cid for cid, session in self.sessions.items() if session.expired(now)]
        for client_id in gone:
            self.remove(client_id)
        return gone

    # --- messages ---------------------------------------------------------------------------

    def may_write(self, session: Session, topic: str) -> bool:
        key = (session.username, session.client_id, topic)
        allowed = self._writable.get(key)
        if allowed is None:
            if len(self._writable) >= _ROUTE_CACHE_LIMIT:
                self._writable.clear()
            allowed = self.acl.allows(session.username, session.client_id, topic, Access.WRITE)
            self._writable[key] = allowed
        return allowed

    def retain(self, message: Message) -> None:
        """Keep ``message`` as its topic's retained message; an empty payload clears it."""
        if message.payload:
            self.retained[message.topic] = message
        else:
            self.retained.pop(message.topic, None)
        self.changes += 1

    def route(self, message: Message, sender: str) -> int:
        """Hand ``message`` to every session that may read it; how many matched."""
        routes = self._routes.get(message.topic)
        if routes is None:
            routes = self._routes_for(message.topic)
        count = 0
        for route in routes:
            if route.no_local and route.session.client_id == sender:
                continue
            qos = route.qos if route.qos < message.qos else message.qos
            retain = message.retain and route.retain_as_published
            route.session.deliver(Delivery(message, qos, retain))
            count += 1
        if count:
            self.changes += 1
        return count

    def retained_for(self, session: Session, topic_filter: str, qos: int) -> Iterator[Delivery]:
        """The retained messages a new subscription receives, RETAIN flag set."""
        for topic, message in list(self.retained.items()):
            if matches(topic_filter, topic) and self._may_read(session, topic):
                yield Delivery(message, min(qos, message.qos), True)

    def _may_read(self, session: Session, topic: str) -> bool:
        key = (session.username, session.client_id, topic)
        allowed = self._readable.get(key)
        if allowed is None:
            if len(self._readable) >= _ROUTE_CACHE_LIMIT:
                self._readable.clear()
            allowed = self.acl.allows(session.username, session.client_id, topic, Access.READ)
            self._readable[key] = allowed
        return allowed

    def _routes_for(self, topic: str) -> list[_Route]:
        routes: list[_Route] = []
        for session in self.sessions.values():
            found = [o for f, o in session.subscriptions.items() if matches(f, topic)]
            if not found or not self._may_read(session, topic):
                continue
            routes.append(
                _Route(
                    session,
                    max(o.qos for o in found),
                    any(o.retain_as_published for o in found),
                    all(o.no_local for o in found),
                )
            )
        if len(self._routes) >= _ROUTE_CACHE_LIMIT:
            self._routes.clear()
        self._routes[topic] = routes
        return routes
