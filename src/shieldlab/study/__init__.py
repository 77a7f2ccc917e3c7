"""Studies: sweeps and designs over scenarios and postures, sensitivity, the results store.

Public API: :func:`load_study` (a study file, validated), :func:`run_study` (run or
resume it, in-process or on any ``concurrent.futures.Executor``), :func:`load_results`
(what a results directory holds), :func:`study_file_schema` (``shieldlab schema
--study``). The file syntax, designs, store layout and the sensitivity methods are
documented in docs/study.md.
"""

from __future__ import annotations

from shieldlab.study.model import Study, StudyFile, load_study, study_file_schema
from shieldlab.study.runner import StudyResults, load_results, process_pool, run_study

__all__ = [
    "Study",
    "StudyFile",
    "StudyResults",
    "load_results",
    "load_study",
    "process_pool",
    "run_study",
    "study_file_schema",
]
