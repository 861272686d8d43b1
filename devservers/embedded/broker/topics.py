"""Topic names and filters: validation and the ``+``/``#`` match, as MQTT 5 defines them.

The same match decides subscriptions and ACL lines (Mosquitto uses one function for both), so
a ``+/#`` ACL line never grants a ``$``-topic, exactly as a ``#`` subscription never sees one.
"""

from __future__ import annotations


def valid_topic(topic: str) -> bool:
    """A name a PUBLISH may carry: not empty, no wildcard."""
    return bool(topic) and "+" not in topic and "#" not in topic


def valid_filter(topic_filter: str) -> bool:
    """A filter a SUBSCRIBE may carry: ``+`` fills a whole level, ``#`` only the last one."""
    if not topic_filter:
        return False
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return False
        if "+" in level and level != "+":
            return False
    return True


def is_shared(topic_filter: str) -> bool:
    """``$share/group/filter``: a shared subscription, which this broker does not offer."""
    return topic_filter.startswith("$share/")


def matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` falls under ``topic_filter``; ``a/#`` also matches ``a`` itself."""
    if topic[:1] == "$" and topic_filter[:1] in ("+", "#"):
        return False
    wanted = topic_filter.split("/")
    levels = topic.split("/")
    for index, level in enumerate(wanted):
        if level == "#":
            return True
        if index >= len(levels) or (level != "+" and level != levels[index]):
            return False
    return len(wanted) == len(levels)
