from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "painpath.pathway"
    label = "pathway"

    def ready(self) -> None:
        from painpath.pathway import handlers  # noqa: F401  (connects the signal receivers)
