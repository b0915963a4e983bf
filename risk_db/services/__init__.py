"""Risk DB writes (SPEC RK-1..RK-7). Sub-modules by sub-domain; the names other apps use are here.

Interface with modelhooks (MH-1): the scorer reads `risk_db.selectors.rules_for_scoring()` and writes
through `would_hits_record()` (and `scoring_volume_record()` for the would-hit rate's base).
The verifier queue uses `rules_matching_text()` (VQ-3 defer-to-rule, SH-1 clear-rule hits).
"""

from risk_db.services.evidence import (
    ComplaintIn,
    SurveyIn,
    complaint_coverage,
    complaints_record,
    survey_arm,
    survey_verdict,
    surveys_record,
    two_proportion_z,
)
from risk_db.services.hits import (
    WouldHitIn,
    filter_traffic_flush_record,
    filter_traffic_record,
    scoring_volume_record,
    would_hits_record,
)
from risk_db.services.horizon import (
    taboo_candidate_approve,
    taboo_candidate_reject,
    taboo_candidates_expire,
    taboo_nominate,
)
from risk_db.services.index import rules_index_rebuild
from risk_db.services.lifecycle import (
    EvidenceMissing,
    FourEyesRequired,
    local_verify_item_add,
    rule_graduation_evaluate,
    rule_propagation_evaluate,
    rule_revert_evaluate,
    rule_shard_promote,
    rules_lifecycle_evaluate,
)
from risk_db.services.patterns import PatternRejected, PatternTooBroad, rule_pattern_check, rule_pattern_compile
from risk_db.services.rules import (
    TransitionRefused,
    rule_candidate_settle,
    rule_create,
    rule_soften,
    rule_state_transition,
    rule_version_matches,
    rule_version_publish,
    rule_version_restore,
    rules_matching_text,
)

__all__ = [
    "ComplaintIn",
    "EvidenceMissing",
    "FourEyesRequired",
    "PatternRejected",
    "PatternTooBroad",
    "SurveyIn",
    "TransitionRefused",
    "WouldHitIn",
    "complaint_coverage",
    "complaints_record",
    "filter_traffic_flush_record",
    "filter_traffic_record",
    "local_verify_item_add",
    "rule_create",
    "rule_graduation_evaluate",
    "rule_pattern_check",
    "rule_pattern_compile",
    "rule_propagation_evaluate",
    "rule_revert_evaluate",
    "rule_shard_promote",
    "rule_soften",
    "rule_candidate_settle",
    "rule_state_transition",
    "rule_version_matches",
    "rule_version_publish",
    "rule_version_restore",
    "rules_index_rebuild",
    "rules_lifecycle_evaluate",
    "rules_matching_text",
    "scoring_volume_record",
    "survey_arm",
    "survey_verdict",
    "surveys_record",
    "taboo_candidate_approve",
    "taboo_candidate_reject",
    "taboo_candidates_expire",
    "taboo_nominate",
    "two_proportion_z",
    "would_hits_record",
]
