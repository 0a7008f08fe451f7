"""Imports: every bad row listed with its field and reason, and nothing imported unless all rows are good."""

import io

import openpyxl


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_patients_csv_errors_by_row_and_nothing_written(client, world):
    h = world.headers("planner")
    before = len(client.get("/patients", headers=h).json())
    data = _csv(["code,name,address,insee,lat,lon,frequency_days,ald",
                 "A1,Alice Fictive,1 rue,77379,48.55,3.29,14,oui",
                 "A2,Bob Fictif,2 rue,77379,quatre-vingt,3.29,14,non",
                 "A3,Carl Fictif,3 rue,04001,48.55,3.29,14,non",
                 "A1,Doublon Fictif,4 rue,77379,48.55,3.29,14,non",
                 "A5,Eve Fictive,5 rue,77379,48.55,3.29,0,peut-être"])
    r = client.post("/imports/patients", files={"file": ("patients.csv", data, "text/csv")}, headers=h)
    assert r.status_code == 422
    errs = {(e["row"], e["field"]) for e in r.json()["detail"]}
    assert {(3, "lat"), (4, "insee"), (5, "code"), (6, "frequency_days"), (6, "ald")} <= errs
    assert not any(row == 2 for row, _ in errs)
    assert len(client.get("/patients", headers=h).json()) == before


def test_patients_csv_semicolon_imported(client, world):
    h = world.headers("planner")
    data = _csv(["code;name;address;insee;lat;lon", "B1;Berthe Fictive;1 rue;77379;48.55;3.29",
                 "B2;Boris Fictif;2 rue;77051;48.41;3.24"])
    r = client.post("/imports/patients", files={"file": ("p.csv", data, "text/csv")}, headers=h)
    assert r.status_code == 200 and r.json()["imported"] == 2
    codes = {p["code"] for p in client.get("/patients", headers=h).json()}
    assert {"B1", "B2"} <= codes
    again = client.post("/imports/patients", files={"file": ("p.csv", data, "text/csv")}, headers=h)
    assert again.status_code == 422 and {e["row"] for e in again.json()["detail"]} == {2, 3}


def test_staff_xlsx_and_unknown_columns(client, world):
    h = world.headers("planner")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "name", "role", "start_lat", "start_lon"])  # the CLI's staff.csv columns
    ws.append(["N7", "Nina Fictive", "nurse", 48.5, 3.2])
    ws.append(["D7", "Dan Fictif", "surgeon", 48.5, 3.2])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/imports/staff", files={"file": ("staff.xlsx", buf.getvalue(), "application/octet-stream")},
                    headers=h)
    assert r.status_code == 422 and r.json()["detail"] == [{"row": 3, "field": "role", "msg": r.json()["detail"][0]["msg"]}]
    assert "N7" not in {s["code"] for s in client.get("/staff", headers=h).json()}
    ws.delete_rows(3)
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/imports/staff", files={"file": ("staff.xlsx", buf.getvalue(), "application/octet-stream")},
                    headers=h)
    assert r.status_code == 200 and r.json()["imported"] == 1
    r = client.post("/imports/premises", files={"file": ("x.csv", _csv(["code,nmo"]), "text/csv")}, headers=h)
    assert r.status_code == 422 and {"nmo", "insee"} <= {e["field"] for e in r.json()["detail"]}
    old = _csv(["code,name,role,base_lat,base_lon", "N8,Noé Fictif,nurse,48.5,3.2"])  # the service's old columns
    r = client.post("/imports/staff", files={"file": ("s.csv", old, "text/csv")}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "base_lat"


def test_unreadable_files(client, world):
    h = world.headers("planner")
    r = client.post("/imports/patients", files={"file": ("p.pdf", b"%PDF", "application/pdf")}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "file"
    r = client.post("/imports/patients", files={"file": ("p.xlsx", b"not a zip", "application/octet-stream")}, headers=h)
    assert r.status_code == 422
    r = client.post("/imports/patients", files={"file": ("p.csv", "é".encode("latin-1"), "text/csv")}, headers=h)
    assert r.status_code == 422
    r = client.post("/imports/dragons", files={"file": ("p.csv", b"a", "text/csv")}, headers=h)
    assert r.status_code == 422 and "kind" in r.json()["message"]
