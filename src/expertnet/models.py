"""Imports every table module so that SQLModel.metadata is complete (Alembic, tests)."""


def import_all_models() -> None:
    import expertnet.core.models  # noqa: F401
    import expertnet.experts.models  # noqa: F401
    import expertnet.members.models  # noqa: F401

    try:
        import expertnet.consultations.models  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "expertnet.consultations.models" and exc.name != "expertnet.consultations":
            raise
