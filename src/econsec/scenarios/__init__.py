"""Coercion scenarios: export bans, quotas, tariffs and coalition export controls.

Typical use::

    from econsec.scenarios import export_ban, load_scenario, run_scenario

    res = export_ban("CHN", "JPN", year=2024, products="850511", redirect=0.2)
    res.to_polars()           # importer, product, baseline_imports, lost_imports, replaced, ...
    res.totals(), res.params, res.notes

    res = run_scenario(load_scenario("examples/scenarios/cn_jp_magnets_2024.toml"), draws=1000)
    res.uncertainty           # median and 90% interval of every headline number

Modules: :mod:`.spec` (typed specifications, TOML), :mod:`.model` (bans and substitution),
:mod:`.tariff` (Armington/CES), :mod:`.coalition` (residual access, who must join),
:mod:`.montecarlo`, :mod:`.elasticities` (ProTEE), :mod:`.propagation` (MRIO),
:mod:`.assembly` (names, products and flows, resolved once), :mod:`.measures` (one measure on
the flows), :mod:`.api` (the verbs) and :mod:`.results`. The HTML page is
:mod:`econsec.report.scenario_html`.
"""

from econsec.scenarios.api import coalition_control, export_ban, run_scenario, tariff
from econsec.scenarios.elasticities import Elasticities, load_elasticities, read_protee
from econsec.scenarios.results import IOOutcome, MeasureResult, ScenarioResult
from econsec.scenarios.spec import (
    CoalitionControl,
    ExportBan,
    IOSpec,
    MonteCarloSpec,
    Quota,
    Scenario,
    Tariff,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "CoalitionControl",
    "Elasticities",
    "ExportBan",
    "IOOutcome",
    "IOSpec",
    "MeasureResult",
    "MonteCarloSpec",
    "Quota",
    "Scenario",
    "ScenarioResult",
    "Tariff",
    "coalition_control",
    "export_ban",
    "load_elasticities",
    "load_scenario",
    "parse_scenario",
    "read_protee",
    "run_scenario",
    "tariff",
]
