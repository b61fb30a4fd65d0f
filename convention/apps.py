from django.apps import AppConfig


class ConventionConfig(AppConfig):
    name = "convention"
    verbose_name = "Convention"

    def ready(self) -> None:
        from . import second_factors

        second_factors.connect()
