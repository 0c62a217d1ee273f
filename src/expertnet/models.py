"""Imports every table module so that SQLModel.metadata is complete (Alembic, tests)."""


def import_all_models() -> None:
    import expertnet.core.models  # noqa: F401
    import expertnet.experts.models  # noqa: F401
    import expertnet.members.models  # noqa: F401

    import expertnet.consultations.models  # noqa: F401
    import expertnet.notifications.models  # noqa: F401
    import expertnet.matching.vectors  # noqa: F401
    import expertnet.retention.models  # noqa: F401
    import expertnet.objects.models  # noqa: F401
    import expertnet.sessions.models  # noqa: F401
