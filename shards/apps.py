from django.apps import AppConfig


class ShardsConfig(AppConfig):
    name = "shards"
    verbose_name = "Shards, pools and intake"
