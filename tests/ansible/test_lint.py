"""The deployment code itself: it parses, it is lint-clean, it keeps no secret in clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ansible.deployment import ANSIBLE, ansible_env, run, tool

VAULT_HEADER = "$ANSIBLE_VAULT;"
SECRET_KEYS = ("password", "passwords", "token", "tokens", "secret", "key")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return ansible_env(tmp_path_factory.mktemp("ansible-home"))


@pytest.mark.parametrize("inventory", ["production", "lab", "test"])
def test_the_site_playbook_parses_with_every_inventory(inventory: str, env: dict[str, str]) -> None:
    check = [tool("ansible-playbook"), "--syntax-check", f"--inventory=inventories/{inventory}"]
    output = run([*check, "site.yml"], env)
    assert "playbook: site.yml" in output


def test_ansible_lint_passes_the_production_profile(env: dict[str, str]) -> None:
    output = run([tool("ansible-lint"), "--offline", "--strict", "--profile=production"], env)
    assert "Profile 'production' was required, and it passed" in output, output[-3000:]


def yaml_files() -> Iterator[Path]:
    for path in sorted(ANSIBLE.rglob("*.yml")):
        if ".cache" not in path.parts:
            yield path


def secret_values(node: Any, trail: str = "") -> Iterator[tuple[str, Any]]:
    """Values under keys that name a secret (``password``, ``vault_*``, ...), recursively."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{trail}.{key}" if trail else str(key)
            if str(key).startswith("vault_") or str(key).rsplit("_", 1)[-1] in SECRET_KEYS:
                yield here, value
            else:
                yield from secret_values(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from secret_values(item, f"{trail}[{index}]")


def leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from leaves(value)
    elif isinstance(node, list):
        for item in node:
            yield from leaves(item)
    else:
        yield node


def test_no_secret_is_committed_in_clear() -> None:
    """A secret is a reference (``{{ vault_... }}``), a placeholder, or in a vault file."""
    example = ANSIBLE / "vault.example.yml"
    placeholders = secret_values(yaml.safe_load(example.read_text()))
    assert {leaf for _, tree in placeholders for leaf in leaves(tree)} == {"change-me"}
    checked = 0
    for path in yaml_files():
        text = path.read_text()
        if path == example or text.startswith(VAULT_HEADER):
            continue
        for document in yaml.safe_load_all(text):
            for where, value in secret_values(document):
                for leaf in leaves(value):
                    checked += 1
                    clear = isinstance(leaf, str | int | float) and "{{" not in str(leaf)
                    assert not clear, f"{path.relative_to(ANSIBLE)}: {where} holds a secret"
    assert checked > 10, "the check found no secret to check: the key names changed?"
