"""SH-4: the subgroup survey. Its sub-locale answer is what the router mixes on."""

from django.db import transaction

from core.audit import audit_record
from shards.models import SubgroupSurvey

QUESTIONS = [
    ("region", "Which region of your locale do you live in?"),
    ("sub_locale", "Which sub-locale best describes the language you grew up with?"),
    ("urban_rural", "Do you live in a city, a town or the countryside?"),
    ("age_band", "Your age band"),
    ("political_self_placement", "Where would you place yourself politically (1 = left, 7 = right)?"),
    ("religion_practice", "How often do you practise a religion?"),
    ("education", "Highest level of education"),
    ("first_language", "Your first language"),
    ("years_in_locale", "Years lived in this locale"),
    ("media_diet", "Where do you mostly get your news?"),
]


class SurveyIncomplete(ValueError):
    def __init__(self, missing: list[str]):
        super().__init__(f"Please answer every question: {', '.join(missing)}.")
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
