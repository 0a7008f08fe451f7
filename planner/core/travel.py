"""The travel matrix every solver reads: seconds and metres between named places.

This is the one place where unreachable pairs and integer rounding are decided:
- times are whole seconds and distances whole metres, rounded half up (`to_int`);
- a pair with no route holds `UNREACHABLE` (never infinity, never a float), large enough that no solver
  takes it, small enough that sums of a few thousand of them stay far inside int64 and OR-Tools' limits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from planner.core.errors import InputError

UNREACHABLE = 10_000_000  # seconds (about 116 days) or metres (10,000 km): "no route"

APPROXIMATE_NOTE = "approximate travel times (great-circle distance, no road network)"


def travel_fr(approximate: bool, network: str = "") -> str:
    """The one sentence every console and output uses to say which travel model and network a plan used."""
    if approximate:
        return ("Temps de trajet approximatifs : distance à vol d'oiseau × 1,3 à 50 km/h, sans réseau routier.")
    if network:
        return f"Temps de trajet par la route : réseau routier {network} (OpenStreetMap)."
    return "Temps de trajet par la route : matrice de temps fournie (réseau non précisé)."


def network_name(matrix: "TravelMatrix") -> str:
    """The road network file a matrix was computed on ('' for the approximate model or when unknown)."""
    if matrix.approximate:
        return ""
    if matrix.network:
        return matrix.network
    m = re.match(r"road network (\S+)", matrix.source or "")
    return m.group(1) if m else ""


def travel_record(matrix: "TravelMatrix") -> dict:
    """What a solution remembers of the travel model it was made on (saved in its JSON as "travel")."""
    return {"model": "approximate" if matrix.approximate else "road", "network": network_name(matrix),
            "detail": matrix.source}


def to_int(values) -> np.ndarray:
    """Round non-negative seconds or metres to int64, half up; NaN and inf become UNREACHABLE."""
    arr = np.asarray(values, dtype=float)
    out = np.full(arr.shape, UNREACHABLE, dtype=np.int64)
    finite = np.isfinite(arr)
    out[finite] = np.minimum(np.floor(arr[finite] + 0.5), UNREACHABLE).astype(np.int64)
    return out


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Asymmetric travel times (s) and road distances (m) from each row id to each column id.

    `approximate` is True when built without a road network; every output built on such a matrix must
    say "approximate travel times". `source` says how it was made (network file and speeds, or model).
    """

    ids: tuple[str, ...]
    seconds: np.ndarray
    metres: np.ndarray
    approximate: bool = False
    source: str = ""
    network: str = ""  # file name of the road network it was computed on ("" when approximate or unknown)
    door_s: tuple[float, ...] | None = None  # per id: door time included in `seconds` (half each end)
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(set(self.ids)) != n:
            dup = sorted({i for i in self.ids if list(self.ids).count(i) > 1})
            raise InputError(f"duplicate place ids in travel matrix: {', '.join(dup[:5])}", field="id")
        for name in ("seconds", "metres"):
            arr = getattr(self, name)
            if arr.shape != (n, n):
                raise ValueError(f"{name} must be {n}x{n}, got {arr.shape}")
            if arr.dtype != np.int64:
                object.__setattr__(self, name, to_int(arr))
        if self.door_s is not None and len(self.door_s) != n:
            raise ValueError(f"door_s must have {n} values, got {len(self.door_s)}")
        object.__setattr__(self, "_index", {pid: k for k, pid in enumerate(self.ids)})

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, place_id: str) -> int:
        try:
            return self._index[place_id]
        except KeyError:
            raise InputError(f"place '{place_id}' is not in the travel matrix", field="id") from None

    def time_s(self, origin: str, destination: str) -> int:
        return int(self.seconds[self.index(origin), self.index(destination)])

    def distance_m(self, origin: str, destination: str) -> int:
        return int(self.metres[self.index(origin), self.index(destination)])

    def door_seconds(self) -> dict[str, float]:
        """Door time per place included in the times ({} when none): a leg a -> b holds (a + b) / 2."""
        return dict(zip(self.ids, self.door_s)) if self.door_s is not None else {}

    def reachable(self, origin: str, destination: str) -> bool:
        return self.time_s(origin, destination) < UNREACHABLE

    def unreachable_from_all(self) -> list[str]:
        """Ids that cannot reach, or cannot be reached from, some other place."""
        bad = (self.seconds >= UNREACHABLE)
        mask = bad.any(axis=0) | bad.any(axis=1)
        return [self.ids[k] for k in np.flatnonzero(mask)]

    def sub(self, ids: Sequence[str]) -> "TravelMatrix":
        """The matrix restricted to (and ordered as) `ids`."""
        idx = np.array([self.index(i) for i in ids], dtype=np.int64)
        door = tuple(self.door_s[k] for k in idx.tolist()) if self.door_s is not None else None
        return TravelMatrix(tuple(ids), self.seconds[np.ix_(idx, idx)], self.metres[np.ix_(idx, idx)],
                            self.approximate, self.source, self.network, door)

    # --- interchange -------------------------------------------------------------------------------
    def to_json_dict(self) -> dict:
        """JSON form: {"ids": [...], "seconds": [[...]], "metres": [[...]], "approximate": bool, ...}.

        Units: whole seconds and whole metres; unreachable pairs hold `unreachable` (10,000,000).
        """
        return {
            "ids": list(self.ids),
            "seconds": self.seconds.tolist(),
            "metres": self.metres.tolist(),
            "approximate": self.approximate,
            "source": self.source,
            "network": network_name(self),
            "unreachable": UNREACHABLE,
            **({"door_seconds": list(self.door_s)} if self.door_s is not None else {}),
        }

    @classmethod
    def from_json_dict(cls, data: dict, *, source: str = "matrix") -> "TravelMatrix":
        try:
            ids = tuple(str(i) for i in data["ids"])
            seconds = np.asarray(data["seconds"], dtype=float)
            metres = np.asarray(data["metres"], dtype=float)
        except KeyError as exc:
            raise InputError("missing key", source=source, field=str(exc.args[0])) from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a numeric matrix ({exc})", source=source) from None
        if seconds.shape != (len(ids), len(ids)) or metres.shape != seconds.shape:
            raise InputError(f"matrices must be {len(ids)}x{len(ids)}", source=source, field="seconds")
        door = data.get("door_seconds")
        try:
            door = tuple(float(x) for x in door) if door is not None else None
        except (TypeError, ValueError):
            raise InputError("door_seconds must be a list of numbers", source=source, field="door_seconds") from None
        if door is not None and len(door) != len(ids):
            raise InputError(f"door_seconds must have {len(ids)} values", source=source, field="door_seconds")
        return cls(ids, to_int(seconds), to_int(metres), bool(data.get("approximate", False)),
                   str(data.get("source", "")), str(data.get("network") or ""), door)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json_dict()), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "TravelMatrix":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read travel matrix ({exc})", source=str(path)) from None
        return cls.from_json_dict(data, source=str(path))

    def rows(self) -> Iterable[tuple[str, str, int, int]]:
        """(origin, destination, seconds, metres) for every ordered pair, for CSV output."""
        for i, a in enumerate(self.ids):
            for j, b in enumerate(self.ids):
                yield a, b, int(self.seconds[i, j]), int(self.metres[i, j])
