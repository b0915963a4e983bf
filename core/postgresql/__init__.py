"""Django's PostgreSQL backend with the pool check of issue 14 (`base.DatabaseWrapper`); settings.DATABASES uses it."""
