from django.apps import AppConfig


class ShardsConfig(AppConfig):
    name = "shards"
    verbose_name = "Shards, pools and intake"

    def ready(self):
        from shards import lookups  # noqa: F401  registers the `__any` lookup
