"""The self-contained HTML report of a run (docs/report.md).

:class:`Report` is the generic builder (sections of text, tables, code and plotly
figures; plotly.js written once; atomic writes); :func:`run_report` composes the report
of ``shieldlab run --report DIR``. plotly and matplotlib (the ``[plot]`` extra) are
imported only when a figure is rendered.
"""

from __future__ import annotations

from shieldlab.report.document import Report, Section, check_report_dir
from shieldlab.report.run import CARDS, REPRODUCE, RESULTS, SUMMARY, run_report

__all__ = [
    "CARDS",
    "REPRODUCE",
    "RESULTS",
    "SUMMARY",
    "Report",
    "Section",
    "check_report_dir",
    "run_report",
]
