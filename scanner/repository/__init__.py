"""Reading a local repository: the ``repository`` collector and the snapshot probes share."""

from scanner.repository.collector import COLLECTOR, collect_repository
from scanner.repository.manifests import Dependency
from scanner.repository.pipelines import Job, Pipeline, Step
from scanner.repository.problems import Problem
from scanner.repository.snapshot import Match, RepoSnapshot

__all__ = [
    "COLLECTOR",
    "Dependency",
    "Job",
    "Match",
    "Pipeline",
    "Problem",
    "RepoSnapshot",
    "Step",
    "collect_repository",
]
