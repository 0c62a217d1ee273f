"""Routing: which vetted experts should be offered a consultation request, and why.

Two stages, so that a request costs about the same with 80 experts or 100,000:

1. Retrieval from the search index (never a table scan): :mod:`.retrieval`. The hard constraints
   the index knows are filters; queries by category and concepts, by the words the vocabulary did
   not understand, and by the request's dense vector gather the candidates.
2. The candidates' rows and profile vectors are loaded from the database, every hard constraint is
   checked again on them (:mod:`.constraints`), and the survivors are scored (:mod:`.scoring`) and
   ranked (:mod:`.ranking`).

The request is read once by the shared query-understanding step (:mod:`.request`, on
:func:`expertnet.matching.understanding.understand`): categories (the official's one as a hint),
concepts, excluded concepts, words and the dense vector.
"""

from expertnet.consultations.routing.constraints import (
    OVERRIDABLE,
    conflict_matches,
    constraint_findings,
    hard_constraint_problems,
)
from expertnet.consultations.routing.model import Candidate, RoutingSpec
from expertnet.consultations.routing.ranking import eligibility, evaluate_expert, rank_candidates, rank_loaded
from expertnet.consultations.routing.request import RequestProfile, analyse_request, infer_categories, infer_category
from expertnet.consultations.routing.scoring import score_expert

__all__ = [
    "OVERRIDABLE",
    "Candidate",
    "RequestProfile",
    "RoutingSpec",
    "analyse_request",
    "conflict_matches",
    "constraint_findings",
    "eligibility",
    "evaluate_expert",
    "hard_constraint_problems",
    "infer_categories",
    "infer_category",
    "rank_candidates",
    "rank_loaded",
    "score_expert",
]
