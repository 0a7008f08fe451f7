"""Demo step: every output of every plan the earlier steps made (ctx.views), in OUT/outputs/<kind>/."""

from __future__ import annotations

from api.outputs import write_all

OUTLINES = "data/provinois/outlines.geojson"


def run(ctx) -> None:
    from api.cli.demo_job import REPO

    outlines = REPO / OUTLINES
    for kind, view in ctx.views.items():
        target = ctx.out / "outputs" / kind
        with ctx.console.status(f"Exports ({kind})…"):
            written = write_all(view, target, network=ctx.network,
                                outlines=outlines if outlines.exists() else None)
        n = sum(len(v) for v in written.values())
        ctx.console.print(f"[green]✓[/] Exports {kind} : {n} fichiers dans {target}", highlight=False)
