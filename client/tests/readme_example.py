import asyncio
import os

from animus import Db, LocalEmbedder, NewMemory, NewWorkItem

RUNBOOK = """# Runbook

## Backups
Backups run nightly at 02:00 and are kept for 30 days.

## Restores
A restore needs the vault key, which the on-call lead holds.
"""


async def main() -> None:
    embedder = LocalEmbedder()  # offline all-MiniLM-L6-v2, 384 dimensions
    async with await Db.connect(os.environ["DATABASE_URL"], embedder=embedder) as db:
        await db.create_queue("inbox")
        task = {"fact": "example.com is a domain reserved for documentation examples"}
        await db.submit_work(
            NewWorkItem(queue_name="inbox", work_type="remember", source="agent", params=task)
        )
        for work in await db.read_work("inbox", vt_seconds=60):
            await db.store_memories([NewMemory(content=work.params["fact"], memory_type="fact")])
            await db.complete(work, outcome_data={"stored": True})  # passes the lease
        facts = {"memory_type": "fact"}
        for hit in await db.hybrid_search("which domain is for examples?", limit=3, filters=facts):
            print(f"{hit.score:.4f}  {hit.content}")

        # A document is stored in chunks that fit the embedder (by heading, then by tokens);
        # storing the same key again replaces all of its chunks.
        await db.store_document("docs/runbook.md", RUNBOOK)
        hits = await db.hybrid_search("who has the vault key?", limit=3, group_by_document=True)
        best = hits[0]
        print(best.metadata["document"], best.metadata["headings"], best.content.splitlines()[-1])

        # Each tenant's agent works in a scope of its own: it stores and recalls only there.
        wishes = {"acme": "Acme wants weekly reports.", "globex": "Globex wants daily ones."}
        for tenant, wish in wishes.items():
            await db.scoped(f"{tenant}/agent:reporter").store_memory(wish, "preference")
        acme_agent = db.scoped("acme/agent:reporter")
        (only,) = await acme_agent.search_memory("how often does the customer want reports?", 5)
        print(only.content)


asyncio.run(main())
