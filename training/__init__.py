"""Training data: the one owner of the training-sample tables (issue 9).

`training` alone writes accepted samples, their 4-hourly batches (IN-12), the taint list (IN-11) and
the AP-5 reversal items, and offers the reads the export needs (`training.selectors`). No other
module imports these models.

Where it sits: above `shards`, below `verifier` (docs/architecture.md). A sample is made from intake's
correction graphs and ledgers (shards) and is read by the export (modelhooks); the verifier records
rulings and appeal reversals through `training.services`. So `training` imports `shards` freely
and is imported by `verifier` and `modelhooks`; `shards` never imports it: intake names
`training.intake.settle` in `settings.INTAKE["PIPELINE"]` and asks which posts already hold a
sample through the dotted path `settings.INTAKE["SAMPLED_POSTS"]`. Closing the cases of
crowd-settled posts belongs to the verifier's queue (above): `settle` takes that callable from
`settings.INTAKE["CROWD_CASES_CLOSE"]`.

The models keep their old tables (`shards_*`, `verifier_reexportitem`): the move is state-only.
"""
