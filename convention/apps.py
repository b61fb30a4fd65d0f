from django.apps import AppConfig


class ConventionConfig(AppConfig):
    name = "convention"
    verbose_name = "Convention"
