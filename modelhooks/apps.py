from django.apps import AppConfig


class ModelhooksConfig(AppConfig):
    name = "modelhooks"
    verbose_name = "Model hooks"
