"""`planner network ...` and `planner matrix`: road networks and travel matrices."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from planner.core.errors import InputError
from planner.core.geo import Location

network_app = typer.Typer(no_args_is_help=True, help="Réseaux routiers : informations, téléchargement.")
console = Console()

SPEED_HELP = "Vitesse par classe de route, ex. --speed residential=30 (répétable ; 'none' retire la classe)"


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
    network_app.command("info")(info)
    network_app.command("download")(download)
    app.command("matrix")(matrix)


def parse_speeds(values: list[str] | None) -> dict[str, float | None]:
    """{'residential': 30.0} from ['residential=30']; InputError naming the option when malformed."""
    out: dict[str, float | None] = {}
    for item in values or []:
        key, sep, val = item.partition("=")
        key = key.strip()
        try:
            if not sep or not key:
                raise ValueError
            out[key] = None if val.strip().lower() == "none" else float(val)
            if out[key] is not None and not (math.isfinite(out[key]) and out[key] > 0):
                raise ValueError
        except ValueError:
            raise InputError(f"expected CLASS=KM/H with a positive speed, got '{item}'", field="--speed") from None
    return out


def _load(path: Path, speeds: list[str] | None, driving_factor: float):
    from maps.network import load_network

    if not 0 < driving_factor <= 2:
        raise InputError(f"driving factor must be in (0, 2], got {driving_factor}", field="--driving-factor")
    with console.status(f"Chargement du réseau routier {path.name}…"):
        return load_network(path, speeds=parse_speeds(speeds), driving_factor=driving_factor)


def info(file: Path = typer.Argument(..., help="Réseau : .osm, .osm.gz, .osm.bz2, .osm.pbf ou .graphml"),
         speed: list[str] = typer.Option(None, "--speed", help=SPEED_HELP),
         driving_factor: float = typer.Option(1.0, "--driving-factor", help="Part de la limite réellement roulée"),
         as_json: bool = typer.Option(False, "--json", help="Sortie JSON")) -> None:
    """Nœuds, arcs, km de routes, emprise, part dans la plus grande composante, vitesses renseignées."""
    from maps.network import network_info

    data = network_info(_load(file, speed, driving_factor))
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    b = data["bbox"]
    table = Table(title=f"Réseau routier {file.name}", show_header=False)
    rows = [
        ("Nœuds (carrefours)", f"{data['nodes']:,}".replace(",", " ")),
        ("Arcs orientés", f"{data['edges']:,}".replace(",", " ")),
        ("Routes (km)", f"{data['road_km']:,.1f}".replace(",", " ")),
        ("Emprise (lat, lon)", f"{b['min_lat']:.4f}, {b['min_lon']:.4f} → {b['max_lat']:.4f}, {b['max_lon']:.4f}"),
        ("Part des nœuds dans la plus grande composante", f"{data['share_nodes_in_largest_component']:.1%}"),
        ("Part des arcs avec vitesse renseignée (maxspeed)", f"{data['share_edges_with_tagged_speed']:.1%}"),
        ("Arcs à sens unique", str(data["one_way_edges"])),
        ("Modèle de temps de trajet", str(data["speeds"])),
        ("Agglomérations déduites de", "densité du réseau" if data["built_up_from"] == "road density"
         else "lieux et occupation du sol OSM, et densité du réseau"),
        ("Part des routes en agglomération", f"{(data['share_road_built_up'] or 0):.1%}"),
        ("Feux, stops et cédez-le-passage renseignés", str(data["traffic_control_nodes"])),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    console.print("Données routières © les contributeurs d'OpenStreetMap (ODbL)")


def download(place: str | None = typer.Option(None, "--place", help="Lieu, ex. \"Provins, France\""),
             bbox: str | None = typer.Option(None, "--bbox", help="ouest,sud,est,nord en degrés"),
             out: Path | None = typer.Option(None, "--out", help="Fichier GraphML (défaut : dans le cache)")) -> None:
    """Télécharge un réseau routier avec osmnx (en ligne) et l'enregistre pour travailler hors ligne."""
    from maps.network import download_network

    box = None
    if bbox is not None:
        try:
            box = tuple(float(x) for x in bbox.split(","))
            if len(box) != 4:
                raise ValueError
        except ValueError:
            raise InputError(f"expected west,south,east,north in degrees, got '{bbox}'", field="--bbox") from None
    with console.status("Téléchargement du réseau routier (osmnx)…"):
        path = download_network(place=place, bbox=box, out=out)
    console.print(f"[green]Réseau enregistré :[/] {path}")


def read_points_csv(path: Path) -> tuple[list[str], list[Location], dict[str, int]]:
    """ids, locations and the CSV row of each id from a CSV with columns id, lat, lon (',' or ';').

    Rows count as a spreadsheet shows them: the header is row 1. Bad input raises InputError naming
    the file, the row and the field.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file ({exc})", source=str(path)) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError("empty file (expected a header line: id,lat,lon)", source=str(path), row=1)
    delim = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delim)
    header = [h.strip().lower() for h in next(reader)]
    for col in ("id", "lat", "lon"):
        if col not in header:
            raise InputError(f"missing column '{col}' (columns found: {', '.join(header) or 'none'})",
                             source=str(path), row=1, field=col)
    ci, ca, co = header.index("id"), header.index("lat"), header.index("lon")
    ids: list[str] = []
    locs: list[Location] = []
    rows: dict[str, int] = {}
    for rownum, rec in enumerate(reader, start=2):
        if not any(c.strip() for c in rec):
            continue
        if len(rec) < len(header):
            rec = rec + [""] * (len(header) - len(rec))
        pid = rec[ci].strip()
        if not pid:
            raise InputError("empty id", source=str(path), row=rownum, field="id")
        if pid in rows:
            raise InputError(f"duplicate id '{pid}' (first on row {rows[pid]})", source=str(path), row=rownum,
                             field="id")
        vals = []
        for name, col, bound in (("lat", ca, 90.0), ("lon", co, 180.0)):
            raw = rec[col].strip()
            try:
                value = float(raw.replace(",", ".") if delim == ";" else raw)
            except ValueError:
                raise InputError(f"not a number: '{raw}'", source=str(path), row=rownum, field=name) from None
            if not (math.isfinite(value) and -bound <= value <= bound):
                raise InputError(f"{name} must be between -{bound:g} and {bound:g}, got {raw}", source=str(path),
                                 row=rownum, field=name)
            vals.append(value)
        ids.append(pid)
        locs.append(Location(vals[0], vals[1]))
        rows[pid] = rownum
    if not ids:
        raise InputError("no points (only a header line)", source=str(path), row=2)
    return ids, locs, rows


def matrix(network: Path = typer.Option(..., "--network", help="Réseau routier (.osm, .pbf, .graphml…)"),
           points: Path = typer.Option(..., "--points", help="CSV avec les colonnes id, lat, lon"),
           out: Path = typer.Option(..., "--out", help="Fichier de sortie (.csv, ou .json)"),
           max_snap_m: float = typer.Option(1000.0, "--max-snap-m", help="Distance maximale à la route (m)"),
           speed: list[str] = typer.Option(None, "--speed", help=SPEED_HELP),
           driving_factor: float = typer.Option(1.0, "--driving-factor",
                                                help="Part de la limite réellement roulée"),
           door_seconds: float = typer.Option(None, "--door-seconds",
                                              help="Temps de porte par arrêt (s) : se garer, aller à la porte "
                                                   "et revenir ; défaut selon la densité (ville 240, village "
                                                   "120, campagne 60)")) -> None:
    """Matrice des temps (s) et distances (m) par la route, porte à porte : une ligne par origine/destination."""
    from maps.matrix import travel_matrix

    ids, locs, rows = read_points_csv(points)
    net = _load(network, speed, driving_factor)
    with Progress(TextColumn("Matrice {task.fields[n]} × {task.fields[n]}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("matrix", total=len(ids), n=len(ids))
        try:
            m = travel_matrix(net, ids, locs, max_snap_m=max_snap_m, source=str(points),
                              progress=lambda done, total: bar.update(task, completed=done),
                              door_seconds=door_seconds)
        except InputError as exc:
            named = getattr(exc, "point_ids", None)
            if named and exc.row is None:
                raise InputError(exc.message, source=str(points), row=rows.get(named[0]), field=exc.field) from None
            raise
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        m.save(out)
    else:
        with out.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["origin", "destination", "seconds", "metres"])
            w.writerows(m.rows())
    console.print(f"[green]Matrice {len(ids)} × {len(ids)} écrite :[/] {out}")
