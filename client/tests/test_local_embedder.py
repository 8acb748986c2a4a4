"""The offline all-MiniLM-L6-v2 embedder, with the real ONNX model from the `local` extra."""

from __future__ import annotations

import math

import pytest

from animus.local_embedder import LocalEmbedder

pytestmark = pytest.mark.unit  # no database: the fast lane (pytest -m unit)


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return LocalEmbedder(batch_size=4)


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_protocol_attributes(embedder: LocalEmbedder) -> None:
    assert embedder.model == "all-MiniLM-L6-v2"
    assert embedder.provider == "local"
    assert embedder.dimensions == 384


async def test_vectors_have_384_dims_and_unit_length(embedder: LocalEmbedder) -> None:
    vectors = await embedder.embed(["The deploy failed because the disk was full.", "x"])
    assert len(vectors) == 2
    for v in vectors:
        assert len(v) == 384
        assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-5)


async def test_similar_sentences_score_higher_than_unrelated(embedder: LocalEmbedder) -> None:
    cat, kitten, revenue, ocean = await embedder.embed(
        [
            "A cat is sleeping on the sofa.",
            "A kitten naps on the couch.",
            "Quarterly revenue grew by ten percent.",
            "Whales migrate across the Pacific every winter.",
        ]
    )
    assert cosine(cat, kitten) > 0.5
    assert cosine(cat, kitten) > cosine(cat, revenue) + 0.3
    assert cosine(cat, kitten) > cosine(cat, ocean) + 0.3


async def test_batching_matches_single_calls(embedder: LocalEmbedder) -> None:
    # Ten texts of very different lengths: with batch_size 4 they are padded together in
    # three batches, and padding must not change any vector.
    texts = [("word " * n).strip() + f" number {n}" for n in (1, 3, 40, 2, 7, 100, 5, 1, 60, 9)]
    batched = await embedder.embed(texts)
    for text, vector in zip(texts, batched, strict=True):
        (single,) = await embedder.embed([text])
        assert max(abs(a - b) for a, b in zip(vector, single, strict=True)) < 1e-4


async def test_long_text_is_truncated_at_256_tokens_not_128(embedder: LocalEmbedder) -> None:
    head = "The database migration moved every table to the new cluster. " * 12  # ~130 tokens
    tail_a = "Afterwards the team celebrated with pizza and music. " * 10
    tail_b = "Afterwards the cluster crashed and all data was lost forever. " * 10
    a, b = await embedder.embed([head + tail_a, head + tail_b])
    # With truncation at 128 tokens both texts would embed to the same vector.
    assert cosine(a, b) < 0.99


async def test_empty_input_and_a_bare_string(embedder: LocalEmbedder) -> None:
    assert await embedder.embed([]) == []
    with pytest.raises(TypeError):
        await embedder.embed("not a list")
