"""What ``cashew seed season`` prints when it is done: the season as the regulators' summary
reads it (SPEC §6.4), so that anyone can see at a glance whether it looks like the sector."""

from typing import Any

from .run import SeasonResult


def _t(kg: float) -> str:
    return f"{kg / 1000:,.0f} t"


def _shares(rows: list[dict[str, Any]], key: str, total: float, top: int) -> str:
    parts = [f"{row[key]} {row['quantity_kg'] / total:.0%}" for row in rows[:top] if total]
    return ", ".join(parts) + (", …" if len(rows) > top else "")


def season_lines(summary: dict[str, Any], result: SeasonResult) -> list[str]:
    """A few lines: harvest by district, raw nuts domestic and imported, kernel by grade, exports."""
    farms, harvest, received = summary["farms"], summary["harvest"], summary["raw_nuts_received"]
    kernel, exports = summary["kernel"], summary["exports"]
    domestic, imported = received["domestic_kg"], received["imported_kg"]
    intake = domestic + imported
    districts = ", ".join(f"{row['name']} {_t(row['quantity_kg'])}" for row in harvest["by_district"][:4])
    minutes, seconds = divmod(round(result.seconds), 60)
    return [
        f"season {summary['season']}: {farms['registered']:,} farms, {farms['registered_area_ha']:,.0f} ha; "
        f"{result.ledger_size:,} ledger entries, {result.checkpoints:,} signed checkpoint"
        f"{'' if result.checkpoints == 1 else 's'} ({minutes} min {seconds} s)",
        f"ledger root {result.root_hash.hex()}",
        f"harvest {_t(harvest['total_kg'])} at {harvest['mean_yield_t_per_ha']} t/ha: {districts}, …",
        f"raw nuts received {_t(intake)}: domestic {_t(domestic)} ({domestic / intake if intake else 0:.1%}), "
        f"imported {_t(imported)} (" + _shares(received["imported_by_country"], "country", imported, 5) + ")",
        f"kernel {_t(kernel['total_kg'])} ({summary['processing']['kernel_ratio']} of the raw nuts): "
        + _shares(kernel["by_grade"], "grade", kernel["total_kg"], 6),
        f"exports {_t(exports['total_kg'])} in {exports['shipments']:,} containers: "
        + _shares(exports["by_destination"], "country", exports["total_kg"], 5),
        f"the regulator's API key (shown once; read the season at /api/v1/oversight/summary?season="
        f"{summary['season']} and /dashboard): {result.regulator_key}",
    ]
