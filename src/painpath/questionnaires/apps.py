from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "painpath.questionnaires"
    label = "questionnaires"
