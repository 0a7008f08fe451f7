"""Publishing tells each person whose day changed, by e-mail through a real SMTP server on 127.0.0.1, in
French and without patient data; a preview shows the same before the planner confirms."""

from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller

from api.service.notify import changes
from tests.api.conftest import wait_job


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    ctrl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctrl.start()
    yield port, inbox
    ctrl.stop()


def _plan(client, h, start: str, **extra) -> int:
    r = client.post("/plans", json={"kind": "home_visits", "start": start, "days": 1, **extra}, headers=h)
    assert r.status_code == 202, r.text
    job = wait_job(client, h, r.json()["id"])
    assert job["status"] == "done", job
    return job["plan_id"]


def test_publish_preview_then_mail_each_changed_person(app, client, world, smtp):
    port, inbox = smtp
    app.state.settings = app.state.settings.__class__(**{**app.state.settings.__dict__, "smtp_host": "127.0.0.1",
                                                         "smtp_port": port})
    h = world.headers("planner")
    start = (date.today() + timedelta(days=3)).isoformat()
    first = _plan(client, h, start)
    assert client.post(f"/plans/{first}/publish", headers=h).status_code == 200
    inbox.messages.clear()
    # the same day planned again without N1: N1's day is withdrawn, D1 gets N1's patients
    r = client.post(f"/plans/{first}/replan", json={"absent_staff": "N1", "from_date": start}, headers=h)
    second = wait_job(client, h, r.json()["id"])["plan_id"]

    preview = client.get(f"/plans/{second}/publish-preview", headers=h).json()
    by = {p["resource_id"]: p for p in preview["people"]}
    assert preview["replaces"] == first and set(by) == {"N1", "D1"}
    assert "retirée" in by["N1"]["changes"][0] and "au lieu de" in by["D1"]["changes"][0]
    assert by["N1"]["notified"] and by["D1"]["notified"]
    assert inbox.messages == []  # a preview sends nothing

    out = client.post(f"/plans/{second}/publish", headers=h).json()
    assert out["status"] == "published" and out["notification_errors"] == []
    assert out["notified"] == ["field2@example.org", "field@example.org"]
    mails = {tuple(to): body for to, body in inbox.messages}
    assert set(mails) == {("field@example.org",), ("field2@example.org",)}
    body = mails[("field@example.org",)]
    assert "Votre planning change" in body and "retir" in body
    for secret in world.patient_names + world.patient_addresses:
        assert all(secret not in b for b in mails.values())


def test_publish_without_mail_server_still_publishes_and_says_so(client, world):
    h = world.headers("planner")
    start = (date.today() + timedelta(days=3)).isoformat()
    plan = _plan(client, h, start)
    out = client.post(f"/plans/{plan}/publish", headers=h).json()
    assert out["status"] == "published" and out["notified"] == []
    assert out["notification_errors"] and "PLANNER_SMTP_HOST" in out["notification_errors"][0]


def test_unreachable_mail_server_does_not_block_publication(app, client, world):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    app.state.settings = app.state.settings.__class__(**{**app.state.settings.__dict__, "smtp_host": "127.0.0.1",
                                                         "smtp_port": port})
    h = world.headers("planner")
    plan = _plan(client, h, (date.today() + timedelta(days=3)).isoformat())
    out = client.post(f"/plans/{plan}/publish", headers=h).json()
    assert out["status"] == "published" and "injoignable" in out["notification_errors"][0]


def test_preview_refused_for_field_staff_and_other_territory(client, world, run_plan):
    plan = run_plan("home_visits", publish=False)
    assert client.get(f"/plans/{plan}/publish-preview", headers=world.headers("field")).status_code == 403
    assert client.get(f"/plans/{plan}/publish-preview", headers=world.headers("planner2")).status_code == 404


def test_changes_in_words_for_a_unit_session_moved():
    def view(start: str) -> dict:
        return {"itineraries": [{"resource_id": "U1", "resource_name": "Unité 1", "day": "2026-12-08", "stops": [
            {"kind": "depart", "start": "2026-12-08T08:00:00", "end": "2026-12-08T08:00:00"},
            {"kind": "session", "place_id": "S1", "place_name": "Salle des fêtes", "start": start,
             "end": "2026-12-08T12:00:00"}]}]}
    assert changes(view("2026-12-08T09:00:00"), view("2026-12-08T09:00:00")) == []
    (c,) = changes(view("2026-12-08T09:00:00"), view("2026-12-08T10:00:00"))
    assert c.lines == ("Journée du mardi 8 décembre 2026 modifiée : 1 étape(s) ; ajouté : consultations à "
                       "Salle des fêtes de 10h00 à 12h00 ; retiré : consultations à Salle des fêtes de 09h00 à "
                       "12h00.",)
