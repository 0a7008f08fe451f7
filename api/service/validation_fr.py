"""French reasons for the request-validation errors users meet (pydantic writes them in English).

`french_message(error)` takes one error of `RequestValidationError.errors()` and gives the sentence shown to
users; a type not listed keeps pydantic's text (it names the field all the same)."""

from __future__ import annotations

from typing import Any

from api.service.routers.schemas import HOURS_RE

_PATTERNS_FR = {HOURS_RE: "format attendu HH:MM-HH:MM, par exemple 09:00-17:00",
                r"^[0-9][0-9AB][0-9]{3}$": "code INSEE attendu (5 caractères, par exemple 77379)"}


def _number(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).replace(".", ",")


def french_message(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error":  # our validators' own French reason, without pydantic's prefix
        reason = ctx.get("error")
        return str(reason) if reason is not None else str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"valeur non reconnue : attendu {str(ctx.get('expected', '')).replace(' or ', ' ou ')}"
    if kind == "string_pattern_mismatch":
        return _PATTERNS_FR.get(ctx.get("pattern"), "format non reconnu")
    templates = {
        "missing": "champ requis",
        "extra_forbidden": "champ inconnu",
        "string_too_short": "au moins {min_length} caractère(s)",
        "string_too_long": "au plus {max_length} caractères",
        "too_short": "au moins {min_length} élément(s)",
        "too_long": "au plus {max_length} élément(s)",
        "greater_than_equal": "doit valoir au moins {ge}",
        "less_than_equal": "doit valoir au plus {le}",
        "greater_than": "doit être supérieur à {gt}",
        "less_than": "doit être inférieur à {lt}",
        "int_parsing": "nombre entier attendu",
        "int_type": "nombre entier attendu",
        "int_from_float": "nombre entier attendu",
        "float_parsing": "nombre attendu",
        "float_type": "nombre attendu",
        "bool_parsing": "oui ou non attendu (true ou false)",
        "bool_type": "oui ou non attendu (true ou false)",
        "string_type": "texte attendu",
        "list_type": "liste attendue",
        "dict_type": "objet {{clé: valeur}} attendu",
        "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
        "date_parsing": "date attendue (AAAA-MM-JJ)",
        "date_type": "date attendue (AAAA-MM-JJ)",
        "json_invalid": "corps de requête JSON illisible",
    }
    if kind in templates:
        try:
            return templates[kind].format(**{k: _number(v) for k, v in ctx.items()})
        except (KeyError, IndexError):
            return templates[kind].split(" {")[0]
    return str(error.get("msg", ""))
