"""Administration in the console: clients, keys and accounts, by admins only, each logged."""

from __future__ import annotations

import json
import re
from typing import Any

from glassbox.errors import NotFound
from tests.review.conftest import PASSWORD, ReviewEnv
from tests.web.console.conftest import csrf, sign_in

ADMIN = "/console/admin"


def _post(env: ReviewEnv, path: str, **data: str) -> Any:
    data.setdefault("csrf", csrf(env.client, f"{ADMIN}/clients"))
    return env.client.post(f"{ADMIN}{path}", data=data, follow_redirects=False)


def _admin_entries(env: ReviewEnv) -> list[dict[str, Any]]:
    node = env.node
    size = node.log.reader.sequenced()
    entries = [json.loads(node.log.reader.sequenced_entry(i)) for i in range(size)]
    return [e for e in entries if e["kind"] == "admin"]


def _models(env: ReviewEnv, key: str) -> Any:
    return env.client.get("/v1/models", headers={"Authorization": f"Bearer {key}"})


def test_reviewers_and_strangers_cannot_administer(env: ReviewEnv) -> None:
    assert env.client.get(f"{ADMIN}/clients", follow_redirects=False).status_code == 303
    sign_in(env.client, "alice")
    page = env.client.get(f"{ADMIN}/users")
    assert page.status_code == 403 and "needs the admin role" in page.text
    token = csrf(env.client)
    refused = env.client.post(
        f"{ADMIN}/clients",
        data={"csrf": token, "name": "Sneaky", "category": "ngo", "purposes": "a"},
    )
    assert refused.status_code == 403
    try:
        env.node.clients.get("Sneaky")
        raise AssertionError("a reviewer registered a client")
    except NotFound:
        pass
    assert 'href="/console/admin/clients"' not in env.client.get("/console").text


def test_an_admin_registers_a_client_creates_a_key_and_suspends_and_revokes_it(
    env: ReviewEnv,
) -> None:
    sign_in(env.client, "carol")
    before = len(_admin_entries(env))
    added = _post(
        env, "/clients", name="Harbour Radio", category="media", purposes="journalism, captions"
    )
    assert added.status_code == 303
    client = env.node.clients.get("Harbour Radio")
    assert client.purposes == ("captions", "journalism")
    page = env.client.get(added.headers["location"]).text
    assert "The client is registered." in page and "No key yet." in page

    here = f"/clients/{client.id}"
    created = _post(env, f"{here}/keys")
    key = re.search(r'id="new-key">(gbk_[^<]+)<', created.text)
    assert created.status_code == 200 and key, created.text
    assert created.headers["cache-control"] == "no-store"
    assert _models(env, key[1]).status_code == 200
    assert key[1] not in env.client.get(f"{ADMIN}{here}").text  # shown once

    asked = _post(env, f"{here}/suspend")
    assert asked.status_code == 200 and "Suspend Harbour Radio?" in asked.text
    assert _models(env, key[1]).status_code == 200  # nothing happened yet
    assert _post(env, f"{here}/suspend", confirm="yes").status_code == 303
    refused = _models(env, key[1])
    assert refused.status_code == 401 and "suspended" in refused.json()["error"]["message"]
    assert _post(env, f"{here}/suspend", resume="yes").status_code == 303
    assert _models(env, key[1]).status_code == 200

    changed = _post(env, here, category="media", purposes="journalism", hours="2", rate="")
    assert changed.status_code == 303
    assert env.node.clients.get("Harbour Radio").daily_audio_seconds == 7200

    key_id = key[1].split("_")[1]
    assert _post(env, f"{here}/keys/{key_id}/revoke").status_code == 200  # the question
    assert _post(env, f"{here}/keys/{key_id}/revoke", confirm="yes").status_code == 303
    assert _models(env, key[1]).status_code == 401
    assert _post(env, f"{here}/keys/{key_id}/revoke", confirm="yes").status_code == 404

    entries = _admin_entries(env)[before:]
    assert [e["change"] for e in entries] == [
        "client_added",
        "key_created",
        "client_suspended",
        "client_resumed",
        "client_changed",
        "key_revoked",
    ]
    carol = env.users["carol"].pseudonym
    assert {e["actor"] for e in entries} == {carol}
    assert {e["subject"] for e in entries} == {client.pseudonym}
    assert "Harbour" not in json.dumps(entries) and key_id not in json.dumps(entries)


def test_bad_registrations_are_refused_on_the_form_and_forms_need_the_csrf_token(
    env: ReviewEnv,
) -> None:
    sign_in(env.client, "carol")
    bad = _post(env, "/clients", name="Spies", category="intelligence", purposes="Find People")
    assert bad.status_code == 400 and "purpose" in bad.text and 'value="Spies"' in bad.text
    hours = _post(env, "/clients", name="Spies", category="ngo", purposes="a", hours="lots")
    assert hours.status_code == 400 and "Audio hours a day must be a number" in hours.text
    none = _post(env, "/clients", name="Spies", category="ngo", purposes="a", hours="0")
    assert none.status_code == 400 and "must be a positive number" in none.text
    forged = env.client.post(
        f"{ADMIN}/clients", data={"name": "Forged", "category": "ngo", "purposes": "a"}
    )
    assert forged.status_code == 403
    assert all(c.name not in ("Spies", "Forged") for c in env.node.clients.all())
    assert env.client.get(f"{ADMIN}/clients/99999").status_code == 404


def test_an_admin_adds_disables_and_resets_console_accounts(env: ReviewEnv) -> None:
    sign_in(env.client, "carol")
    added = _post(env, "/users", name="dora", role="reviewer", password=PASSWORD)
    assert added.status_code == 303
    short = _post(env, "/users", name="eve", role="reviewer", password="short")
    assert short.status_code == 400 and "at least 12 characters" in short.text

    assert _post(env, "/users/disable", name="dora").status_code == 200  # the question
    assert _post(env, "/users/disable", name="dora", confirm="yes").status_code == 303
    assert "disabled" in env.client.get(f"{ADMIN}/users").text
    refused = sign_in(env.client, "dora")
    assert refused.status_code == 401 and "disabled" in refused.text

    sign_in(env.client, "carol")
    own = _post(env, "/users/disable", name="carol", confirm="yes")
    assert own.status_code == 400 and "your own account" in own.text
    assert _post(env, "/users/disable", name="dora", enable="yes").status_code == 303
    new_password = "another long password"
    assert _post(env, "/users/password", name="dora", password=new_password).status_code == 303
    assert sign_in(env.client, "dora").status_code == 401  # the old password
    assert sign_in(env.client, "dora", new_password).status_code == 303

    changes = [e["change"] for e in _admin_entries(env)[-4:]]
    assert changes == ["user_added", "user_disabled", "user_enabled", "password_reset"]


def test_disabling_an_account_ends_its_sessions(env: ReviewEnv) -> None:
    sign_in(env.client, "bob")
    assert env.client.get("/console", follow_redirects=False).status_code == 200
    cookies = dict(env.client.cookies)
    sign_in(env.client, "carol")
    _post(env, "/users/disable", name="bob", confirm="yes")
    env.client.cookies.clear()
    env.client.cookies.update(cookies)
    assert env.client.get("/console", follow_redirects=False).status_code == 303
    sign_in(env.client, "carol")
    _post(env, "/users/disable", name="bob", enable="yes")


def test_an_admin_sets_and_removes_a_keys_webhook_and_sees_its_secret_once(
    env: ReviewEnv,
) -> None:
    sign_in(env.client, "carol")
    _post(env, "/clients", name="Relay News", category="media", purposes="journalism")
    client = env.node.clients.get("Relay News")
    created = _post(env, f"/clients/{client.id}/keys")
    key_id = re.search(r'id="new-key">gbk_([0-9a-f]+)_', created.text)
    assert key_id
    hook = f"/clients/{client.id}/keys/{key_id[1]}/webhook"
    bad = _post(env, hook, url="ftp://relay.example/hook")
    assert bad.status_code == 400 and env.node.clients.keys("Relay News")[0].webhook_url is None
    shown = _post(env, hook, url="https://relay.example/hook")
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', shown.text)
    assert shown.status_code == 200 and secret, shown.text
    page = env.client.get(f"{ADMIN}/clients/{client.id}").text
    assert "https://relay.example/hook" in page and secret[1] not in page
    found = env.node.clients.webhook(key_id[1])
    assert found is not None and found.secret == secret[1]
    assert _post(env, hook, remove="yes").status_code == 303
    assert env.node.clients.webhook(key_id[1]) is None
    changes = [e["change"] for e in _admin_entries(env)[-3:]]
    assert changes == ["key_created", "webhook_set", "webhook_removed"]
    assert (
        _post(env, f"/clients/{client.id}/keys/nokey/webhook", url="https://a.b/").status_code
        == 404
    )
