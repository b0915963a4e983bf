"""`manage.py release_weights_perturb NAME [--noise 0.2] [--seed 0]`: a weights file for a demo release, so
a release can be seen held (or, with a large noise, failing its canaries) under `make run`."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import Refused
from modelhooks.services.releases import release_weights_perturb


class Command(BaseCommand):
    help = "Write the shipped canary-target weights plus seeded noise to RELEASE_WEIGHTS_DIR/NAME (a .pt file)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="file name under MODELHOOKS RELEASE_WEIGHTS_DIR, ending in .pt")
        parser.add_argument("--noise", type=float, default=0.2, help="share of each weight tensor's std")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, name, noise, seed, **options):
        try:
            path = release_weights_perturb(name=name, noise=noise, seed=seed)
        except Refused as exc:
            raise CommandError(str(exc.detail)) from exc
        self.stdout.write(f'{path}: register it with POST /api/v1/releases/ {{"weights": "{name}", ...}}')
