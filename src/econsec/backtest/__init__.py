"""Back-tests: do the coercion scenarios predict what happened.

An event library (:mod:`.events`, data in ``econsec/data/events``) of dated coercion measures
with their HS6 products and sources; :mod:`.run` replays each measure with the scenario
engine on the year before it and sets the trade data of the years after beside the
prediction; :mod:`.score` scores the predictions per horizon and finds the redirect fraction
that fits; :mod:`.reported` reads the importers' own reports (Comtrade, national customs)
where BACI lacks the products; :mod:`.rows` defines the rows, :mod:`.api` holds the verbs and
:mod:`.results` the results.
"""

from econsec.backtest.api import backtest, events, list_events, score_events
from econsec.backtest.events import Event, EventMeasure, load_event, load_events, parse_event
from econsec.backtest.results import BacktestResult, ScoreResult

__all__ = [
    "BacktestResult",
    "Event",
    "EventMeasure",
    "ScoreResult",
    "backtest",
    "events",
    "list_events",
    "load_event",
    "load_events",
    "parse_event",
    "score_events",
]
