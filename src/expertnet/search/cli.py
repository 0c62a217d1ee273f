"""`expertnet search ...`: the operator's view of the indexes."""

import asyncio
import json

import click


def register(main: click.Group) -> None:
    @main.group()
    def search() -> None:
        """Search indexes."""

    @search.command("experts")
    @click.argument("text", default="")
    @click.option("--category", "categories", multiple=True)
    @click.option("--language", "languages", multiple=True)
    @click.option("--country", "countries", multiple=True, help="covered country (ISO alpha-2)")
    @click.option("--limit", default=20, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="one JSON object per hit")
    def search_experts(text, categories, languages, countries, limit, as_json) -> None:
        """Search the whole directory (operator view: every vetting status)."""
        from expertnet.config import get_settings
        from expertnet.core.errors import AppError
        from expertnet.search import service
        from expertnet.search.controllers import parse_params
        from expertnet.search.indexer import get_search
        from expertnet.search.schemas import ExpertSearchIn

        try:
            params = parse_params(
                ExpertSearchIn,
                q=text,
                categories=list(categories),
                languages=list(languages),
                countries=list(countries),
                limit=limit,
            )
            page = asyncio.run(service.search_experts(get_search(get_settings()), None, params, system=True))
        except AppError as exc:
            raise click.ClickException(exc.detail) from None
        if as_json:
            for hit in page.items:
                click.echo(json.dumps(hit.model_dump(exclude={"highlights"}), ensure_ascii=False))
            return
        click.echo(f"{page.total} expert(s)")
        for hit in page.items:
            click.echo(
                f"{hit.external_id:12} {hit.full_name:32} {hit.country}  {', '.join(hit.categories)}  [{', '.join(hit.languages)}]  {hit.vetting_status}"
            )

    @search.command("reindex")
    def reindex() -> None:
        """Rebuild every index from the database, with no window of empty results."""
        from expertnet.core.cli import progress_bar
        from expertnet.config import get_settings
        from expertnet.db import Database
        from expertnet.search import indexer

        async def go() -> dict:
            db = Database(get_settings())
            try:
                counts = {}
                with progress_bar("experts", None) as bar:
                    task = bar.tasks[0].id
                    counts["experts"] = await indexer.rebuild_experts(db, lambda n: bar.update(task, completed=n))
                with progress_bar("consultations", None) as bar:
                    task = bar.tasks[0].id
                    counts["consultations"] = await indexer.rebuild_consultations(
                        db, lambda n: bar.update(task, completed=n)
                    )
                return counts
            finally:
                await db.dispose()

        counts = asyncio.run(go())
        click.echo("reindexed: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
