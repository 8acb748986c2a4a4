import asyncio
import os

from animus import Db, LocalEmbedder, NewMemory, NewWorkItem


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
        for hit in await db.hybrid_search("which domain is for examples?", embedder, limit=3):
            print(f"{hit.score:.4f}  {hit.content}")


asyncio.run(main())
