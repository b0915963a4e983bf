"""`migrate`, plus one step for databases built before the user model moved to `core`.

`core.0001_initial` only changes Django's state (the tables stay `verifier_user` and
`verifier_auditevent`), but Django's own `admin.0001` and `authtoken.0001` depend on the app that
holds the user model. On a database migrated before the move they are applied while `core.0001` is
not, and Django refuses to migrate (InconsistentMigrationHistory). Recording `core.0001` as applied
is exact there: it has no database operations, and the tables it describes already exist.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from core.migration_history import user_move_record


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        if user_move_record(connection=connections[options["database"]]) and options["verbosity"] >= 1:
            self.stdout.write("Recorded core.0001_initial (state only: the user model moved from verifier to core).")
        return super().handle(*args, **options)
