"""SH-4: the subgroup survey. Its sub-locale answer is what the router mixes on."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_record
from shards.models import SubgroupSurvey

QUESTIONS = [
    ("region", gettext_lazy("Which region of your locale do you live in?")),
    ("sub_locale", gettext_lazy("Which sub-locale best describes the language you grew up with?")),
    ("urban_rural", gettext_lazy("Do you live in a city, a town or the countryside?")),
    ("age_band", gettext_lazy("Your age band")),
    ("political_self_placement", gettext_lazy("Where would you place yourself politically (1 = left, 7 = right)?")),
    ("religion_practice", gettext_lazy("How often do you practise a religion?")),
    ("education", gettext_lazy("Highest level of education")),
    ("first_language", gettext_lazy("Your first language")),
    ("years_in_locale", gettext_lazy("Years lived in this locale")),
    ("media_diet", gettext_lazy("Where do you mostly get your news?")),
]


class SurveyIncomplete(ValueError):
    def __init__(self, missing: list[str]):
        super().__init__(_("Please answer every question: %(missing)s.") % {"missing": ", ".join(missing)})
        self.missing = missing


def survey_submit(*, user, answers: dict) -> SubgroupSurvey:
    """Store the ten answers. Only the router reads them (the survey is anonymous to peers);
    the sub-locale answer becomes the verifier's subgroup for the 70/30 mix."""

    cleaned = {key: str(answers.get(key, "")).strip()[:100] for key, _ in QUESTIONS}
    missing = [key for key, value in cleaned.items() if not value]
    if missing:
        raise SurveyIncomplete(missing)
    with transaction.atomic():
        survey, _ = SubgroupSurvey.objects.update_or_create(user=user, defaults={"answers": cleaned})
        before = user.sub_locale
        user.sub_locale = cleaned["sub_locale"]
        user.save(update_fields=["sub_locale"])
        # The audit keeps that the subgroup changed, not the answers: they stay anonymous.
        audit_record(
            actor=user,
            action="survey_submit",
            obj=user,
            before={"sub_locale": before},
            after={"sub_locale": user.sub_locale},
        )
    return survey
