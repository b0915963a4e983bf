"""Ship the TH-risks-lm lexicon (SH-3) with the schema, so every deployment tags Thai royal terms."""
from pathlib import Path

from django.db import migrations

LEXICON = Path(__file__).resolve().parent.parent / "lexicons" / "TH-risks-lm.txt"


def load(apps, schema_editor):
    RiskLexicon = apps.get_model("shards", "RiskLexicon")
    RiskTerm = apps.get_model("shards", "RiskTerm")
    lexicon, _ = RiskLexicon.objects.get_or_create(
        name="TH-risks-lm", defaults={"locale_code": "th-TH", "description": "Thai royal names, titles and glyphs"})
    for line in LEXICON.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            category, term = line.split("\t", 1)
            RiskTerm.objects.get_or_create(lexicon=lexicon, term=term.strip(), defaults={"category": category})


class Migration(migrations.Migration):
    dependencies = [("shards", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
