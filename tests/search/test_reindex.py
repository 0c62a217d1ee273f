"""`expertnet search reindex` in a process of its own while the app serves searches: the new
generation is filled beside the live one and swapped in (Meilisearch: swap_indexes; Tantivy: the
CURRENT pointer), so no search sees an empty or partial index, and a profile change made during
the rebuild survives it. Runs on both engines."""

import os
import subprocess
import sys
from pathlib import Path

from tests.search.meili import server as meili_server
from tests.search.test_directory import _import

N = 300


def _records():
    return [
        {
            "external_id": f"R-{i}",
            "full_name": f"Reindex Expert {i}",
            "email": f"r{i}@reindex.example",
            "organisation": "Museum",
            "org_type": "museum",
            "country": "RS",
            "coverage_countries": ["RS"],
            "languages": ["sr", "en"],
            "categories": ["numismatics"],
            "specialties": [f"Coin hoard {i}"],
            "bio": "Numismatist.",
            "vetting_status": "approved",
        }
        for i in range(N)
    ]


def _cli_env(settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPERTNET_")}
    env.update(
        {
            "EXPERTNET_ENV": "test",
            "EXPERTNET_DATA_DIR": str(settings.data_dir),
            "EXPERTNET_DATABASE_URL": settings.database_url,
            "EXPERTNET_SECRET_KEY": settings.secret_key,
        }
    )
    if settings.meili_url:
        env.update(
            {
                "EXPERTNET_MEILI_URL": settings.meili_url,
                "EXPERTNET_MEILI_KEY": settings.meili_key or "",
                "EXPERTNET_MEILI_INDEX_PREFIX": settings.meili_index_prefix,
                "EXPERTNET_INLINE_WORKER": "true",
            }
        )
    return env


def test_reindex_in_another_process_never_shows_an_empty_index(env, cli, tmp_path, settings, engine):
    _import(cli, tmp_path, _records())
    official = env.member("le_official")
    expert = env.member("expert", expert={"specialties": ["Roman Imperial coinage"]})

    def total(q=""):
        r = env.client.get("/api/v1/experts/search", params={"q": q, "limit": 1}, headers=official.headers)
        assert r.status_code == 200, r.text
        return r.json()["total"]

    assert total() == N + 1
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("expertnet")), "search", "reindex"],
        env=_cli_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    changed = False
    while proc.poll() is None:
        seen.append(total())
        if not changed and len(seen) >= 2:  # a change while the rebuild runs
            profile = env.client.get("/api/v1/experts/me", headers=expert.headers).json()
            r = env.client.put(
                "/api/v1/experts/me",
                json={"version": profile["version"], "specialties": ["Khmer bronze statuary"]},
                headers=expert.headers,
            )
            assert r.status_code == 200, r.text
            changed = True
    output = proc.stdout.read()
    assert proc.returncode == 0, output
    assert f"{N + 1} experts" in output, output
    assert seen and min(seen) == max(seen) == N + 1, sorted(set(seen))
    assert total() == N + 1 and total("Khmer") == 1
    assert changed, "the rebuild ended before a change could be made during it"
    assert total("Imperial") == 0  # the change made during the rebuild survived it
    print(f"\n{engine}: {len(seen)} searches during the reindex, all saw {N + 1} experts")
    if engine == "meili":
        url, key = meili_server()
        from expertnet.search.meili_backend import MeiliBackend

        uids = {raw["uid"] for raw in MeiliBackend(url, key)._client().get_raw_indexes({"limit": 1000})["results"]}
        mine = {uid for uid in uids if uid.startswith(settings.meili_index_prefix)}
        assert not {uid for uid in mine if uid.endswith(("__new", "__journal"))}, mine
    else:
        generations = [p for p in (settings.data_dir / "search" / "experts").iterdir() if p.is_dir()]
        assert len(generations) == 1, generations
