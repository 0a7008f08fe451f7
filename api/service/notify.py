"""What a publication changes for each person, in words, and the e-mails that tell them.

The changes compare the newly published plan with the one it supersedes, day by day and person by person
(a caregiver's round, a unit's day). E-mails carry no patient name or address (e-mail is no place for health
data): counts, times and public places only, and a pointer to « Ma journée » where the person signs in.
SMTP settings come from the environment (`PLANNER_SMTP_*`); without a server nothing is sent and the
publication says so. A failing server never blocks a publication.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from planner.core.french import day_fr

WORK_KINDS = ("visit", "joint_visit", "session")


@dataclass(frozen=True)
class PersonChange:
    resource_id: str
    name: str
    lines: tuple[str, ...]


def _days(view: dict | None) -> dict[tuple[str, str], dict]:
    return {(it["resource_id"], it["day"]): it for it in (view or {}).get("itineraries", [])}


def _hhmm(iso: str) -> str:
    return iso[11:16].replace(":", "h")


def _work(it: dict) -> list[dict]:
    return [s for s in it.get("stops", []) if s.get("kind") in WORK_KINDS]


def _key(s: dict) -> tuple:
    return (s.get("kind"), s.get("patient_id") or s.get("place_id"), s.get("start"), s.get("end"))


def _what(s: dict) -> str:
    """A stop in words without patient data: a session names its (public) place, a visit its time."""
    if s.get("kind") == "session":
        return f"consultations à {s.get('place_name', '')} de {_hhmm(s['start'])} à {_hhmm(s['end'])}"
    return f"visite à {_hhmm(s['start'])}"


def _day_lines(day: str, old: dict | None, new: dict | None) -> list[str]:
    when = day_fr(date.fromisoformat(day))
    if new is None:
        return [f"Votre journée du {when} est retirée du planning."]
    items = _work(new)
    if old is None:
        start = _hhmm(new["stops"][0]["start"]) if new.get("stops") else ""
        return [f"Nouvelle journée le {when} : {len(items)} étape(s), départ à {start}."]
    before, after = {_key(s): s for s in _work(old)}, {_key(s): s for s in items}
    if before.keys() == after.keys() and old["stops"][:1] == new["stops"][:1]:
        return []
    parts = [f"{len(items)} étape(s) (au lieu de {len(before)})" if len(items) != len(before) else
             f"{len(items)} étape(s)"]
    if old.get("stops") and new.get("stops") and old["stops"][0]["start"] != new["stops"][0]["start"]:
        parts.append(f"départ à {_hhmm(new['stops'][0]['start'])} (au lieu de {_hhmm(old['stops'][0]['start'])})")
    added = [after[k] for k in after.keys() - before.keys()]
    removed = [before[k] for k in before.keys() - after.keys()]
    if added:
        parts.append("ajouté : " + ", ".join(_what(s) for s in sorted(added, key=lambda s: s["start"])))
    if removed:
        parts.append("retiré : " + ", ".join(_what(s) for s in sorted(removed, key=lambda s: s["start"])))
    return [f"Journée du {when} modifiée : " + " ; ".join(parts) + "."]


def changes(old_view: dict | None, new_view: dict) -> list[PersonChange]:
    """Per person, the French lines saying how the new plan changes their days (nobody listed: no change)."""
    a, b = _days(old_view), _days(new_view)
    names = {rid: it.get("resource_name", rid) for (rid, _), it in {**a, **b}.items()}
    out = []
    for rid in sorted(names):
        lines: list[str] = []
        for _, day in sorted(k for k in set(a) | set(b) if k[0] == rid):
            lines += _day_lines(day, a.get((rid, day)), b.get((rid, day)))
        if lines:
            out.append(PersonChange(rid, names[rid], tuple(lines)))
    return out


@dataclass(frozen=True)
class Mailer:
    """An SMTP server to send through (host None: no e-mail configured)."""

    host: str | None = None
    port: int = 25
    sender: str = "planning@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0

    def send(self, messages: list[EmailMessage]) -> tuple[list[str], list[str]]:
        """Send every message; returns the addresses reached and the French errors."""
        if not messages:
            return [], []
        if not self.host:
            return [], ["aucun serveur de messagerie configuré (PLANNER_SMTP_HOST) : personne n'a été prévenu"]
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                sent, errors = [], []
                for m in messages:
                    try:
                        smtp.send_message(m)
                        sent.append(str(m["To"]))
                    except smtplib.SMTPException as exc:
                        errors.append(f"message à {m['To']} refusé par le serveur : {exc.__class__.__name__}")
                return sent, errors
        except (OSError, smtplib.SMTPException) as exc:
            return [], [f"serveur de messagerie {self.host}:{self.port} injoignable ({exc.__class__.__name__}) : "
                    "personne n'a été prévenu"]


def message(mailer: Mailer, to: str, person: PersonChange, plan_title: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"] = mailer.sender, to
    m["Subject"] = f"Votre planning change — {plan_title}"[:200]
    m.set_content(f"Bonjour {person.name},\n\nLe planning « {plan_title} » vient d'être publié. Ce qui change "
                  "pour vous :\n\n" + "\n".join(f"- {line}" for line in person.lines) +
                  "\n\nLe détail (patients, adresses, itinéraire) est dans « Ma journée », après connexion.\n")
    return m
