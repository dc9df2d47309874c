from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "painpath.pathway"
    label = "pathway"
