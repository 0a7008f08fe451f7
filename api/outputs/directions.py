"""Turn-by-turn directions in French from the road steps of a leg ("Prendre la D403 sur 12 km, puis…").

Steps come from maps.geometry (name, ref, highway, length_m, duration_s); consecutive steps on the same road
are merged and very short ones folded into their neighbour, so a sheet reads like a person's directions.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_STEP_M = 150  # shorter stretches (roundabouts, slip roads) are folded into the next road
FEMININE = {"rue", "avenue", "route", "place", "allée", "allee", "impasse", "chaussée", "voie", "ruelle",
            "sente", "côte", "cote", "cour", "grande", "grand'rue", "rocade", "promenade", "traverse", "esplanade"}
MASCULINE = {"chemin", "boulevard", "quai", "cours", "faubourg", "passage", "square", "sentier", "pont",
             "carrefour", "rond-point", "mail", "hameau", "parvis", "clos", "lieu-dit"}
HIGHWAY_FR = {"motorway": "l'autoroute", "trunk": "la voie rapide", "primary": "la route principale",
              "secondary": "la route départementale", "tertiary": "la route", "residential": "la rue",
              "unclassified": "la petite route", "service": "la voie de desserte", "living_street": "la rue",
              "track": "le chemin"}


@dataclass(frozen=True, slots=True)
class Stretch:
    """A run of steps on one road."""

    road: str  # "la D403 (Route de Provins)", "la rue de la Gare", "la route départementale"
    length_m: float
    duration_s: float
    turn: str = ""  # how the stretch is entered: maps.geometry's Step.turn ("right", "slight_left", …)


TURN_FR = {"straight": "", "slight_right": "légèrement à droite", "right": "à droite",
           "sharp_right": "franchement à droite", "uturn": "demi-tour,", "slight_left": "légèrement à gauche",
           "left": "à gauche", "sharp_left": "franchement à gauche"}


def _first(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip()


def road_label(name: str, ref: str, highway: str) -> str:
    """How a French driver names a road: its number if it has one ("la D403"), else its name with the
    right article ("la rue de la Gare"), else its kind ("la petite route")."""
    name, ref = _first(name), _first(ref).split(";")[0].strip().replace(" ", "")
    named = with_article(name) if name else ""
    if ref:
        art = "l'" if ref[:1].upper() in "AEIOU" else "la "
        return f"{art}{ref}"
    if named:
        return named
    return HIGHWAY_FR.get(_first(highway).replace("_link", ""), "la route")


def with_article(name: str) -> str:
    word = name.split(" ", 1)[0].lower()
    if word in ("le", "la", "les", "l'") or word.startswith("l'"):
        return name[0].lower() + name[1:]
    if word in FEMININE:
        art = "la "
    elif word in MASCULINE:
        art = "le "
    else:
        return name
    if word[:1] in "aeiouéèêâîôh":
        art = "l'"
    return art + name[0].lower() + name[1:]


def stretches(steps) -> list[Stretch]:
    """Merge consecutive steps on the same road; fold stretches shorter than MIN_STEP_M into a neighbour."""
    runs: list[list] = []
    pending = [0.0, 0.0]  # access legs (point <-> road) are folded into the next road
    for st in steps or ():
        length, dur = float(getattr(st, "length_m", 0) or 0), float(getattr(st, "duration_s", 0) or 0)
        if getattr(st, "highway", "") == "access":
            if runs:
                runs[-1][1] += length
                runs[-1][2] += dur
            else:
                pending[0] += length
                pending[1] += dur
            continue
        name, ref = _first(getattr(st, "name", "")), _first(getattr(st, "ref", ""))
        label = road_label(name, ref, getattr(st, "highway", ""))
        if runs and (runs[-1][0] == label or not (name or ref)):  # an unnamed piece continues the road
            runs[-1][1] += length
            runs[-1][2] += dur
        else:
            runs.append([label, length + pending[0], dur + pending[1], str(getattr(st, "turn", "") or "")])
            pending = [0.0, 0.0]
    merged: list[list] = []
    for run in runs:
        if merged and (run[1] < MIN_STEP_M or merged[-1][0] == run[0]):
            merged[-1][1] += run[1]
            merged[-1][2] += run[2]
        elif merged and merged[-1][1] < MIN_STEP_M:
            run[1] += merged[-1][1]
            run[2] += merged[-1][2]
            if len(merged) == 1:
                run[3] = merged[-1][3]
            merged[-1] = run
        else:
            merged.append(run)
    return [Stretch(*r) for r in merged]


def distance_fr(metres: float) -> str:
    """'400 m', '1,5 km', '12 km' (French decimal comma)."""
    if metres < 1000:
        return f"{max(50, int(round(metres / 50.0)) * 50)} m" if metres >= 25 else f"{int(round(metres))} m"
    km = metres / 1000
    return f"{km:.1f}".replace(".0", "").replace(".", ",") + " km" if km < 10 else f"{round(km):d} km"


def duration_fr(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def shorten(parts: list[Stretch], max_parts: int) -> list[Stretch | None]:
    """Keep the first stretch, the last two and the longest others, up to max_parts; None marks a gap."""
    if max_parts <= 0 or len(parts) <= max_parts:
        return list(parts)
    keep = {0, len(parts) - 1, len(parts) - 2}
    for i in sorted(range(len(parts)), key=lambda i: -parts[i].length_m):
        if len(keep) >= max_parts:
            break
        keep.add(i)
    out: list[Stretch | None] = []
    for i, p in enumerate(parts):
        if i in keep:
            out.append(p)
        elif out and out[-1] is not None:
            out.append(None)
    return out


def leg_directions(steps, destination: str = "", *, max_parts: int = 0) -> list[str]:
    """One phrase per road: 'Prendre la D403 sur 12 km',
    'puis à droite la rue de la Gare sur 400 m', …, and 'arrivée : X' when the destination is named."""
    parts = shorten(stretches(steps), max_parts)
    out = []
    for i, s in enumerate(parts):
        if s is None:
            out.append("…")
            continue
        if i == 0:
            out.append(f"Prendre {s.road} sur {distance_fr(s.length_m)}")
        else:
            turn = TURN_FR.get(s.turn, "")
            out.append(f"puis {turn + ' ' if turn else ''}{s.road} sur {distance_fr(s.length_m)}")
    if out and destination:
        out.append(f"arrivée : {destination}")
    return out


def leg_sentence(steps, destination: str = "", *, max_parts: int = 0) -> str:
    """The directions of a leg as one readable sentence (at most max_parts roads when > 0)."""
    parts = leg_directions(steps, destination, max_parts=max_parts)
    if not parts:
        return ""
    text = ", ".join(parts[:-1] if destination else parts)
    return text + (f" ; {parts[-1]}." if destination else ".")
