"""The one French vocabulary of the product: weekdays, months, dates, roles, stop kinds and statuses, as
users read them on pages, maps, sheets and exports."""

from __future__ import annotations

from datetime import date

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_SHORT = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")  # "lun. 05/12", "lun.–ven. 09h00–12h00"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
ROLE_FR = {"doctor": "médecin", "nurse": "infirmier·e", "ipa": "infirmier·e en pratique avancée",
           "unit": "unité mobile"}
STOP_KIND_FR = {"depart": "Départ", "visit": "Visite", "joint_visit": "Visite conjointe", "session": "Consultations",
                "break": "Pause", "return": "Retour", "night": "Nuit"}
PLAN_STATUS_FR = {"proposed": "proposé", "approved": "retenu", "withdrawn": "retiré", "draft": "brouillon",
                  "published": "publié", "superseded": "remplacé"}
JOB_STATUS_FR = {"queued": "en file d'attente", "running": "en cours", "done": "terminé", "failed": "échec",
                 "cancelled": "annulé", "interrupted": "interrompu (redémarrage)"}


def day_fr(d: date) -> str:
    """date(2026, 11, 30) -> 'lundi 30 novembre 2026'."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"
