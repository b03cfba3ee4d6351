"""Outputs signed by the previous release (token hash v2): brought forward when no stored text
has a character token, refused in one line when one does."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dedup.shingles import has_character_tokens, hash_texts, hash_token_lists, hashes_digest
from dedup.signatures import SAME_WITHOUT_CHARACTER_TOKENS, SHINGLE_HASH_VERSION, SignatureSettings, sign_token_hashes
from storage.dataset import Dataset
from tests.conftest import SEEDS
from tests.parsers.multilingual_pages import CHINESE_METRO
from tests.test_cli import newsdedup

#: A dataset as the previous release wrote it (tests/fixtures/make_v2_output.py, commit 6d28c6f).
V2_OUTPUT = Path(__file__).resolve().parent.parent / "fixtures" / "v2_output"
#: Its stored story that has no copy yet (seeds/003): the one a new copy is matched against.
LONE_STORY = "f0a9c0f520685095"


def v2_tokens(text: str) -> list[str]:
    """Token hash v2's tokens (``git show 6d28c6f:dedup/shingles.py``): the ``\\w+`` runs."""
    return re.findall(r"\w+", text.lower())


def stored(output: Path, table: str) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted((output / table).glob("**/*.parquet")))


def test_the_previous_release_signed_text_without_character_tokens_as_this_one_does():
    articles = pa.concat_tables(
        [
            stored(V2_OUTPUT, "articles"),
            stored(V2_OUTPUT, "duplicates").select(stored(V2_OUTPUT, "articles").column_names),
        ]
    )
    texts = articles["text"].to_pylist()
    assert len(texts) == 4 and not any(map(has_character_tokens, texts))
    token_hashes = hash_texts(texts)
    # Content hashes and article ids as that release stored them, recomputed by this one.
    digests = [hashes_digest(token_hashes.of(i)) for i in range(len(texts))]
    assert digests == articles["content_hash"].to_pylist()
    assert [d[:16] for d in digests] == articles["article_id"].to_pylist()
    # Its stored signatures, bit for bit (settings as its manifest records them).
    manifest = json.loads((V2_OUTPUT / "_manifest.json").read_text())["signature_settings"]
    assert manifest["newsdedup.shingle_hash"] in SAME_WITHOUT_CHARACTER_TOKENS
    settings = SignatureSettings(num_perm=128, seed=1, shingle_size=int(manifest["newsdedup.shingle_size"]))
    signatures = stored(V2_OUTPUT, "signatures")
    values, counts = sign_token_hashes(hash_texts(texts[:2]), settings)
    assert signatures["article_id"].to_pylist() == articles["article_id"].to_pylist()[:2]
    assert np.array_equal(values, np.array(signatures["hashvalues"].to_pylist(), dtype=np.uint32))
    assert counts.tolist() == signatures["shingle_count"].to_pylist()


def test_only_texts_with_character_tokens_have_other_tokens_than_v2():
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [
        "İstanbul’s Ωμέγα, naïve café — 5 km (Ⅻ) ＡＢＣ 한국어 문장",
        "Tokyo・Osaka",
    ]  # (・ is not a word character)
    assert not any(map(has_character_tokens, texts))
    for text in texts:
        assert np.array_equal(hash_texts([text]).hashes, hash_token_lists([v2_tokens(text)]).hashes)
    chinese = "".join(CHINESE_METRO.paragraphs)
    for text in (chinese, "Tokyo (東京) said", "ราคาน้ำมัน", "カタカナ"):
        assert has_character_tokens(text)
        assert not np.array_equal(hash_texts([text]).hashes, hash_token_lists([v2_tokens(text)]).hashes)


def v2_copy(tmp_path) -> Path:
    output = tmp_path / "v2"
    shutil.copytree(V2_OUTPUT, output)
    return output


def test_upgrade_brings_the_signatures_forward_and_a_syndicated_copy_is_found(run_ingest, tmp_path):
    output = v2_copy(tmp_path)
    upgraded = newsdedup("upgrade", str(output))
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == (
        f"upgraded {output}: schema version 2 to 3; shingle hash 'poly64-fmix64-v2-fold-v2' to "
        f"{SHINGLE_HASH_VERSION!r} (no stored text is in a script whose tokens changed)\n"
    )
    manifest = json.loads((output / "_manifest.json").read_text())
    assert manifest["signature_settings"]["newsdedup.shingle_hash"] == SHINGLE_HASH_VERSION
    assert manifest["signature_settings"]["newsdedup.shingle_size"] == "2"

    # Another site's copy of the stored story seeds/003: own furniture, a wire credit, a few
    # words edited, the last paragraph cut. Only its stored signature can find it.
    story = (SEEDS / "003_809269d57f52441b.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in story.split("\n\n") if p.strip()]
    body = "\n\n".join(paragraphs[2:-1]).replace("TOKYO —", "AMMAN (Kyodo) —").replace("Monday", "Tuesday")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "wire-copy.txt").write_text(f"{paragraphs[1]}\n\n{body}\n\nCopyright Kyodo News\n", encoding="utf-8")
    summary = run_ingest([inbox], output)
    assert (summary["articles"], summary["duplicates"]) == (0, 1)
    duplicates = Dataset.for_reading(str(output)).read("duplicates").to_pylist()
    new = [d for d in duplicates if d["source_path"].endswith("wire-copy.txt")]
    assert [(d["canonical_id"], d["method"] != "exact") for d in new] == [(LONE_STORY, True)]


def with_chinese_text(output: Path, table: str) -> str:
    """Rewrite the first file of ``table`` as if the previous release had stored Chinese text
    in its first row; returns that row's article id."""
    path = sorted((output / table).glob("**/*.parquet"))[0]
    data = pq.read_table(path)
    texts = data["text"].to_pylist()
    texts[0] = texts[0] + "\n\n" + "".join(CHINESE_METRO.paragraphs)
    data = data.set_column(data.column_names.index("text"), "text", pa.array(texts, pa.string()))
    pq.write_table(data, path)
    return data["article_id"][0].as_py()


def test_an_output_holding_chinese_text_is_refused_in_one_line_and_left_as_it_was(run_ingest, tmp_path):
    for table in ("articles", "duplicates"):
        output = v2_copy(tmp_path / table)
        article = with_chinese_text(output, table)
        before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
        refused = newsdedup("upgrade", str(output))
        line = (
            f"newsdedup: the output {output} cannot be upgraded: article {article} has text in Chinese, Japanese, "
            "Thai, Lao, Khmer or Myanmar script, which this newsdedup tokenises per character, so its stored "
            "signatures and ids (shingle hash 'poly64-fmix64-v2-fold-v2') differ from this version's "
            f"({SHINGLE_HASH_VERSION!r}); ingest into a new output directory\n"
        )
        assert (refused.returncode, refused.stdout, refused.stderr) == (2, "", line)
        inbox = tmp_path / table / "in"
        inbox.mkdir()
        (inbox / "new.txt").write_text("A story of its own, not stored before, with words enough.\n")
        ingest = newsdedup("ingest", str(inbox), "--output", str(output), "--quiet")
        assert (ingest.returncode, ingest.stderr.splitlines()) == (2, [line.rstrip()])
        assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file() and p.name != "_lock"} == before
